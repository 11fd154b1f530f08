import type { QueueClient } from '@azure/storage-queue';

import { parseProtectionRequest, type ProtectionRequest } from '../../../src/lib/messages/protectionRequest';

/** A poison message as read: its queue identity and what its body says. */
export interface PoisonMessage {
  messageId: string;
  popReceipt: string;
  insertedOn?: Date;
  dequeueCount: number;
  body: PoisonBody;
}

/**
 * The two shapes on `protection-requests-poison`, plus what cannot be read:
 * - 'app': `{code, reason, at, request?, raw?}` written by protectVm;
 * - 'host': a bare ProtectionRequest moved there by the Functions host after maxDequeueCount;
 * - 'unreadable': neither (the text is kept).
 */
export type PoisonBody =
  | { shape: 'app'; code: string; reason: string; at?: string; request?: ProtectionRequest; raw?: string }
  | { shape: 'host'; request: ProtectionRequest }
  | { shape: 'unreadable'; raw: string };

/** How long listed messages stay invisible while the CLI looks at them (they are made visible again at once after). */
export const POISON_LIST_VISIBILITY_SECONDS = 60;
const MAX_BATCH = 32;

/** Receives up to `max` poison messages, hiding them for `visibilitySeconds`; call restoreVisibility for those kept. */
export async function receivePoisonMessages(
  queue: QueueClient,
  options: { max?: number; visibilitySeconds?: number } = {},
): Promise<PoisonMessage[]> {
  const max = options.max ?? 1000;
  const messages: PoisonMessage[] = [];
  if (!(await queue.exists())) return messages;
  while (messages.length < max) {
    const response = await queue.receiveMessages({
      numberOfMessages: Math.min(MAX_BATCH, max - messages.length),
      visibilityTimeout: options.visibilitySeconds ?? POISON_LIST_VISIBILITY_SECONDS,
    });
    if (response.receivedMessageItems.length === 0) break;
    for (const item of response.receivedMessageItems) {
      messages.push({
        messageId: item.messageId,
        popReceipt: item.popReceipt,
        insertedOn: item.insertedOn,
        dequeueCount: item.dequeueCount,
        body: parsePoisonBody(item.messageText),
      });
    }
  }
  return messages;
}

/** Makes messages visible again (visibility timeout 0), content unchanged. */
export async function restoreVisibility(queue: QueueClient, messages: readonly PoisonMessage[]): Promise<void> {
  const failures: unknown[] = [];
  for (const message of messages) {
    try {
      await queue.updateMessage(message.messageId, message.popReceipt, undefined, 0);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} poison message(s) could not be made visible again; they reappear after ${POISON_LIST_VISIBILITY_SECONDS} s`,
      { cause: failures[0] },
    );
  }
}

/** Reads a poison body: base64 JSON (the app's encoding), else plain JSON, else unreadable. */
export function parsePoisonBody(messageText: string): PoisonBody {
  const value = decodeJson(messageText);
  if (isRecord(value) && typeof value.code === 'string' && typeof value.reason === 'string') {
    return {
      shape: 'app',
      code: value.code,
      reason: value.reason,
      at: typeof value.at === 'string' ? value.at : undefined,
      request: tryParseRequest(value.request),
      raw: typeof value.raw === 'string' ? value.raw : undefined,
    };
  }
  const request = tryParseRequest(value);
  if (request) return { shape: 'host', request };
  return { shape: 'unreadable', raw: messageText };
}

/** The request a replay would re-enqueue, or why there is none. */
export function replayableRequest(body: PoisonBody): { request: ProtectionRequest } | { problem: string } {
  if (body.shape === 'host') return { request: body.request };
  if (body.shape === 'app' && body.request) return { request: body.request };
  return { problem: 'its body is not a protection request (raw unparseable message), so it cannot be replayed' };
}

function decodeJson(messageText: string): unknown {
  for (const candidate of [Buffer.from(messageText, 'base64').toString('utf8'), messageText]) {
    try {
      return JSON.parse(candidate) as unknown;
    } catch {
      // try the next encoding
    }
  }
  return undefined;
}

function tryParseRequest(value: unknown): ProtectionRequest | undefined {
  if (value === undefined) return undefined;
  try {
    return parseProtectionRequest(value);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
