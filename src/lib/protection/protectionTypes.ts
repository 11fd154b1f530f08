import type { AsyncOperationRef, BackupGateway, OperationStatusInfo, VmReader } from '../azure/ports';
import type { AppConfig, VaultRoute } from '../config';
import type { Ledger } from '../ledger/ledger';
import type { LedgerChanges, LedgerStatus } from '../ledger/ledgerEntry';
import type { VaultRefreshStore } from '../ledger/vaultRefresh';
import type { Logger } from '../logger';
import type { Clock } from '../ports';
import type { VmResourceId } from '../resourceId';
import type { LedgerSession } from './ledgerSession';
import type { PollSettings } from './waitForOperation';

export type ProtectionSettings = Pick<
  AppConfig,
  'rules' | 'vaults' | 'dryRun' | 'backupExpiryDays' | 'invocationBudgetMs' | 'leaseMs'
>;

export interface ProtectionWorkflowDeps {
  ledger: Ledger;
  /** The vaults' container-refresh claims (in the ledger table), shared by every runner process. */
  refreshes: VaultRefreshStore;
  vms: VmReader;
  backup: BackupGateway;
  clock: Clock;
  settings: ProtectionSettings;
  poll: PollSettings;
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
}

export type FinishChanges = Pick<LedgerChanges, 'rule' | 'errorCode' | 'vaultId' | 'policyName' | 'jobIds'> & {
  reason: string;
};

/** What the steps of one protectVm run share: the VM, its claimed ledger row, and helpers bound to the run. */
export interface ProtectionRunContext {
  deps: ProtectionWorkflowDeps;
  vm: VmResourceId;
  session: LedgerSession;
  /** Epoch ms after which the invocation stops waiting on Azure and checks back through the queue. */
  deadline: number;
  /** Polls an operation within the invocation's budget. */
  wait(vault: VaultRoute, operation: AsyncOperationRef): Promise<OperationStatusInfo>;
  /** Records the final status, releases the claim, and returns the outcome. */
  finish(status: LedgerStatus, changes: FinishChanges, jobId?: string): Promise<ProtectOutcome>;
}
