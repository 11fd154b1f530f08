import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { fixtureAppDir, fixtureSettings, waitFor } from './runnerTestKit';

const mainJs = join(__dirname, '..', '..', 'dist', 'tools', 'local-runner', 'main.js');

describe('local runner CLI (npm run host)', () => {
  it('prints the functions like func start, without key values, and exits 0 on SIGINT', async () => {
    const settings = fixtureSettings();
    const child = spawn(
      process.execPath,
      [mainJs, '--app-dir', fixtureAppDir, '--port', '0', '--functions', 'gridReceiver,ticker'],
      {
        env: { ...process.env, ...settings },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => output.includes('Keys: '), 15_000, 'function list');
      expect(output).toContain('\tgridReceiver: eventGridTrigger');
      expect(output).toContain('\tticker: timerTrigger');
      expect(output).toMatch(
        /http:\/\/127\.0\.0\.1:\d+\/runtime\/webhooks\/eventgrid\?functionName=gridReceiver&code=<eventgrid_extension key>/,
      );

      const keysFile = join(fixtureAppDir, '.local', 'local-runner-keys.json');
      expect(statSync(keysFile).mode & 0o777).toBe(0o600);
      const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as {
        masterKey: string;
        systemKeys: { eventgrid_extension: string };
      };
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output).not.toContain(keys.masterKey);
      expect(output).not.toContain(keys.systemKeys.eventgrid_extension);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
