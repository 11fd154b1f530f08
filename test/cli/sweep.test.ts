import { QueueClient } from '@azure/storage-queue';

import { DEFAULT_SEED, type SimulatorHandle } from '../../simulator/src/index';
import { createRecoveryServicesGateway } from '../../src/lib/azure/recoveryServicesGateway';
import { createAzureClients } from '../../src/lib/clients';
import { loadConfig, PROTECTION_REQUESTS_QUEUE, type VaultRoute } from '../../src/lib/config';
import type { ProtectionRequest } from '../../src/lib/messages/protectionRequest';
import { parseVmResourceId } from '../../src/lib/resourceId';
import { type AzuriteHandle, startAzurite } from '../../tools/azurite/startAzurite';
import { decodeQueueMessage } from '../helpers/queueMessages';
import { control, simulatorAppSettings, simVaultId, startTestSimulator, SUB } from '../simulator/helpers';
import { runCaptured, writeSettingsFile } from './cliHarness';

const vmId = (resourceGroup: string, name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
/** A vault the app is not configured with: a VM protected there is protected "elsewhere". */
const OTHER_VAULT: VaultRoute = {
  region: 'eastus',
  vaultId: simVaultId('rsv-other'),
  vaultName: 'rsv-other',
  vaultResourceGroup: 'rg-backup',
  vaultSubscriptionId: SUB,
};

describe('autoprotect sweep (own Azurite: the request queue name is fixed)', () => {
  let azurite: AzuriteHandle;
  let sim: SimulatorHandle;
  let settings: Record<string, string>;
  let settingsFile: string;
  let requests: QueueClient;

  beforeAll(async () => {
    [azurite, sim] = await Promise.all([
      startAzurite(),
      startTestSimulator({
        seed: {
          ...DEFAULT_SEED,
          vaults: [...DEFAULT_SEED.vaults, { resourceGroup: 'rg-backup', name: 'rsv-other', location: 'eastus' }],
        },
      }),
    ]);
    settings = simulatorAppSettings(sim, azurite.connectionString);
    settingsFile = writeSettingsFile(settings);
    requests = new QueueClient(azurite.connectionString, PROTECTION_REQUESTS_QUEUE);

    const vms: Array<{
      name: string;
      resourceGroup?: string;
      location: string;
      tags?: Record<string, string>;
      ephemeralOsDisk?: boolean;
    }> = [
      { name: 'vm-new-east', location: 'eastus' },
      { name: 'vm-new-west', location: 'westeurope' },
      { name: 'vm-new-other-rg', resourceGroup: 'rg-data', location: 'eastus', tags: { 'autoprotect:skip': 'false' } },
      { name: 'vm-opted-out', location: 'eastus', tags: { 'autoprotect:skip': 'true' } },
      { name: 'vm-no-vault', location: 'westus2' },
      { name: 'vm-protected', location: 'eastus' },
      { name: 'vm-first-backup-failed', location: 'eastus' },
      { name: 'vm-elsewhere', location: 'eastus' },
      { name: 'vm-ephemeral', location: 'eastus', ephemeralOsDisk: true },
    ];
    for (const vm of vms) {
      const res = await control(sim, 'POST', 'vms', {
        resourceGroup: vm.resourceGroup ?? 'rg-app',
        name: vm.name,
        location: vm.location,
        tags: vm.tags,
        ephemeralOsDisk: vm.ephemeralOsDisk,
        emitEvents: false,
      });
      expect([200, 201]).toContain(res.status);
    }
    const config = loadConfig(settings);
    const gateway = createRecoveryServicesGateway(createAzureClients(config).backup);
    const eastVault = config.vaults.find((vault) => vault.region === 'eastus');
    if (!eastVault) throw new Error('eastus vault missing from the test config');
    // The simulator's VMs are Trusted Launch (as in Azure today): they are protected with an Enhanced policy.
    // vm-protected has its first restore point; vm-first-backup-failed is protected but its backup failed.
    const protectedVm = parseVmResourceId(vmId('rg-app', 'vm-protected'));
    await gateway.enableProtection(eastVault, protectedVm, 'EnhancedPolicy');
    await gateway.enableProtection(
      eastVault,
      parseVmResourceId(vmId('rg-app', 'vm-first-backup-failed')),
      'EnhancedPolicy',
    );
    await gateway.enableProtection(OTHER_VAULT, parseVmResourceId(vmId('rg-app', 'vm-elsewhere')), 'EnhancedPolicy');
    await new Promise((resolve) => setTimeout(resolve, 300)); // ConfigureBackup (150 ms here) done
    await gateway.triggerBackup(eastVault, protectedVm, new Date(Date.now() + 86_400_000));
    await new Promise((resolve) => setTimeout(resolve, 600)); // the Backup job (400 ms here) completed
  });

  afterAll(async () => {
    await Promise.all([sim?.stop(), azurite?.stop()]);
  });

  async function queuedRequests(): Promise<ProtectionRequest[]> {
    if (!(await requests.exists())) return [];
    const peeked = await requests.peekMessages({ numberOfMessages: 32 });
    return peeked.peekedMessageItems.map((item) => decodeQueueMessage(item.messageText));
  }

  it('--dry-run shows every decision with its reason and enqueues nothing', async () => {
    const run = await runCaptured(['sweep', '--dry-run', '--settings', settingsFile]);

    expect(run.code).toBe(0);
    const rowOf = (name: string) => run.stdout.split('\n').find((line) => line.startsWith(`${name} `)) ?? '';
    expect(rowOf('vm-new-east')).toMatch(/would enqueue\s+unprotected\s+rsv-eastus \/ DefaultPolicy/);
    expect(rowOf('vm-new-west')).toMatch(/would enqueue\s+unprotected\s+rsv-westeurope \/ DefaultPolicy/);
    expect(rowOf('vm-new-other-rg')).toMatch(/would enqueue/);
    expect(rowOf('vm-opted-out')).toMatch(/leave\s+opted-out\s+opt-out-tag:autoprotect:skip/);
    expect(rowOf('vm-no-vault')).toMatch(/leave\s+no-vault-for-region/);
    expect(rowOf('vm-protected')).toMatch(/leave\s+protected-in-vault/);
    expect(rowOf('vm-first-backup-failed')).toMatch(
      /would enqueue\s+first-backup-missing\s+rsv-eastus \/ EnhancedPolicy/,
    );
    expect(rowOf('vm-elsewhere')).toMatch(/leave\s+protected-elsewhere\s+backup-status:rsv-other$/);
    expect(rowOf('vm-ephemeral')).toMatch(
      /leave\s+unsupported:ephemeral-os-disk\s+vm-configuration:osDisk.diffDiskSettings/,
    );
    expect(rowOf('vm-new-east')).toMatch(/rsv-eastus \/ DefaultPolicy -> Enhanced \(trusted-launch\)$/);
    expect(run.stdout).toContain('Dry run: would enqueue 4 of 9 VMs.');
    expect(run.stderr).toContain('checking: 9/9');
    expect(await queuedRequests()).toEqual([]);
  });

  it('enqueues exactly the unprotected, rule-included VMs as sweep requests, paced by --rate', async () => {
    const started = Date.now();
    const run = await runCaptured(['sweep', '--rate', '5', '--settings', settingsFile]);
    const elapsedMs = Date.now() - started;

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Enqueued 4 of 9 VMs.');
    expect(run.stderr).toContain('enqueueing: 4/4');
    const queued = await queuedRequests();
    expect(queued.map((request) => request.vmResourceId).sort()).toEqual(
      [
        vmId('rg-app', 'vm-new-east'),
        vmId('rg-app', 'vm-new-west'),
        vmId('rg-data', 'vm-new-other-rg'),
        vmId('rg-app', 'vm-first-backup-failed'),
      ].sort(),
    );
    expect(
      queued.every((request) => request.source === 'sweep' && request.attempt === 1 && request.subscriptionId === SUB),
    ).toBe(true);
    // 4 enqueues at 5 per second: the 2nd starts >= 200 ms after the 1st, the 4th >= 600 ms.
    expect(elapsedMs).toBeGreaterThanOrEqual(590);
  });

  it('a VM whose backupStatus cannot be read is not enqueued, is shown as check-failed, and makes the sweep exit 1', async () => {
    await control(sim, 'POST', 'faults', {
      faults: [{ operationId: 'BackupStatus_Get', kind: 'objectLocked', times: 1 }],
    });
    try {
      const run = await runCaptured(['sweep', '--dry-run', '--settings', settingsFile]);

      expect(run.code).toBe(1);
      expect(
        run.stdout.split('\n').filter((line) => /leave\s+check-failed\s+BMSUserErrorObjectLocked: /.test(line)),
      ).toHaveLength(1);
      expect(run.stdout).toContain('Dry run: would enqueue 3 of 9 VMs.');
      expect(run.stderr).toContain(
        'autoprotect: 1 VM could not be checked (reason check-failed); run the sweep again later\n',
      );
    } finally {
      await control(sim, 'POST', 'faults', { faults: [] });
    }
  });

  it('--json prints the decisions', async () => {
    const run = await runCaptured(['sweep', '--dry-run', '--json', '--settings', settingsFile]);

    const result = JSON.parse(run.stdout) as {
      dryRun: boolean;
      enqueued: number;
      decisions: Array<{ vmName: string; action: string; reason: string }>;
    };
    expect(result).toMatchObject({ dryRun: true, enqueued: 0 });
    expect(
      result.decisions
        .filter((decision) => decision.action === 'enqueue')
        .map((decision) => decision.vmName)
        .sort(),
    ).toEqual(['vm-first-backup-failed', 'vm-new-east', 'vm-new-other-rg', 'vm-new-west']);
    expect(run.stderr).toBe('');
  });
});
