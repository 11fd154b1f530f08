import { randomUUID } from 'node:crypto';

import type { SimContext } from '../context';
import { accepted, type ArmRequest, type ArmResponse, param } from '../http';
import { requireAzureFabric } from '../names';
import { vaultIdOf } from '../store/model';
import { asyncHeaders, requireVault } from './scope';

/** How long a discovery refresh runs (at most the ConfigureBackup time, so short test timings stay short). */
const REFRESH_MS = 1000;

/**
 * POST {V}/backupFabrics/Azure/refreshContainers: 202 with Location only, no Azure-AsyncOperation
 * (RefreshContainers.json, recovery-services-api.md §4). It discovers the VMs that exist when it starts (discovery.ts).
 */
export function refreshContainers(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireVault(req, ctx);
  requireAzureFabric(param(req, 'fabricName'));
  const opId = randomUUID();
  ctx.store.refreshOperations.set(opId, {
    vaultKey: scope.vaultKey,
    startTime: req.now,
    endTime: req.now + Math.min(REFRESH_MS, ctx.settings.timing.configureBackupMs),
  });
  return accepted(asyncHeaders(req, ctx, `${vaultIdOf(scope.vault)}/backupFabrics/Azure/operationResults/${opId}`));
}

/** GET {V}/backupFabrics/Azure/operationResults/{op}: 202 while running, then 204 (RefreshContainers_*.json). */
export function getRefreshResult(req: ArmRequest, ctx: SimContext): ArmResponse {
  requireVault(req, ctx);
  const refresh = ctx.store.refreshOperations.get(param(req, 'operationId').toLowerCase());
  if (refresh !== undefined && req.now < refresh.endTime) {
    return accepted(asyncHeaders(req, ctx, req.url.pathname));
  }
  return { status: 204 };
}
