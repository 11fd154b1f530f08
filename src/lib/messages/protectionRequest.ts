import { z } from 'zod';

import { ValidationError } from '../errors';
import { tryParseVmResourceId } from '../resourceId';

/**
 * The versioned message on the `protection-requests` queue. It carries ids, never whole events.
 * No top-level `id`/`dequeueCount`/`popReceipt` fields: the Functions host would shadow trigger metadata with them.
 */
export const PROTECTION_REQUEST_VERSION = 1;

export const PROTECTION_REQUEST_SOURCES = ['event', 'sweep', 'report', 'replay'] as const;
export type ProtectionRequestSource = (typeof PROTECTION_REQUEST_SOURCES)[number];

export interface ProtectionAttemptRecord {
  attempt: number;
  at: string;
  code: string;
  message: string;
}

export interface ProtectionRequest {
  version: 1;
  /** Canonical VM id (see resourceId.ts). */
  vmResourceId: string;
  subscriptionId: string;
  eventId?: string;
  eventTime?: string;
  correlationId?: string;
  source: ProtectionRequestSource;
  /** 1 for the first delivery; each re-enqueue adds 1 (NOT the queue's dequeueCount). */
  attempt: number;
  history?: ProtectionAttemptRecord[];
  /**
   * A check-back on the first backup: acts only while the VM's ledger row names this token (followFirstBackup.ts), so a
   * redelivered or superseded check-back does nothing.
   */
  checkBackToken?: string;
  /**
   * A check-back on a running operation is made visible a little before its look (the host's queue polling is coarse);
   * the invocation sits out the rest (handleProtectionMessage.ts).
   */
  checkBackAt?: string;
}

/** A queue message may hold 64 KiB; base64 leaves about 48 KiB of JSON. */
export const MAX_PROTECTION_REQUEST_JSON_BYTES = 48 * 1024;

const isoTimestamp = z
  .string()
  .min(1)
  .max(64)
  .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO-8601 timestamp');

const historyEntrySchema = z.object({
  attempt: z.number().int().min(1),
  at: isoTimestamp,
  code: z.string().max(200),
  message: z.string().max(2000),
});

const protectionRequestSchema = z.object({
  version: z.literal(PROTECTION_REQUEST_VERSION),
  vmResourceId: z.string(),
  subscriptionId: z.string(),
  eventId: z.string().min(1).max(200).optional(),
  eventTime: isoTimestamp.optional(),
  correlationId: z.string().min(1).max(200).optional(),
  source: z.enum(PROTECTION_REQUEST_SOURCES),
  attempt: z.number().int().min(1).max(1000),
  history: z.array(historyEntrySchema).max(100).optional(),
  checkBackToken: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/)
    .optional(),
  checkBackAt: isoTimestamp.optional(),
});

/**
 * Parses the body as the queue trigger hands it (object, or string when it was not JSON), or a raw JSON string.
 * Canonicalises the VM id and checks that `subscriptionId` is the VM's. Throws ValidationError with every reason.
 */
export function parseProtectionRequest(body: unknown): ProtectionRequest {
  const value = typeof body === 'string' ? parseJson(body) : body;
  const parsed = protectionRequestSchema.safeParse(value);
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`).join('; '),
    );
  }
  const message = parsed.data;
  const vm = tryParseVmResourceId(message.vmResourceId);
  if (!vm.ok) throw invalid(`vmResourceId: ${vm.reason}`);
  if (message.subscriptionId.toLowerCase() !== vm.vm.subscriptionId) {
    throw invalid(`subscriptionId '${message.subscriptionId}' is not the subscription of ${vm.vm.id}`);
  }
  return dropUndefined({
    ...message,
    version: PROTECTION_REQUEST_VERSION,
    vmResourceId: vm.vm.id,
    subscriptionId: vm.vm.subscriptionId,
  });
}

/** Builds a first-attempt request for a VM id (canonicalised; throws ValidationError when it is not exactly a VM). */
export function createProtectionRequest(input: {
  vmResourceId: string;
  source: ProtectionRequestSource;
  eventId?: string;
  eventTime?: string;
  correlationId?: string;
}): ProtectionRequest {
  const vm = tryParseVmResourceId(input.vmResourceId);
  if (!vm.ok) throw invalid(`vmResourceId: ${vm.reason}`);
  return dropUndefined({
    version: PROTECTION_REQUEST_VERSION,
    vmResourceId: vm.vm.id,
    subscriptionId: vm.vm.subscriptionId,
    eventId: input.eventId,
    eventTime: input.eventTime,
    correlationId: input.correlationId,
    source: input.source,
    attempt: 1,
  });
}

/** The JSON text of a request (what an output binding or a base64 encoder carries). */
export function serializeProtectionRequest(request: ProtectionRequest): string {
  return JSON.stringify(request);
}

/**
 * base64 of the JSON: host.json sets messageEncoding base64, so messages written with the storage SDK must be base64
 * too. Throws ValidationError when the JSON would not fit a queue message.
 */
export function encodeQueueMessage(request: ProtectionRequest): string {
  const json = Buffer.from(serializeProtectionRequest(request), 'utf8');
  if (json.byteLength > MAX_PROTECTION_REQUEST_JSON_BYTES) {
    throw new ValidationError(
      `Protection request is ${json.byteLength} bytes, over the ${MAX_PROTECTION_REQUEST_JSON_BYTES}-byte queue limit`,
      {
        code: 'message-too-large',
        context: { vmResourceId: request.vmResourceId },
      },
    );
  }
  return json.toString('base64');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError('Protection request is not JSON', { code: 'invalid-message', cause: error });
  }
}

function invalid(reason: string): ValidationError {
  return new ValidationError(`Invalid protection request: ${reason}`, { code: 'invalid-message' });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
