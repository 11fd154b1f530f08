import { type PolicyRecord, policyTypeOf, type VmRecord } from './store/model';

/**
 * Which VM configurations a policy type cannot protect (vm-backup-support.md, sources named per rule). Read from the
 * VM's Compute body, the same JSON `virtualMachines.get` returns, plus the shared-disk count that only the disk
 * resources show. Returns the refusal message, or undefined when Azure Backup accepts the VM with this policy.
 */
export function policyRefusal(
  vm: VmRecord,
  policy: PolicyRecord,
  context: { apiVersion: string; currentPolicy?: PolicyRecord },
): string | undefined {
  const v1 = policyTypeOf(policy.kind) === 'V1';
  const name = vm.name;
  const standard = `'${policy.name}' is a Standard policy`;
  // §2 "Ephemeral OS disk": neither policy type (SM).
  if (osDiskOf(vm).diffDiskSettings !== undefined)
    return `Virtual machine '${name}' has an ephemeral OS disk: Azure Backup cannot protect virtual machines with ephemeral OS disks.`;
  const securityType = securityTypeOf(vm);
  // §2 "Confidential VM": Enhanced only (limited preview), and not with a CMK-encrypted confidential OS disk (SM).
  if (securityType === 'confidentialvm') {
    if (v1)
      return `Confidential virtual machine '${name}' can be protected only with an Enhanced policy (policyType V2); ${standard}.`;
    if (hasCmkConfidentialOsDisk(vm))
      return `Confidential virtual machine '${name}' has a confidential OS disk encrypted with a customer-managed key, which Azure Backup does not support.`;
  }
  // §1: a Trusted Launch VM needs an Enhanced policy before REST api-version 2025-01-01 (EP, MIG).
  if (securityType === 'trustedlaunch' && v1 && context.apiVersion < '2025-01-01')
    return `Trusted Launch virtual machine '${name}' can be protected only with an Enhanced policy (policyType V2) on api-version ${context.apiVersion}; ${standard}.`;
  // §2 "Premium SSD v2 or Ultra data disks", "Shared disks": Enhanced only (EP, SM).
  if (v1 && dataDiskTypesOf(vm).some((type) => ['premiumv2_lrs', 'ultrassd_lrs'].includes(type)))
    return `Virtual machine '${name}' has Premium SSD v2 or Ultra disks, which only an Enhanced policy (policyType V2) can protect; ${standard}.`;
  if (v1 && vm.sharedDataDisks > 0)
    return `Virtual machine '${name}' has shared disks, which only an Enhanced policy (policyType V2) can protect; ${standard}.`;
  // §1: "A VM on an Enhanced policy can never go back to Standard" (EP).
  if (v1 && context.currentPolicy && policyTypeOf(context.currentPolicy.kind) === 'V2')
    return `Virtual machine '${name}' is protected with an Enhanced policy and cannot move to a Standard policy; ${standard}.`;
  return undefined;
}

function securityTypeOf(vm: VmRecord): string {
  const profile = objectAt(vm.properties, 'securityProfile');
  return typeof profile.securityType === 'string' ? profile.securityType.toLowerCase() : '';
}

function osDiskOf(vm: VmRecord): Record<string, unknown> {
  return objectAt(objectAt(vm.properties, 'storageProfile'), 'osDisk');
}

function hasCmkConfidentialOsDisk(vm: VmRecord): boolean {
  const security = objectAt(objectAt(osDiskOf(vm), 'managedDisk'), 'securityProfile');
  return security.securityEncryptionType !== undefined && security.diskEncryptionSet !== undefined;
}

function dataDiskTypesOf(vm: VmRecord): string[] {
  const disks = objectAt(vm.properties, 'storageProfile').dataDisks;
  if (!Array.isArray(disks)) return [];
  return disks.map((disk: unknown) => {
    const type = objectAt(disk, 'managedDisk').storageAccountType;
    return typeof type === 'string' ? type.toLowerCase() : '';
  });
}

/** `value[key]` when it is an object, else an empty one: the VM body is whatever the caller sent. */
function objectAt(value: unknown, key: string): Record<string, unknown> {
  const inner = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : {};
}
