import type { SimContext } from '../context';
import { ArmError, armErrors } from '../errors';
import { accepted, type ArmRequest, type ArmResponse, ok, param } from '../http';
import { operationStatusView } from '../jobViews';
import { type OperationRecord, vaultIdOf } from '../store/model';
import { protectedItemView } from '../views';
import { asyncHeaders, requireItemPath, requireVault } from './scope';

function requireOperation(ctx: SimContext, vaultKey: string, opId: string): OperationRecord {
  const op = ctx.store.operations.get(opId.toLowerCase());
  if (!op || op.vaultKey !== vaultKey) throw armErrors.operationNotFound(opId);
  return op;
}

/** GET {V}/backupOperations/{op}: the same operation ids as the item-level endpoints, for PUT, POST and DELETE. */
export function getVaultOperationStatus(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireVault(req, ctx);
  const op = requireOperation(ctx, scope.vaultKey, param(req, 'operationId'));
  return ok(operationStatusView(op, req.now, op.failure));
}

/** GET {I}/operationsStatus/{op}: always 200 with an OperationStatus. */
export function getItemOperationStatus(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireItemPath(req, ctx);
  const op = requireOperation(ctx, scope.vaultKey, param(req, 'operationId'));
  if (op.itemKey !== scope.itemKey) throw armErrors.operationNotFound(op.id);
  return ok(operationStatusView(op, req.now, op.failure));
}

/** GET {I}/operationResults/{op}: 202 while running, then 200 with the item (ConfigureBackup) or 204. */
export function getItemOperationResult(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireItemPath(req, ctx);
  const op = requireOperation(ctx, scope.vaultKey, param(req, 'operationId'));
  if (op.itemKey !== scope.itemKey) throw armErrors.operationNotFound(op.id);
  if (req.now < op.endTime) {
    const itemPath = req.url.pathname.replace(/\/operationResults\/[^/]+$/i, '');
    return accepted(asyncHeaders(req, ctx, req.url.pathname, `${itemPath}/operationsStatus/${op.id}`));
  }
  if (op.failure) throw failedOperationError(op.failure);
  const item = ctx.store.protectedItems.get(scope.itemKey);
  if (op.kind === 'ConfigureBackup' && item && item.deletingUntil === undefined)
    return ok(protectedItemView(scope.vault, item));
  return { status: 204 };
}

/** GET {V}/backupOperationResults/{op}: 202 while running, then 204. */
export function getVaultOperationResult(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireVault(req, ctx);
  const op = requireOperation(ctx, scope.vaultKey, param(req, 'operationId'));
  if (req.now < op.endTime) {
    return accepted(asyncHeaders(req, ctx, req.url.pathname, `${vaultIdOf(scope.vault)}/backupOperations/${op.id}`));
  }
  if (op.failure) throw failedOperationError(op.failure);
  return { status: 204 };
}

/** The Location of a failed operation answers its error (ARM's asynchronous pattern; the status is UNVERIFIED). */
function failedOperationError(failure: { code: string; message: string }): ArmError {
  return new ArmError(400, failure.code, failure.message);
}
