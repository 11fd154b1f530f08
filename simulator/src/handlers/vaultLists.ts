import type { SimContext } from '../context';
import { isDiscovered } from '../discovery';
import { armErrors } from '../errors';
import { type ArmRequest, type ArmResponse, ok } from '../http';
import { canonicalNames } from '../names';
import { filterValue, parseFilter, sameText } from '../odataFilter';
import { pageOf } from '../paging';
import { vaultIdOf, vmIdOf } from '../store/model';
import { containerView, protectableItemView, protectedItemView } from '../views';
import { requireVault } from './scope';

const ITEM_FILTER_KEYS = [
  'healthState',
  'backupManagementType',
  'itemType',
  'policyName',
  'containerName',
  'backupEngineName',
  'friendlyName',
  'fabricName',
  'backupSetName',
  'protectionState',
] as const;

/** GET {V}/backupProtectedItems with the service's `$filter` keys and 200-item pages. */
export function listProtectedItems(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireVault(req, ctx);
  const filter = parseFilter(req, ITEM_FILTER_KEYS);
  const items = ctx.store
    .itemsOf(scope.vaultKey)
    .map(([, item]) => item)
    .filter((item) => item.deletingUntil === undefined)
    .filter(() => sameText(filterValue(filter, 'backupManagementType'), 'AzureIaasVM'))
    .filter(() => sameText(filterValue(filter, 'itemType'), 'VM'))
    .filter(() => sameText(filterValue(filter, 'fabricName'), 'Azure'))
    .filter((item) => sameText(filterValue(filter, 'policyName'), item.policyName ?? ''))
    .filter((item) => sameText(filterValue(filter, 'friendlyName'), item.vmName))
    .filter((item) => sameText(filterValue(filter, 'protectionState'), item.protectionState))
    .filter((item) => {
      const wanted = filterValue(filter, 'containerName');
      const short = canonicalNames.shortContainer(item.vmResourceGroup, item.vmName);
      return (
        wanted === undefined ||
        [short, canonicalNames.container(item.vmResourceGroup, item.vmName)].some((n) => sameText(wanted, n))
      );
    });
  // itemsOf keeps them ordered by source VM id.
  return ok(pageOf(req, items, (item) => protectedItemView(scope.vault, item)));
}

/**
 * GET {V}/backupProtectableItems: VMs of the vault's region and subscription that no vault protects and that the
 * vault has discovered (discovery.ts).
 */
export function listProtectableItems(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireVault(req, ctx);
  const filter = parseFilter(req, ['backupManagementType', 'workloadType', 'containerName', 'status', 'friendlyName']);
  const protectedVms = ctx.store.protectedVmIds();
  const vms = [...ctx.store.vms.values()]
    .filter((vm) => vm.location.toLowerCase() === scope.vault.location.toLowerCase())
    .filter(
      (vm) =>
        ctx.store.allowCrossSubscription ||
        vm.subscriptionId.toLowerCase() === scope.vault.subscriptionId.toLowerCase(),
    )
    .filter((vm) => !protectedVms.has(vmIdOf(vm.subscriptionId, vm.resourceGroup, vm.name).toLowerCase()))
    .filter((vm) => isDiscovered(ctx, scope.vaultKey, vm, req.now))
    .filter(() => sameText(filterValue(filter, 'backupManagementType'), 'AzureIaasVM'))
    .filter(() => sameText(filterValue(filter, 'workloadType'), 'VM'))
    .filter(() => sameText(filterValue(filter, 'status'), 'NotProtected'))
    .filter((vm) => sameText(filterValue(filter, 'friendlyName'), vm.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  return ok(pageOf(req, vms, (vm) => protectableItemView(scope.vault, vm)));
}

/**
 * GET {V}/backupProtectionContainers: `$filter` with backupManagementType is required (400 BMSUserErrorInvalidInput).
 */
export function listContainers(req: ArmRequest, ctx: SimContext): ArmResponse {
  const scope = requireVault(req, ctx);
  const filter = parseFilter(req, ['backupManagementType', 'status', 'friendlyName']);
  if (filterValue(filter, 'backupManagementType') === undefined)
    throw armErrors.invalidInput('Please check the required inputs');
  const items = ctx.store
    .itemsOf(scope.vaultKey)
    .map(([, item]) => item)
    .filter((item) => item.deletingUntil === undefined)
    .filter(() => sameText(filterValue(filter, 'backupManagementType'), 'AzureIaasVM'))
    .filter(() => sameText(filterValue(filter, 'status'), 'Registered'))
    .filter((item) => sameText(filterValue(filter, 'friendlyName'), item.vmName));
  return ok(pageOf(req, items, (item) => containerView(scope.vault, item)));
}

/** GET {V}: the vault resource itself. */
export function getVault(req: ArmRequest, ctx: SimContext): ArmResponse {
  const { vault } = requireVault(req, ctx);
  return ok({
    id: vaultIdOf(vault),
    name: vault.name,
    type: 'Microsoft.RecoveryServices/vaults',
    location: vault.location,
    sku: { name: 'Standard' },
    properties: { provisioningState: 'Succeeded' },
  });
}
