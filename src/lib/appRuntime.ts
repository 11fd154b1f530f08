import { randomUUID } from 'node:crypto';

import { withCachedPolicyLookup } from './azure/cachedPolicyLookup';
import { createComputeVmReader } from './azure/computeVmReader';
import type { BackupGateway, VmReader } from './azure/ports';
import { createRecoveryServicesGateway } from './azure/recoveryServicesGateway';
import { type AzureClientOptions, type AzureClients, createAzureClients } from './clients';
import { type AppConfig, loadConfig } from './config';
import type { EnqueueDeps } from './enqueue/enqueueProtectionForEvent';
import type { Ledger } from './ledger/ledger';
import { TableLedger } from './ledger/tableLedger';
import { TableVaultRefreshStore } from './ledger/tableVaultRefreshStore';
import type { VaultRefreshStore } from './ledger/vaultRefresh';
import { createLogger, type LogSink } from './logger';
import { type PoisonQueue, type RequestQueue, systemClock } from './ports';
import type { ProtectionMessageDeps } from './protection/handleProtectionMessage';
import { OperationTimings } from './protection/operationTimings';
import { DEFAULT_POLL_SETTINGS } from './protection/waitForOperation';
import { createStoragePoisonQueue, createStorageRequestQueue } from './queues/storageQueues';
import type { RejectStore } from './rejects/rejectStore';
import { TableRejectStore } from './rejects/tableRejectStore';
import { createBlobReportStore, type ReportStore } from './report/reportStore';
import type { ComplianceReportDeps, ComplianceReportOptions } from './report/runComplianceReport';
import { createEventGridSummaryPublisher, type SummaryPublisher } from './report/summaryPublisher';

/**
 * The one composition root: config -> SDK clients (clients.ts) -> the adapters every caller uses. The function files,
 * the CLI, the local stack, chaos and bench all take their ledger, queues and gateways from here, so a table or queue
 * name lives only in config and an adapter is assembled in one place.
 */
export interface AppAdapters {
  ledger: Ledger;
  /** The vaults' container-refresh claims, in the ledger table. */
  refreshes: VaultRefreshStore;
  rejects: RejectStore;
  vms: VmReader;
  /** Recovery Services; policies are remembered per process (protectVm asks about them for every VM). */
  backup: BackupGateway;
  requests: RequestQueue;
  poison: PoisonQueue;
  reports: ReportStore;
  summaryPublisher?: SummaryPublisher;
  /** When to look at a running vault operation, learned per process from what the looks found. */
  operationTimings: OperationTimings;
}

export interface AppRuntime {
  config: AppConfig;
  clients: AzureClients;
  adapters: AppAdapters;
}

export function createAppAdapters(clients: AzureClients): AppAdapters {
  return {
    ledger: new TableLedger(clients.ledgerTable),
    refreshes: new TableVaultRefreshStore(clients.ledgerTable),
    rejects: new TableRejectStore(clients.rejectsTable),
    vms: createComputeVmReader((subscriptionId) => clients.compute(subscriptionId)),
    backup: withCachedPolicyLookup(createRecoveryServicesGateway((subscriptionId) => clients.backup(subscriptionId))),
    requests: createStorageRequestQueue(clients.requestQueue),
    poison: createStoragePoisonQueue(clients.poisonQueue),
    reports: createBlobReportStore(clients.reportsContainer),
    operationTimings: new OperationTimings(DEFAULT_POLL_SETTINGS),
    ...(clients.summaryPublisher === undefined
      ? {}
      : { summaryPublisher: createEventGridSummaryPublisher(clients.summaryPublisher) }),
  };
}

/** Clients and adapters for a validated config (tools build one per settings source; the app one per process). */
export function createAppRuntime(config: AppConfig, options: AzureClientOptions = {}): AppRuntime {
  const clients = createAzureClients(config, options);
  return Object.freeze({ config, clients, adapters: createAppAdapters(clients) });
}

let processRuntime: AppRuntime | undefined;

/**
 * The app's runtime, built on first use from the process settings and reused after: importing a function file (tests
 * do) reads no settings and builds no client. Throws ConfigError (every problem listed) if settings are invalid.
 */
export function getRuntime(): AppRuntime {
  return (processRuntime ??= createAppRuntime(loadConfig()));
}

/** enqueueProtection's dependencies. */
export function enqueueDepsOf({ config, adapters }: AppRuntime, sink: LogSink): EnqueueDeps {
  return {
    watchedSubscriptionIds: config.watchedSubscriptionIds,
    rejects: adapters.rejects,
    logger: createLogger(sink),
  };
}

/** protectVm's dependencies for one invocation: its logger, and a claim owner no other invocation shares. */
export function protectionDepsOf({ config, adapters }: AppRuntime, invocation: LogSink): ProtectionMessageDeps {
  return {
    ledger: adapters.ledger,
    refreshes: adapters.refreshes,
    vms: adapters.vms,
    backup: adapters.backup,
    requests: adapters.requests,
    poison: adapters.poison,
    rejects: adapters.rejects,
    clock: systemClock,
    settings: config,
    poll: DEFAULT_POLL_SETTINGS,
    timings: adapters.operationTimings,
    maxAttempts: config.maxAttempts,
    retry: config.retry,
    logger: createLogger(invocation),
    owner: `${invocation.invocationId}:${randomUUID()}`,
  };
}

/** The compliance report's dependencies and options (the timer, the CLI's `report` and bench run the same). */
export function complianceReportOf(
  { config, adapters }: AppRuntime,
  sink: LogSink,
): { deps: ComplianceReportDeps; options: ComplianceReportOptions } {
  return {
    deps: {
      backup: adapters.backup,
      vms: adapters.vms,
      ledger: adapters.ledger,
      store: adapters.reports,
      publisher: adapters.summaryPublisher,
      requests: adapters.requests,
      clock: systemClock,
      logger: createLogger(sink),
    },
    options: reportOptionsOf(config),
  };
}

export function reportOptionsOf(config: AppConfig): ComplianceReportOptions {
  return {
    vaults: config.vaults,
    watchedSubscriptionIds: config.watchedSubscriptionIds,
    rules: config.rules,
    staleAfterMs: config.staleAfterMs,
    reenqueue: config.reenqueue,
    reportPrefix: config.reports.prefix,
  };
}
