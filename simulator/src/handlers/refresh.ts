import { vaultIdOf } from '../store/model';
import { randomUUID } from 'node:crypto';
import type { SimContext } from '../context';
import { type ArmRequest, type ArmResponse, accepted, param } from '../http';
import { requireAzureFabric } from '../names';
import { absolutePath, requireVault } from './scope';

/** How long a discovery refresh runs. Discovery itself is instant here: every VM is always discoverable. */
const REFRESH_MS = 1000;

/** POST {V}/backupFabrics/Azure/refreshContainers: 202 with Location only (no Azure-AsyncOperation). */
export function refreshContainers(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireVault(req, ctx);
  requireAzureFabric(param(req, 'fabricName'));
  const opId = randomUUID();
  ctx.store.refreshOperations.set(opId, req.now + Math.min(REFRESH_MS, ctx.settings.timing.configureBackupMs));
  return accepted({
    Location: absolutePath(req, `${vaultIdOf(scope.vault)}/backupFabrics/Azure/operationResults/${opId}`),
    'Retry-After': String(ctx.settings.timing.retryAfterSeconds),
  });
}

/** GET {V}/backupFabrics/Azure/operationResults/{op}: 202 while running, then 204. */
export function getRefreshResult(req: ArmRequest, ctx: SimContext): ArmResponse {
  requireVault(req, ctx);
  const endsAt = ctx.store.refreshOperations.get(param(req, 'operationId').toLowerCase());
  if (endsAt !== undefined && req.now < endsAt) {
    return accepted({ Location: absolutePath(req, req.url.pathname), 'Retry-After': String(ctx.settings.timing.retryAfterSeconds) });
  }
  return { status: 204 };
}
