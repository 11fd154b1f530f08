import { createHash } from 'node:crypto';

export type RejectKind = 'event' | 'message';

export interface RejectInput {
  kind: RejectKind;
  reason: string;
  code: string;
  /** The raw event or message as received (serialised). */
  raw: string;
  context?: Record<string, unknown>;
}

export interface RejectRecord {
  /** Stable id: a hash of kind and raw payload. */
  id: string;
  kind: RejectKind;
  code: string;
  reason: string;
  /** The stored payload: the first RAW_STORED_MAX_CHARS characters at most. */
  raw: string;
  /** Length of the payload as received, in characters. */
  rawLength: number;
  truncated: boolean;
  context: Record<string, unknown>;
  recordedAt: string;
}

/**
 * Where malformed events and queue messages are recorded with their reason and raw payload, so nothing is dropped
 * silently. A redelivered payload lands on its own earlier record.
 */
export interface RejectStore {
  record(input: RejectInput): Promise<void>;
  list(): AsyncIterable<RejectRecord>;
}

/** Keep at least the first 32 KB; the table store splits this across properties. */
export const RAW_STORED_MAX_CHARS = 240_000;
export const MAX_REASON_CHARS = 2_000;

/** Builds the record to store (shared by the table store and the in-memory fake, so both truncate alike). */
export function toRejectRecord(input: RejectInput, now: Date = new Date()): RejectRecord {
  return {
    id: rejectIdOf(input.kind, input.raw),
    kind: input.kind,
    code: input.code.slice(0, 200),
    reason: input.reason.slice(0, MAX_REASON_CHARS),
    raw: input.raw.slice(0, RAW_STORED_MAX_CHARS),
    rawLength: input.raw.length,
    truncated: input.raw.length > RAW_STORED_MAX_CHARS,
    context: { ...(input.context ?? {}) },
    recordedAt: now.toISOString(),
  };
}

export function rejectIdOf(kind: RejectKind, raw: string): string {
  return createHash('sha256').update(kind).update('\0').update(raw).digest('hex').slice(0, 40);
}

/** Serialises whatever the trigger handed us for the reject record (strings stay as they are). */
export function rawPayloadOf(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
