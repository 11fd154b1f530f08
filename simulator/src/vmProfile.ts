import type { VmShape } from './config';

/**
 * Builds the Compute `properties` of a VM created through POST /_sim/vms or a seed, in the shape
 * `virtualMachines.get` returns (rest-examples/compute/VirtualMachine_Get.json for the disks, and
 * VirtualMachine_ListAll_MaximumSet_Gen.json for `securityProfile`, `diffDiskSettings`, `priority`,
 * `additionalCapabilities`). Where each backup-relevant fact sits: vm-backup-support.md §3.
 */
export function vmProperties(name: string, shape: VmShape): Record<string, unknown> {
  const securityType = shape.securityType ?? 'TrustedLaunch';
  const dataDisks = (shape.dataDisks ?? []).map((disk, lun) => ({
    lun,
    name: `${name}_DataDisk_${lun}`,
    createOption: 'Empty',
    // Premium SSD v2 and Ultra disks support no host caching.
    caching: isPremiumV2OrUltra(disk.storageAccountType) ? 'None' : 'ReadOnly',
    managedDisk: { storageAccountType: disk.storageAccountType },
    diskSizeGB: 128,
    toBeDetached: false,
  }));
  const properties: Record<string, unknown> = {
    hardwareProfile: { vmSize: 'Standard_D2s_v5' },
    storageProfile: { osDisk: osDisk(name, securityType, shape.ephemeralOsDisk === true), dataDisks },
    priority: shape.priority ?? 'Regular',
  };
  if (shape.priority === 'Spot') properties.evictionPolicy = 'Deallocate';
  // Absent means a standard VM on the api-versions before 2025-11-01 (vm-backup-support.md §3).
  if (securityType !== 'Standard')
    properties.securityProfile = { uefiSettings: { secureBootEnabled: true, vTpmEnabled: true }, securityType };
  if ((shape.dataDisks ?? []).some((disk) => disk.storageAccountType.toLowerCase() === 'ultrassd_lrs'))
    properties.additionalCapabilities = { ultraSSDEnabled: true };
  return properties;
}

function osDisk(name: string, securityType: string, ephemeral: boolean): Record<string, unknown> {
  const managedDisk: Record<string, unknown> = { storageAccountType: ephemeral ? 'Standard_LRS' : 'Premium_LRS' };
  // A confidential VM's OS disk carries its encryption type (platform-managed keys here).
  if (securityType === 'ConfidentialVM') managedDisk.securityProfile = { securityEncryptionType: 'VMGuestStateOnly' };
  return {
    osType: 'Linux',
    name: `${name}_OsDisk_1`,
    createOption: 'FromImage',
    caching: ephemeral ? 'ReadOnly' : 'ReadWrite',
    ...(ephemeral ? { diffDiskSettings: { option: 'Local', placement: 'CacheDisk' } } : {}),
    managedDisk,
    diskSizeGB: 30,
    deleteOption: 'Delete',
  };
}

function isPremiumV2OrUltra(storageAccountType: string): boolean {
  return ['premiumv2_lrs', 'ultrassd_lrs'].includes(storageAccountType.toLowerCase());
}

/** How many data disks are shared (`maxShares` > 1): kept beside the VM, never rendered in its body. */
export function sharedDataDisksOf(shape: VmShape): number {
  return (shape.dataDisks ?? []).filter((disk) => (disk.maxShares ?? 1) > 1).length;
}

/** The configuration fields of a POST /_sim/vms or seed VM, without its other fields (vmProperties renders them). */
export function shapeOf(input: VmShape): VmShape {
  return {
    securityType: input.securityType,
    ephemeralOsDisk: input.ephemeralOsDisk,
    dataDisks: input.dataDisks,
    priority: input.priority,
    provisioningState: input.provisioningState,
  };
}
