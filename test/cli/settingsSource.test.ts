import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

import type { StackInfo } from '../../tools/stack/types';
import { testStorageConnectionString, uniqueName } from '../helpers/storage';
import { runCaptured, scratchDir, writeSettingsFile } from './cliHarness';

const SUB = '11111111-1111-1111-1111-111111111111';
const VAULTS = JSON.stringify([
  {
    region: 'eastus',
    vaultId: `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`,
  },
]);
const STARTED_AT = '2026-11-25T09:00:00.000Z';

/** A pid that existed and is gone: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? 999_999;
}

/** A loopback server that accepts connections (stands in for the stack's endpoints). */
async function listening(): Promise<{ server: Server; url: string }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `https://127.0.0.1:${port}` };
}

/** A port on 127.0.0.1 that nothing listens on (it was just released). */
async function closedPortUrl(): Promise<string> {
  const { server, url } = await listening();
  await new Promise((resolve) => server.close(resolve));
  return url;
}

/** A cwd with .local/stack.json (and, optionally, a local.settings.json that the CLI must not read). */
function stackDir(info: Partial<StackInfo>, localSettings?: Record<string, string>): string {
  const dir = scratchDir();
  mkdirSync(join(dir, '.local'));
  writeFileSync(
    join(dir, '.local', 'stack.json'),
    JSON.stringify({ caCertPath: '/nonexistent/ca.pem', appSettings: {}, startedAt: STARTED_AT, ...info }),
  );
  if (localSettings) writeFileSync(join(dir, 'local.settings.json'), JSON.stringify({ Values: localSettings }));
  return dir;
}

describe('where the CLI takes its settings from', () => {
  let endpoint: { server: Server; url: string };
  beforeAll(async () => {
    endpoint = await listening();
  });
  afterAll(async () => {
    await new Promise((resolve) => endpoint.server.close(resolve));
  });

  it('a stack.json whose processes are gone: says the stack is not running, since when, and how to start it', async () => {
    const cwd = stackDir({ simControlUrl: `${endpoint.url}/_sim`, pids: { stack: await deadPid() } });

    const status = await runCaptured(['status'], { cwd });
    const sim = await runCaptured(['sim', 'vm', 'create', '--name', 'vm-x'], { cwd });

    expect(status).toEqual({
      code: 1,
      stdout: '',
      stderr: `autoprotect: the local stack is not running (found .local/stack.json from ${STARTED_AT}, its processes are gone): start it with \`npm run stack\` or \`npm start\`, or name the app's settings with --settings <file>\n`,
    });
    expect(sim).toEqual({
      code: 1,
      stdout: '',
      stderr: `autoprotect: the local stack is not running (found .local/stack.json from ${STARTED_AT}, its processes are gone): start it with \`npm run stack\` or \`npm start\`\n`,
    });
  });

  it('a stack.json whose pid lives (reused) but whose endpoints refuse: not running either', async () => {
    const url = await closedPortUrl();
    const cwd = stackDir({ simControlUrl: `${url}/_sim`, armEndpoint: url, pids: { stack: process.pid } });

    const run = await runCaptured(['sim', 'vm', 'create', '--name', 'vm-x'], { cwd });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `autoprotect: the local stack is not running (found .local/stack.json from ${STARTED_AT}, its endpoint ${url} does not answer: ECONNREFUSED): start it with \`npm run stack\` or \`npm start\`\n`,
    );
  });

  it('uses the running stack, not ./local.settings.json, says so with --verbose, and names ignored environment settings', async () => {
    const ledgerTable = uniqueName('clistackledger');
    const cwd = stackDir(
      {
        simControlUrl: `${endpoint.url}/_sim`,
        armEndpoint: endpoint.url,
        pids: { stack: process.pid },
        appSettings: {
          AzureWebJobsStorage: testStorageConnectionString(),
          AUTOPROTECT_SUBSCRIPTION_IDS: SUB,
          AUTOPROTECT_VAULTS: VAULTS,
          AUTOPROTECT_LEDGER_TABLE: ledgerTable,
        },
      },
      // Would fail validation if it were read.
      { AUTOPROTECT_SUBSCRIPTION_IDS: 'not-a-guid' },
    );

    const quiet = await runCaptured(['status'], { cwd });
    const verbose = await runCaptured(['status', '--verbose'], { cwd, env: { AUTOPROTECT_LEDGER_TABLE: 'other' } });

    expect(quiet).toEqual({ code: 0, stdout: 'No ledger rows.\n', stderr: '' });
    expect(verbose.code).toBe(0);
    expect(verbose.stderr.split('\n')).toEqual([
      `autoprotect: settings from the running local stack (.local/stack.json, started ${STARTED_AT})`,
      "autoprotect: using the running local stack's settings as they are; ignoring AUTOPROTECT_LEDGER_TABLE from the environment (give --settings <file> to use a file with the environment on top)",
      '',
    ]);
  });

  it('--settings wins over a running stack; --verbose names the file and the environment settings on top', async () => {
    const cwd = stackDir({ simControlUrl: `${endpoint.url}/_sim`, pids: { stack: process.pid } });
    const file = writeSettingsFile({
      AzureWebJobsStorage: testStorageConnectionString(),
      AUTOPROTECT_SUBSCRIPTION_IDS: SUB,
      AUTOPROTECT_VAULTS: VAULTS,
    });

    const run = await runCaptured(['status', '--settings', file, '--verbose'], {
      cwd,
      env: { AUTOPROTECT_LEDGER_TABLE: uniqueName('cliledgerenv') },
    });

    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `autoprotect: settings from --settings ${file} with AUTOPROTECT_LEDGER_TABLE from the environment\n`,
    );
  });

  it('without a stack or --settings: never reads ./local.settings.json, and says how to get settings', async () => {
    const cwd = scratchDir();
    writeFileSync(join(cwd, 'local.settings.json'), JSON.stringify({ Values: { AUTOPROTECT_SUBSCRIPTION_IDS: SUB } }));

    const run = await runCaptured(['status'], { cwd });

    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "autoprotect: no settings: no local stack is running (.local/stack.json does not exist) and no --settings <file> was given: start the stack with `npm run stack` or `npm start`, or name the app's settings with --settings <file> (./local.settings.json is read only when named: --settings local.settings.json)\n",
    });
  });

  it('the environment alone is a source when there is no running stack; invalid settings name their source', async () => {
    const cwd = stackDir({ simControlUrl: `${endpoint.url}/_sim`, pids: { stack: await deadPid() } });

    const run = await runCaptured(['status', '--verbose'], {
      cwd,
      env: { AUTOPROTECT_SUBSCRIPTION_IDS: SUB, AUTOPROTECT_VAULTS: VAULTS },
    });

    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').slice(0, 2)).toEqual([
      'autoprotect: settings from the environment (AUTOPROTECT_SUBSCRIPTION_IDS, AUTOPROTECT_VAULTS; .local/stack.json is left from a stopped stack)',
      expect.stringMatching(
        /^autoprotect: invalid settings from the environment \(.*\): storage is not configured: set AzureWebJobsStorage__blobServiceUri/,
      ),
    ]);
  });

  it('a refused connection to 127.0.0.1 names the settings that pointed there', async () => {
    const port = new URL(await closedPortUrl()).port;
    const endpoint = (service: string) => `${service}Endpoint=http://127.0.0.1:${port}/devstoreaccount1`;
    const file = writeSettingsFile({
      AzureWebJobsStorage: [
        'DefaultEndpointsProtocol=http',
        'AccountName=devstoreaccount1',
        // Azurite's published development key, not a secret.
        'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
        endpoint('Blob'),
        endpoint('Queue'),
        endpoint('Table'),
      ].join(';'),
      AUTOPROTECT_SUBSCRIPTION_IDS: SUB,
      AUTOPROTECT_VAULTS: VAULTS,
    });

    const run = await runCaptured(['status', '--settings', file]);

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `autoprotect: connect ECONNREFUSED 127.0.0.1:${port} (nothing listens on 127.0.0.1:${port}; the settings came from --settings ${file}: is the local stack or Azurite running?)\n`,
    );
  });

  it('--settings and --local together are a usage error', async () => {
    const run = await runCaptured(['status', '--local', '--settings', 'x.json']);

    expect(run).toMatchObject({
      code: 2,
      stderr:
        'autoprotect: --settings and --local choose different settings: give one of them (see autoprotect --help)\n',
    });
  });
});
