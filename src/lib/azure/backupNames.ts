import type { VmResourceId } from '../resourceId';

/** Fabric of every IaaS VM item. */
export const AZURE_FABRIC = 'Azure';

/** Container name sent in paths for an ARM VM (recovery-services-api.md §3). */
export function containerNameOf(vm: VmResourceId): string {
  return `iaasvmcontainer;iaasvmcontainerv2;${vm.resourceGroup};${vm.name}`;
}

/** Protected item name sent in paths for an ARM VM. */
export function protectedItemNameOf(vm: VmResourceId): string {
  return `vm;iaasvmcontainerv2;${vm.resourceGroup};${vm.name}`;
}

/** `properties.containerName` of items and jobs: `iaasvmcontainerv2;{rg};{vm}` (service lower-cases rg and vm). */
export function itemContainerNameOf(vm: VmResourceId): string {
  return `iaasvmcontainerv2;${vm.resourceGroup};${vm.name}`.toLowerCase();
}

export function policyIdOf(vaultId: string, policyName: string): string {
  return `${vaultId}/backupPolicies/${policyName}`;
}

/** The last path segment of an Azure-AsyncOperation / Location URL (the operation id), without query. */
export function operationIdFromUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const segments = new URL(url).pathname.split('/').filter((segment) => segment.length > 0);
    return segments.at(-1);
  } catch {
    return undefined;
  }
}
