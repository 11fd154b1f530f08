import { vmIdOf } from '../../simulator/src/store/model';
import type { LedgerEntry } from '../../src/lib/ledger/ledgerEntry';
import type { PlannedVm } from './chaosPlan';

/** The parts of the simulator's `GET /_sim/state` the verdict reads. */
export interface SimFacts {
  protectedItems: Array<{ vaultId: string; sourceResourceId: string; policyId?: string; protectionState: string }>;
  jobs: Array<{ name: string; vaultId: string; operation: string; status: string; entityFriendlyName: string }>;
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
  /** Backup jobs in the simulator for planned VMs. */
  backupJobs: number;
  /** VMs with more than one Backup job (must be 0). */
  duplicateBackups: number;
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

const TERMINAL = new Set(['backup-triggered', 'protected', 'skipped', 'failed']);

/**
 * How many Backup jobs a planned VM must end with: one for a VM autoprotect protects (the first backup), none for a
 * VM it skips or fails. The one place that says so: a run that plans failing first backups and their retries
 * changes this function, and every check and count follows.
 */
export function expectedBackupJobs(vm: PlannedVm): number {
  return vm.expected.status === 'protected' ? 1 : 0;
}
const PROTECTED_STATES = new Set(['Protected', 'IRPending']);
const GOOD_BACKUP_STATES = new Set(['InProgress', 'Completed', 'CompletedWithWarnings']);

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
    backupJobs: 0,
    duplicateBackups: 0,
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
    counts.backupJobs += backups.length;
    if (backups.length > Math.max(1, expectedBackupJobs(vm))) {
      counts.duplicateBackups += 1;
      problems.push(`${vm.name}: ${backups.length} Backup jobs (${backups.map((job) => job.name).join(', ')})`);
    }
    if (!row || !TERMINAL.has(row.status)) {
      counts.lost += 1;
      problems.push(
        `${vm.name}: no final ledger row (${row ? `status ${row.status}, reason ${row.reason ?? '-'}` : 'no row'})`,
      );
      continue;
    }
    const vmProblems =
      vm.expected.status === 'protected'
        ? protectedProblems(vm, row, items, jobs)
        : notProtectedProblems(vm, row, items, jobs);
    if (vmProblems.length > 0) {
      counts.wrong += 1;
      problems.push(...vmProblems.map((problem) => `${vm.name}: ${problem}`));
    } else {
      counts[vm.expected.status] += 1;
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

function protectedProblems(
  vm: PlannedVm,
  row: LedgerEntry,
  items: SimFacts['protectedItems'],
  jobs: SimFacts['jobs'],
): string[] {
  const problems: string[] = [];
  if (row.status !== 'protected' && row.status !== 'backup-triggered')
    problems.push(`ledger says ${row.status} (${row.reason ?? '-'}), expected protected`);
  const [item, ...others] = items;
  if (!item || others.length > 0) return [...problems, `${items.length} protected items in the simulator, expected 1`];
  if (!PROTECTED_STATES.has(item.protectionState)) problems.push(`protection state ${item.protectionState}`);
  if (vm.expected.vaultName && !item.vaultId.toLowerCase().endsWith(`/vaults/${vm.expected.vaultName}`))
    problems.push(`protected in ${item.vaultId}, expected ${vm.expected.vaultName}`);
  if (vm.expected.policyName && item.policyId?.split('/').pop() !== vm.expected.policyName)
    problems.push(`policy ${item.policyId ?? '-'}, expected ${vm.expected.policyName}`);
  if (row.vaultId?.toLowerCase() !== item.vaultId.toLowerCase())
    problems.push(`ledger vault ${row.vaultId ?? '-'} is not the simulator's ${item.vaultId}`);
  const backups = jobs.filter((job) => job.operation === 'Backup');
  const expected = expectedBackupJobs(vm);
  const backup = backups.at(-1);
  if (backups.length !== expected || !backup)
    return [...problems, `${backups.length} Backup jobs, expected exactly ${expected}`];
  if (!GOOD_BACKUP_STATES.has(backup.status)) problems.push(`Backup job ${backup.name} is ${backup.status}`);
  if (!row.jobIds.some((jobId) => jobId.toLowerCase() === backup.name.toLowerCase()))
    problems.push(
      `ledger jobIds [${row.jobIds.join(', ')}] (status ${row.status}, reason ${row.reason ?? '-'}, operations ${row.operationIds.join(' ')}) do not name the Backup job ${backup.name}`,
    );
  const configures = jobs.filter((job) => job.operation === 'ConfigureBackup').length;
  if (configures !== 1) problems.push(`${configures} ConfigureBackup jobs, expected 1 (one enable per VM)`);
  return problems;
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
