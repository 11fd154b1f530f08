import { QueueClient } from '@azure/storage-queue';

import { createStorageClients } from '../../../src/lib/clients';
import { createStoragePoisonQueue, createStorageRequestQueue } from '../../../src/lib/queues/storageQueues';
import { protectionRequest } from '../../helpers/factories/protection';
import { oauthStorageConfig, testTokenCredential } from '../../helpers/oauthStorage';
import { decodeQueueMessage } from '../../helpers/queueMessages';
import { testStorageConnectionString, uniqueName } from '../../helpers/storage';

const paths: Array<[string, (name: string) => QueueClient]> = [
  ['a connection string', (name) => new QueueClient(testStorageConnectionString(), name)],
  ['a token credential', (name) => createStorageClients(oauthStorageConfig(), testTokenCredential()).queue(name)],
];

describe.each(paths)('storage queue adapters on Azurite through %s', (_path, makeQueue) => {
  it('writes base64 JSON requests with a visibility delay, and poison entries the tools can read', async () => {
    const requestQueue = makeQueue(uniqueName('requests'));
    const poisonQueue = makeQueue(uniqueName('poison'));
    try {
      const request = protectionRequest({ attempt: 2 });
      await createStorageRequestQueue(requestQueue).send(request, { delayMs: 0 });
      await createStorageRequestQueue(requestQueue).send({ ...request, attempt: 3 }, { delayMs: 60_000 });
      const visible = await requestQueue.receiveMessages({ numberOfMessages: 32 });
      expect(visible.receivedMessageItems.map((message) => decodeQueueMessage(message.messageText))).toEqual([request]);

      await createStoragePoisonQueue(poisonQueue).send({
        code: 'invalid-message',
        reason: 'not JSON',
        at: '2026-01-01T00:00:00Z',
        raw: 'x'.repeat(20_000),
      });
      const [poisoned] = (await poisonQueue.receiveMessages()).receivedMessageItems;
      const entry = JSON.parse(Buffer.from(poisoned!.messageText, 'base64').toString('utf8')) as {
        code: string;
        raw: string;
      };
      expect(entry.code).toBe('invalid-message');
      expect(entry.raw).toHaveLength(16_000);
    } finally {
      await requestQueue.deleteIfExists();
      await poisonQueue.deleteIfExists();
    }
  });
});
