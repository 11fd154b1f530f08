import { vmIdOf } from '../../../simulator/src/store/model';
import type { LedgerEntry } from '../../../src/lib/ledger/ledgerEntry';
import type { PlannedVm } from '../chaosPlan';
import { expectedBackupJobs, type SimFacts } from '../verifyChaos';

/** Ledger statuses of a VM an invocation is still working on. */
const IN_PROGRESS = new Set(['requested', 'protecting']);

/**
 * Rows left in an in-progress status whose claim has expired (or that have none): work nobody holds and nothing will
 * finish unless a message for the VM is still on its way. After a run there must be none.
 */
export function stuckRows(ledger: readonly LedgerEntry[], now: Date): LedgerEntry[] {
  return ledger.filter(
    (row) => IN_PROGRESS.has(row.status) && (!row.leaseExpiresAt || Date.parse(row.leaseExpiresAt) <= now.getTime()),
  );
}

export interface JobsPerVm {
  /** Fewest and most Backup jobs of one planned VM that must have one. */
  min: number;
  max: number;
  /** VMs whose Backup job count is not expectedBackupJobs(vm). */
  mismatched: Array<{ name: string; jobs: number; expected: number }>;
}

/** Backup jobs per planned VM in the simulator, against expectedBackupJobs (the one place that says how many). */
export function jobsPerVm(plan: readonly PlannedVm[], jobs: SimFacts['jobs']): JobsPerVm {
  const counts = new Map<string, number>();
  for (const job of jobs)
    if (job.operation === 'Backup')
      counts.set(job.entityFriendlyName.toLowerCase(), (counts.get(job.entityFriendlyName.toLowerCase()) ?? 0) + 1);
  const result: JobsPerVm = { min: Number.POSITIVE_INFINITY, max: 0, mismatched: [] };
  for (const vm of plan) {
    const count = counts.get(vm.name.toLowerCase()) ?? 0;
    const expected = expectedBackupJobs(vm);
    if (expected > 0) {
      result.min = Math.min(result.min, count);
      result.max = Math.max(result.max, count);
    }
    if (count !== expected) result.mismatched.push({ name: vm.name, jobs: count, expected });
  }
  if (result.min === Number.POSITIVE_INFINITY) result.min = 0;
  return result;
}

/** The outage run's own checks, as problem lines (the chaos verdict adds its own). */
export function outageProblems(facts: {
  stuck: readonly LedgerEntry[];
  jobs: JobsPerVm;
  reportDuringOutage: { outcome: string; latestUnchanged: boolean } | undefined;
  reportAfter: { outcome: string; latestReplaced: boolean } | undefined;
  webhook: string[];
}): string[] {
  const problems: string[] = [];
  for (const row of facts.stuck)
    problems.push(
      `${row.vmResourceId}: stuck in ${row.status} (${row.reason ?? '-'}), claim ${row.leaseOwner ?? 'none'} expired ${row.leaseExpiresAt ?? '-'}`,
    );
  for (const vm of facts.jobs.mismatched.slice(0, 20))
    problems.push(`${vm.name}: ${vm.jobs} Backup jobs, expected ${vm.expected}`);
  const during = facts.reportDuringOutage;
  if (!during) problems.push('the report did not run during the storage outage');
  else {
    if (during.outcome !== 'failed')
      problems.push(`the report run during the storage outage ${during.outcome}: it should fail cleanly`);
    if (!during.latestUnchanged) problems.push('the report run during the storage outage changed the latest report');
  }
  const after = facts.reportAfter;
  if (!after || after.outcome !== 'succeeded' || !after.latestReplaced)
    problems.push(`the report rerun after the storage outage did not replace latest (${JSON.stringify(after)})`);
  problems.push(...facts.webhook);
  return problems;
}

const FINAL = new Set(['backup-triggered', 'protected', 'skipped', 'failed']);

/** One outage's own VMs: how many ended protected, how many have no final row, Backup jobs per protected VM. */
export function windowCounts(
  vms: readonly PlannedVm[],
  subscriptionId: string,
  ledger: readonly LedgerEntry[],
  jobs: SimFacts['jobs'],
): { vms: number; protected: number; lost: number; jobsPerVm: { min: number; max: number } } {
  const rows = new Map(ledger.map((row) => [row.vmKey, row.status]));
  const counted = jobsPerVm(vms, jobs);
  let protectedVms = 0;
  let lost = 0;
  for (const vm of vms) {
    const status = rows.get(vmIdOf(subscriptionId, vm.resourceGroup, vm.name).toLowerCase()) ?? '';
    if (!FINAL.has(status)) lost += 1;
    else if (status === 'protected' || status === 'backup-triggered') protectedVms += 1;
  }
  return { vms: vms.length, protected: protectedVms, lost, jobsPerVm: { min: counted.min, max: counted.max } };
}

/** Whether a ledger status is final (a VM in it is not part of a backlog). */
export function isFinalStatus(status: string): boolean {
  return FINAL.has(status);
}
