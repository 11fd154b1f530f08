import { tryParseVmResourceId } from '../resourceId';

/** Where a VM is: its name, subscription and resource group, from its id (the id's last segment when unparseable). */
export function vmPlace(vmResourceId: string): { vmName: string; subscriptionId?: string; resourceGroup?: string } {
  const parsed = tryParseVmResourceId(vmResourceId);
  if (!parsed.ok) return { vmName: vmResourceId.split('/').at(-1) ?? vmResourceId };
  return { vmName: parsed.vm.name, subscriptionId: parsed.vm.subscriptionId, resourceGroup: parsed.vm.resourceGroup };
}
