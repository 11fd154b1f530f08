import type { DequeuedMessageItem } from '@azure/storage-queue';

import type { RpcTypedData } from '../coreTypes';

/** The message body after `messageEncoding` decoding; `undefined` text means the bytes are not valid UTF-8. */
export interface DecodedBody {
  bytes: Buffer;
  text: string | undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a stored message per `messageEncoding`; `undefined` when base64 decoding fails (the message goes to poison).
 */
export function decodeMessageText(messageText: string, encoding: 'base64' | 'none'): DecodedBody | undefined {
  let bytes: Buffer;
  if (encoding === 'base64') {
    const compact = messageText.replace(/\s+/g, '');
    if (!BASE64.test(compact)) return undefined;
    bytes = Buffer.from(compact, 'base64');
  } else {
    bytes = Buffer.from(messageText, 'utf8');
  }
  let text: string | undefined;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = undefined;
  }
  return { bytes, text };
}

/** Host timestamp format of queue trigger metadata, e.g. "2022-08-25T05:06:39+00:00". */
export function hostTimestamp(date: Date | undefined): string | undefined {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, '+00:00') : undefined;
}

/**
 * The RPC trigger metadata the host sends for a queue message: PascalCase built-ins, then every top-level
 * non-array property of a JSON object body, stringified, overwriting built-ins of the same name.
 */
export function queueTriggerMetadata(message: DequeuedMessageItem, body: DecodedBody): Record<string, RpcTypedData> {
  const metadata: Record<string, RpcTypedData> = {
    DequeueCount: { json: String(message.dequeueCount) },
    Id: { string: message.messageId },
    PopReceipt: { string: message.popReceipt },
  };
  if (body.text !== undefined) metadata.QueueTrigger = { string: body.text };
  const times: Array<[string, Date | undefined]> = [
    ['InsertionTime', message.insertedOn],
    ['ExpirationTime', message.expiresOn],
    ['NextVisibleTime', message.nextVisibleOn],
  ];
  for (const [key, date] of times) {
    const value = hostTimestamp(date);
    if (value) metadata[key] = { string: value };
  }
  for (const [key, value] of Object.entries(jsonObjectBody(body.text))) {
    if (Array.isArray(value) || value === null || value === undefined) continue;
    for (const existing of Object.keys(metadata))
      if (existing.toLowerCase() === key.toLowerCase()) delete metadata[existing];
    metadata[key] =
      typeof value === 'object'
        ? { json: JSON.stringify(value) }
        : { string: typeof value === 'string' ? value : JSON.stringify(value) };
  }
  return metadata;
}

function jsonObjectBody(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
