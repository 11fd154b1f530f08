import type { VaultRoute } from '../config';
import type { VmResourceId } from '../resourceId';
import type { PolicyType } from '../rules/policyFit';
import type { VmConfiguration } from '../rules/vmConfiguration';

/** What autoprotect needs to know about a VM: all from the one Compute read (get or list). */
export interface VmDetails extends VmConfiguration {
  vm: VmResourceId;
  location: string;
  tags: Record<string, string>;
}

export interface VmReader {
  /** The VM, or null when it does not exist (404). */
  getVm(vm: VmResourceId): Promise<VmDetails | null>;
  /** Every VM of a subscription, page by page. */
  listVms(subscriptionId: string): AsyncIterable<VmDetails>;
}

/** The fields of a protected item the workflow and the report read. */
export interface ProtectedItemInfo {
  /** 'IRPending' | 'Protected' | 'ProtectionStopped' | 'ProtectionError' | ... */
  protectionState: string;
  lastBackupStatus?: string;
  lastBackupTime?: Date;
  policyName?: string;
  /** `iaasvmcontainerv2;{rg};{vm}` as returned. */
  containerName?: string;
  friendlyName?: string;
  /** The VM's ARM id (sourceResourceId or virtualMachineId). */
  vmResourceId?: string;
  healthStatus?: string;
}

export interface BackupStatusInfo {
  /** True when the service reports the VM protected (or being protected) by some vault. */
  protected: boolean;
  vaultId?: string;
  policyName?: string;
  protectionStatus?: string;
}

/** An Azure VM backup policy of a vault, with its type (vm-backup-support.md §4). */
export interface BackupPolicyInfo {
  name: string;
  policyType: PolicyType;
}

/** A started asynchronous ARM operation (202 + Azure-AsyncOperation). */
export interface AsyncOperationRef {
  operationId?: string;
  retryAfterMs?: number;
}

export interface OperationStatusInfo {
  /** 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled' | 'Invalid' */
  status: string;
  /** When Azure started the operation (its `startTime`; on success it repeats it as `endTime`). */
  startedAt?: Date;
  jobId?: string;
  errorCode?: string;
  errorMessage?: string;
}

export interface BackupJobInfo {
  jobId: string;
  /** 'Backup' | 'ConfigureBackup' | ... */
  operation: string;
  /** 'InProgress' | 'Completed' | 'Failed' | 'CompletedWithWarnings' | 'Cancelled' | 'Cancelling' */
  status: string;
  entityFriendlyName?: string;
  containerName?: string;
  startTime?: Date;
  endTime?: Date;
  /** How long the job has run, by the service's own clock (`duration`, ISO-8601). */
  durationMs?: number;
  /** Named error code (errorTitle, e.g. 'UserErrorGuestAgentStatusUnavailable') or the numeric one. */
  errorCode?: string;
  errorMessage?: string;
}

export interface JobQuery {
  operation?: 'Backup' | 'ConfigureBackup';
  from: Date;
  to: Date;
}

/** The Recovery Services calls autoprotect makes, per vault route. */
export interface BackupGateway {
  getBackupStatus(vm: VmResourceId, region: string): Promise<BackupStatusInfo>;
  policyExists(vault: VaultRoute, policyName: string): Promise<boolean>;
  /**
   * The vault's Azure VM policies. `fresh`: a listing newer than the caller's last look (a cache may answer otherwise).
   */
  listPolicies(vault: VaultRoute, options?: { fresh?: boolean }): Promise<BackupPolicyInfo[]>;
  /** Starts a discovery of the vault's containers (POST refreshContainers, 202 + Location). */
  refreshContainers(vault: VaultRoute): Promise<AsyncOperationRef>;
  /** Whether a refresh has ended: its result answers 202 while it runs, 204 after. */
  getRefreshStatus(vault: VaultRoute, operationId: string): Promise<'InProgress' | 'Succeeded'>;
  getProtectedItem(vault: VaultRoute, vm: VmResourceId): Promise<ProtectedItemInfo | null>;
  enableProtection(vault: VaultRoute, vm: VmResourceId, policyName: string): Promise<AsyncOperationRef>;
  getOperationStatus(vault: VaultRoute, operationId: string): Promise<OperationStatusInfo>;
  triggerBackup(vault: VaultRoute, vm: VmResourceId, expiry: Date): Promise<AsyncOperationRef>;
  listJobs(vault: VaultRoute, query: JobQuery): AsyncIterable<BackupJobInfo>;
  getJob(vault: VaultRoute, jobId: string): Promise<BackupJobInfo | null>;
  /** IaaS VM protected items of the vault, streamed page by page. */
  listProtectedItems(vault: VaultRoute): AsyncIterable<ProtectedItemInfo>;
}

/** Job statuses that mean a backup is running or has produced a recovery point. */
export const JOB_RUNNING_STATUSES = ['InProgress', 'Cancelling'] as const;
export const JOB_SUCCEEDED_STATUSES = ['Completed', 'CompletedWithWarnings'] as const;

export function isJobRunning(status: string): boolean {
  return JOB_RUNNING_STATUSES.some((known) => known.toLowerCase() === status.toLowerCase());
}

export function isJobSucceeded(status: string): boolean {
  return JOB_SUCCEEDED_STATUSES.some((known) => known.toLowerCase() === status.toLowerCase());
}
