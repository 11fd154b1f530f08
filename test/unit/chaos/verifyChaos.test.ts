import { vmIdOf } from '../../../simulator/src/store/model';
import type { LedgerEntry } from '../../../src/lib/ledger/ledgerEntry';
import type { PlannedVm } from '../../../tools/chaos/chaosPlan';
import { expectedBackupJobs, type SimFacts, verifyChaos } from '../../../tools/chaos/verifyChaos';

const SUB = '11111111-1111-1111-1111-111111111111';
const VAULT = `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`;

const protectedVm: PlannedVm = {
  name: 'vm-a',
  resourceGroup: 'rg-1',
  location: 'eastus',
  tags: {},
  securityType: 'Standard',
  chaosCase: 'protect',
  expected: { status: 'protected', policyName: 'DefaultPolicy', vaultName: 'rsv-eastus' },
};
const skippedVm: PlannedVm = {
  name: 'vm-b',
  resourceGroup: 'rg-1',
  location: 'eastus',
  tags: {},
  securityType: 'Standard',
  chaosCase: 'vm-deleted',
  expected: { status: 'skipped', reason: 'vm-deleted' },
};

function row(vm: PlannedVm, changes: Partial<LedgerEntry>): LedgerEntry {
  const id = vmIdOf(SUB, vm.resourceGroup, vm.name);
  return {
    vmKey: id.toLowerCase(),
    vmResourceId: id,
    subscriptionId: SUB,
    status: 'backup-triggered',
    attempts: 1,
    operationIds: [],
    jobIds: [],
    firstSeen: 't',
    lastChanged: 't',
    etag: 'e',
    ...changes,
  };
}

function healthy(): { sim: SimFacts; ledger: LedgerEntry[] } {
  return {
    sim: {
      protectedItems: [
        {
          vaultId: VAULT,
          sourceResourceId: vmIdOf(SUB, protectedVm.resourceGroup, protectedVm.name),
          policyId: `${VAULT}/backupPolicies/DefaultPolicy`,
          protectionState: 'IRPending',
        },
      ],
      jobs: [
        { name: 'job-1', vaultId: VAULT, operation: 'Backup', status: 'InProgress', entityFriendlyName: 'vm-a' },
        {
          name: 'cfg-1',
          vaultId: VAULT,
          operation: 'ConfigureBackup',
          status: 'Completed',
          entityFriendlyName: 'vm-a',
        },
      ],
    },
    ledger: [
      row(protectedVm, { vaultId: VAULT, jobIds: ['job-1'] }),
      row(skippedVm, { status: 'skipped', reason: 'vm-deleted' }),
    ],
  };
}

const emptyQueues = { requestsLeft: 0, poison: [] };

describe('verifyChaos', () => {
  it('passes a run where every VM is where it should be', () => {
    const { sim, ledger } = healthy();
    const verdict = verifyChaos([protectedVm, skippedVm], SUB, sim, ledger, emptyQueues);
    expect(verdict.problems).toEqual([]);
    expect(verdict.counts).toMatchObject({
      vms: 2,
      protected: 1,
      skipped: 1,
      failed: 0,
      backupJobs: 1,
      duplicateBackups: 0,
      lost: 0,
      wrong: 0,
    });
  });

  it('fails a second Backup job for one VM (a duplicate)', () => {
    const { sim, ledger } = healthy();
    sim.jobs.push({
      name: 'job-2',
      vaultId: VAULT,
      operation: 'Backup',
      status: 'InProgress',
      entityFriendlyName: 'VM-A',
    });
    const verdict = verifyChaos([protectedVm, skippedVm], SUB, sim, ledger, emptyQueues);
    expect(verdict.counts.duplicateBackups).toBe(1);
    expect(verdict.problems.join('\n')).toMatch(/vm-a: 2 Backup jobs/);
  });

  it('fails a VM without a final ledger row (a loss)', () => {
    const { sim, ledger } = healthy();
    const verdict = verifyChaos(
      [protectedVm, skippedVm],
      SUB,
      sim,
      [ledger[0]!, row(skippedVm, { status: 'requested' })],
      emptyQueues,
    );
    expect(verdict.counts.lost).toBe(1);
    expect(verdict.problems).toEqual([expect.stringMatching(/vm-b: no final ledger row \(status requested/)]);
  });

  it('fails a ledger that disagrees with the simulator (job not recorded, wrong vault, wrong reason)', () => {
    const { sim } = healthy();
    const ledger = [
      row(protectedVm, { vaultId: 'other', jobIds: [] }),
      row(skippedVm, { status: 'skipped', reason: 'opted-out' }),
    ];
    const verdict = verifyChaos([protectedVm, skippedVm], SUB, sim, ledger, emptyQueues);
    expect(verdict.counts.wrong).toBe(2);
    expect(verdict.problems.join('\n')).toMatch(/do not name the Backup job job-1/);
    expect(verdict.problems.join('\n')).toMatch(/ledger vault other/);
    expect(verdict.problems.join('\n')).toMatch(
      /vm-b: ledger says skipped \(opted-out\), expected skipped \(vm-deleted\)/,
    );
  });

  it('fails a skipped VM that got a protected item, a protected VM without its backup, and leftovers in the queues', () => {
    const { ledger } = healthy();
    const sim: SimFacts = {
      protectedItems: [
        {
          vaultId: VAULT,
          sourceResourceId: vmIdOf(SUB, skippedVm.resourceGroup, skippedVm.name),
          protectionState: 'IRPending',
        },
      ],
      jobs: [],
    };
    const verdict = verifyChaos([protectedVm, skippedVm], SUB, sim, ledger, {
      requestsLeft: 2,
      poison: [{ code: 'x' }],
    });
    const text = verdict.problems.join('\n');
    expect(text).toMatch(/vm-a: 0 protected items in the simulator, expected 1/);
    expect(text).toMatch(/vm-b: has 1 protected item/);
    expect(text).toMatch(/2 message\(s\) left in protection-requests/);
    expect(text).toMatch(/1 message\(s\) in protection-requests-poison/);
  });

  it('expects one Backup job of a VM it protects and none of a VM it skips, from one function', () => {
    expect(expectedBackupJobs(protectedVm)).toBe(1);
    expect(expectedBackupJobs(skippedVm)).toBe(0);
  });

  it('fails rows and items for VMs the run never created', () => {
    const { sim, ledger } = healthy();
    const stranger = { ...protectedVm, name: 'stranger' };
    sim.protectedItems.push({
      vaultId: VAULT,
      sourceResourceId: vmIdOf(SUB, stranger.resourceGroup, stranger.name),
      protectionState: 'Protected',
    });
    const verdict = verifyChaos([protectedVm, skippedVm], SUB, sim, [...ledger, row(stranger, {})], emptyQueues);
    expect(verdict.problems.filter((problem) => problem.includes('did not create'))).toHaveLength(2);
  });
});
