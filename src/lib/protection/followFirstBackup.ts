import type { BackupJobInfo } from '../azure/ports';
import type { VaultRoute } from '../config';
import type { LedgerEntry } from '../ledger/ledgerEntry';
import { closeAttempt, latestAttempt, retriesUsed } from './backupAttempts';
import { jobAgeMs } from './checkBackSchedule';
import { nextFirstBackupStep } from './firstBackupRetry';
import { finishWithRestorePoint, followBackupJob, scheduleCheckBack } from './followBackupJob';
import type { ProtectionRunContext, ProtectOutcome } from './protectionTypes';
import { retryFirstBackup } from './retryFirstBackup';

/**
 * A check-back chain whose check-back is this late is taken for lost (its message went to the poison queue): a plain
 * request (event, sweep, report) then takes it over. Until then such a request leaves the VM to its chain, without an
 * ARM read.
 */
export const CHAIN_GRACE_MS = 3600_000;

/**
 * A check-back on the first backup: one job GET, then the next step of nextFirstBackupStep (check back later, record
 * `protected`, schedule a retry, or record `first-backup-failed`); a retry that is due is made (retryFirstBackup.ts).
 * Only the check-back whose token the row names acts; another check-back, or a plain request while the chain is alive,
 * releases the VM without reading anything. Returns undefined when only the full workflow can decide: the row is not
 * following a job (not `backup-triggered`, no token), the vault is no longer configured, no job is recorded on the
 * latest trigger claim, or the job is gone.
 */
export async function followFirstBackup(run: ProtectionRunContext): Promise<ProtectOutcome | undefined> {
  const entry = run.session.entry;
  if (entry.status !== 'backup-triggered' || entry.checkBackToken === undefined) return undefined;
  const now = run.deps.clock.now();
  if (run.request.checkBackToken !== entry.checkBackToken) {
    if (run.request.checkBackToken !== undefined) return run.release('check-back-superseded');
    if (chainAlive(entry, now)) return run.release('first-backup-followed');
  }
  const vault = configuredVault(run, entry);
  const last = latestAttempt(entry.backupAttempts);
  if (!vault || last?.jobId === undefined) return undefined;
  if (last.status !== undefined) return retryFirstBackup(run, vault, last);

  const job = await run.deps.backup.getJob(vault, last.jobId);
  const reads = (entry.firstBackupReads ?? 0) + 1;
  if (!job) return undefined;
  return afterBackupJobReading(run, job, reads);
}

/**
 * What a reading of one of the VM's first Backup jobs leads to (nextFirstBackupStep): follow it, record the restore
 * point, schedule a retry, or record first-backup-failed. The job is recorded on the row's latest trigger claim.
 * `reads`: the row's count of ARM reads spent following, this one included.
 */
export async function afterBackupJobReading(
  run: ProtectionRunContext,
  job: BackupJobInfo,
  reads: number,
): Promise<ProtectOutcome> {
  const entry = run.session.entry;
  const now = run.deps.clock.now();
  const ageMs = jobAgeMs(job, now);
  // A job found by a replay (its trigger's invocation died) may not be on the row yet.
  const jobIds = entry.jobIds.some((id) => id.toLowerCase() === job.jobId.toLowerCase())
    ? entry.jobIds
    : [...entry.jobIds, job.jobId];
  const step = nextFirstBackupStep(
    { status: job.status, errorCode: job.errorCode, ageMs },
    retriesUsed(entry.backupAttempts),
    run.deps.settings.firstBackup,
  );
  run.deps.logger.info('first backup checked', {
    vmKey: run.vm.key,
    jobId: job.jobId,
    jobStatus: job.status,
    jobAgeMs: ageMs,
    step: step.kind,
    nextCheckBackMs: 'delayMs' in step ? step.delayMs : undefined,
    firstBackupReads: reads,
  });
  switch (step.kind) {
    case 'check-back':
      return followBackupJob(run, job, {
        reason: entry.reason ?? 'first-backup-triggered',
        errorCode: entry.errorCode,
        errorMessage: entry.errorMessage,
        firstBackupReads: reads,
      });
    case 'protected':
      return finishWithRestorePoint(run, job, jobIds, { firstBackupReads: reads });
    case 'retry':
      run.deps.logger.warn('first backup failed; retrying later', {
        vmKey: run.vm.key,
        jobId: job.jobId,
        code: step.code,
        retry: step.retry,
        retries: run.deps.settings.firstBackup.retryDelaysMs.length,
        delayMs: step.delayMs,
      });
      return scheduleCheckBack(
        run,
        step.delayMs,
        {
          reason: 'first-backup-retry-scheduled',
          jobIds,
          errorCode: step.code,
          errorMessage: job.errorMessage,
          backupAttempts: closeAttempt(entry.backupAttempts, job, now, step.code),
          firstBackupReads: reads,
        },
        job.jobId,
      );
    case 'failed':
      run.deps.logger.warn('first backup failed', {
        vmKey: run.vm.key,
        jobId: job.jobId,
        code: step.code,
        reason: step.reason,
        retries: retriesUsed(entry.backupAttempts),
      });
      return run.finish(
        'first-backup-failed',
        {
          reason: step.reason,
          jobIds,
          errorCode: step.code,
          errorMessage: job.errorMessage,
          backupAttempts: closeAttempt(entry.backupAttempts, job, now, step.code),
          firstBackupReads: reads,
          checkBackToken: undefined,
          nextCheckBackAt: undefined,
        },
        job.jobId,
      );
    case 'stop-following':
      return run.finish(
        'backup-triggered',
        {
          reason: 'first-backup-still-running',
          jobIds,
          firstBackupReads: reads,
          checkBackToken: undefined,
          nextCheckBackAt: undefined,
        },
        job.jobId,
      );
  }
}

/** The chain is alive while its next check-back is not more than CHAIN_GRACE_MS overdue. */
export function chainAlive(entry: LedgerEntry, now: Date): boolean {
  const due = entry.nextCheckBackAt === undefined ? Number.NaN : Date.parse(entry.nextCheckBackAt);
  return Number.isFinite(due) && now.getTime() <= due + CHAIN_GRACE_MS;
}

function configuredVault(run: ProtectionRunContext, entry: LedgerEntry): VaultRoute | undefined {
  const vaultId = entry.vaultId?.toLowerCase();
  return run.deps.settings.vaults.find((route) => route.vaultId.toLowerCase() === vaultId);
}
