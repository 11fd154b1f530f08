import type { BackupJobInfo } from '../azure/ports';
import type { BackupAttempt } from '../ledger/ledgerEntry';

/**
 * The Backup jobs of a VM's first backup, as the ledger row keeps them (`backupAttempts`). Pure helpers: each returns
 * a new list.
 */

/** The latest attempt, if any. */
export function latestAttempt(attempts: readonly BackupAttempt[] | undefined): BackupAttempt | undefined {
  return attempts?.at(-1);
}

/**
 * Claims a trigger before the POST: a new attempt without a job, or the open one (a claim whose job was never
 * recorded: the invocation that sent it died) reused, so a crash never turns one retry into two.
 */
export function claimTrigger(
  attempts: readonly BackupAttempt[] | undefined,
  claim: { trigger: BackupAttempt['trigger']; at: Date; after?: string },
): BackupAttempt[] {
  const list = [...(attempts ?? [])];
  const last = list.at(-1);
  if (last && last.jobId === undefined && last.status === undefined) return list;
  return [
    ...list,
    { trigger: claim.trigger, at: claim.at.toISOString(), ...(claim.after ? { after: claim.after } : {}) },
  ];
}

/**
 * Records the job of the latest claim; a job already listed is left as it is; a job without a claim (someone else's,
 * or one from before attempts were recorded) is added with `fallback` as its trigger.
 */
export function attachJob(
  attempts: readonly BackupAttempt[] | undefined,
  jobId: string,
  at: Date,
  fallback: BackupAttempt['trigger'],
): BackupAttempt[] {
  const list = [...(attempts ?? [])];
  if (list.some((attempt) => sameJob(attempt.jobId, jobId))) return list;
  const last = list.at(-1);
  if (last && last.jobId === undefined && last.status === undefined) return [...list.slice(0, -1), { ...last, jobId }];
  return [...list, { trigger: fallback, at: at.toISOString(), jobId }];
}

/** Records how a job ended on its attempt (added when the job is not listed yet). */
export function closeAttempt(
  attempts: readonly BackupAttempt[] | undefined,
  job: Pick<BackupJobInfo, 'jobId' | 'status' | 'endTime' | 'errorCode'>,
  now: Date,
  code?: string,
): BackupAttempt[] {
  const list = attachJob(attempts, job.jobId, now, 'found');
  return list.map((attempt) =>
    sameJob(attempt.jobId, job.jobId)
      ? {
          ...attempt,
          status: job.status,
          endedAt: (job.endTime ?? now).toISOString(),
          ...((code ?? job.errorCode) ? { errorCode: code ?? job.errorCode } : {}),
        }
      : attempt,
  );
}

/** Automatic retries spent since the last trigger that was not one (a new request starts a new count). */
export function retriesUsed(attempts: readonly BackupAttempt[] | undefined): number {
  let count = 0;
  for (const attempt of [...(attempts ?? [])].reverse()) {
    if (attempt.trigger !== 'retry') break;
    count++;
  }
  return count;
}

function sameJob(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}
