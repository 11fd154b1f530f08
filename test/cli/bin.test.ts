import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { runCaptured, scratchDir, writeSettingsFile } from './cliHarness';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'autoprotect.js');

/** Runs the built bin (dist/ comes from `npm run build`, which `npm test` runs first). */
function runBin(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: scratchDir(), env: { PATH: process.env.PATH, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('bin/autoprotect.js (child process)', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'tools', 'cli', 'main.js')))
      throw new Error('dist/ is missing: run `npm run build` before the cli tests');
  });

  it('--help prints the commands and exits 0', async () => {
    const run = await runBin(['--help']);

    expect(run.code).toBe(0);
    for (const command of ['status', 'report', 'sweep', 'poison list', 'poison replay', 'sim vm create'])
      expect(run.stdout).toContain(`  ${command} `);
  });

  it('--version prints the version of package.json and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

    expect(await runBin(['--version'])).toEqual({ code: 0, stdout: `autoprotect ${version}\n`, stderr: '' });
  });

  it('an unknown command exits 2 with one line on stderr', async () => {
    const run = await runBin(['frobnicate']);

    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: "autoprotect: unknown command 'frobnicate' (see autoprotect --help)\n",
    });
  });

  it('a bad setting exits 1 with one line, no stack trace and no connection string', async () => {
    const settings = writeSettingsFile({
      AzureWebJobsStorage:
        'DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=c2VjcmV0LWtleQ==;EndpointSuffix=core.windows.net',
      AUTOPROTECT_VAULTS: '[]',
    });

    const run = await runBin(['status', '--settings', settings], { AUTOPROTECT_SUBSCRIPTION_IDS: 'not-a-guid' });

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual([
      expect.stringMatching(
        /^autoprotect: invalid settings from --settings \S+ with AUTOPROTECT_SUBSCRIPTION_IDS from the environment: AUTOPROTECT_SUBSCRIPTION_IDS has values that are not subscription GUIDs: not-a-guid/,
      ),
      '',
    ]);
    expect(run.stderr).not.toContain('c2VjcmV0LWtleQ');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('settings resolution', () => {
  it('overlays the environment on the settings file for the app setting names only', async () => {
    const settings = writeSettingsFile({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      AUTOPROTECT_SUBSCRIPTION_IDS: '11111111-1111-1111-1111-111111111111',
      AUTOPROTECT_VAULTS: JSON.stringify([
        {
          region: 'eastus',
          vaultId:
            '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus',
        },
      ]),
      AUTOPROTECT_LEDGER_TABLE: 'fromfile',
    });

    const run = await runCaptured(['status', '--settings', settings], {
      env: { AUTOPROTECT_LEDGER_TABLE: 'bad-name!', UNRELATED: 'x' },
    });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^autoprotect: invalid settings from --settings \S+ with AUTOPROTECT_LEDGER_TABLE from the environment: AUTOPROTECT_LEDGER_TABLE must be a table name.*got 'bad-name!'\n$/,
    );
  });

  it('--verbose adds the stack trace; a missing settings file is one line', async () => {
    const missing = await runCaptured(['status', '--settings', '/nonexistent/settings.json']);
    const verbose = await runCaptured(['status', '--settings', '/nonexistent/settings.json', '--verbose']);

    expect(missing).toMatchObject({
      code: 1,
      stderr: 'autoprotect: cannot read settings file /nonexistent/settings.json: ENOENT\n',
    });
    expect(verbose.stderr.split('\n')[0]).toBe(
      'autoprotect: cannot read settings file /nonexistent/settings.json: ENOENT',
    );
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  it('--local without a running stack fails in one line', async () => {
    const run = await runCaptured(['status', '--local']);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^autoprotect: no local stack: /);
  });

  it("a command group alone lists its commands; an unknown command in a group names the group's commands", async () => {
    const poison = await runCaptured(['poison']);
    const simVm = await runCaptured(['sim', 'vm']);
    const bogus = await runCaptured(['poison', 'bogus']);

    expect(poison.code).toBe(0);
    expect(poison.stdout).toMatch(/^Commands:\n {2}poison list {3}.+\n {2}poison replay .+\n$/);
    expect(simVm).toMatchObject({ code: 0, stdout: expect.stringContaining('  sim vm create  ') as string });
    expect(bogus).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "autoprotect: unknown command 'poison bogus': poison commands are poison list, poison replay (see autoprotect --help)\n",
    });
  });

  it('an unknown option is a usage error naming it', async () => {
    const run = await runCaptured(['sweep', '--fast']);

    expect(run).toMatchObject({
      code: 2,
      stderr: "autoprotect: sweep: Unknown option '--fast' (see autoprotect --help)\n",
    });
  });
});
