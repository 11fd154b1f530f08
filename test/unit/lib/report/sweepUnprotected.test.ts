import type { NewLedgerEntry } from '../../../../src/lib/ledger/ledgerEntry';
import { remediationFor } from '../../../../src/lib/report/remediation';
import { sweepUnprotected } from '../../../../src/lib/report/sweepUnprotected';
import { parseVmResourceId, type VmResourceId } from '../../../../src/lib/resourceId';
import { OTHER_SUBSCRIPTION, rulesConfig, TEST_SUBSCRIPTION, vaultRoute, vmId } from '../../../helpers/factories/rules';
import { FakeBackupGateway, FakeVmReader } from '../../../helpers/fakes/fakeAzure';
import { InMemoryLedger } from '../../../helpers/fakes/inMemoryLedger';

/** Fakes for the sweep: VMs listed from Compute, the ledger, backupStatus; one vault in eastus. */
function harness() {
  const vms = new FakeVmReader();
  const ledger = new InMemoryLedger();
  const backup = new FakeBackupGateway();
  const vault = vaultRoute('eastus');
  /** VM key -> whether its protected item (in a configured vault) has a restore point. */
  const items = new Map<string, boolean>();
  const notCounted = new Set<string>();
  const add = (
    name: string,
    options: {
      tags?: Record<string, string>;
      location?: string;
      subscriptionId?: string;
      ephemeralOsDisk?: boolean;
    } = {},
  ): VmResourceId => {
    const vm = parseVmResourceId(vmId(name, 'rg-app', options.subscriptionId));
    vms.add({
      vm,
      location: options.location ?? 'eastus',
      tags: options.tags ?? {},
      ephemeralOsDisk: options.ephemeralOsDisk,
    });
    return vm;
  };
  const sweep = (subscriptionIds: string[] = [TEST_SUBSCRIPTION], rules = rulesConfig()) =>
    sweepUnprotected(
      { vms, ledger, backup },
      { subscriptionIds, rules, vaults: [vault], restorePointOf: (vmKey) => items.get(vmKey), notCounted },
    );
  return { vms, ledger, backup, vault, items, notCounted, add, sweep };
}

function ledgerRow(vm: VmResourceId): NewLedgerEntry {
  return {
    vmKey: vm.key,
    vmResourceId: vm.id,
    subscriptionId: vm.subscriptionId,
    status: 'failed',
    attempts: 1,
    operationIds: [],
    jobIds: [],
    firstSeen: '2026-03-01T00:00:00Z',
    lastChanged: '2026-03-01T00:00:00Z',
  };
}

describe('sweepUnprotected', () => {
  it('lists a VM Azure Backup cannot protect with that reason and what to do, not as a missed event', async () => {
    const h = harness();
    h.add('vm-ephemeral', { ephemeralOsDisk: true });
    const result = await h.sweep();
    expect(result.findings).toEqual([
      expect.objectContaining({
        kind: 'skipped',
        group: 'not-counted',
        vmName: 'vm-ephemeral',
        reason: 'unsupported:ephemeral-os-disk',
        action: remediationFor('skipped', 'unsupported:ephemeral-os-disk'),
      }),
    ]);
    expect(result.inScope).toBe(0);
  });

  it('lists a VM the rules would protect, with its place and the vault, policy and rule it would get', async () => {
    const h = harness();
    const vm = h.add('vm-orphan', { tags: { tier: 'gold' } });
    const rules = rulesConfig({ policies: [{ tag: 'tier', values: ['gold'], policy: 'EnhancedPolicy' }] });

    const result = await h.sweep([TEST_SUBSCRIPTION], rules);

    expect(result).toEqual({
      watchedVms: 1,
      inScope: 1,
      withRestorePoint: 0,
      findings: [
        {
          kind: 'unprotected',
          group: 'attention',
          vmResourceId: vm.id,
          vmName: 'vm-orphan',
          subscriptionId: TEST_SUBSCRIPTION,
          resourceGroup: 'rg-app',
          region: 'eastus',
          reason: 'no-protected-item-and-no-ledger-row',
          action: remediationFor('unprotected', 'no-protected-item-and-no-ledger-row'),
          vaultId: h.vault.vaultId,
          vaultName: 'rsv-eastus',
          policyName: 'EnhancedPolicy',
          rule: 'vault-route:eastus->rsv-eastus; policy[0]:tier=gold->EnhancedPolicy',
        },
      ],
    });
  });

  it('lists a VM in a region without a vault, naming the region in what to do', async () => {
    const h = harness();
    h.add('vm-nowhere', { location: 'West US 2' });
    const [finding] = (await h.sweep()).findings;
    expect(finding).toMatchObject({
      reason: 'no-vault-for-region',
      region: 'westus2',
      rule: `vault-route:none-for-westus2/${TEST_SUBSCRIPTION}`,
      action: remediationFor('unprotected', 'no-vault-for-region', undefined, { region: 'westus2' }),
    });
    expect(finding?.vaultName).toBeUndefined();
  });

  it('counts VMs a vault protects, with or without a restore point yet, without asking the ledger or backupStatus', async () => {
    const h = harness();
    h.items.set(h.add('vm-protected').key, true);
    h.items.set(h.add('vm-first-backup-running').key, false);
    const get = jest.spyOn(h.ledger, 'get');
    expect(await h.sweep()).toEqual({ watchedVms: 2, inScope: 2, withRestorePoint: 1, findings: [] });
    expect(get).not.toHaveBeenCalled();
    expect(h.backup.count('getBackupStatus')).toBe(0);
  });

  it('lists VMs the rules skip as not counted, without asking the ledger or backupStatus', async () => {
    const h = harness();
    h.add('vm-optout', { tags: { 'autoprotect:skip': 'true' } });
    const get = jest.spyOn(h.ledger, 'get');
    expect(await h.sweep()).toEqual({
      watchedVms: 1,
      inScope: 0,
      withRestorePoint: 0,
      findings: [expect.objectContaining({ kind: 'skipped', group: 'not-counted', reason: 'opted-out' })],
    });
    expect(get).not.toHaveBeenCalled();
    expect(h.backup.count('getBackupStatus')).toBe(0);
  });

  it('counts VMs the ledger knows in scope (their findings come from the ledger), those it skipped not at all', async () => {
    const h = harness();
    await h.ledger.create(ledgerRow(h.add('vm-known')));
    h.notCounted.add(h.add('vm-skipped-by-ledger').key);
    expect(await h.sweep()).toEqual({ watchedVms: 2, inScope: 1, withRestorePoint: 0, findings: [] });
    expect(h.backup.count('getBackupStatus')).toBe(0);
  });

  it('lists VMs backupStatus reports protected by another vault as not counted, asking with the normalised region', async () => {
    const h = harness();
    const vm = h.add('vm-elsewhere', { location: 'East US' });
    h.backup.statuses.set(vm.key, {
      protected: true,
      vaultId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/rsv-other',
    });
    const getBackupStatus = jest.spyOn(h.backup, 'getBackupStatus');
    const result = await h.sweep();
    expect(result).toMatchObject({ watchedVms: 1, inScope: 0 });
    expect(result.findings).toEqual([
      expect.objectContaining({
        kind: 'skipped',
        group: 'not-counted',
        reason: 'protected-elsewhere',
        vaultName: 'rsv-other',
      }),
    ]);
    expect(getBackupStatus).toHaveBeenCalledWith(vm, 'eastus');
  });

  it('counts every VM it lists across the given subscriptions, and only those', async () => {
    const h = harness();
    h.add('vm-1');
    h.add('vm-2', { tags: { 'autoprotect:skip': 'yes' } });
    h.add('vm-3', { subscriptionId: OTHER_SUBSCRIPTION });
    h.add('vm-unwatched', { subscriptionId: '33333333-3333-3333-3333-333333333333' });

    const result = await h.sweep([TEST_SUBSCRIPTION, OTHER_SUBSCRIPTION]);

    expect(result).toMatchObject({ watchedVms: 3, inScope: 2 });
    expect(result.findings.map((finding) => finding.vmName)).toEqual(['vm-1', 'vm-2', 'vm-3']);
  });

  it('finds nothing and counts nothing without subscriptions', async () => {
    const h = harness();
    h.add('vm-1');
    expect(await h.sweep([])).toEqual({ watchedVms: 0, inScope: 0, withRestorePoint: 0, findings: [] });
  });

  it('lets a failing backupStatus call fail the sweep', async () => {
    const h = harness();
    h.add('vm-1');
    const failure = new Error('backupStatus unavailable');
    h.backup.failNext('getBackupStatus', failure);
    await expect(h.sweep()).rejects.toBe(failure);
  });
});
