import { app, type InvocationContext, output } from '@azure/functions';

import { buildOnFirstUse } from '../lib/clients';
import { PROTECTION_REQUESTS_QUEUE } from '../lib/config';
import { intakeEvent } from '../lib/intake/intakeEvent';
import { createLogger, errorFields } from '../lib/logger';
import type { RejectStore } from '../lib/rejects/rejectStore';
import { TableRejectStore } from '../lib/rejects/tableRejectStore';

/**
 * Event Grid trigger: one ResourceWriteSuccess (Event Grid schema or CloudEvents 1.0) per invocation -> at most one
 * protection request on `protection-requests`. Ignored and rejected events succeed; only a failure to record a
 * reject (or a configuration error) fails the invocation, so Event Grid redelivers.
 */
export const protectionRequestsOutput = output.storageQueue({
  queueName: PROTECTION_REQUESTS_QUEUE,
  connection: 'AzureWebJobsStorage',
});

export interface EnqueueProtectionDeps {
  watchedSubscriptionIds: readonly string[];
  rejects: RejectStore;
}

export function createEnqueueProtectionHandler(getDeps: () => EnqueueProtectionDeps) {
  return async function enqueueProtection(event: unknown, context: InvocationContext): Promise<void> {
    const logger = createLogger(context);
    try {
      const deps = getDeps();
      const result = await intakeEvent(event, { ...deps, logger });
      if (result.outcome === 'enqueued') context.extraOutputs.set(protectionRequestsOutput, result.request);
    } catch (error) {
      logger.error('enqueueProtection failed; Event Grid will redeliver', {
        outcome: 'failed',
        error: errorFields(error),
      });
      throw error;
    }
  };
}

const productionDeps = buildOnFirstUse(({ config, clients }): EnqueueProtectionDeps => ({
  watchedSubscriptionIds: config.watchedSubscriptionIds,
  rejects: new TableRejectStore(clients.rejectsTable),
}));

app.eventGrid<unknown>('enqueueProtection', {
  extraOutputs: [protectionRequestsOutput],
  handler: createEnqueueProtectionHandler(productionDeps),
});
