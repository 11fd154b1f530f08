import type { BackupJobInfo } from '../azure/ports';

/** A check-back is never sooner than this (the queue's visibility delay has whole seconds). */
const MIN_CHECK_BACK_MS = 1_000;
/**
 * A first backup still running after this long is no longer followed: the row keeps `backup-triggered` with reason
 * `first-backup-still-running`, and the report lists it as stale. A week is the queue's longest visibility delay.
 */
export const MAX_FOLLOW_MS = 7 * 24 * 3600_000;

/**
 * How long to wait before checking a running Backup job again, from the job's own age. `delaysMs` [2, 5, 10] min puts
 * check-backs at 2, 7, 17, 27, 37, ... minutes of job time (the last delay repeats), so the schedule depends only on
 * how long Azure says the job has run: a job found running for 3 hours is next read within 10 minutes, and a
 * redelivered or taken-over check-back lands on the same points.
 */
export function nextCheckBackDelayMs(jobAgeMs: number, delaysMs: readonly number[]): number {
  const age = Math.max(0, jobAgeMs);
  let point = 0;
  for (const delay of delaysMs) {
    point += delay;
    if (point > age) return Math.max(MIN_CHECK_BACK_MS, point - age);
  }
  const last = delaysMs.at(-1) ?? MIN_CHECK_BACK_MS;
  const intoPeriod = (age - point) % last;
  return Math.max(MIN_CHECK_BACK_MS, last - intoPeriod);
}

/**
 * How long a job has run: Azure's own `duration` when it gives one (no clock skew between us and the service), else
 * from its start time; 0 when neither is known (a job just triggered).
 */
export function jobAgeMs(job: Pick<BackupJobInfo, 'durationMs' | 'startTime'> | undefined, now: Date): number {
  if (job?.durationMs !== undefined) return job.durationMs;
  if (job?.startTime !== undefined) return Math.max(0, now.getTime() - job.startTime.getTime());
  return 0;
}
