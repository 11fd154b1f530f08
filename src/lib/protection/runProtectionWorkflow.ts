import { classifyAzureError } from '../azure/classifyAzureError';
import type { AsyncOperationRef, BackupStatusInfo, ProtectedItemInfo } from '../azure/ports';
import type { VaultRoute } from '../config';
import { TransientError } from '../errors';
import { ClaimHeldError, claimVm } from '../ledger/claimVm';
import type { LedgerStatus } from '../ledger/ledgerEntry';
import type { ProtectionRequest } from '../messages/protectionRequest';
import { parseVmResourceId, type VmResourceId } from '../resourceId';
import { backupRequirementOf } from '../rules/backupRequirement';
import { evaluateVm, normaliseRegion } from '../rules/evaluateVm';
import { choosePolicy } from './choosePolicy';
import { awaitContainerRefresh, isUnresolvableVm, resolveByRefresh } from './containerRefresh';
import { ensureFirstBackup } from './firstBackup';
import { followFirstBackup } from './followFirstBackup';
import { followPendingOperation } from './followPendingOperation';
import { LedgerSession } from './ledgerSession';
import { operationFailure } from './operationFailure';
import type { TimedOperation } from './operationTimings';
import { explainPolicyRefusal } from './policyRefusal';
import type { FinishChanges, ProtectionRunContext, ProtectionWorkflowDeps, ProtectOutcome } from './protectionTypes';
import { checkProvisioningState } from './provisioningState';
import { waitForOperation } from './waitForOperation';

export type { ProtectionSettings, ProtectionWorkflowDeps, ProtectOutcome } from './protectionTypes';

/**
 * The protectVm workflow for one request, idempotent and safe to replay after a crash at any step:
 * claim the VM's ledger row, follow a container refresh or an operation an earlier attempt waits on
 * (containerRefresh.ts, followPendingOperation.ts), read the VM, apply the rules, check what its configuration needs
 * (skip what Azure Backup cannot protect, wait while Compute still provisions it, switch to an Enhanced policy:
 * choosePolicy.ts), read the protected item, enable protection if needed (refreshing the vault's containers once when
 * the vault cannot resolve the VM; asking backupStatus only when the service refuses, to tell "protected by another
 * vault" apart), trigger the first backup unless one is running or done (firstBackup.ts). Transient errors are recorded
 * and rethrown (the caller re-enqueues); permanent ones make the row `failed` and are rethrown for the caller to log.
 */
export async function runProtectionWorkflow(
  deps: ProtectionWorkflowDeps,
  request: ProtectionRequest,
): Promise<ProtectOutcome> {
  const vm = parseVmResourceId(request.vmResourceId);
  const startedAt = deps.clock.now();
  const superseded = await supersededCheckBack(deps, request, vm);
  if (superseded) return superseded;
  const claim = await claimVm(deps.ledger, {
    vm,
    owner: deps.owner,
    leaseMs: deps.settings.leaseMs,
    now: startedAt,
    attempt: request.attempt,
    eventId: request.eventId,
    correlationId: request.correlationId,
  });
  if (!claim.claimed) {
    throw new ClaimHeldError(
      vm.key,
      claim.heldBy,
      Math.max(1_000, Date.parse(claim.leaseExpiresAt) - startedAt.getTime()),
    );
  }
  const session = new LedgerSession(deps.ledger, claim.entry, deps.clock);
  const run = new ProtectionRun(deps, request, vm, session, startedAt.getTime() + deps.settings.invocationBudgetMs);
  try {
    return await run.execute();
  } catch (caught) {
    const error = explainPolicyRefusal(classifyAzureError(caught));
    try {
      await session.recordError(error);
    } catch (ledgerError) {
      throw new TransientError(`Could not record ${error.code} on the ledger`, {
        cause: ledgerError,
        code: 'ledger-write-failed',
        context: { vmKey: vm.key, original: error.code },
      });
    }
    throw error;
  }
}

/**
 * A check-back whose token the VM's row no longer names (redelivered, or superseded by a later one) ends here, without
 * a claim or any other write: the outcome reports the row as it is.
 */
async function supersededCheckBack(
  deps: ProtectionWorkflowDeps,
  request: ProtectionRequest,
  vm: VmResourceId,
): Promise<ProtectOutcome | undefined> {
  if (request.checkBackToken === undefined) return undefined;
  const row = await deps.ledger.get(vm.key);
  if (!row || row.checkBackToken === request.checkBackToken) return undefined;
  return {
    vmKey: vm.key,
    status: row.status,
    reason: 'check-back-superseded',
    rule: row.rule,
    vaultId: row.vaultId,
    policyName: row.policyName,
    dryRun: deps.settings.dryRun,
  };
}

/**
 * Steps 1-4: follow the first backup or a pending operation, or read the VM, decide, check real state, enable
 * protection.
 */
class ProtectionRun implements ProtectionRunContext {
  constructor(
    readonly deps: ProtectionWorkflowDeps,
    readonly request: ProtectionRequest,
    readonly vm: VmResourceId,
    readonly session: LedgerSession,
    readonly deadline: number,
  ) {}

  async execute(): Promise<ProtectOutcome> {
    const following = await followFirstBackup(this);
    if (following) return following;
    await awaitContainerRefresh(this);
    const followed = await followPendingOperation(this);
    if (followed) return followed;

    const details = await this.deps.vms.getVm(this.vm);
    if (!details) return this.finish('skipped', { reason: 'vm-deleted', rule: 'vm-read:not-found' });

    const decision = evaluateVm(details, this.deps.settings.rules, this.deps.settings.vaults);
    if (decision.action === 'skip') return this.finish('skipped', { reason: decision.reason, rule: decision.rule });
    if (decision.action === 'fail')
      return this.finish('failed', { reason: decision.reason, errorCode: decision.reason, rule: decision.rule });
    const requirement = backupRequirementOf(details);
    if (requirement.kind === 'unsupported')
      return this.finish('skipped', { reason: requirement.reason, rule: requirement.rule });
    if (checkProvisioningState(details, this.deps.poll.maxIntervalMs) === 'failed')
      return this.finish('failed', {
        reason: 'vm-provisioning-failed',
        errorCode: 'vm-provisioning-failed',
        rule: 'vm-provisioning-state:Failed',
      });

    const { vault } = decision;
    this.session.stage({ rule: decision.rule, vaultId: vault.vaultId, policyName: decision.policyName });
    const fit = await choosePolicy(this.deps.backup, { ...decision, vault }, requirement);
    if (fit.action === 'skip') return this.finish('skipped', { reason: fit.reason, rule: fit.rule });
    if (fit.action === 'fail')
      return this.finish('failed', { reason: fit.reason, errorCode: fit.reason, rule: fit.rule });
    const { policyName } = fit;
    this.session.stage({ rule: fit.rule, policyName });
    if (fit.switched)
      this.deps.logger.info('the VM needs an Enhanced policy', { vmKey: this.vm.key, policyName, rule: fit.rule });

    const region = normaliseRegion(details.location);
    const existing = await this.deps.backup.getProtectedItem(vault, this.vm);
    if (existing) return ensureFirstBackup(this, vault, existing);
    if (this.deps.settings.dryRun)
      return (
        (await this.protectedElsewhere(vault, region)) ??
        this.finish('skipped', { reason: 'dry-run:would-enable-protection' })
      );
    const enabled = await this.enableOrExplain(vault, policyName, region);
    return 'outcome' in enabled ? enabled.outcome : ensureFirstBackup(this, vault, enabled.item, { justEnabled: true });
  }

  wait(vault: VaultRoute, operation: AsyncOperationRef, kind?: TimedOperation) {
    const { timings } = this.deps;
    return waitForOperation(this.deps.backup, vault, operation, {
      clock: this.deps.clock,
      deadline: this.deadline,
      poll: this.deps.poll,
      ...(timings && kind ? { learned: { timings, kind } } : {}),
    });
  }

  async finish(status: LedgerStatus, changes: FinishChanges, jobId?: string): Promise<ProtectOutcome> {
    const entry = await this.session.finish(status, changes);
    return {
      vmKey: this.vm.key,
      status,
      reason: changes.reason,
      rule: entry.rule,
      vaultId: entry.vaultId,
      policyName: entry.policyName,
      jobId: jobId ?? entry.jobIds.at(-1),
      dryRun: this.deps.settings.dryRun,
    };
  }

  async release(reason: string): Promise<ProtectOutcome> {
    const entry = await this.session.release();
    return {
      vmKey: this.vm.key,
      status: entry.status,
      reason,
      rule: entry.rule,
      vaultId: entry.vaultId,
      policyName: entry.policyName,
      dryRun: this.deps.settings.dryRun,
    };
  }

  /**
   * Enables protection; when the service refuses (synchronously or as a failed operation), asks backupStatus whether
   * another vault protects the VM: then the VM is skipped as `protected-elsewhere`, else the refusal stands. Asking
   * only on refusal saves a write per VM (backupStatus is a POST, which ARM's write bucket counts).
   */
  private async enableOrExplain(
    vault: VaultRoute,
    policyName: string,
    region: string,
  ): Promise<{ item: ProtectedItemInfo } | { outcome: ProtectOutcome }> {
    try {
      return { item: await this.enableResolving(vault, policyName) };
    } catch (caught) {
      const error = classifyAzureError(caught);
      if (error.kind !== 'permanent') throw error;
      const elsewhere = await this.protectedElsewhere(vault, region);
      if (elsewhere) return { outcome: elsewhere };
      throw error;
    }
  }

  /**
   * Enables protection; when the vault cannot resolve the VM, refreshes its containers (or waits for the refresh
   * another invocation runs) and sends the PUT once more (containerRefresh.ts): at most three PUTs per invocation (a
   * refresh that ended meanwhile, then one of its own).
   */
  private async enableResolving(vault: VaultRoute, policyName: string): Promise<ProtectedItemInfo> {
    for (let put = 1; ; put++) {
      const sentAt = this.deps.clock.now().getTime();
      try {
        return await this.enableProtection(vault, policyName);
      } catch (caught) {
        const error = classifyAzureError(caught);
        if (!isUnresolvableVm(error)) throw error;
        await resolveByRefresh(this, vault, error, sentAt);
        if (put >= 3) throw error;
      }
    }
  }

  private async protectedElsewhere(vault: VaultRoute, region: string): Promise<ProtectOutcome | undefined> {
    const status = await this.backupStatus(region);
    if (!status.protected || !status.vaultId || status.vaultId.toLowerCase() === vault.vaultId.toLowerCase())
      return undefined;
    return this.finish('skipped', {
      reason: 'protected-elsewhere',
      rule: 'backup-status',
      vaultId: status.vaultId,
      policyName: status.policyName,
    });
  }

  /**
   * backupStatus is a cross-check only (its body for unprotected VMs is not documented): a permanent error there is
   * logged and the protected item in the chosen vault decides. Transient errors still retry.
   */
  private async backupStatus(region: string): Promise<BackupStatusInfo> {
    try {
      return await this.deps.backup.getBackupStatus(this.vm, region);
    } catch (caught) {
      const error = classifyAzureError(caught);
      if (error.kind === 'transient') throw error;
      this.deps.logger.warn('backupStatus failed; relying on the protected item of the chosen vault', {
        vmKey: this.vm.key,
        code: error.code,
      });
      return { protected: false };
    }
  }

  private async enableProtection(vault: VaultRoute, policyName: string): Promise<ProtectedItemInfo> {
    await this.session.beginAzureStep('enabling-protection');
    const operation = await this.deps.backup.enableProtection(vault, this.vm, policyName);
    await this.session.appendOperation('enable', operation.operationId);
    this.deps.logger.info('protection enable requested', {
      vmKey: this.vm.key,
      operationId: operation.operationId,
      vaultId: vault.vaultId,
      policyName,
    });
    const result = await this.wait(vault, operation, 'enable');
    if (result.status !== 'Succeeded')
      throw operationFailure('enable protection', result.status, result.errorCode, result.errorMessage);
    this.session.stage({ protectionEnabledAt: this.deps.clock.now().toISOString() });
    // A ConfigureBackup that just succeeded leaves the item IRPending and never backed up: no GET (an ARM read) needed.
    // Should the item not be visible yet, the trigger's 404 is retried (firstBackup.ts, `justEnabled`).
    return { protectionState: 'IRPending', policyName };
  }
}
