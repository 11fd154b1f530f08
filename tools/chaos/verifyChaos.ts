import { vmIdOf } from '../../simulator/src/store/model';
import type { LedgerEntry } from '../../src/lib/ledger/ledgerEntry';
import type { PlannedVm } from './chaosPlan';

/** The parts of the simulator's `GET /_sim/state` the verdict reads. */
export interface SimFacts {
  protectedItems: Array<{ vaultId: string; sourceResourceId: string; policyId?: string; protectionState: string }>;
  jobs: Array<{
    name: string;
    vaultId: string;
    operation: string;
    status: string;
    entityFriendlyName: string;
    /** ISO; endTime null while the job runs. */
    startTime?: string;
    endTime?: string | null;
  }>;
}

export interface QueueFacts {
  /** Messages left in `protection-requests` (visible or not). */
  requestsLeft: number;
  /** Bodies left in `protection-requests-poison`. */
  poison: unknown[];
}

export interface ChaosCounts {
  vms: number;
  protected: number;
  skipped: number;
  failed: number;
  /** VMs whose first backup failed for good (every retry included), as planned. */
  firstBackupFailed: number;
  /** Backup jobs in the simulator for planned VMs. */
  backupJobs: number;
  /** Backup jobs the plan expects: one per protected VM, plus the retries its failures call for. */
  expectedBackupJobs: number;
  /** VMs with more Backup jobs than expected (must be 0). */
  duplicateBackups: number;
  /** VMs that had two Backup jobs running at the same time (must be 0). */
  overlappingBackups: number;
  /** VMs without a final ledger row (must be 0). */
  lost: number;
  /** VMs whose final state differs from the expected one, or whose ledger disagrees with the simulator (must be 0). */
  wrong: number;
  requestsLeft: number;
  poisonLeft: number;
}

export interface ChaosVerdict {
  counts: ChaosCounts;
  problems: string[];
}

/** Final ledger statuses: every first backup is followed to its end, so `backup-triggered` is not one. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['protected', 'skipped', 'failed', 'first-backup-failed']);
const COMPLETED = new Set(['Completed', 'CompletedWithWarnings']);
const COUNTED = {
  protected: 'protected',
  skipped: 'skipped',
  failed: 'failed',
  'first-backup-failed': 'firstBackupFailed',
} as const;

/**
 * How many Backup jobs a planned VM must end with: the plan's count (1, or 1 + the first-backup retries its failures
 * call for), else one for a VM autoprotect protects and none for a VM it skips or fails. The one place that says so:
 * the chaos run, the outage run and every count follow it.
 */
export function expectedBackupJobs(vm: PlannedVm): number {
  return vm.expected.backupJobs ?? (vm.expected.status === 'protected' ? 1 : 0);
}

/**
 * The chaos run's verdict from the simulator's state, the ledger and the queues: every planned VM in its expected
 * final state, one Backup job per protected VM, none for the others, ledger and simulator agreeing, queues empty.
 */
export function verifyChaos(
  plan: readonly PlannedVm[],
  subscriptionId: string,
  sim: SimFacts,
  ledger: readonly LedgerEntry[],
  queues: QueueFacts,
): ChaosVerdict {
  const problems: string[] = [];
  const counts: ChaosCounts = {
    vms: plan.length,
    protected: 0,
    skipped: 0,
    failed: 0,
    firstBackupFailed: 0,
    backupJobs: 0,
    expectedBackupJobs: 0,
    duplicateBackups: 0,
    overlappingBackups: 0,
    lost: 0,
    wrong: 0,
    requestsLeft: queues.requestsLeft,
    poisonLeft: queues.poison.length,
  };
  const rows = new Map(ledger.map((row) => [row.vmKey, row]));
  const planned = new Set<string>();

  for (const vm of plan) {
    const key = vmIdOf(subscriptionId, vm.resourceGroup, vm.name).toLowerCase();
    planned.add(key);
    const row = rows.get(key);
    const items = sim.protectedItems.filter((item) => item.sourceResourceId.toLowerCase() === key);
    const jobs = sim.jobs.filter((job) => job.entityFriendlyName.toLowerCase() === vm.name.toLowerCase());
    const backups = jobs.filter((job) => job.operation === 'Backup');
    const expectedJobs = expectedBackupJobs(vm);
    counts.backupJobs += backups.length;
    counts.expectedBackupJobs += expectedJobs;
    if (backups.length > expectedJobs) {
      counts.duplicateBackups += 1;
      problems.push(
        `${vm.name}: ${backups.length} Backup jobs, expected ${expectedJobs} (${backups.map((job) => job.name).join(', ')})`,
      );
    }
    const overlap = overlappingJobs(backups);
    if (overlap) {
      counts.overlappingBackups += 1;
      problems.push(`${vm.name}: Backup jobs ${overlap.join(' and ')} ran at the same time`);
    }
    if (!row || !FINAL_STATUSES.has(row.status)) {
      counts.lost += 1;
      problems.push(
        `${vm.name}: no final ledger row (${row ? `status ${row.status}, reason ${row.reason ?? '-'}` : 'no row'})`,
      );
      continue;
    }
    const vmProblems =
      vm.expected.status === 'protected' || vm.expected.status === 'first-backup-failed'
        ? protectedProblems(vm, row, items, jobs)
        : notProtectedProblems(vm, row, items, jobs);
    if (vmProblems.length > 0) {
      counts.wrong += 1;
      problems.push(...vmProblems.map((problem) => `${vm.name}: ${problem}`));
    } else {
      counts[COUNTED[vm.expected.status]] += 1;
    }
  }

  for (const row of ledger)
    if (!planned.has(row.vmKey)) problems.push(`ledger row for a VM the run did not create: ${row.vmResourceId}`);
  for (const item of sim.protectedItems)
    if (!planned.has(item.sourceResourceId.toLowerCase()))
      problems.push(`protected item for a VM the run did not create: ${item.sourceResourceId}`);
  if (queues.requestsLeft > 0) problems.push(`${queues.requestsLeft} message(s) left in protection-requests`);
  if (queues.poison.length > 0)
    problems.push(
      `${queues.poison.length} message(s) in protection-requests-poison: ${JSON.stringify(queues.poison).slice(0, 500)}`,
    );
  return { counts, problems };
}

/**
 * A VM autoprotect protected: one protected item where its rules say, one ConfigureBackup job, and exactly the Backup
 * jobs the plan expects, the ledger naming each. `protected`: the last job completed, the ones before it failed, and
 * the ledger names the completed one as the first restore point. `first-backup-failed`: every job failed.
 */
function protectedProblems(
  vm: PlannedVm,
  row: LedgerEntry,
  items: SimFacts['protectedItems'],
  jobs: SimFacts['jobs'],
): string[] {
  const problems: string[] = [];
  if (row.status !== vm.expected.status || (vm.expected.reason && row.reason !== vm.expected.reason))
    problems.push(
      `ledger says ${row.status} (${row.reason ?? '-'}), expected ${vm.expected.status}${vm.expected.reason ? ` (${vm.expected.reason})` : ''}`,
    );
  const [item, ...others] = items;
  if (!item || others.length > 0) return [...problems, `${items.length} protected items in the simulator, expected 1`];
  const wantedState = vm.expected.status === 'protected' ? 'Protected' : 'IRPending';
  if (item.protectionState !== wantedState)
    problems.push(`protection state ${item.protectionState}, expected ${wantedState}`);
  if (vm.expected.vaultName && !item.vaultId.toLowerCase().endsWith(`/vaults/${vm.expected.vaultName}`))
    problems.push(`protected in ${item.vaultId}, expected ${vm.expected.vaultName}`);
  if (vm.expected.policyName && item.policyId?.split('/').pop() !== vm.expected.policyName)
    problems.push(`policy ${item.policyId ?? '-'}, expected ${vm.expected.policyName}`);
  if (row.vaultId?.toLowerCase() !== item.vaultId.toLowerCase())
    problems.push(`ledger vault ${row.vaultId ?? '-'} is not the simulator's ${item.vaultId}`);
  const backups = jobs
    .filter((job) => job.operation === 'Backup')
    .sort((a, b) => (a.startTime ?? '').localeCompare(b.startTime ?? ''));
  const expectedJobs = expectedBackupJobs(vm);
  if (backups.length !== expectedJobs) problems.push(`${backups.length} Backup jobs, expected exactly ${expectedJobs}`);
  const statuses = backups.map((job) => job.status);
  const wanted =
    vm.expected.status === 'protected'
      ? statuses.every((status, index) => (index === statuses.length - 1 ? COMPLETED.has(status) : status === 'Failed'))
      : statuses.every((status) => status === 'Failed');
  if (!wanted) problems.push(`Backup jobs ended ${statuses.join(', ') || '-'}`);
  const unnamed = backups.filter((job) => !row.jobIds.some((jobId) => jobId.toLowerCase() === job.name.toLowerCase()));
  if (unnamed.length > 0)
    problems.push(
      `ledger jobIds [${row.jobIds.join(', ')}] (status ${row.status}, reason ${row.reason ?? '-'}, operations ${row.operationIds.join(' ')}) do not name the Backup job(s) ${unnamed.map((job) => job.name).join(', ')}`,
    );
  const last = backups.at(-1);
  if (vm.expected.status === 'protected' && last && row.firstBackupJobId?.toLowerCase() !== last.name.toLowerCase())
    problems.push(`ledger names ${row.firstBackupJobId ?? 'no job'} as the first restore point, not ${last.name}`);
  if (vm.expected.status === 'protected' && !row.firstBackupCompletedAt)
    problems.push('ledger has no firstBackupCompletedAt');
  const configures = jobs.filter((job) => job.operation === 'ConfigureBackup').length;
  if (configures !== 1) problems.push(`${configures} ConfigureBackup jobs, expected 1 (one enable per VM)`);
  return problems;
}

/** The first two Backup jobs whose run times overlap (a job still running counts as running until now). */
function overlappingJobs(backups: SimFacts['jobs']): [string, string] | undefined {
  const spans = backups
    .map((job) => ({
      name: job.name,
      start: Date.parse(job.startTime ?? ''),
      end: job.endTime ? Date.parse(job.endTime) : Number.POSITIVE_INFINITY,
    }))
    .filter((span) => Number.isFinite(span.start))
    .sort((a, b) => a.start - b.start);
  for (let index = 1; index < spans.length; index++) {
    const previous = spans[index - 1];
    const current = spans[index];
    if (previous && current && current.start < previous.end) return [previous.name, current.name];
  }
  return undefined;
}

function notProtectedProblems(
  vm: PlannedVm,
  row: LedgerEntry,
  items: SimFacts['protectedItems'],
  jobs: SimFacts['jobs'],
): string[] {
  const problems: string[] = [];
  if (row.status !== vm.expected.status || row.reason !== vm.expected.reason) {
    problems.push(
      `ledger says ${row.status} (${row.reason ?? '-'}), expected ${vm.expected.status} (${vm.expected.reason ?? '-'})`,
    );
  }
  if (items.length > 0) problems.push(`has ${items.length} protected item(s) in the simulator, expected none`);
  if (jobs.length > 0) problems.push(`has ${jobs.length} job(s) in the simulator, expected none`);
  return problems;
}
