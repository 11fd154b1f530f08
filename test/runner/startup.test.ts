import { startRunner } from '../../tools/local-runner';
import { fixtureAppDir, fixtureSettings, killAllRunners, startTestRunner } from './runnerTestKit';

describe('local runner start-up', () => {
  afterAll(killAllRunners);

  it('registers every function of the app through the real @azure/functions library, with its trigger', async () => {
    const runner = await startTestRunner({ appDir: fixtureAppDir, settings: fixtureSettings() });
    expect(runner.functions).toEqual([
      { name: 'gridReceiver', trigger: 'eventGridTrigger' },
      { name: 'queueWorker', trigger: 'queueTrigger' },
      { name: 'ticker', trigger: 'timerTrigger' },
    ]);
    expect(runner.url).toBe(`http://127.0.0.1:${runner.port}`);
    const status = await fetch(`${runner.url}/admin/host/status`, { headers: { 'x-functions-key': runner.masterKey } });
    expect(await status.json()).toEqual({ state: 'Running', functions: ['gridReceiver', 'queueWorker', 'ticker'] });
    expect(runner.logs.join('\n')).not.toContain('test mode');
    expect(await runner.stop()).toBe(0);
  });

  it('fails with the missing setting when a %SETTING% does not resolve', async () => {
    const { WORK_QUEUE: _omitted, ...settings } = fixtureSettings();
    await expect(
      startRunner({ appDir: fixtureAppDir, settings, port: 0, quiet: true, functions: ['queueWorker'] }),
    ).rejects.toThrow("app setting 'WORK_QUEUE' is missing");
  });

  it('fails when the connection setting does not exist', async () => {
    const { FixtureStorage: _omitted, ...settings } = fixtureSettings();
    await expect(
      startRunner({ appDir: fixtureAppDir, settings, port: 0, quiet: true, functions: ['queueWorker'] }),
    ).rejects.toThrow("Storage account connection string 'AzureWebJobsFixtureStorage' does not exist");
  });

  it('fails for a function name that the app does not register', async () => {
    await expect(
      startRunner({ appDir: fixtureAppDir, settings: fixtureSettings(), port: 0, quiet: true, functions: ['missing'] }),
    ).rejects.toThrow('Functions not found in the app: missing');
  });

  it("runs the app's appStart hook before any trigger, and refuses to start when it throws", async () => {
    await expect(
      startRunner({
        appDir: fixtureAppDir,
        settings: { ...fixtureSettings(), FIXTURE_FAIL_AT_START: 'two problems' },
        port: 0,
        quiet: true,
      }),
    ).rejects.toThrow("The app's appStart hook failed: bad configuration: two problems");
  });
});
