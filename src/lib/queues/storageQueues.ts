import type { QueueClient } from '@azure/storage-queue';

import { encodeQueueMessage } from '../messages/protectionRequest';
import { onceUntilFailure } from '../onceUntilFailure';
import type { PoisonQueue, RequestQueue } from '../ports';

/** Longest visibility delay a queue message may have (7 days). */
const MAX_VISIBILITY_SECONDS = 7 * 24 * 3600;
/** Poison entries keep at most this much of an unparseable body (queue messages hold 64 KiB after base64). */
const MAX_RAW_CHARS = 16_000;

/** RequestQueue over `@azure/storage-queue`: base64 JSON (host.json messageEncoding), delay as visibility timeout. */
export function createStorageRequestQueue(queue: QueueClient): RequestQueue {
  const ready = onceUntilFailure(() => queue.createIfNotExists());
  return {
    async send(request, options) {
      await ready();
      const visibilityTimeout = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(options.delayMs / 1000)));
      await queue.sendMessage(encodeQueueMessage(request), { visibilityTimeout });
    },
  };
}

/** PoisonQueue over `@azure/storage-queue`, base64 JSON like every message of the app. */
export function createStoragePoisonQueue(queue: QueueClient): PoisonQueue {
  const ready = onceUntilFailure(() => queue.createIfNotExists());
  return {
    async send(entry) {
      await ready();
      const body = { ...entry, raw: entry.raw?.slice(0, MAX_RAW_CHARS) };
      await queue.sendMessage(Buffer.from(JSON.stringify(body), 'utf8').toString('base64'));
    },
  };
}
