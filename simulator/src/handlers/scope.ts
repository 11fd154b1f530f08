import type { SimContext } from '../context';
import { armErrors } from '../errors';
import { type ArmRequest, param } from '../http';
import { type IaasVmRef, parseItemPath, requireAzureFabric } from '../names';
import { itemKeyOf, type ProtectedItemRecord, vaultKeyOf, type VaultRecord } from '../store/model';

export interface VaultScope {
  vault: VaultRecord;
  vaultKey: string;
}

export function requireSubscription(req: ArmRequest, ctx: SimContext): string {
  const subscriptionId = param(req, 'subscriptionId');
  if (!ctx.store.subscriptions.has(subscriptionId.toLowerCase())) throw armErrors.subscriptionNotFound(subscriptionId);
  return subscriptionId;
}

/** Resolves `{sub}/resourceGroups/{rg}/.../vaults/{vault}` or answers ARM's own 404. */
export function requireVault(req: ArmRequest, ctx: SimContext): VaultScope {
  const subscriptionId = requireSubscription(req, ctx);
  const rg = param(req, 'resourceGroupName');
  const name = param(req, 'vaultName');
  const vault = ctx.store.vault(subscriptionId, rg, name);
  if (!vault) throw armErrors.vaultNotFound(rg, name);
  return { vault, vaultKey: vaultKeyOf(subscriptionId, rg, name) };
}

export interface ItemScope extends VaultScope {
  ref: IaasVmRef;
  itemKey: string;
}

/**
 * Resolves vault + `{fabric}/protectionContainers/{container}/protectedItems/{item}`; unknown names -> 404 item not
 * found.
 */
export function requireItemPath(req: ArmRequest, ctx: SimContext): ItemScope {
  const scope = requireVault(req, ctx);
  requireAzureFabric(param(req, 'fabricName'));
  const ref = parseItemPath(param(req, 'containerName'), param(req, 'protectedItemName'));
  if (!ref) throw armErrors.itemNotFound();
  return { ...scope, ref, itemKey: itemKeyOf(scope.vaultKey, ref.resourceGroup, ref.vmName) };
}

/** The live (not being deleted) item at the path, or 404 BMSUserErrorDataSourceObjectNotFound. */
export function requireLiveItem(scope: ItemScope, ctx: SimContext): ProtectedItemRecord {
  const item = ctx.store.protectedItems.get(scope.itemKey);
  if (!item || item.deletingUntil !== undefined) throw armErrors.itemNotFound();
  return item;
}

/** Absolute URL of this path on the simulator with literal `;` (as the service writes its Location headers). */
export function absolutePath(req: ArmRequest, path: string): string {
  return `${req.baseUrl}${path.replace(/%3B/gi, ';')}?api-version=${encodeURIComponent(req.apiVersion)}`;
}

/**
 * The headers of a 202: `Location`, `Azure-AsyncOperation` when the operation has one, both absolute, and
 * `Retry-After`.
 */
export function asyncHeaders(
  req: ArmRequest,
  ctx: SimContext,
  location: string,
  asyncOperation?: string,
): Record<string, string> {
  return {
    Location: absolutePath(req, location),
    ...(asyncOperation === undefined ? {} : { 'Azure-AsyncOperation': absolutePath(req, asyncOperation) }),
    'Retry-After': String(ctx.settings.timing.retryAfterSeconds),
  };
}
