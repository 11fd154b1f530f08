import type { VaultRoute } from '../config';
import { statusCodeOf, TransientError } from '../errors';
import type { BackupAttempt } from '../ledger/ledgerEntry';
import { claimTrigger } from './backupAttempts';
import { followBackupJob, scheduleCheckBack } from './followBackupJob';
import { operationFailure } from './operationFailure';
import type { ProtectionRunContext, ProtectOutcome } from './protectionTypes';

export interface TriggerOptions {
  trigger: Exclude<BackupAttempt['trigger'], 'found'>;
  /** The error code of the failed job a retry follows. */
  after?: string;
  /** This run created the item a moment ago: a 404 on the trigger means "not visible yet", not "gone". */
  justEnabled: boolean;
}

/**
 * Triggers one Backup job of the first backup and starts following it. The trigger is first claimed on the ledger row
 * (a conditional write naming the attempt, before the POST), so a crash after the POST never leads to a second job:
 * the replay finds the claim open and looks for the job (firstBackup.ts) before it would trigger again, and a trigger
 * that is then needed reuses the same claim.
 */
export async function triggerBackupJob(
  run: ProtectionRunContext,
  vault: VaultRoute,
  options: TriggerOptions,
): Promise<ProtectOutcome> {
  const now = run.deps.clock.now();
  const expiry = new Date(now.getTime() + run.deps.settings.backupExpiryDays * 24 * 3600_000);
  const retrying = options.trigger === 'retry';
  await run.session.beginAzureStep(retrying ? 'retrying-first-backup' : 'triggering-first-backup', {
    backupAttempts: claimTrigger(run.session.entry.backupAttempts, {
      trigger: options.trigger,
      at: now,
      after: options.after,
    }),
  });
  const operation = await run.deps.backup.triggerBackup(vault, run.vm, expiry).catch((error: unknown) => {
    if (options.justEnabled && statusCodeOf(error) === 404) {
      throw new TransientError('Protection was enabled but the protected item is not visible yet', {
        cause: error,
        code: 'item-not-visible',
      });
    }
    throw error;
  });
  await run.session.appendOperation('backup', operation.operationId);
  run.deps.logger.info(retrying ? 'first backup retried' : 'first backup triggered', {
    vmKey: run.vm.key,
    operationId: operation.operationId,
    vaultId: vault.vaultId,
    trigger: options.trigger,
    after: options.after,
  });
  const result = await run.wait(vault, operation, 'backup');
  if (result.status !== 'Succeeded')
    throw operationFailure('trigger backup', result.status, result.errorCode, result.errorMessage);
  const follow = {
    reason: retrying ? 'first-backup-retried' : 'first-backup-triggered',
    ...(retrying && options.after ? { errorCode: options.after } : {}),
  };
  if (result.jobId) return followBackupJob(run, { jobId: result.jobId }, follow, options.trigger);
  // No job id on the operation: the first check-back finds the job by listing (the full workflow, firstBackup.ts).
  return scheduleCheckBack(run, run.deps.settings.firstBackup.checkBackDelaysMs[0] ?? 60_000, follow);
}
