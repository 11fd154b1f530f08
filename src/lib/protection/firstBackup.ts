import { SERVICE_BUSY_CODES } from '../azure/classifyAzureError';
import { isJobRunning, isJobSucceeded, type ProtectedItemInfo } from '../azure/ports';
import type { VaultRoute } from '../config';
import { OperationPendingError, PermanentError, statusCodeOf, TransientError } from '../errors';
import { backupJobWindowStart, findRunningOrCompletedBackupJob } from './findBackupJob';
import type { ProtectionRunContext, ProtectOutcome } from './protectionTypes';

/** States in which a person has stopped or paused protection on purpose: recorded, never overridden. */
const DELIBERATELY_STOPPED = ['protectionstopped', 'protectionpaused', 'backupssuspended'];

/**
 * Steps 5 and 6 for a VM whose protected item exists: `Protected` -> done; `IRPending` -> trigger the first backup
 * unless the row's job, the row's pending trigger, or a Backup job listed for the VM shows one running or completed.
 * `justEnabled`: this run created the item a moment ago, so no Backup job of it can be listed yet: the listing (one
 * ARM read per VM) is skipped.
 */
export async function ensureFirstBackup(
  run: ProtectionRunContext,
  vault: VaultRoute,
  item: ProtectedItemInfo,
  options: { justEnabled?: boolean } = {},
): Promise<ProtectOutcome> {
  const state = item.protectionState.toLowerCase();
  if (state === 'protected' || item.lastBackupStatus?.toLowerCase() === 'completed') return finishProtected(run, vault);
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
    if (found) return backupJobOutcome(run, found.jobId, found.status, 'backup-job-found');
  }

  if (run.deps.settings.dryRun) return run.finish('skipped', { reason: 'dry-run:would-trigger-backup' });
  return triggerFirstBackup(run, vault, options.justEnabled === true);
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
    return backupJobOutcome(run, job.jobId, job.status, 'backup-job-recorded');
  return undefined;
}

/**
 * The item is protected. When the row shows that autoprotect enabled protection or triggered the backup but never
 * recorded the job (the invocation crashed or ran out of budget after the trigger), the job is looked up and recorded:
 * the ledger then names the first backup instead of calling the VM "already protected".
 */
async function finishProtected(run: ProtectionRunContext, vault: VaultRoute): Promise<ProtectOutcome> {
  const entry = run.session.entry;
  if (entry.jobIds.length > 0) return run.finish('protected', { reason: 'first-backup-completed' });
  const pendingTrigger = run.session.lastOperation('backup');
  if (pendingTrigger === undefined && run.session.lastOperation('enable') === undefined)
    return run.finish('protected', { reason: 'already-protected' });
  const now = run.deps.clock.now();
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
  if (jobId === undefined) return run.finish('protected', { reason: 'already-protected' });
  return run.finish('protected', { reason: 'first-backup-completed', jobIds: [jobId] }, jobId);
}

async function triggerFirstBackup(
  run: ProtectionRunContext,
  vault: VaultRoute,
  justEnabled: boolean,
): Promise<ProtectOutcome> {
  const expiry = new Date(run.deps.clock.now().getTime() + run.deps.settings.backupExpiryDays * 24 * 3600_000);
  await run.session.beginAzureStep('triggering-first-backup');
  const operation = await run.deps.backup.triggerBackup(vault, run.vm, expiry).catch((error: unknown) => {
    if (justEnabled && statusCodeOf(error) === 404) {
      throw new TransientError('Protection was enabled but the protected item is not visible yet', {
        cause: error,
        code: 'item-not-visible',
      });
    }
    throw error;
  });
  await run.session.appendOperation('backup', operation.operationId);
  run.deps.logger.info('first backup triggered', {
    vmKey: run.vm.key,
    operationId: operation.operationId,
    vaultId: vault.vaultId,
  });
  const result = await run.wait(vault, operation);
  if (result.status !== 'Succeeded')
    throw operationFailure('trigger backup', result.status, result.errorCode, result.errorMessage);
  const jobIds = result.jobId ? [...run.session.entry.jobIds, result.jobId] : run.session.entry.jobIds;
  return run.finish('backup-triggered', { reason: 'first-backup-triggered', jobIds }, result.jobId);
}

function backupJobOutcome(
  run: ProtectionRunContext,
  jobId: string,
  status: string,
  reason: string,
): Promise<ProtectOutcome> {
  const jobIds = run.session.entry.jobIds.includes(jobId)
    ? run.session.entry.jobIds
    : [...run.session.entry.jobIds, jobId];
  if (isJobSucceeded(status)) return run.finish('protected', { reason: 'first-backup-completed', jobIds }, jobId);
  return run.finish('backup-triggered', { reason, jobIds }, jobId);
}

/** A failed or cancelled operation: transient when the service says the item is busy, permanent otherwise. */
export function operationFailure(
  what: string,
  status: string,
  code: string | undefined,
  message: string | undefined,
): TransientError | PermanentError {
  const text = `Could not ${what}: operation ${status}${code ? ` (${code})` : ''}${message ? `: ${message.split(/\r?\n/)[0]}` : ''}`;
  const errorCode = code ?? `operation-${status.toLowerCase()}`;
  return code && SERVICE_BUSY_CODES.has(code)
    ? new TransientError(text, { code: errorCode })
    : new PermanentError(text, { code: errorCode });
}
