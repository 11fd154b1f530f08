import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { BlobServiceClient } from '@azure/storage-blob';

import type { SimulatorHandle } from '../../simulator/src/index';
import type { StackInfo } from '../../tools/stack/types';
import { testStorageConnectionString, uniqueName } from '../helpers/storage';
import { control, simulatorAppSettings, startTestSimulator, SUB } from '../simulator/helpers';
import { runCaptured, scratchDir, writeSettingsFile } from './cliHarness';

interface SimState {
  vms: Array<{ id: string; name: string; location: string; tags: Record<string, string>; guestAgent: string }>;
}

describe('autoprotect report and sim vm create (against an in-process simulator)', () => {
  let sim: SimulatorHandle;
  let stackDir: string;

  beforeAll(async () => {
    sim = await startTestSimulator();
    stackDir = scratchDir();
    const stack: Partial<StackInfo> = {
      armEndpoint: sim.url,
      simControlUrl: `${sim.url}/_sim`,
      caCertPath: sim.caCertPath,
      appSettings: {},
      pids: { stack: process.pid },
    };
    mkdirSync(join(stackDir, '.local'));
    writeFileSync(join(stackDir, '.local', 'stack.json'), JSON.stringify(stack));
  });

  afterAll(async () => {
    await sim?.stop();
  });

  it('sim vm create creates the VM in the simulator of the local stack (cwd/.local/stack.json)', async () => {
    const run = await runCaptured(
      [
        'sim',
        'vm',
        'create',
        '--name',
        'vm-cli',
        '--resource-group',
        'rg-try',
        '--location',
        'westeurope',
        '--tag',
        'env=prod,eu',
        '--tag',
        'backup-tier=gold',
        '--guest-agent',
        'unavailable',
        '--no-events',
      ],
      { cwd: stackDir },
    );

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(
      `Created /subscriptions/${SUB}/resourceGroups/rg-try/providers/Microsoft.Compute/virtualMachines/vm-cli`,
    );
    const state = await control<SimState>(sim, 'GET', 'state');
    expect(state.body.vms.find((vm) => vm.name === 'vm-cli')).toMatchObject({
      location: 'westeurope',
      tags: { env: 'prod,eu', 'backup-tier': 'gold' },
      guestAgent: 'unavailable',
    });
  });

  it('sim vm create without --name or with a bad --guest-agent is a usage error; without a stack it fails in one line', async () => {
    const noName = await runCaptured(['sim', 'vm', 'create'], { cwd: stackDir });
    const badAgent = await runCaptured(['sim', 'vm', 'create', '--name', 'x', '--guest-agent', 'sleepy'], {
      cwd: stackDir,
    });
    const noStack = await runCaptured(['sim', 'vm', 'create', '--name', 'x']);
    const bareTag = await runCaptured(['sim', 'vm', 'create', '--name', 'x', '--tag', 'bad'], { cwd: stackDir });

    expect(noName.code).toBe(2);
    expect(badAgent).toMatchObject({
      code: 2,
      stderr: "autoprotect: --guest-agent must be ready or unavailable, got 'sleepy' (see autoprotect --help)\n",
    });
    expect(bareTag).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "autoprotect: --tag needs <name>=<value>, got 'bad' (for an empty value write --tag bad=) (see autoprotect --help)\n",
    });
    expect(noStack.code).toBe(1);
    expect(noStack.stderr).toMatch(
      /^autoprotect: no local stack: .*stack\.json does not exist \(start one with `npm start` or `npm run stack`\)\n$/,
    );
  });

  it('sim vm create: `--tag name=` is an empty value; a name Compute refuses is refused, and no VM is made', async () => {
    const emptyTag = await runCaptured(
      ['sim', 'vm', 'create', '--name', 'vm-empty-tag', '--tag', 'note=', '--no-events', '--json'],
      { cwd: stackDir },
    );
    const badName = await runCaptured(['sim', 'vm', 'create', '--name', 'Bad_Name!', '--no-events'], {
      cwd: stackDir,
    });

    expect(emptyTag.code).toBe(0);
    expect((JSON.parse(emptyTag.stdout) as { tags: Record<string, string> }).tags).toEqual({ note: '' });
    expect(badName.code).toBe(1);
    expect(badName.stdout).toBe('');
    expect(badName.stderr).toMatch(
      /^autoprotect: the simulator refused the VM \(400\): InvalidParameter: The value 'Bad_Name!' of parameter 'vmName' is invalid: it contains '!'\./,
    );
    const state = await control<SimState>(sim, 'GET', 'state');
    expect(state.body.vms.map((vm) => vm.name)).not.toContain('Bad_Name!');
  });

  it('report runs the compliance report and writes it to the report container', async () => {
    const container = uniqueName('clireport');
    await control(sim, 'POST', 'vms', {
      resourceGroup: 'rg-app',
      name: 'vm-unprotected',
      location: 'eastus',
      emitEvents: false,
    });
    const settings = writeSettingsFile(
      simulatorAppSettings(sim, testStorageConnectionString(), {
        AUTOPROTECT_LEDGER_TABLE: uniqueName('clireportledger'),
        AUTOPROTECT_REPORT_CONTAINER: container,
        AUTOPROTECT_REPORT_PREFIX: 'cli',
      }),
    );

    const run = await runCaptured(['report', '--settings', settings]);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/unprotected vm-unprotected\s+no-protected-item-and-no-ledger-row/);
    expect(run.stdout).toContain(`Written to container '${container}':`);
    const blobs = BlobServiceClient.fromConnectionString(testStorageConnectionString()).getContainerClient(container);
    const latest = JSON.parse(
      (await blobs.getBlockBlobClient('cli/latest.json').downloadToBuffer()).toString('utf8'),
    ) as { totals: { unprotected: number; vaults: number } };
    const state = await control<SimState>(sim, 'GET', 'state');
    // Nothing is protected in this simulator, so every VM (also those of other tests in this file) is unprotected.
    expect(latest.totals).toMatchObject({
      unprotected: state.body.vms.length,
      watchedVms: state.body.vms.length,
      vaults: 2,
    });
    await blobs.deleteIfExists();
  });

  it('report against the running local stack also saves the HTML under reports/ and prints its path', async () => {
    const cwd = scratchDir();
    const container = uniqueName('clistackreport');
    const stack: Partial<StackInfo> = {
      armEndpoint: sim.url,
      simControlUrl: `${sim.url}/_sim`,
      caCertPath: sim.caCertPath,
      appSettings: simulatorAppSettings(sim, testStorageConnectionString(), {
        AUTOPROTECT_LEDGER_TABLE: uniqueName('clistackledger'),
        AUTOPROTECT_REPORT_CONTAINER: container,
      }),
      pids: { stack: process.pid },
      startedAt: new Date().toISOString(),
    };
    mkdirSync(join(cwd, '.local'));
    writeFileSync(join(cwd, '.local', 'stack.json'), JSON.stringify(stack));

    const run = await runCaptured(['report'], { cwd });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/watched VMs have a restore point/);
    const path = /^Compliance report: (reports\/compliance-[^\s]+\.html)$/m.exec(run.stdout)?.[1];
    expect(path).toBeDefined();
    const html = readFileSync(join(cwd, path ?? ''), 'utf8');
    expect(html).toContain('watched VMs have a restore point');
    expect(readFileSync(join(cwd, 'reports', 'latest.html'), 'utf8')).toBe(html);
    await BlobServiceClient.fromConnectionString(testStorageConnectionString())
      .getContainerClient(container)
      .deleteIfExists();
  });
});
