import { type BackupJobInfo, isJobRunning, isJobSucceeded, type ProtectedItemInfo } from '../azure/ports';
import type { VaultRoute } from '../config';
import { OperationPendingError, TransientError } from '../errors';
import { closeAttempt, latestAttempt } from './backupAttempts';
import { backupJobWindowStart, listVmBackupJobs } from './findBackupJob';
import { finishWithRestorePoint, followBackupJob } from './followBackupJob';
import { afterBackupJobReading } from './followFirstBackup';
import { afterLook } from './operationTimings';
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
  const last = latestAttempt(run.session.entry.backupAttempts);
  const open = last !== undefined && last.jobId === undefined && last.status === undefined;
  if (!options.justEnabled) {
    const now = run.deps.clock.now();
    const jobs = await listVmBackupJobs(run.deps.backup, vault, run.vm, {
      from: backupJobWindowStart(run.session.entry.firstSeen, now),
      now,
    });
    const found = jobs.running ?? jobs.completed;
    if (found) return backupJobOutcome(run, found, 'backup-job-found');
    // The open claim's job ended before anyone saw it (its invocation died after the POST): its outcome decides (a
    // retry within the budget, or first-backup-failed), never a trigger outside the retry budget.
    if (open && jobs.latest && startedSince(jobs.latest, last.at))
      return afterBackupJobReading(run, jobs.latest, run.session.entry.firstBackupReads ?? 0);
  }

  if (run.deps.settings.dryRun) return run.finish('skipped', { reason: 'dry-run:would-trigger-backup' });
  // An open claim (its invocation died before the job was recorded) keeps its kind; else this is the first trigger, or
  // a new request after a first backup that failed.
  return triggerBackupJob(run, vault, {
    trigger: open ? (last.trigger === 'found' ? 'request' : last.trigger) : last ? 'request' : 'first',
    after: open ? last.after : last?.errorCode,
    justEnabled: options.justEnabled === true,
  });
}

/**
 * The job (or the trigger operation) this VM's row already names: checked instead of triggering again. With an open
 * trigger claim, the latest trigger operation names the newest job. A job of ours that failed without its outcome
 * being recorded (its invocation died after the trigger) goes through the retry decision; a failure already recorded,
 * or on a row from before attempts were recorded, lets a new request trigger again.
 */
async function knownBackupJob(run: ProtectionRunContext, vault: VaultRoute): Promise<ProtectOutcome | undefined> {
  const entry = run.session.entry;
  let jobId = entry.jobIds.at(-1);
  const pendingTrigger = run.session.lastOperation('backup');
  const last = latestAttempt(entry.backupAttempts);
  const claimOpen = last !== undefined && last.jobId === undefined && last.status === undefined;
  if (pendingTrigger && (!jobId || claimOpen)) {
    const operation = await run.deps.backup.getOperationStatus(vault, pendingTrigger);
    const running = operation.status === 'InProgress';
    const retryAfterMs = afterLook(
      run.deps.timings,
      { vaultId: vault.vaultId, kind: 'backup', startedAt: operation.startedAt, now: run.deps.clock.now(), running },
      run.deps.poll.maxIntervalMs,
    );
    if (running) {
      throw new OperationPendingError('The backup trigger is still being processed', {
        retryAfterMs,
        context: { operationId: pendingTrigger },
      });
    }
    jobId = operation.jobId ?? jobId;
  }
  if (!jobId) return undefined;
  const job = await run.deps.backup.getJob(vault, jobId);
  if (!job) return undefined;
  if (isJobRunning(job.status) || isJobSucceeded(job.status)) return backupJobOutcome(run, job, 'backup-job-recorded');
  const processed = entry.backupAttempts?.some(
    (attempt) => attempt.jobId?.toLowerCase() === job.jobId.toLowerCase() && attempt.status !== undefined,
  );
  // Processed (or a row from before attempts were recorded): a new request after a first backup that failed, so a
  // new trigger follows. Not processed: its outcome decides now.
  const legacy = (entry.backupAttempts ?? []).length === 0;
  return processed || legacy ? undefined : afterBackupJobReading(run, job, entry.firstBackupReads ?? 0);
}

/** The job started at or after the claim (a minute of slack for the two clocks). */
function startedSince(job: BackupJobInfo, claimedAt: string): boolean {
  return (job.startTime?.getTime() ?? 0) >= Date.parse(claimedAt) - 60_000;
}

/**
 * The item is protected. When the row shows that autoprotect enabled protection or triggered a backup, the job that
 * made the restore point is named: the one the row already closed as completed, else the latest completed Backup job
 * of the VM (one listing), else the job of the latest trigger operation. The ledger then names the first backup instead
 * of calling the VM "already protected", and never a failed earlier job (a retry whose job was not recorded yet).
 */
async function finishProtected(
  run: ProtectionRunContext,
  vault: VaultRoute,
  item: ProtectedItemInfo,
): Promise<ProtectOutcome> {
  const entry = run.session.entry;
  const now = run.deps.clock.now();
  const done = { checkBackToken: undefined, nextCheckBackAt: undefined };
  const closed = entry.backupAttempts?.find((attempt) => attempt.status && isJobSucceeded(attempt.status));
  if (closed?.jobId)
    return run.finish(
      'protected',
      {
        reason: 'first-backup-completed',
        firstBackupCompletedAt: entry.firstBackupCompletedAt ?? closed.endedAt,
        firstBackupJobId: closed.jobId,
        ...done,
      },
      closed.jobId,
    );
  const pendingTrigger = run.session.lastOperation('backup');
  // Nothing on the row says autoprotect acted: no job, no operation, no trigger claim (an invocation killed after the
  // PUT and another after the trigger's POST leave only the claim).
  const untouched =
    entry.jobIds.length === 0 &&
    pendingTrigger === undefined &&
    run.session.lastOperation('enable') === undefined &&
    (entry.backupAttempts ?? []).length === 0;
  if (untouched) return run.finish('protected', { reason: 'already-protected', ...done });
  const job = await restorePointJob(run, vault, pendingTrigger);
  if (job === undefined) return run.finish('protected', { reason: 'already-protected', ...done });
  const jobIds = entry.jobIds.some((id) => id.toLowerCase() === job.jobId.toLowerCase())
    ? entry.jobIds
    : [...entry.jobIds, job.jobId];
  return run.finish(
    'protected',
    {
      reason: 'first-backup-completed',
      jobIds,
      firstBackupCompletedAt: (job.endTime ?? item.lastBackupTime ?? now).toISOString(),
      firstBackupJobId: job.jobId,
      backupAttempts: closeAttempt(
        entry.backupAttempts,
        { jobId: job.jobId, status: 'Completed', endTime: job.endTime ?? item.lastBackupTime },
        now,
      ),
      ...done,
    },
    job.jobId,
  );
}

/**
 * Which Backup job made the restore point. The row's latest job when its outcome is simply unrecorded (followed, then
 * completed), without an Azure call; after a retry whose job was not recorded (an open claim) or a failed last job, the
 * VM's latest completed Backup job (one listing); else the job of the latest trigger operation.
 */
async function restorePointJob(
  run: ProtectionRunContext,
  vault: VaultRoute,
  pendingTrigger: string | undefined,
): Promise<Pick<BackupJobInfo, 'jobId' | 'endTime'> | undefined> {
  const entry = run.session.entry;
  const last = latestAttempt(entry.backupAttempts);
  if (last?.jobId !== undefined && last.status === undefined) return { jobId: last.jobId };
  const recorded = entry.jobIds.at(-1);
  if (last === undefined && recorded !== undefined) return { jobId: recorded };
  const listing = async () => {
    const now = run.deps.clock.now();
    const jobs = await listVmBackupJobs(run.deps.backup, vault, run.vm, {
      from: backupJobWindowStart(entry.firstSeen, now),
      now,
    });
    return jobs.completed ?? jobs.running;
  };
  const operation = async () => {
    if (pendingTrigger === undefined) return undefined;
    const jobId = (await run.deps.backup.getOperationStatus(vault, pendingTrigger)).jobId;
    return jobId === undefined ? undefined : { jobId };
  };
  // No attempts recorded (a row from before): the trigger operation names the job, the listing is the fallback.
  const found =
    last === undefined ? ((await operation()) ?? (await listing())) : ((await listing()) ?? (await operation()));
  return found ?? (recorded === undefined ? undefined : { jobId: recorded });
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
  const jobIds = entry.jobIds.includes(job.jobId) ? entry.jobIds : [...entry.jobIds, job.jobId];
  return finishWithRestorePoint(run, job, jobIds);
}
