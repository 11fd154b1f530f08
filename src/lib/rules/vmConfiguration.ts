/**
 * What Compute's `virtualMachines.get` says about a VM that decides which backup policy type can protect it, and
 * whether it is ready (vm-backup-support.md §3). Every field is optional: absent means Compute did not say.
 */
export interface VmConfiguration {
  /** `properties.securityProfile.securityType`: `TrustedLaunch`, `ConfidentialVM`, `Standard`, or absent (standard). */
  securityType?: string;
  /** `properties.storageProfile.osDisk.diffDiskSettings` is present. */
  ephemeralOsDisk?: boolean;
  /** `properties.storageProfile.dataDisks[].managedDisk.storageAccountType`, where the creator set it. */
  dataDiskTypes?: string[];
  /** `properties.additionalCapabilities.ultraSSDEnabled`. */
  ultraSsdEnabled?: boolean;
  /** The OS disk's `managedDisk.securityProfile` has a `securityEncryptionType` and a `diskEncryptionSet` (CMK). */
  confidentialOsDiskCmk?: boolean;
  /** `properties.priority`: `Regular`, `Spot`, `Low`. */
  priority?: string;
  /** `properties.provisioningState`: `Creating`, `Updating`, `Succeeded`, `Failed`, ... */
  provisioningState?: string;
}
