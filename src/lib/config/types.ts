import type { RulesConfig } from '../rules/rulesConfig';

/** The typed configuration of autoprotect (built and validated by src/lib/config/index.ts). */

export interface VaultRoute {
  /** Lower-case short region name, e.g. 'eastus'. */
  region: string;
  vaultId: string;
  vaultName: string;
  vaultResourceGroup: string;
  vaultSubscriptionId: string;
  /** VM subscriptions this vault serves; absent = all watched. */
  subscriptionIds?: string[];
  /**
   * The Enhanced (V2) policy for VMs that need one (Trusted Launch, Confidential, Premium SSD v2 / Ultra disks) when
   * the rules chose a Standard policy; absent = the vault's V2 policy found by listing its policies (docs/rules.md).
   */
  enhancedPolicy?: string;
}

/**
 * The app's storage account (src/lib/config/storageSettings.ts): by identity in Azure, a connection string for Azurite.
 */
export type StorageConfig =
  | {
      kind: 'identity';
      /** AzureWebJobsStorage__blobServiceUri etc., without a trailing '/'. */
      blobServiceUri: string;
      queueServiceUri: string;
      tableServiceUri: string;
      /** AzureWebJobsStorage__clientId: the user-assigned managed identity to use. */
      clientId?: string;
    }
  /** AzureWebJobsStorage, Azurite only. Never log it. */
  | { kind: 'connectionString'; connectionString: string };

/** Following the first backup to its end (src/lib/protection/followFirstBackup.ts). */
export interface FirstBackupSettings {
  /** Check-back delays by job age: the first after this long, the next this much later, the last one repeating. */
  checkBackDelaysMs: number[];
  /** Delay before each automatic retry of a first backup that failed for a reason that goes away; empty: no retry. */
  retryDelaysMs: number[];
}

export interface AppConfig {
  storage: StorageConfig;
  /** Lower-case GUIDs. */
  watchedSubscriptionIds: string[];
  vaults: VaultRoute[];
  rules: RulesConfig;
  staleAfterMs: number;
  maxAttempts: number;
  dryRun: boolean;
  arm: { endpoint: string; caCertPath?: string; isLocal: boolean };
  backupExpiryDays: number;
  /** How long protectVm may wait on ARM operations before re-enqueueing. */
  invocationBudgetMs: number;
  /** Ledger claim lease. */
  leaseMs: number;
  retry: { baseDelayMs: number; maxDelayMs: number };
  queues: { requests: string; poison: string };
  tables: { ledger: string; rejects: string };
  reports: { container: string; prefix: string };
  summaryTopic?: { endpoint: string };
  reenqueue: { enabled: boolean; maxPerRun: number; perSecond: number };
  firstBackup: FirstBackupSettings;
  /** NCRONTAB of reportPendingBackups (the binding reads the setting itself; kept here so it is validated at start). */
  reportSchedule: string;
}
