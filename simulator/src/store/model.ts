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
  properties: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface VaultRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
}

export type PolicyKind = 'IaasV1Daily' | 'IaasV2Hourly';

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
