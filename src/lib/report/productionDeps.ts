import type { InvocationContext } from '@azure/functions';

import { createComputeVmReader } from '../azure/computeVmReader';
import { createRecoveryServicesGateway } from '../azure/recoveryServicesGateway';
import type { AzureClients } from '../clients';
import type { AppConfig } from '../config';
import { TableLedger } from '../ledger/tableLedger';
import { createLogger } from '../logger';
import { systemClock } from '../protection/ports';
import { createStorageRequestQueue } from '../protection/storageQueues';
import { createBlobReportStore } from './reportStore';
import type { ComplianceReportDeps, ComplianceReportOptions } from './runComplianceReport';
import { createEventGridSummaryPublisher } from './summaryPublisher';

/** The report's real adapters and options from the app config (also used by a CLI). */
export function createProductionReportDeps(
  config: AppConfig,
  clients: AzureClients,
): (context: InvocationContext) => { deps: ComplianceReportDeps; options: ComplianceReportOptions } {
  const shared = {
    backup: createRecoveryServicesGateway(clients.backup),
    vms: createComputeVmReader(clients.compute),
    ledger: new TableLedger(clients.ledgerTable),
    store: createBlobReportStore(clients.reportsContainer),
    publisher: clients.summaryPublisher ? createEventGridSummaryPublisher(clients.summaryPublisher) : undefined,
    requests: createStorageRequestQueue(clients.requestQueue),
    clock: systemClock,
  };
  const options = reportOptionsOf(config);
  return (context) => ({ deps: { ...shared, logger: createLogger(context) }, options });
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
