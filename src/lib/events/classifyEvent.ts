import { tryParseVmResourceId, type VmResourceId } from '../resourceId';
import {
  cloudEventEnvelopeSchema,
  eventGridEnvelopeSchema,
  formatZodIssues,
  type NormalizedEnvelope,
  RESOURCE_WRITE_SUCCESS,
  resourceWriteDataSchema,
  SUBSCRIPTION_VALIDATION,
  VM_WRITE_OPERATION,
} from './schemas';

/**
 * Decides what one delivered event means for autoprotect. Three outcomes (docs/configuration.md, "Events"):
 * - accepted: a ResourceWriteSuccess of exactly a VM in a watched subscription -> enqueue a protection request;
 * - ignored:  valid but not for us (other resource types, VM children such as extensions, deletes/actions/failures,
 *             the validation handshake, unwatched subscriptions) -> log and succeed, nothing recorded;
 * - rejected: malformed or unexpected (not an object, unknown schema, missing fields, a VM write whose id does not
 *             parse as exactly a VM, subject and resourceUri that disagree, an unknown event type)
 *             -> recorded in the reject store with the raw event, then the invocation succeeds.
 * Never throws: every input gets an outcome.
 */

export type EventOutcome = AcceptedEvent | IgnoredEvent | RejectedEvent;

export interface EventFacts {
  schema?: 'eventgrid' | 'cloudevents';
  eventId?: string;
  eventType?: string;
  subject?: string;
}

export interface AcceptedEvent extends EventFacts {
  outcome: 'accepted';
  vm: VmResourceId;
  eventId: string;
  eventTime?: string;
  correlationId?: string;
}

export type IgnoredCode =
  'subscription-validation' | 'not-a-resource-write' | 'not-a-vm-write' | 'subscription-not-watched';

export interface IgnoredEvent extends EventFacts {
  outcome: 'ignored';
  code: IgnoredCode;
  reason: string;
}

export type RejectedCode =
  | 'malformed-event'
  | 'unknown-event-schema'
  | 'invalid-envelope'
  | 'unexpected-event-type'
  | 'invalid-event-data'
  | 'invalid-vm-resource-id'
  | 'resource-id-mismatch';

export interface RejectedEvent extends EventFacts {
  outcome: 'rejected';
  code: RejectedCode;
  reason: string;
}

export interface ClassifyOptions {
  /** Lower-case subscription GUIDs. */
  watchedSubscriptionIds: readonly string[];
}

export function classifyEvent(raw: unknown, options: ClassifyOptions): EventOutcome {
  const envelope = readEnvelope(raw);
  if ('outcome' in envelope) return envelope;
  const facts: EventFacts = {
    schema: envelope.schema,
    eventId: envelope.id,
    eventType: envelope.type,
    ...(envelope.subject === undefined ? {} : { subject: envelope.subject }),
  };

  if (envelope.type === SUBSCRIPTION_VALIDATION) {
    return {
      ...facts,
      outcome: 'ignored',
      code: 'subscription-validation',
      reason: 'subscription validation handshake (answered by the host)',
    };
  }
  if (envelope.type !== RESOURCE_WRITE_SUCCESS) {
    if (envelope.type.toLowerCase().startsWith('microsoft.resources.')) {
      return {
        ...facts,
        outcome: 'ignored',
        code: 'not-a-resource-write',
        reason: `event type ${envelope.type} is not ${RESOURCE_WRITE_SUCCESS}`,
      };
    }
    return {
      ...facts,
      outcome: 'rejected',
      code: 'unexpected-event-type',
      reason: `unexpected event type '${envelope.type}'`,
    };
  }

  const data = resourceWriteDataSchema.safeParse(envelope.data);
  if (!data.success) {
    return {
      ...facts,
      outcome: 'rejected',
      code: 'invalid-event-data',
      reason: `ResourceWriteSuccess data is invalid: ${formatZodIssues(data.error)}`,
    };
  }
  if (data.data.operationName.toLowerCase() !== VM_WRITE_OPERATION.toLowerCase()) {
    return {
      ...facts,
      outcome: 'ignored',
      code: 'not-a-vm-write',
      reason: `operation ${data.data.operationName} is not ${VM_WRITE_OPERATION}`,
    };
  }

  const vm = resolveVm(envelope, data.data.resourceUri);
  if ('outcome' in vm) return { ...facts, ...vm };

  const claimed = data.data.subscriptionId;
  if (claimed !== undefined && claimed !== '' && claimed.toLowerCase() !== vm.subscriptionId) {
    return {
      ...facts,
      outcome: 'rejected',
      code: 'resource-id-mismatch',
      reason: `data.subscriptionId ${claimed} is not the subscription of ${vm.id}`,
    };
  }
  if (!options.watchedSubscriptionIds.includes(vm.subscriptionId)) {
    return {
      ...facts,
      outcome: 'ignored',
      code: 'subscription-not-watched',
      reason: `subscription ${vm.subscriptionId} is not watched`,
    };
  }
  return {
    ...facts,
    outcome: 'accepted',
    vm,
    eventId: envelope.id,
    ...(envelope.time === undefined ? {} : { eventTime: envelope.time }),
    ...(data.data.correlationId ? { correlationId: data.data.correlationId } : {}),
  };
}

function readEnvelope(raw: unknown): NormalizedEnvelope | RejectedEvent {
  const value = typeof raw === 'string' ? parseJsonObject(raw) : raw;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return { outcome: 'rejected', code: 'malformed-event', reason: `expected one event object, got ${kind}` };
  }
  if ('specversion' in value) {
    const parsed = cloudEventEnvelopeSchema.safeParse(value);
    if (!parsed.success)
      return {
        outcome: 'rejected',
        code: 'invalid-envelope',
        reason: `invalid CloudEvents envelope: ${formatZodIssues(parsed.error)}`,
        ...idOf(value),
      };
    const event = parsed.data;
    return {
      schema: 'cloudevents',
      id: event.id,
      type: event.type,
      data: event.data,
      ...optional('subject', event.subject),
      ...optional('time', event.time),
    };
  }
  if ('eventType' in value) {
    const parsed = eventGridEnvelopeSchema.safeParse(value);
    if (!parsed.success)
      return {
        outcome: 'rejected',
        code: 'invalid-envelope',
        reason: `invalid Event Grid envelope: ${formatZodIssues(parsed.error)}`,
        ...idOf(value),
      };
    const event = parsed.data;
    return {
      schema: 'eventgrid',
      id: event.id,
      type: event.eventType,
      subject: event.subject,
      time: event.eventTime,
      data: event.data,
    };
  }
  return {
    outcome: 'rejected',
    code: 'unknown-event-schema',
    reason: 'neither an Event Grid event (eventType) nor a CloudEvent (specversion)',
    ...idOf(value),
  };
}

/** The VM id from data.resourceUri (or the subject when absent); when both are present they must name the same VM. */
function resolveVm(
  envelope: NormalizedEnvelope,
  resourceUri: string | undefined,
): VmResourceId | Omit<RejectedEvent, keyof EventFacts> {
  const source = resourceUri ?? envelope.subject;
  if (source === undefined || source === '') {
    return { outcome: 'rejected', code: 'invalid-event-data', reason: 'VM write without data.resourceUri or subject' };
  }
  const parsed = tryParseVmResourceId(source);
  if (!parsed.ok) {
    return {
      outcome: 'rejected',
      code: 'invalid-vm-resource-id',
      reason: `VM write for a resource that is not exactly a VM: ${parsed.reason}`,
    };
  }
  if (resourceUri !== undefined && envelope.subject !== undefined && envelope.subject !== '') {
    const subject = tryParseVmResourceId(envelope.subject);
    if (!subject.ok || subject.vm.key !== parsed.vm.key) {
      return {
        outcome: 'rejected',
        code: 'resource-id-mismatch',
        reason: 'subject and data.resourceUri name different resources',
      };
    }
  }
  return parsed.vm;
}

function parseJsonObject(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function idOf(value: object): { eventId?: string } {
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' && id !== '' ? { eventId: id.slice(0, 200) } : {};
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
