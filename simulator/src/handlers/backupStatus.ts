import type { SimContext } from '../context';
import { armErrors } from '../errors';
import { type ArmRequest, type ArmResponse, ok } from '../http';
import { canonicalNames, parseVmId } from '../names';
import { vaultIdOf } from '../store/model';
import { requireSubscription } from './scope';

/**
 * POST /Subscriptions/{sub}/providers/Microsoft.RecoveryServices/locations/{region}/backupStatus: which vault protects
 * a VM.
 */
export function getBackupStatus(req: ArmRequest, ctx: SimContext): ArmResponse {
  requireSubscription(req, ctx);
  const body = req.body as { resourceType?: unknown; resourceId?: unknown } | undefined;
  const resourceId = typeof body?.resourceId === 'string' ? body.resourceId : '';
  const vmRef = parseVmId(resourceId);
  if (!vmRef || (typeof body?.resourceType === 'string' ? body.resourceType : '').toLowerCase() !== 'vm')
    throw armErrors.invalidInput('resourceType must be VM and resourceId the ARM id of a virtual machine.');
  const found = ctx.store.itemForVm(resourceId);
  const item = found?.[1];
  const vault = item ? ctx.store.vaults.get(item.vaultKey) : undefined;
  if (!item || !vault || item.deletingUntil !== undefined) return ok({ protectionStatus: 'NotProtected' });
  return ok({
    protectionStatus: 'Protected',
    vaultId: vaultIdOf(vault),
    fabricName: 'Azure',
    containerName: `iaasvmcontainer;${canonicalNames.shortContainer(item.vmResourceGroup, item.vmName)}`,
    protectedItemName: `vm;${canonicalNames.shortContainer(item.vmResourceGroup, item.vmName)}`,
    policyName: item.policyName ?? '',
  });
}
