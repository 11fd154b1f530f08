import { z } from 'zod';

import type { EventGridEvent } from './events';

const advancedFilterSchema = z.object({
  operatorType: z.enum(['StringIn', 'StringNotIn', 'StringBeginsWith', 'StringEndsWith', 'StringContains']),
  key: z.string().min(1),
  values: z.array(z.string()).min(1),
});

export const eventSubscriptionSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9-]{3,64}$/, 'name: 3-64 letters, digits or hyphens'),
  endpoint: z
    .string()
    .regex(/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//, 'endpoint must be an http(s) URL on 127.0.0.1'),
  subscriptionId: z.string().optional(),
  schema: z.enum(['EventGridSchema', 'CloudEventSchemaV1_0']).default('EventGridSchema'),
  filter: z
    .object({
      includedEventTypes: z.array(z.string()).optional(),
      subjectBeginsWith: z.string().optional(),
      subjectEndsWith: z.string().optional(),
      advancedFilters: z.array(advancedFilterSchema).optional(),
    })
    .default({}),
  maxEventsPerBatch: z.number().int().min(1).max(5000).default(1),
  retryPolicy: z
    .object({
      maxDeliveryAttempts: z.number().int().min(1).max(30).default(30),
      eventTimeToLiveInMinutes: z.number().int().min(1).max(1440).default(1440),
    })
    .default({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }),
  deadLetterDir: z.string().optional(),
});

export type EventSubscription = z.infer<typeof eventSubscriptionSchema>;

/** Event Grid filtering: event types, subject prefix/suffix (case-insensitive) and advanced filters on dotted keys. */
export function matchesFilter(subscription: EventSubscription, event: EventGridEvent): boolean {
  const { filter } = subscription;
  const lower = (s: string) => s.toLowerCase();
  if (filter.includedEventTypes && !filter.includedEventTypes.map(lower).includes(lower(event.eventType))) return false;
  if (filter.subjectBeginsWith && !lower(event.subject).startsWith(lower(filter.subjectBeginsWith))) return false;
  if (filter.subjectEndsWith && !lower(event.subject).endsWith(lower(filter.subjectEndsWith))) return false;
  return (filter.advancedFilters ?? []).every((f) => {
    const raw = valueAt(event, f.key);
    if (typeof raw !== 'string') return f.operatorType === 'StringNotIn';
    const value = lower(raw);
    const values = f.values.map(lower);
    switch (f.operatorType) {
      case 'StringIn':
        return values.includes(value);
      case 'StringNotIn':
        return !values.includes(value);
      case 'StringBeginsWith':
        return values.some((v) => value.startsWith(v));
      case 'StringEndsWith':
        return values.some((v) => value.endsWith(v));
      case 'StringContains':
        return values.some((v) => value.includes(v));
    }
    return false;
  });
}

function valueAt(event: EventGridEvent, key: string): unknown {
  let current: unknown = event;
  for (const part of key.split('.')) {
    if (!current || typeof current !== 'object') return undefined;
    const entry = Object.entries(current as Record<string, unknown>).find(
      ([k]) => k.toLowerCase() === part.toLowerCase(),
    );
    current = entry?.[1];
  }
  return current;
}
