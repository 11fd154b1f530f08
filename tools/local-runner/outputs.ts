import type { QueueClient } from '@azure/storage-queue';

import type { RpcTypedData } from './coreTypes';
import type { QueueHostOptions } from './hostJson';

/**
 * Turns one output binding value (as the library converted it for RPC) into queue message bodies,
 * with the host's rules: an array is one message per element, objects become indented JSON, a string
 * that looks like JSON (`{...}` / `[...]`) is parsed again, numbers become their text, bytes stay bytes.
 */
export function toQueueMessageBodies(data: RpcTypedData): Buffer[] {
  if (typeof data.string === 'string') return fromString(data.string);
  if (typeof data.json === 'string') return fromJsonValue(JSON.parse(data.json) as unknown, true);
  if (data.bytes) return [Buffer.from(data.bytes)];
  if (data.stream) return [Buffer.from(data.stream)];
  if (typeof data.int === 'number') return [Buffer.from(String(data.int))];
  if (typeof data.double === 'number') return [Buffer.from(String(data.double))];
  if (data.collectionString?.string) return data.collectionString.string.map((s) => Buffer.from(s));
  if (data.collectionBytes?.bytes) return data.collectionBytes.bytes.map((b) => Buffer.from(b));
  if (data.collectionDouble?.double) return data.collectionDouble.double.map((n) => Buffer.from(String(n)));
  if (data.collectionSint64?.sint64) return data.collectionSint64.sint64.map((n) => Buffer.from(String(n)));
  return [];
}

function fromString(text: string): Buffer[] {
  const trimmed = text.trim();
  const looksLikeJson =
    (trimmed.startsWith('{') && trimmed.endsWith('}')) || (trimmed.startsWith('[') && trimmed.endsWith(']'));
  if (looksLikeJson) {
    try {
      return fromJsonValue(JSON.parse(trimmed) as unknown, true);
    } catch {
      // not JSON after all: written as is
    }
  }
  return [Buffer.from(text)];
}

function fromJsonValue(value: unknown, splitArrays: boolean): Buffer[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value) && splitArrays) return value.flatMap((element) => fromJsonValue(element, false));
  if (typeof value === 'string') return [Buffer.from(value)];
  if (typeof value === 'number' || typeof value === 'boolean') return [Buffer.from(String(value))];
  return [Buffer.from(JSON.stringify(value, null, 2))];
}

/** Encodes a message body for the queue per host.json `messageEncoding`. */
export function encodeQueueMessage(body: Buffer, encoding: QueueHostOptions['messageEncoding']): string {
  return encoding === 'base64' ? body.toString('base64') : body.toString('utf8');
}

/** Writes output messages, creating each queue once if needed, then wakes that queue's listener in this host. */
export class QueueOutputWriter {
  readonly #created = new Map<string, Promise<unknown>>();
  readonly #wakers = new Map<string, Set<() => void>>();

  constructor(private readonly encoding: QueueHostOptions['messageEncoding']) {}

  /** Registers a listener's wake-up for a queue (keyed by URL); returns the unregister function. */
  onWrite(queueUrl: string, wake: () => void): () => void {
    const set = this.#wakers.get(queueUrl) ?? new Set<() => void>();
    set.add(wake);
    this.#wakers.set(queueUrl, set);
    return () => set.delete(wake);
  }

  async write(queue: QueueClient, bodies: Buffer[]): Promise<void> {
    if (bodies.length === 0) return;
    let created = this.#created.get(queue.url);
    if (!created) {
      created = queue.createIfNotExists();
      this.#created.set(queue.url, created);
      created.catch(() => this.#created.delete(queue.url));
    }
    await created;
    for (const body of bodies) await queue.sendMessage(encodeQueueMessage(body, this.encoding));
    this.#wakers.get(queue.url)?.forEach((wake) => wake());
  }
}
