import { type BackupJobInfo, isJobRunning, isJobSucceeded, type ProtectedItemInfo } from '../azure/ports';
import type { VaultRoute } from '../config';
import { OperationPendingError, TransientError } from '../errors';
import { closeAttempt, latestAttempt } from './backupAttempts';
import { backupJobWindowStart, findRunningOrCompletedBackupJob } from './findBackupJob';
import { followBackupJob } from './followBackupJob';
import type { ProtectionRunContext, ProtectOutcome } from './protectionTypes';
import { triggerBackupJob } from './triggerBackupJob';

/** States in which a person has stopped or paused protection on purpose: recorded, never overridden. */
const DELIBERATELY_STOPPED = ['protectionstopped', 'protectionpaused', 'backupssuspended'];

/**
 * Steps 5 and 6 for a VM whose protected item exists: `Protected` -> done; `IRPending` -> trigger the first backup
 * unless the row's job, the row's pending trigger, or a Backup job listed for the VM shows one running or completed.
 * A running job is followed to its end (followBackupJob.ts). `justEnabled`: this run created the item a moment ago, so
 * no Backup job of it can be listed yet: the listing (one ARM read per VM) is skipped.
 */
export async function ensureFirstBackup(
  run: ProtectionRunContext,
  vault: VaultRoute,
  item: ProtectedItemInfo,
  options: { justEnabled?: boolean } = {},
): Promise<ProtectOutcome> {
  const state = item.protectionState.toLowerCase();
  if (state === 'protected' || item.lastBackupStatus?.toLowerCase() === 'completed')
    return finishProtected(run, vault, item);
  if (DELIBERATELY_STOPPED.includes(state)) {
    return run.finish('skipped', { reason: `protection-state:${item.protectionState}`, rule: 'protected-item-state' });
  }
  if (state === 'protectionerror') {
    return run.finish('failed', {
      reason: 'protection-error',
      errorCode: item.protectionState,
      rule: 'protected-item-state',
    });
  }
  if (state !== 'irpending') {
    throw new TransientError(`Protected item is in state '${item.protectionState}'`, {
      code: 'item-state-unsettled',
      context: { protectionState: item.protectionState },
    });
  }

  const known = await knownBackupJob(run, vault);
  if (known) return known;
  if (!options.justEnabled) {
    const now = run.deps.clock.now();
    const found = await findRunningOrCompletedBackupJob(run.deps.backup, vault, run.vm, {
      from: backupJobWindowStart(run.session.entry.firstSeen, now),
      now,
    });
    if (found) return backupJobOutcome(run, found, 'backup-job-found');
  }

  if (run.deps.settings.dryRun) return run.finish('skipped', { reason: 'dry-run:would-trigger-backup' });
  // An open claim (its invocation died before the job was recorded) keeps its kind; else this is the first trigger, or
  // a new request after a first backup that failed.
  const last = latestAttempt(run.session.entry.backupAttempts);
  const open = last !== undefined && last.jobId === undefined && last.status === undefined;
  return triggerBackupJob(run, vault, {
    trigger: open ? (last.trigger === 'found' ? 'request' : last.trigger) : last ? 'request' : 'first',
    after: open ? last.after : last?.errorCode,
    justEnabled: options.justEnabled === true,
  });
}

/** The job (or the trigger operation) this VM's row already names: checked instead of triggering again. */
async function knownBackupJob(run: ProtectionRunContext, vault: VaultRoute): Promise<ProtectOutcome | undefined> {
  let jobId = run.session.entry.jobIds.at(-1);
  const pendingTrigger = run.session.lastOperation('backup');
  if (!jobId && pendingTrigger) {
    const operation = await run.deps.backup.getOperationStatus(vault, pendingTrigger);
    if (operation.status === 'InProgress') {
      throw new OperationPendingError('The backup trigger is still being processed', {
        retryAfterMs: run.deps.poll.maxIntervalMs,
        context: { operationId: pendingTrigger },
      });
    }
    jobId = operation.jobId;
  }
  if (!jobId) return undefined;
  const job = await run.deps.backup.getJob(vault, jobId);
  if (job && (isJobRunning(job.status) || isJobSucceeded(job.status)))
    return backupJobOutcome(run, job, 'backup-job-recorded');
  return undefined;
}

/**
 * The item is protected. When the row shows that autoprotect enabled protection or triggered the backup but never
 * recorded the job (the invocation crashed or ran out of budget after the trigger), the job is looked up and recorded:
 * the ledger then names the first backup instead of calling the VM "already protected".
 */
async function finishProtected(
  run: ProtectionRunContext,
  vault: VaultRoute,
  item: ProtectedItemInfo,
): Promise<ProtectOutcome> {
  const entry = run.session.entry;
  const now = run.deps.clock.now();
  const completedAt = (item.lastBackupTime ?? now).toISOString();
  const done = { checkBackToken: undefined, nextCheckBackAt: undefined };
  if (entry.jobIds.length > 0)
    return run.finish('protected', {
      reason: 'first-backup-completed',
      firstBackupCompletedAt: entry.firstBackupCompletedAt ?? completedAt,
      firstBackupJobId: entry.firstBackupJobId ?? entry.jobIds.at(-1),
      ...done,
    });
  const pendingTrigger = run.session.lastOperation('backup');
  if (pendingTrigger === undefined && run.session.lastOperation('enable') === undefined)
    return run.finish('protected', { reason: 'already-protected', ...done });
  const fromOperation =
    pendingTrigger === undefined ? undefined : (await run.deps.backup.getOperationStatus(vault, pendingTrigger)).jobId;
  const jobId =
    fromOperation ??
    (
      await findRunningOrCompletedBackupJob(run.deps.backup, vault, run.vm, {
        from: backupJobWindowStart(entry.firstSeen, now),
        now,
      })
    )?.jobId;
  if (jobId === undefined) return run.finish('protected', { reason: 'already-protected', ...done });
  return run.finish(
    'protected',
    {
      reason: 'first-backup-completed',
      jobIds: [jobId],
      firstBackupCompletedAt: completedAt,
      firstBackupJobId: jobId,
      backupAttempts: closeAttempt(
        entry.backupAttempts,
        { jobId, status: 'Completed', endTime: item.lastBackupTime },
        now,
      ),
      ...done,
    },
    jobId,
  );
}

/** A Backup job of the VM that runs (followed from now on) or has completed (the VM has its first restore point). */
function backupJobOutcome(run: ProtectionRunContext, job: BackupJobInfo, reason: string): Promise<ProtectOutcome> {
  const entry = run.session.entry;
  if (!isJobSucceeded(job.status)) {
    // A job the row already names is autoprotect's own (a row written before attempts were recorded); else someone
    // else's, unless it completes an open trigger claim (followBackupJob attaches it there).
    const ours = entry.jobIds.some((id) => id.toLowerCase() === job.jobId.toLowerCase());
    return followBackupJob(run, job, { reason }, ours ? 'first' : 'found');
  }
  const now = run.deps.clock.now();
  const jobIds = entry.jobIds.includes(job.jobId) ? entry.jobIds : [...entry.jobIds, job.jobId];
  return run.finish(
    'protected',
    {
      reason: 'first-backup-completed',
      jobIds,
      firstBackupCompletedAt: (job.endTime ?? now).toISOString(),
      firstBackupJobId: job.jobId,
      backupAttempts: closeAttempt(entry.backupAttempts, job, now),
      checkBackToken: undefined,
      nextCheckBackAt: undefined,
    },
    job.jobId,
  );
}
