import type { SimContext } from '../context';
import { armErrors } from '../errors';
import { accepted, type ArmRequest, type ArmResponse } from '../http';
import { startOperation } from '../store/lifecycle';
import { itemAsyncHeaders, refuseWhileLocked } from './protectedItems';
import { requireItemPath, requireLiveItem } from './scope';

/**
 * POST {I}/backup: 202 only (the SDK refuses anything else). Creates a Backup job; the operation ends when it exists.
 */
export function triggerBackup(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireItemPath(req, ctx);
  const item = requireLiveItem(scope, ctx);
  const body = req.body as { properties?: { objectType?: unknown } } | undefined;
  if (body?.properties?.objectType !== 'IaasVMBackupRequest') {
    throw armErrors.invalidInput("The backup request must have properties.objectType 'IaasVMBackupRequest'.");
  }
  refuseWhileLocked(scope, ctx, req.now);
  if (item.protectionState === 'ProtectionStopped') throw armErrors.notProtected();
  if (ctx.store.runningJob(scope.itemKey, 'Backup', req.now)) throw armErrors.backupInProgress();
  const op = startOperation(ctx.store, ctx.settings.timing, {
    vaultKey: scope.vaultKey,
    itemKey: scope.itemKey,
    item,
    kind: 'Backup',
    activityId: req.clientRequestId,
    now: req.now,
  });
  return accepted(itemAsyncHeaders(req, ctx, op.id));
}
