import { z } from 'zod';

/**
 * zod schemas for the two envelopes the Event Grid trigger can hand us (Event Grid schema and CloudEvents 1.0),
 * and for the data of Microsoft.Resources.ResourceWriteSuccess. Only the fields we use are required; unknown
 * fields are allowed (Event Grid adds fields over time).
 */

export const RESOURCE_WRITE_SUCCESS = 'Microsoft.Resources.ResourceWriteSuccess';
export const SUBSCRIPTION_VALIDATION = 'Microsoft.EventGrid.SubscriptionValidationEvent';
export const VM_WRITE_OPERATION = 'Microsoft.Compute/virtualMachines/write';

const timestamp = z
  .string()
  .min(1)
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO-8601 timestamp');
const nonEmpty = z.string().min(1);

export const eventGridEnvelopeSchema = z.looseObject({
  id: nonEmpty,
  eventType: nonEmpty,
  subject: z.string(),
  eventTime: timestamp,
  dataVersion: z.string(),
  topic: z.string().optional(),
  metadataVersion: z.string().optional(),
  data: z.unknown(),
});

export const cloudEventEnvelopeSchema = z.looseObject({
  specversion: z.literal('1.0'),
  id: nonEmpty,
  type: nonEmpty,
  source: nonEmpty,
  subject: z.string().optional(),
  time: timestamp.optional(),
  data: z.unknown(),
});

/**
 * ResourceWriteSuccessEventData: `httpRequest` is absent on creates and `resourceGroup` absent in the documented
 * samples.
 */
export const resourceWriteDataSchema = z.looseObject({
  operationName: nonEmpty,
  resourceUri: nonEmpty.optional(),
  subscriptionId: z.string().optional(),
  correlationId: z.string().optional(),
  resourceProvider: z.string().optional(),
  status: z.string().optional(),
  httpRequest: z.looseObject({ method: z.string().optional() }).optional(),
});

/** One envelope, whichever schema it came in. */
export interface NormalizedEnvelope {
  schema: 'eventgrid' | 'cloudevents';
  id: string;
  type: string;
  subject?: string;
  time?: string;
  data: unknown;
}

export function formatZodIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(event)'}: ${issue.message}`).join('; ');
}
