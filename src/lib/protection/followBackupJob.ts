import { randomUUID } from 'node:crypto';

import type { BackupJobInfo } from '../azure/ports';
import type { BackupAttempt } from '../ledger/ledgerEntry';
import type { ProtectionRequest } from '../messages/protectionRequest';
import { attachJob, closeAttempt } from './backupAttempts';
import { jobAgeMs, nextCheckBackDelayMs } from './checkBackSchedule';
import type { FinishChanges, ProtectionRunContext, ProtectOutcome } from './protectionTypes';

/** What the row says while the first backup is followed, and why. */
export interface FollowChanges extends Partial<FinishChanges> {
  reason: string;
}

/**
 * Starts (or continues) following the first Backup job: sends the check-back first, then writes the row with the
 * check-back's token, so that the row never names a check-back that was not sent. If the write fails after the send,
 * the orphaned check-back finds another token on the row and does nothing, and the redelivered request (whose token
 * the row still names) takes over. The job is recorded on the row's latest trigger claim (`fallback` otherwise).
 */
export async function followBackupJob(
  run: ProtectionRunContext,
  job: Pick<BackupJobInfo, 'jobId'> & Partial<Pick<BackupJobInfo, 'startTime' | 'durationMs'>>,
  changes: FollowChanges,
  fallback: BackupAttempt['trigger'] = 'found',
): Promise<ProtectOutcome> {
  const now = run.deps.clock.now();
  const entry = run.session.entry;
  const delayMs = nextCheckBackDelayMs(jobAgeMs(job, now), run.deps.settings.firstBackup.checkBackDelaysMs);
  return scheduleCheckBack(
    run,
    delayMs,
    {
      jobIds: entry.jobIds.some((id) => id.toLowerCase() === job.jobId.toLowerCase())
        ? entry.jobIds
        : [...entry.jobIds, job.jobId],
      backupAttempts: attachJob(entry.backupAttempts, job.jobId, now, fallback),
      firstBackupTriggeredAt: entry.firstBackupTriggeredAt ?? now.toISOString(),
      ...changes,
    },
    job.jobId,
  );
}

/**
 * Sends a check-back due in `delayMs` with a new token, then writes `backup-triggered` with that token and the changes
 * (send first: see followBackupJob).
 */
export async function scheduleCheckBack(
  run: ProtectionRunContext,
  delayMs: number,
  changes: FollowChanges,
  jobId?: string,
): Promise<ProtectOutcome> {
  const now = run.deps.clock.now();
  const token = randomUUID();
  await run.deps.requests.send(checkBackRequest(run.request, token), { delayMs });
  const outcome = await run.finish(
    'backup-triggered',
    { ...changes, checkBackToken: token, nextCheckBackAt: new Date(now.getTime() + delayMs).toISOString() },
    jobId,
  );
  return { ...outcome, nextCheckBackMs: delayMs };
}

/**
 * The check-back message: the same VM and correlation, attempt 1 and no history (a check-back that finds the job is
 * progress, so transient errors start counting again), and the token the row will name.
 */
export function checkBackRequest(request: ProtectionRequest, token: string): ProtectionRequest {
  const { history: _history, attempt: _attempt, checkBackToken: _token, ...rest } = request;
  return { ...rest, attempt: 1, checkBackToken: token };
}

/** The first Backup job completed: the VM has its first restore point, and the check-back chain ends. */
export function finishWithRestorePoint(
  run: ProtectionRunContext,
  job: BackupJobInfo,
  jobIds: string[],
  changes: Partial<FinishChanges> = {},
): Promise<ProtectOutcome> {
  const now = run.deps.clock.now();
  return run.finish(
    'protected',
    {
      reason: 'first-backup-completed',
      jobIds,
      firstBackupCompletedAt: (job.endTime ?? now).toISOString(),
      firstBackupJobId: job.jobId,
      backupAttempts: closeAttempt(run.session.entry.backupAttempts, job, now),
      ...changes,
      checkBackToken: undefined,
      nextCheckBackAt: undefined,
    },
    job.jobId,
  );
}
