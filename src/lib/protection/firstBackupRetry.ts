import { AGENT_ARTICLE_CODES, JOB_CANCELLED, JOB_FAILED } from '../azure/firstBackupCodes';
import { isJobSucceeded } from '../azure/ports';
import type { FirstBackupSettings } from '../config';
import { MAX_FOLLOW_MS, nextCheckBackDelayMs } from './checkBackSchedule';

/**
 * Job error codes that say "retry later": those of the agent and extension article (AGENT_ARTICLE_CODES), and
 * `UserErrorBackupOperationInProgress` (another backup was running, recovery-services-api.md §7): the retry first looks
 * for that job and follows it.
 */
export const RETRYABLE_FIRST_BACKUP_CODES: ReadonlySet<string> = new Set([
  ...AGENT_ARTICLE_CODES,
  'UserErrorBackupOperationInProgress',
]);

export type FirstBackupFailure = 'not-retryable' | 'retries-exhausted' | 'job-cancelled';

/** What to do after reading the first Backup job once. */
export type FirstBackupStep =
  | { kind: 'check-back'; delayMs: number }
  | { kind: 'protected' }
  | { kind: 'retry'; delayMs: number; code: string; retry: number }
  | { kind: 'failed'; reason: FirstBackupFailure; code: string }
  | { kind: 'stop-following' };

/** The job as the decision needs it: its status, its error code, and how long it has run. */
export interface JobReading {
  status: string;
  errorCode?: string;
  ageMs: number;
}

/**
 * The retry decision, a pure table (test/unit/lib/protection/firstBackupRetry.test.ts): running -> check back on the
 * schedule (until MAX_FOLLOW_MS); Completed / CompletedWithWarnings -> protected; Cancelled -> failed at once; Failed
 * with a retryable code -> retry after `retryDelaysMs[retriesUsed]` while retries remain, then failed
 * (`retries-exhausted`); Failed with any other code -> failed at once (`not-retryable`). Unknown statuses are followed.
 */
export function nextFirstBackupStep(
  job: JobReading,
  retriesUsed: number,
  settings: FirstBackupSettings,
): FirstBackupStep {
  if (isJobSucceeded(job.status)) return { kind: 'protected' };
  const status = job.status.toLowerCase();
  if (status === 'cancelled' || status === 'canceled')
    return { kind: 'failed', reason: 'job-cancelled', code: JOB_CANCELLED };
  if (status === 'failed') {
    const code = job.errorCode ?? JOB_FAILED;
    if (!RETRYABLE_FIRST_BACKUP_CODES.has(code)) return { kind: 'failed', reason: 'not-retryable', code };
    const delayMs = settings.retryDelaysMs[retriesUsed];
    if (delayMs === undefined) return { kind: 'failed', reason: 'retries-exhausted', code };
    return { kind: 'retry', delayMs, code, retry: retriesUsed + 1 };
  }
  if (job.ageMs > MAX_FOLLOW_MS) return { kind: 'stop-following' };
  return { kind: 'check-back', delayMs: nextCheckBackDelayMs(job.ageMs, settings.checkBackDelaysMs) };
}
