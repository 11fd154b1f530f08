import type { VmConfiguration } from './vmConfiguration';

/** Why a VM needs an Enhanced (V2) policy; each names the row of vm-backup-support.md it comes from. */
export type EnhancedCause =
  /** §1: a Trusted Launch VM needs V2 on REST api-version 2023-06-01 (the SDK's), EP + MIG. */
  | 'trusted-launch'
  /** §2 "Confidential VM": V2 only, limited preview (SM). */
  | 'confidential-vm'
  /** §2 "Premium SSD v2 or Ultra data disks" (EP). */
  | 'premium-ssd-v2'
  | 'ultra-disk';

/** VM configurations Azure Backup cannot protect with any policy. */
export type UnsupportedReason =
  /** §2 "Ephemeral OS disk (also NVMe temp OS)": neither policy type (SM). */
  | 'unsupported:ephemeral-os-disk'
  /** §2 "Confidential VM": not with a CMK-encrypted confidential OS disk (SM). */
  | 'unsupported:confidential-vm-cmk-os-disk'
  /** §2 "Confidential VM": V2 only, and the vault has no V2 policy to use (policyFit.ts). */
  | 'unsupported:confidential-vm-without-enhanced-policy';

/** What a VM's configuration asks of the policy that protects it. */
export type BackupRequirement =
  | { kind: 'any' }
  | { kind: 'enhanced'; causes: EnhancedCause[] }
  | { kind: 'unsupported'; reason: UnsupportedReason; rule: string };

/**
 * The policy type a VM's configuration needs, from the Compute body alone (no extra ARM call). Pure. Spot VMs need
 * nothing special (§2 "Spot": backup works, a restore comes back as a regular VM); shared disks and disks with data
 * access authentication are disk properties the VM body does not show: Azure's refusal of those is recorded as is.
 */
export function backupRequirementOf(vm: VmConfiguration): BackupRequirement {
  if (vm.ephemeralOsDisk === true)
    return {
      kind: 'unsupported',
      reason: 'unsupported:ephemeral-os-disk',
      rule: 'vm-configuration:osDisk.diffDiskSettings',
    };
  const securityType = vm.securityType?.toLowerCase();
  if (securityType === 'confidentialvm' && vm.confidentialOsDiskCmk === true)
    return {
      kind: 'unsupported',
      reason: 'unsupported:confidential-vm-cmk-os-disk',
      rule: 'vm-configuration:osDisk.managedDisk.securityProfile.diskEncryptionSet',
    };
  const causes: EnhancedCause[] = [];
  if (securityType === 'trustedlaunch') causes.push('trusted-launch');
  if (securityType === 'confidentialvm') causes.push('confidential-vm');
  const diskTypes = (vm.dataDiskTypes ?? []).map((type) => type.toLowerCase());
  if (diskTypes.includes('premiumv2_lrs')) causes.push('premium-ssd-v2');
  if (diskTypes.includes('ultrassd_lrs') || vm.ultraSsdEnabled === true) causes.push('ultra-disk');
  return causes.length > 0 ? { kind: 'enhanced', causes } : { kind: 'any' };
}
