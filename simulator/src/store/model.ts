/** Typed records the simulator keeps. Keys are lower-cased so every lookup is case-insensitive, as in ARM. */

export type GuestAgentStatus = 'ready' | 'unavailable';

export interface VmRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  vmId: string;
  guestAgent: GuestAgentStatus;
  /** Compute's `properties.provisioningState`: Creating, Updating, Succeeded, Failed (vm-backup-support.md §3). */
  provisioningState: string;
  /** Compute's `properties` as the caller sent them (or as POST /_sim/vms built them): the VM's configuration. */
  properties: Record<string, unknown>;
  /**
   * Data disks with `maxShares` > 1. A disk resource property, not part of the VM body (vm-backup-support.md §2
   * "Shared disks"), so a caller reading the VM cannot see it.
   */
  sharedDataDisks: number;
  /** Test knob (POST/PATCH /_sim/vms): this VM's Backup jobs last this long instead of the timing's `backupJobMs`. */
  backupJobMs?: number;
  /**
   * Test knob (POST/PATCH /_sim/vms): this many of the VM's next Backup jobs fail as if its guest agent were
   * unavailable; each job started takes one.
   */
  failNextBackupJobs?: number;
  createdAt: number;
  updatedAt: number;
}

export interface VaultRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
}

/**
 * IaaS VM policy shapes: V1 daily (`SimpleSchedulePolicy`), V2 hourly with `policyType: "V2"` (IaaS_v2_hourly.json),
 * V2 daily without `policyType` (the `v2-daily-policy` of v2-List-Policies.json).
 */
export type PolicyKind = 'IaasV1Daily' | 'IaasV2Hourly' | 'IaasV2Daily';

/** Standard (V1) or Enhanced (V2): what Azure Backup checks a VM's configuration against. */
export function policyTypeOf(kind: PolicyKind): 'V1' | 'V2' {
  return kind === 'IaasV1Daily' ? 'V1' : 'V2';
}

export interface PolicyRecord {
  vaultKey: string;
  name: string;
  kind: PolicyKind;
}

export type ProtectionState = 'IRPending' | 'Protected' | 'ProtectionStopped' | 'ProtectionError';

export interface ProtectedItemRecord {
  vaultKey: string;
  /** VM ARM id as the caller sent it (original case). */
  sourceResourceId: string;
  vmResourceGroup: string;
  vmName: string;
  policyName: string | undefined;
  protectionState: ProtectionState;
  lastBackupStatus: '' | 'Completed' | 'Failed';
  lastBackupTime: string;
  lastRecoveryPoint: string | undefined;
  protectedItemDataId: string;
  /** Set while a DELETE runs; the item disappears when that operation ends. */
  deletingUntil: number | undefined;
}

export type OperationKind = 'ConfigureBackup' | 'Backup' | 'DisableBackup' | 'DeleteBackupData';

export interface OperationRecord {
  id: string;
  vaultKey: string;
  itemKey: string;
  kind: OperationKind;
  startTime: number;
  endTime: number;
  jobId: string | undefined;
  /** Set when the operation ends Failed (a refusal in `failed-job` mode): its `error` body. */
  failure?: { code: string; message: string };
}

/** A discovery refresh (POST refreshContainers): it discovers the VMs that existed when it started. */
export interface RefreshRecord {
  vaultKey: string;
  startTime: number;
  endTime: number;
}

export type JobOutcome =
  { status: 'Completed' } | { status: 'Failed'; errorCode: number; errorString: string; errorTitle: string };

export interface JobRecord {
  id: string;
  vaultKey: string;
  itemKey: string;
  operation: OperationKind;
  entityFriendlyName: string;
  containerName: string;
  policyName: string | undefined;
  activityId: string;
  startTime: number;
  endTime: number;
  outcome: JobOutcome;
  /** Whether the job's end effect on the item has been applied. */
  settled: boolean;
}

export const NEVER_BACKED_UP = '2001-01-01T00:00:00Z';

export function resourceGroupKeyOf(subscriptionId: string, resourceGroup: string): string {
  return `${subscriptionId}/${resourceGroup}`.toLowerCase();
}

export function policyKeyOf(vaultKey: string, policyName: string): string {
  return `${vaultKey}|${policyName}`.toLowerCase();
}

export function vaultKeyOf(subscriptionId: string, resourceGroup: string, name: string): string {
  return `${subscriptionId}/${resourceGroup}/${name}`.toLowerCase();
}

export function vmIdOf(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
}

export function vaultIdOf(vault: VaultRecord): string {
  return `/subscriptions/${vault.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${vault.name}`;
}

export function itemKeyOf(vaultKey: string, vmResourceGroup: string, vmName: string): string {
  return `${vaultKey}|${vmResourceGroup}|${vmName}`.toLowerCase();
}
