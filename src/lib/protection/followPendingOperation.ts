import { classifyAzureError } from '../azure/classifyAzureError';
import type { OperationStatusInfo } from '../azure/ports';
import type { VaultRoute } from '../config';
import { OPERATION_IN_PROGRESS, OperationPendingError } from '../errors';
import { latestAttempt } from './backupAttempts';
import { ensureFirstBackup } from './firstBackup';
import { followBackupJob } from './followBackupJob';
import { operationFailure } from './operationFailure';
import { afterLook } from './operationTimings';
import type { ProtectionRunContext, ProtectOutcome } from './protectionTypes';

/**
 * A check-back on an operation autoprotect started and has not seen finish: poll it once before reading anything
 * else (the VM, rules and item were read when it started; the decision is on the row). Still running -> check back
 * again; enable done -> trigger the first backup; trigger done -> record its job. Returns undefined when only the
 * full workflow can decide (nothing to follow, vault no longer configured, a failed or job-less trigger).
 */
export async function followPendingOperation(run: ProtectionRunContext): Promise<ProtectOutcome | undefined> {
  const entry = run.session.entry;
  const latest = run.session.latestOperation();
  // Only a row an earlier attempt left to check back on: after a crash or any other error a trigger may have been sent
  // that the row does not name, and only the full workflow (item state, job listing) rules that out.
  if (
    entry.status !== 'protecting' ||
    entry.errorCode !== OPERATION_IN_PROGRESS ||
    !latest ||
    !entry.vaultId ||
    !entry.policyName
  )
    return undefined;
  if (latest.kind !== 'enable' && latest.kind !== 'backup') return undefined;
  const vaultId = entry.vaultId.toLowerCase();
  const vault = run.deps.settings.vaults.find((route) => route.vaultId.toLowerCase() === vaultId);
  if (!vault) return undefined;

  const status = await pollOnce(run, vault, latest.operationId);
  if (!status) return undefined;
  const running = status.status === 'InProgress';
  const retryAfterMs = afterLook(
    run.deps.timings,
    { vaultId: vault.vaultId, kind: latest.kind, startedAt: status.startedAt, now: run.deps.clock.now(), running },
    run.deps.poll.maxIntervalMs,
  );
  if (running) {
    throw new OperationPendingError(
      `Operation ${latest.operationId} is still running; checking back in ${retryAfterMs} ms`,
      {
        retryAfterMs,
        context: { operationId: latest.operationId, operation: latest.kind },
      },
    );
  }

  if (latest.kind === 'enable') {
    if (status.status !== 'Succeeded') {
      const failure = operationFailure('enable protection', status.status, status.errorCode, status.errorMessage);
      // A busy vault is worth another PUT: the row leaves 'protecting', so the next attempt does not follow this
      // operation.
      if (failure.kind === 'transient')
        await run.session.save({ status: 'requested', reason: 'enable-protection-interrupted' });
      throw failure;
    }
    run.session.stage({ protectionEnabledAt: run.deps.clock.now().toISOString() });
    return ensureFirstBackup(
      run,
      vault,
      { protectionState: 'IRPending', policyName: entry.policyName },
      { justEnabled: true },
    );
  }
  if (status.status !== 'Succeeded' || !status.jobId) return undefined;
  // The row's open trigger claim says whether this job is a retry (and after which failure).
  const claim = latestAttempt(entry.backupAttempts);
  const retried = claim?.trigger === 'retry' && claim.jobId === undefined;
  return followBackupJob(
    run,
    { jobId: status.jobId },
    retried ? { reason: 'first-backup-retried', errorCode: claim.after } : { reason: 'first-backup-triggered' },
    'first',
  );
}

/** The operation's status; undefined (with a warning) when Azure answers with a permanent error, e.g. an unknown id. */
async function pollOnce(
  run: ProtectionRunContext,
  vault: VaultRoute,
  operationId: string,
): Promise<OperationStatusInfo | undefined> {
  try {
    return await run.deps.backup.getOperationStatus(vault, operationId);
  } catch (caught) {
    const error = classifyAzureError(caught);
    if (error.kind === 'transient') throw error;
    run.deps.logger.warn('pending operation could not be read; re-reading the VM and its protected item', {
      vmKey: run.vm.key,
      operationId,
      code: error.code,
    });
    return undefined;
  }
}
