import { BlobServiceClient } from '@azure/storage-blob';

import { startRunner } from '../../tools/local-runner';
import { testStorageConnectionString } from '../helpers/storage';
import {
  fixtureAppDir,
  fixtureSettings,
  killAllRunners,
  queueClient,
  readRecords,
  startTestRunner,
  waitFor,
} from './runnerTestKit';

const tickerStarts = (file: string) => readRecords(file).filter((r) => r.fn === 'ticker' && r.phase === 'start');

describe('local runner: timer trigger and admin invocation', () => {
  afterAll(killAllRunners);

  it('runs on start-up, then on a six-field %SETTING% schedule, with the host TimerInfo', async () => {
    const settings = fixtureSettings({ TICK_SCHEDULE: '*/1 * * * * *', TICK_RUN_ON_STARTUP: 'true' });
    const before = Date.now();
    const runner = await startTestRunner({ appDir: fixtureAppDir, settings, functions: ['ticker'] });
    const ticks = await waitFor(
      () => tickerStarts(settings.RECORD_FILE!).length >= 3 && tickerStarts(settings.RECORD_FILE!),
      8_000,
      'three ticks',
    );
    expect(ticks[0]?.timer).toEqual({ schedule: { adjustForDST: true }, scheduleStatus: null, isPastDue: false });
    expect(runner.logs.some((l) => l.includes("Reason='runOnStartup'"))).toBe(true);
    const scheduled = ticks.slice(1).map((t) => t.at);
    // Fires on whole seconds, not at intervals from start-up.
    for (const at of scheduled) expect(at % 1000).toBeLessThan(500);
    expect(ticks[0]!.at - before).toBeLessThan(5_000);
    await runner.stop();
  });

  it('never overlaps runs: occurrences during a long run are skipped', async () => {
    const settings = fixtureSettings({ TICK_SCHEDULE: '*/1 * * * * *', TICK_SLEEP_MS: '1500' });
    const runner = await startTestRunner({ appDir: fixtureAppDir, settings, functions: ['ticker'] });
    await waitFor(
      () => readRecords(settings.RECORD_FILE!).filter((r) => r.phase === 'end').length >= 2,
      10_000,
      'two finished runs',
    );
    await runner.stop();
    const records = readRecords(settings.RECORD_FILE!).filter((r) => r.fn === 'ticker');
    let running = 0;
    for (const record of records) {
      running += record.phase === 'start' ? 1 : -1;
      expect(running).toBeLessThanOrEqual(1);
    }
  });

  it('does not run on start-up by default, and runs once per admin API call with the master key', async () => {
    const settings = fixtureSettings();
    const runner = await startTestRunner({ appDir: fixtureAppDir, settings, functions: ['ticker', 'queueWorker'] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tickerStarts(settings.RECORD_FILE!)).toHaveLength(0);

    await runner.invoke('ticker');
    const [tick] = await waitFor(
      () => tickerStarts(settings.RECORD_FILE!).length === 1 && tickerStarts(settings.RECORD_FILE!),
      5_000,
      'admin run',
    );
    expect(tick?.timer?.isPastDue).toBe(false);

    await runner.invoke('queueWorker', JSON.stringify({ tag: 'admin', out: 'from-admin' }));
    const worker = await waitFor(
      () => readRecords(settings.RECORD_FILE!).find((r) => r.fn === 'queueWorker' && r.phase === 'end'),
      5_000,
      'queue function run',
    );
    expect(worker.tag).toBe('admin');
    const out = await waitFor(
      async () => (await queueClient(settings.OUT_QUEUE!).receiveMessages()).receivedMessageItems[0],
      5_000,
      'admin output',
    );
    expect(Buffer.from(out.messageText, 'base64').toString()).toBe('from-admin');

    const wrongKey = await fetch(`${runner.url}/admin/functions/ticker`, {
      method: 'POST',
      headers: { 'x-functions-key': runner.systemKey },
      body: '{}',
    });
    expect(wrongKey.status).toBe(401);
    const unknown = await fetch(`${runner.url}/admin/functions/nope`, {
      method: 'POST',
      headers: { 'x-functions-key': runner.masterKey },
      body: '{}',
    });
    expect(unknown.status).toBe(404);
    expect(tickerStarts(settings.RECORD_FILE!)).toHaveLength(1);
  });

  describe('schedule monitor (status blob)', () => {
    const statusBlob = (hostId: string) =>
      BlobServiceClient.fromConnectionString(testStorageConnectionString())
        .getContainerClient('azure-webjobs-hosts')
        .getBlockBlobClient(`timers/${hostId}/Host.Functions.ticker/status`);
    const readStatus = async (hostId: string) =>
      JSON.parse((await statusBlob(hostId).downloadToBuffer()).toString()) as {
        Last: string;
        Next: string;
        LastUpdated: string;
      };

    it('runs once with isPastDue and the recorded status when the recorded Next has passed (instead of runOnStartup)', async () => {
      const settings = fixtureSettings({ TICK_RUN_ON_STARTUP: 'true' });
      const hostId = settings.AzureFunctionsWebHost__hostid!;
      await BlobServiceClient.fromConnectionString(testStorageConnectionString())
        .getContainerClient('azure-webjobs-hosts')
        .createIfNotExists();
      const recorded = {
        Last: '2019-01-01T00:00:00+00:00',
        Next: '2020-01-01T00:00:00+00:00',
        LastUpdated: '2019-01-01T00:00:00+00:00',
      };
      await statusBlob(hostId).upload(JSON.stringify(recorded), JSON.stringify(recorded).length);

      await startTestRunner({ appDir: fixtureAppDir, settings, functions: ['ticker'] });
      const [tick] = await waitFor(
        () => tickerStarts(settings.RECORD_FILE!).length > 0 && tickerStarts(settings.RECORD_FILE!),
        5_000,
        'past-due run',
      );
      expect(tick?.timer).toEqual({
        schedule: { adjustForDST: true },
        isPastDue: true,
        scheduleStatus: { last: recorded.Last, next: recorded.Next, lastUpdated: recorded.LastUpdated },
      });
      const updated = await waitFor(
        async () => {
          const s = await readStatus(hostId);
          return s.Next !== recorded.Next && s;
        },
        5_000,
        'status update',
      );
      expect(updated.Next).toMatch(/^\d{4}-01-01T00:00:00\+00:00$/);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(tickerStarts(settings.RECORD_FILE!)).toHaveLength(1);
    });

    it('records the next occurrence on first start without running', async () => {
      const settings = fixtureSettings({ TICK_SCHEDULE: '0 0 6 * * *' });
      await startTestRunner({ appDir: fixtureAppDir, settings, functions: ['ticker'] });
      const status = await waitFor(
        async () =>
          (await statusBlob(settings.AzureFunctionsWebHost__hostid!).exists())
            ? readStatus(settings.AzureFunctionsWebHost__hostid!)
            : false,
        5_000,
        'status blob',
      );
      expect(status.Next).toMatch(/T06:00:00\+00:00$/);
      expect(new Date(status.Next).getTime()).toBeGreaterThan(Date.now());
      expect(tickerStarts(settings.RECORD_FILE!)).toHaveLength(0);
    });
  });

  it('refuses to start with a schedule that is not NCRONTAB', async () => {
    const settings = fixtureSettings({ TICK_SCHEDULE: 'every minute' });
    await expect(
      startRunner({ appDir: fixtureAppDir, settings, port: 0, quiet: true, functions: ['ticker'] }),
    ).rejects.toThrow(
      "The schedule expression 'every minute' was not recognized as a valid cron expression or timespan string.",
    );
  });
});
