import { AutoprotectError, TransientError } from '../errors';
import { classifyEvent, type EventOutcome } from '../events/classifyEvent';
import type { Logger } from '../logger';
import { createProtectionRequest, type ProtectionRequest } from '../messages/protectionRequest';
import { rawPayloadOf, type RejectStore } from '../rejects/rejectStore';

export interface EnqueueDeps {
  watchedSubscriptionIds: readonly string[];
  rejects: RejectStore;
  logger: Logger;
}

export type EnqueueResult =
  | { outcome: 'enqueued'; request: ProtectionRequest }
  | { outcome: 'ignored'; code: string; reason: string }
  | { outcome: 'rejected'; code: string; reason: string };

/**
 * One delivered event -> at most one protection request. Accepted events return the request for the queue output;
 * ignored ones are logged; rejected ones are recorded with the raw event. Only a failure to record a reject throws
 * (TransientError), so Event Grid redelivers.
 */
export async function enqueueProtectionForEvent(raw: unknown, deps: EnqueueDeps): Promise<EnqueueResult> {
  const decision = classifyEvent(raw, { watchedSubscriptionIds: deps.watchedSubscriptionIds });
  const logger = deps.logger.child(eventLogFields(decision));

  switch (decision.outcome) {
    case 'accepted': {
      const request = createProtectionRequest({
        vmResourceId: decision.vm.id,
        source: 'event',
        eventId: decision.eventId,
        ...(decision.eventTime === undefined ? {} : { eventTime: decision.eventTime }),
        ...(decision.correlationId === undefined ? {} : { correlationId: decision.correlationId }),
      });
      logger.info('protection request enqueued', {
        outcome: 'enqueued',
        vmKey: decision.vm.key,
        vmResourceId: decision.vm.id,
      });
      return { outcome: 'enqueued', request };
    }
    case 'ignored':
      logger.info('event ignored', { outcome: 'ignored', code: decision.code, reason: decision.reason });
      return { outcome: 'ignored', code: decision.code, reason: decision.reason };
    case 'rejected':
      await recordReject(raw, decision, deps, logger);
      logger.warn('event rejected and recorded', { outcome: 'rejected', code: decision.code, reason: decision.reason });
      return { outcome: 'rejected', code: decision.code, reason: decision.reason };
  }
}

async function recordReject(
  raw: unknown,
  decision: Extract<EventOutcome, { outcome: 'rejected' }>,
  deps: EnqueueDeps,
  logger: Logger,
): Promise<void> {
  try {
    await deps.rejects.record({
      kind: 'event',
      code: decision.code,
      reason: decision.reason,
      raw: rawPayloadOf(raw),
      context: eventLogFields(decision),
    });
  } catch (error) {
    logger.error('could not record a rejected event; failing the invocation so Event Grid redelivers', {
      outcome: 'reject-failed',
      code: decision.code,
    });
    if (error instanceof AutoprotectError && error.kind === 'transient') throw error;
    throw new TransientError('Could not record a rejected event', {
      cause: error,
      code: 'reject-store-unavailable',
      context: { rejectCode: decision.code },
    });
  }
}

function eventLogFields(decision: EventOutcome): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (decision.eventId !== undefined) fields.eventId = decision.eventId;
  if (decision.eventType !== undefined) fields.eventType = decision.eventType;
  if (decision.schema !== undefined) fields.eventSchema = decision.schema;
  if (decision.subject !== undefined) fields.subject = decision.subject.slice(0, 500);
  if (decision.outcome === 'accepted' && decision.correlationId !== undefined)
    fields.correlationId = decision.correlationId;
  return fields;
}
