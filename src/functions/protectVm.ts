import { app, type InvocationContext } from '@azure/functions';

import { getRuntime, protectionDepsOf } from '../lib/appRuntime';
import { PROTECTION_REQUESTS_QUEUE } from '../lib/config';
import { createLogger, errorFields } from '../lib/logger';
import {
  handleProtectionMessage,
  type MessageOutcome,
  type ProtectionMessageDeps,
} from '../lib/protection/handleProtectionMessage';

/**
 * Storage queue trigger on `protection-requests`: one protection request per invocation. Completes the message for
 * every handled outcome (done, re-enqueued, failed, poisoned); throws only when the request could not be re-enqueued
 * or recorded, so the host redelivers it (and poisons it after maxDequeueCount).
 */
export function createProtectVmHandler(getDeps: (context: InvocationContext) => ProtectionMessageDeps) {
  return async function protectVm(queueEntry: unknown, context: InvocationContext): Promise<void> {
    const dequeueCount = context.triggerMetadata?.dequeueCount;
    try {
      const outcome = await handleProtectionMessage(getDeps(context), queueEntry);
      createLogger(context).info('protectVm finished', { outcome: outcome.kind, dequeueCount, ...summary(outcome) });
    } catch (error) {
      createLogger(context).error('protectVm failed; the host will redeliver the message', {
        outcome: 'error',
        dequeueCount,
        error: errorFields(error),
      });
      throw error;
    }
  };
}

function summary(outcome: MessageOutcome): Record<string, unknown> {
  switch (outcome.kind) {
    case 'done':
      return { status: outcome.outcome.status, reason: outcome.outcome.reason, vmKey: outcome.outcome.vmKey };
    case 'requeued':
      return { code: outcome.code, nextAttempt: outcome.nextAttempt, delayMs: outcome.delayMs };
    case 'failed':
    case 'poisoned':
      return { code: outcome.code, reason: outcome.reason };
  }
}

app.storageQueue('protectVm', {
  queueName: PROTECTION_REQUESTS_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: createProtectVmHandler((context) => protectionDepsOf(getRuntime(), context)),
});
