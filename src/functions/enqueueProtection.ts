import { app, type InvocationContext, output } from '@azure/functions';

import { enqueueDepsOf, getRuntime } from '../lib/appRuntime';
import { PROTECTION_REQUESTS_QUEUE } from '../lib/config';
import { type EnqueueDeps, enqueueProtectionForEvent } from '../lib/enqueue/enqueueProtectionForEvent';
import { createLogger, errorFields } from '../lib/logger';

export const protectionRequestsOutput = output.storageQueue({
  queueName: PROTECTION_REQUESTS_QUEUE,
  connection: 'AzureWebJobsStorage',
});

/**
 * Event Grid trigger: one ResourceWriteSuccess (Event Grid schema or CloudEvents 1.0) -> at most one protection
 * request. Ignored and rejected events succeed; only a failure to record a reject (or invalid configuration) fails
 * the invocation, so Event Grid redelivers.
 */
export function createEnqueueProtectionHandler(getDeps: (context: InvocationContext) => EnqueueDeps) {
  return async function enqueueProtection(event: unknown, context: InvocationContext): Promise<void> {
    try {
      const result = await enqueueProtectionForEvent(event, getDeps(context));
      if (result.outcome === 'enqueued') context.extraOutputs.set(protectionRequestsOutput, result.request);
    } catch (error) {
      createLogger(context).error('enqueueProtection failed; Event Grid will redeliver', {
        outcome: 'failed',
        error: errorFields(error),
      });
      throw error;
    }
  };
}

app.eventGrid<unknown>('enqueueProtection', {
  extraOutputs: [protectionRequestsOutput],
  handler: createEnqueueProtectionHandler((context) => enqueueDepsOf(getRuntime(), context)),
});
