/** The typed configuration of autoprotect (built and validated by src/lib/config.ts). */

export interface VaultRoute {
  /** Lower-case short region name, e.g. 'eastus'. */
  region: string;
  vaultId: string;
  vaultName: string;
  vaultResourceGroup: string;
  vaultSubscriptionId: string;
  /** VM subscriptions this vault serves; absent = all watched. */
  subscriptionIds?: string[];
}

/** Tag names case-insensitive; values case-insensitive with '*' wildcards; no values = any value. */
export interface TagMatch {
  tag: string;
  values?: string[];
}

export interface RulesConfig {
  /** Default 'autoprotect:skip': present with any value but 'false' -> skipped. */
  optOutTag: string;
  /** Empty = every VM is included. */
  include: TagMatch[];
  /** Exclusion wins over inclusion. */
  exclude: TagMatch[];
  /** Glob patterns, case-insensitive; default include ['*']. */
  resourceGroups: { include: string[]; exclude: string[] };
  /** Ordered; first match wins. */
  policies: Array<TagMatch & { policy: string }>;
  /** Default 'DefaultPolicy'. */
  defaultPolicy: string;
}

export interface AppConfig {
  /** AzureWebJobsStorage. A secret: never log it. */
  storageConnection: string;
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
  /** NCRONTAB of reportPendingBackups (the binding reads the setting itself; kept here so it is validated at start). */
  reportSchedule: string;
}
