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
  expected: { status: 'protected', policyName: 'DefaultPolicy', vaultName: 'rsv-eastus', backupJobs: 1 },
};
const lateAgentVm: PlannedVm = {
  name: 'vm-c',
  resourceGroup: 'rg-1',
  location: 'eastus',
  tags: {},
  securityType: 'Standard',
  guestAgent: 'unavailable',
  chaosCase: 'agent-late',
  expected: { status: 'protected', policyName: 'DefaultPolicy', vaultName: 'rsv-eastus', backupJobs: 2 },
};
const noAgentVm: PlannedVm = {
  ...lateAgentVm,
  name: 'vm-d',
  chaosCase: 'agent-never',
  expected: { ...lateAgentVm.expected, status: 'first-backup-failed', reason: 'retries-exhausted', backupJobs: 3 },
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

/** A Backup job of `vm` that ran from `start` to `end` (minutes past 10:00). */
function backupJob(name: string, vm: string, status: string, start: number, end: number | null) {
  const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString();
  return {
    name,
    vaultId: VAULT,
    operation: 'Backup',
    status,
    entityFriendlyName: vm,
    startTime: at(start),
    endTime: end === null ? null : at(end),
  };
}

const configureJob = (vm: string) => ({
  name: `cfg-${vm}`,
  vaultId: VAULT,
  operation: 'ConfigureBackup',
  status: 'Completed',
  entityFriendlyName: vm,
});
const itemOf = (vm: PlannedVm, protectionState: string) => ({
  vaultId: VAULT,
  sourceResourceId: vmIdOf(SUB, vm.resourceGroup, vm.name),
  policyId: `${VAULT}/backupPolicies/DefaultPolicy`,
  protectionState,
});

function healthy(): { sim: SimFacts; ledger: LedgerEntry[] } {
  return {
    sim: {
      protectedItems: [itemOf(protectedVm, 'Protected')],
      jobs: [backupJob('job-1', 'vm-a', 'Completed', 1, 20), configureJob('vm-a')],
    },
    ledger: [
      row(protectedVm, {
        status: 'protected',
        reason: 'first-backup-completed',
        vaultId: VAULT,
        jobIds: ['job-1'],
        firstBackupJobId: 'job-1',
        firstBackupCompletedAt: 't',
      }),
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
      firstBackupFailed: 0,
      backupJobs: 1,
      expectedBackupJobs: 1,
      duplicateBackups: 0,
      overlappingBackups: 0,
      lost: 0,
      wrong: 0,
    });
  });

  it('counts the retries of first backups: a retried VM protected with 2 jobs, one that failed for good with 3', () => {
    const { sim, ledger } = healthy();
    sim.protectedItems.push(itemOf(lateAgentVm, 'Protected'), itemOf(noAgentVm, 'IRPending'));
    sim.jobs.push(
      backupJob('c-1', 'vm-c', 'Failed', 1, 3),
      backupJob('c-2', 'vm-c', 'Completed', 8, 30),
      configureJob('vm-c'),
      backupJob('d-1', 'vm-d', 'Failed', 1, 3),
      backupJob('d-2', 'vm-d', 'Failed', 8, 10),
      backupJob('d-3', 'vm-d', 'Failed', 15, 17),
      configureJob('vm-d'),
    );
    ledger.push(
      row(lateAgentVm, {
        status: 'protected',
        vaultId: VAULT,
        jobIds: ['c-1', 'c-2'],
        firstBackupJobId: 'c-2',
        firstBackupCompletedAt: 't',
      }),
      row(noAgentVm, {
        status: 'first-backup-failed',
        reason: 'retries-exhausted',
        vaultId: VAULT,
        jobIds: ['d-1', 'd-2', 'd-3'],
      }),
    );
    const verdict = verifyChaos([protectedVm, skippedVm, lateAgentVm, noAgentVm], SUB, sim, ledger, emptyQueues);
    expect(verdict.problems).toEqual([]);
    expect(verdict.counts).toMatchObject({ protected: 2, firstBackupFailed: 1, backupJobs: 6, expectedBackupJobs: 6 });

    // One retry too many, a retry while the first job still ran, and a completed job the ledger does not name.
    sim.jobs.push(backupJob('d-4', 'vm-d', 'Failed', 20, 22), backupJob('c-3', 'vm-c', 'InProgress', 29, null));
    const broken = verifyChaos([protectedVm, skippedVm, lateAgentVm, noAgentVm], SUB, sim, ledger, emptyQueues);
    const text = broken.problems.join('\n');
    expect(broken.counts.duplicateBackups).toBe(2);
    expect(broken.counts.overlappingBackups).toBe(1);
    expect(text).toMatch(/vm-d: 4 Backup jobs, expected 3/);
    expect(text).toMatch(/vm-c: Backup jobs c-2 and c-3 ran at the same time/);
    expect(text).toMatch(/vm-c: Backup jobs ended Failed, Completed, InProgress/);
  });

  it('fails a second Backup job for one VM (a duplicate)', () => {
    const { sim, ledger } = healthy();
    sim.jobs.push(backupJob('job-2', 'VM-A', 'Completed', 30, 40));
    const verdict = verifyChaos([protectedVm, skippedVm], SUB, sim, ledger, emptyQueues);
    expect(verdict.counts.duplicateBackups).toBe(1);
    expect(verdict.problems.join('\n')).toMatch(/vm-a: 2 Backup jobs, expected 1/);
  });

  it('fails a VM whose first backup is still followed when the run ends (backup-triggered is not final)', () => {
    const { sim, ledger } = healthy();
    const following = [{ ...ledger[0]!, status: 'backup-triggered' as const }, ledger[1]!];
    const verdict = verifyChaos([protectedVm, skippedVm], SUB, sim, following, emptyQueues);
    expect(verdict.counts.lost).toBe(1);
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
      row(protectedVm, { status: 'protected', vaultId: 'other', jobIds: [], firstBackupCompletedAt: 't' }),
      row(skippedVm, { status: 'skipped', reason: 'opted-out' }),
    ];
    const verdict = verifyChaos([protectedVm, skippedVm], SUB, sim, ledger, emptyQueues);
    expect(verdict.counts.wrong).toBe(2);
    expect(verdict.problems.join('\n')).toMatch(/do not name the Backup job\(s\) job-1/);
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
