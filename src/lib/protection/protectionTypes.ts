import type { AsyncOperationRef, BackupGateway, OperationStatusInfo, VmReader } from '../azure/ports';
import type { AppConfig, VaultRoute } from '../config';
import type { Ledger } from '../ledger/ledger';
import type { LedgerChanges, LedgerStatus } from '../ledger/ledgerEntry';
import type { VaultRefreshStore } from '../ledger/vaultRefresh';
import type { Logger } from '../logger';
import type { ProtectionRequest } from '../messages/protectionRequest';
import type { Clock, RequestQueue } from '../ports';
import type { VmResourceId } from '../resourceId';
import type { LedgerSession } from './ledgerSession';
import type { OperationTimings, TimedOperation } from './operationTimings';
import type { PollSettings } from './waitForOperation';

export type ProtectionSettings = Pick<
  AppConfig,
  'rules' | 'vaults' | 'dryRun' | 'backupExpiryDays' | 'invocationBudgetMs' | 'leaseMs' | 'firstBackup'
>;

export interface ProtectionWorkflowDeps {
  ledger: Ledger;
  /** The vaults' container-refresh claims (in the ledger table), shared by every runner process. */
  refreshes: VaultRefreshStore;
  vms: VmReader;
  backup: BackupGateway;
  clock: Clock;
  /** `protection-requests`: where check-backs on the first backup go, with their visibility delay. */
  requests: RequestQueue;
  settings: ProtectionSettings;
  poll: PollSettings;
  /** What this process learned of its vaults' operation durations (when to look); unset: the fixed poll cadence. */
  timings?: OperationTimings;
  logger: Logger;
  /** Claim owner: unique per invocation. */
  owner: string;
}

export interface ProtectOutcome {
  vmKey: string;
  status: LedgerStatus;
  reason: string;
  rule?: string;
  vaultId?: string;
  policyName?: string;
  jobId?: string;
  dryRun: boolean;
  /** When the first backup is followed: the delay of the next check-back (or retry). */
  nextCheckBackMs?: number;
}

export type FinishChanges = Pick<
  LedgerChanges,
  | 'rule'
  | 'errorCode'
  | 'errorMessage'
  | 'vaultId'
  | 'policyName'
  | 'jobIds'
  | 'protectionEnabledAt'
  | 'firstBackupTriggeredAt'
  | 'firstBackupCompletedAt'
  | 'firstBackupJobId'
  | 'backupAttempts'
  | 'firstBackupReads'
  | 'checkBackToken'
  | 'nextCheckBackAt'
> & {
  reason: string;
};

/** What the steps of one protectVm run share: the VM, its claimed ledger row, and helpers bound to the run. */
export interface ProtectionRunContext {
  deps: ProtectionWorkflowDeps;
  /** The request this run handles (a check-back carries its token). */
  request: ProtectionRequest;
  vm: VmResourceId;
  session: LedgerSession;
  /** Epoch ms after which the invocation stops waiting on Azure and checks back through the queue. */
  deadline: number;
  /** Polls an operation within the invocation's budget; of a known kind, when the process expects it to have ended. */
  wait(vault: VaultRoute, operation: AsyncOperationRef, kind?: TimedOperation): Promise<OperationStatusInfo>;
  /** Records the final status, releases the claim, and returns the outcome. */
  finish(status: LedgerStatus, changes: FinishChanges, jobId?: string): Promise<ProtectOutcome>;
  /** Releases the claim without changing the row: the outcome keeps the row's status, with `reason` as its reason. */
  release(reason: string): Promise<ProtectOutcome>;
}
