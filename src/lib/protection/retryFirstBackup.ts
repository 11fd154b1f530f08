import { isJobSucceeded } from '../azure/ports';
import type { VaultRoute } from '../config';
import type { BackupAttempt } from '../ledger/ledgerEntry';
import { closeAttempt } from './backupAttempts';
import { backupJobWindowStart, findRunningOrCompletedBackupJob } from './findBackupJob';
import { followBackupJob } from './followBackupJob';
import type { ProtectionRunContext, ProtectOutcome } from './protectionTypes';
import { triggerBackupJob } from './triggerBackupJob';

/**
 * A retry of the first backup that is due (its check-back arrived, the row holds the claim). Never while another Backup
 * job of the VM runs: one listing of the VM's Backup jobs first; a running one is followed instead (someone pressed
 * "Backup now"), a completed one means the VM has its restore point. Otherwise the retry is claimed on the row and
 * triggered (triggerBackupJob.ts).
 */
export async function retryFirstBackup(
  run: ProtectionRunContext,
  vault: VaultRoute,
  failed: BackupAttempt,
): Promise<ProtectOutcome> {
  const entry = run.session.entry;
  const now = run.deps.clock.now();
  const reads = (entry.firstBackupReads ?? 0) + 1;
  run.session.stage({ firstBackupReads: reads });
  const found = await findRunningOrCompletedBackupJob(run.deps.backup, vault, run.vm, {
    from: backupJobWindowStart(entry.firstSeen, now),
    now,
  });
  if (found && found.jobId.toLowerCase() !== failed.jobId?.toLowerCase()) {
    if (!isJobSucceeded(found.status))
      return followBackupJob(run, found, { reason: 'backup-job-found', firstBackupReads: reads }, 'found');
    return run.finish(
      'protected',
      {
        reason: 'first-backup-completed',
        jobIds: [...entry.jobIds, found.jobId],
        firstBackupCompletedAt: (found.endTime ?? now).toISOString(),
        firstBackupJobId: found.jobId,
        backupAttempts: closeAttempt(entry.backupAttempts, found, now),
        firstBackupReads: reads,
        checkBackToken: undefined,
        nextCheckBackAt: undefined,
      },
      found.jobId,
    );
  }
  return triggerBackupJob(run, vault, { trigger: 'retry', after: failed.errorCode, justEnabled: false });
}
