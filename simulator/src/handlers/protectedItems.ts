import { randomInt } from 'node:crypto';

import { policyRefusal } from '../backupSupport';
import type { SimContext } from '../context';
import { isDiscovered } from '../discovery';
import { ArmError, armErrors } from '../errors';
import { accepted, type ArmRequest, type ArmResponse, ok } from '../http';
import { parsePolicyId, parseVmId } from '../names';
import { startOperation } from '../store/lifecycle';
import { NEVER_BACKED_UP, type PolicyRecord, type ProtectedItemRecord, vaultIdOf, type VmRecord } from '../store/model';
import { protectedItemView } from '../views';
import { asyncHeaders, type ItemScope, requireItemPath, requireLiveItem } from './scope';

interface ProtectedItemBody {
  protectedItemType?: unknown;
  sourceResourceId?: unknown;
  policyId?: unknown;
  protectionState?: unknown;
}

/** GET {I}: 200 with the item, 404 BMSUserErrorDataSourceObjectNotFound when there is none. */
export function getProtectedItem(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireItemPath(req, ctx);
  return ok(protectedItemView(scope.vault, requireLiveItem(scope, ctx)));
}

/** PUT {I}: enable protection, change policy, or stop protection (keep data). 202 + item-level async headers. */
export function putProtectedItem(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireItemPath(req, ctx);
  const body = readBody(req);
  const itemType = body.protectedItemType;
  if (typeof itemType !== 'string' || itemType.toLowerCase() !== 'microsoft.compute/virtualmachines') {
    const given = typeof itemType === 'string' ? itemType : (JSON.stringify(itemType) ?? 'undefined');
    throw armErrors.invalidConfigureRequest(
      `protectedItemType '${given}' is not supported; use 'Microsoft.Compute/virtualMachines'.`,
    );
  }
  const { vm, parts } = resolveVm(scope, body, ctx, req.now);
  const existing = ctx.store.protectedItems.get(scope.itemKey);
  refuseWhileLocked(scope, ctx, req.now);
  const stop = typeof body.protectionState === 'string' && body.protectionState.toLowerCase() === 'protectionstopped';
  if (stop && !existing) throw armErrors.itemNotFound();
  const policy = stop ? undefined : resolvePolicy(scope, body, ctx);
  const policyName = stop ? existing?.policyName : policy?.name;
  if (!stop) refuseProtectedElsewhere(scope, ctx, String(body.sourceResourceId));
  if (!stop && vm.location.toLowerCase() !== scope.vault.location.toLowerCase())
    throw armErrors.vmVaultLocationMismatch(vm.location, scope.vault.location);
  if (
    !stop &&
    !ctx.store.allowCrossSubscription &&
    vm.subscriptionId.toLowerCase() !== scope.vault.subscriptionId.toLowerCase()
  ) {
    throw armErrors.crossSubscriptionNotAllowed();
  }
  const refusal =
    policy &&
    policyRefusal(vm, policy, {
      apiVersion: req.apiVersion,
      currentPolicy: existing?.policyName ? ctx.store.policy(scope.vaultKey, existing.policyName) : undefined,
    });
  if (refusal)
    return refuse(req, ctx, scope, {
      message: refusal,
      sourceResourceId: String(body.sourceResourceId),
      vm: parts,
      policyName: policy.name,
    });
  const item = upsertItem(scope, ctx, existing, {
    sourceResourceId: String(body.sourceResourceId),
    vm: parts,
    policyName,
    stop,
  });
  const op = startOperation(ctx.store, ctx.settings.timing, {
    vaultKey: scope.vaultKey,
    itemKey: scope.itemKey,
    item,
    kind: stop ? 'DisableBackup' : 'ConfigureBackup',
    activityId: req.clientRequestId,
    now: req.now,
  });
  return accepted(itemAsyncHeaders(req, ctx, op.id));
}

/**
 * DELETE {I}: stop protection and delete data. 202 with vault-level async headers; the item is gone at once for GETs.
 */
export function deleteProtectedItem(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireItemPath(req, ctx);
  const item = ctx.store.protectedItems.get(scope.itemKey);
  if (!item || item.deletingUntil !== undefined) return { status: 204 };
  refuseWhileLocked(scope, ctx, req.now);
  if (ctx.store.runningJob(scope.itemKey, 'Backup', req.now)) throw armErrors.objectLocked();
  const op = startOperation(ctx.store, ctx.settings.timing, {
    vaultKey: scope.vaultKey,
    itemKey: scope.itemKey,
    item,
    kind: 'DeleteBackupData',
    activityId: req.clientRequestId,
    now: req.now,
  });
  item.deletingUntil = op.endTime;
  const base = vaultIdOf(scope.vault);
  return accepted(
    asyncHeaders(req, ctx, `${base}/backupOperationResults/${op.id}`, `${base}/backupOperations/${op.id}`),
  );
}

/**
 * A VM configuration the policy cannot protect. Azure does not publish whether that is a synchronous refusal or a
 * failed ConfigureBackup job, nor the code (vm-backup-support.md §1): both are settings (UNVERIFIED). In `failed-job`
 * mode the PUT is accepted, the operation and its job end Failed, and no item is left behind.
 */
function refuse(
  req: ArmRequest,
  ctx: SimContext,
  scope: ItemScope,
  refusal: {
    message: string;
    sourceResourceId: string;
    vm: { resourceGroup: string; name: string };
    policyName: string;
  },
): ArmResponse {
  const { mode, statusCode, code } = ctx.settings.backup.refusal;
  if (mode === 'sync-400') throw new ArmError(statusCode, code, refusal.message);
  const attempted = newItem(scope, refusal.sourceResourceId, refusal.vm, refusal.policyName);
  const op = startOperation(ctx.store, ctx.settings.timing, {
    vaultKey: scope.vaultKey,
    itemKey: scope.itemKey,
    item: attempted,
    kind: 'ConfigureBackup',
    activityId: req.clientRequestId,
    now: req.now,
    failure: { code, message: refusal.message },
  });
  return accepted(itemAsyncHeaders(req, ctx, op.id));
}

/** Location / Azure-AsyncOperation at item level, echoing the caller's container and item names. */
export function itemAsyncHeaders(req: ArmRequest, ctx: SimContext, opId: string): Record<string, string> {
  const itemPath = req.url.pathname.replace(/\/backup$/i, '');
  return asyncHeaders(req, ctx, `${itemPath}/operationResults/${opId}`, `${itemPath}/operationsStatus/${opId}`);
}

/** Another configure/delete operation on the same item is still running: BMSUserErrorObjectLocked. */
export function refuseWhileLocked(scope: ItemScope, ctx: SimContext, now: number): void {
  if (ctx.store.runningOperation(scope.itemKey, now, ['ConfigureBackup', 'DisableBackup', 'DeleteBackupData']))
    throw armErrors.objectLocked();
  const item = ctx.store.protectedItems.get(scope.itemKey);
  if (item?.deletingUntil !== undefined) throw armErrors.objectLocked();
}

function readBody(req: ArmRequest): ProtectedItemBody {
  const body = req.body as { properties?: unknown } | undefined;
  if (!body || typeof body !== 'object' || !body.properties || typeof body.properties !== 'object') {
    throw armErrors.invalidConfigureRequest('The request body must carry a properties object.');
  }
  return body.properties;
}

/**
 * The VM named by sourceResourceId must exist and be the one the container/item names point at. Returns it with the
 * resource group and name as sourceResourceId spells them (the item keeps that casing).
 */
function resolveVm(
  scope: ItemScope,
  body: ProtectedItemBody,
  ctx: SimContext,
  now: number,
): { vm: VmRecord; parts: { resourceGroup: string; name: string } } {
  const parts = typeof body.sourceResourceId === 'string' ? parseVmId(body.sourceResourceId) : undefined;
  if (!parts) throw armErrors.invalidConfigureRequest('sourceResourceId must be the ARM id of a virtual machine.');
  const samePath =
    parts.resourceGroup.toLowerCase() === scope.ref.resourceGroup.toLowerCase() &&
    parts.name.toLowerCase() === scope.ref.vmName.toLowerCase();
  if (!samePath) throw armErrors.invalidConfigureRequest('The container and item names do not match sourceResourceId.');
  const vm = ctx.store.vm(String(body.sourceResourceId));
  if (!vm)
    throw armErrors.invalidConfigureRequest(
      `The container for '${parts.name}' could not be resolved: the virtual machine was not found.`,
    );
  if (!isDiscovered(ctx, scope.vaultKey, vm, now))
    throw armErrors.invalidConfigureRequest(
      `The container for '${parts.name}' could not be resolved: the virtual machine has not been discovered by the vault yet.`,
    );
  return { vm, parts };
}

function resolvePolicy(scope: ItemScope, body: ProtectedItemBody, ctx: SimContext): PolicyRecord {
  if (typeof body.policyId !== 'string' || body.policyId === '')
    throw armErrors.invalidConfigureRequest('policyId is required to enable protection.');
  const ref = parsePolicyId(body.policyId);
  const v = scope.vault;
  const sameVault =
    [ref.subscriptionId, ref.resourceGroup, ref.vault].join('/').toLowerCase() ===
    [v.subscriptionId, v.resourceGroup, v.name].join('/').toLowerCase();
  if (!sameVault) throw armErrors.invalidPolicy(body.policyId);
  const policy = ctx.store.policy(scope.vaultKey, ref.name);
  if (!policy) throw armErrors.policyNotFound(ref.name);
  return policy;
}

function refuseProtectedElsewhere(scope: ItemScope, ctx: SimContext, vmId: string): void {
  const found = ctx.store.itemForVm(vmId);
  if (!found) return;
  const [, other] = found;
  if (other.vaultKey === scope.vaultKey) return;
  const otherVault = ctx.store.vaults.get(other.vaultKey);
  const otherId = otherVault ? vaultIdOf(otherVault) : other.vaultKey;
  throw armErrors.alreadyProtectedByOtherVault(otherId);
}

function upsertItem(
  scope: ItemScope,
  ctx: SimContext,
  existing: ProtectedItemRecord | undefined,
  change: {
    sourceResourceId: string;
    vm: { resourceGroup: string; name: string };
    policyName: string | undefined;
    stop: boolean;
  },
): ProtectedItemRecord {
  if (existing) {
    existing.policyName = change.policyName;
    if (change.stop) existing.protectionState = 'ProtectionStopped';
    else if (existing.protectionState === 'ProtectionStopped')
      existing.protectionState = existing.lastBackupStatus === 'Completed' ? 'Protected' : 'IRPending';
    return existing;
  }
  const item = newItem(scope, change.sourceResourceId, change.vm, change.policyName);
  ctx.store.protectedItems.set(scope.itemKey, item);
  return item;
}

/** A new item as the PUT creates it: IRPending, never backed up. */
function newItem(
  scope: ItemScope,
  sourceResourceId: string,
  vm: { resourceGroup: string; name: string },
  policyName: string | undefined,
): ProtectedItemRecord {
  return {
    vaultKey: scope.vaultKey,
    sourceResourceId,
    vmResourceGroup: vm.resourceGroup,
    vmName: vm.name,
    policyName,
    protectionState: 'IRPending',
    lastBackupStatus: '',
    lastBackupTime: NEVER_BACKED_UP,
    lastRecoveryPoint: undefined,
    protectedItemDataId: String(randomInt(100_000_000, 999_999_999)),
    deletingUntil: undefined,
  };
}
