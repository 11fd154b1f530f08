import { randomUUID } from 'node:crypto';

import type { InvocationContext } from '@azure/functions';

import { withCachedPolicyLookup } from '../azure/cachedPolicyLookup';
import { createComputeVmReader } from '../azure/computeVmReader';
import { createRecoveryServicesGateway } from '../azure/recoveryServicesGateway';
import type { AzureClients } from '../clients';
import type { AppConfig } from '../config';
import { TableLedger } from '../ledger/tableLedger';
import { createLogger } from '../logger';
import { TableRejectStore } from '../rejects/tableRejectStore';
import type { ProtectionMessageDeps } from './handleProtectionMessage';
import { systemClock } from './ports';
import { createStoragePoisonQueue, createStorageRequestQueue } from './storageQueues';
import { DEFAULT_POLL_SETTINGS } from './waitForOperation';

/** Wires the protectVm workflow to the real adapters, once per process; logger and claim owner per invocation. */
export function createProductionProtectionDeps(
  config: AppConfig,
  clients: AzureClients,
): (context: InvocationContext) => ProtectionMessageDeps {
  const shared = {
    ledger: new TableLedger(clients.ledgerTable),
    vms: createComputeVmReader(clients.compute),
    backup: withCachedPolicyLookup(createRecoveryServicesGateway(clients.backup)),
    requests: createStorageRequestQueue(clients.requestQueue),
    poison: createStoragePoisonQueue(clients.poisonQueue),
    rejects: new TableRejectStore(clients.rejectsTable),
    clock: systemClock,
    settings: config,
    poll: DEFAULT_POLL_SETTINGS,
    maxAttempts: config.maxAttempts,
    retry: config.retry,
  };
  return (context) => ({ ...shared, logger: createLogger(context), owner: `${context.invocationId}:${randomUUID()}` });
}
