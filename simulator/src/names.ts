import { ArmError, armErrors } from './errors';

/**
 * The VM behind an IaaS VM container/item name: `iaasvmcontainer;iaasvmcontainerv2;{rg};{vm}` /
 * `vm;iaasvmcontainerv2;{rg};{vm}`.
 */
export interface IaasVmRef {
  resourceGroup: string;
  vmName: string;
}

const CONTAINER = /^iaasvmcontainer;iaasvmcontainerv2;([^;]+);([^;]+)$/i;
const ITEM = /^vm;iaasvmcontainerv2;([^;]+);([^;]+)$/i;

/** Parses the container and item path segments (already percent-decoded) and checks they name the same VM. */
export function parseItemPath(container: string, item: string): IaasVmRef | undefined {
  const c = CONTAINER.exec(container);
  const i = ITEM.exec(item);
  if (!c || !i) return undefined;
  const [, cRg = '', cVm = ''] = c;
  const [, iRg = '', iVm = ''] = i;
  if (cRg.toLowerCase() !== iRg.toLowerCase() || cVm.toLowerCase() !== iVm.toLowerCase()) return undefined;
  return { resourceGroup: iRg, vmName: iVm };
}

export function requireAzureFabric(fabric: string): void {
  if (fabric.toLowerCase() !== 'azure')
    throw armErrors.invalidInput(`Fabric '${fabric}' is not supported; use 'Azure'.`);
}

export const canonicalNames = {
  container: (rg: string, vm: string) => `IaasVMContainer;iaasvmcontainerv2;${rg.toLowerCase()};${vm.toLowerCase()}`,
  item: (rg: string, vm: string) => `VM;iaasvmcontainerv2;${rg.toLowerCase()};${vm.toLowerCase()}`,
  shortContainer: (rg: string, vm: string) => `iaasvmcontainerv2;${rg.toLowerCase()};${vm.toLowerCase()}`,
};

export interface VmIdParts {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

const VM_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)$/i;

export function parseVmId(id: string): VmIdParts | undefined {
  const m = VM_ID.exec(id);
  if (!m) return undefined;
  const [, subscriptionId = '', resourceGroup = '', name = ''] = m;
  return { subscriptionId, resourceGroup, name };
}

const POLICY_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.RecoveryServices\/vaults\/([^/]+)\/backupPolicies\/([^/]+)$/i;

export function parsePolicyId(id: string): {
  subscriptionId: string;
  resourceGroup: string;
  vault: string;
  name: string;
} {
  const m = POLICY_ID.exec(id);
  if (!m)
    throw new ArmError(400, 'BMSUserErrorInvalidPolicyInput', `Policy id '${id}' is not a valid backup policy id.`);
  const [, subscriptionId = '', resourceGroup = '', vault = '', name = ''] = m;
  return { subscriptionId, resourceGroup, vault, name };
}
