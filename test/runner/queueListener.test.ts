import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';

import type { HostedFunction } from '../../tools/local-runner/functionIndex';
import type { QueueHostOptions } from '../../tools/local-runner/hostJson';
import type { Invoker } from '../../tools/local-runner/invoke';
import { createLogger } from '../../tools/local-runner/logger';
import { QueueListener } from '../../tools/local-runner/triggers/queueListener';

const hostOptions: QueueHostOptions = {
  batchSize: 4,
  newBatchThreshold: 1,
  maxPollingIntervalMs: 60_000,
  visibilityTimeoutMs: 0,
  maxDequeueCount: 5,
  messageEncoding: 'none',
};

function message(id: string): DequeuedMessageItem {
  const now = new Date();
  return {
    messageId: id,
    popReceipt: `pop-${id}`,
    dequeueCount: 1,
    messageText: `{"id":"${id}"}`,
    insertedOn: now,
    expiresOn: now,
    nextVisibleOn: now,
  };
}

/** A queue whose first receive returns `first`, then nothing; records when each receive happened. */
function fakeQueue(first: DequeuedMessageItem[]) {
  const receivedAt: number[] = [];
  let batches = [first];
  const queue = {
    name: 'fake',
    url: 'http://127.0.0.1/fake',
    receiveMessages: async () => {
      receivedAt.push(Date.now());
      const [batch = [], ...rest] = batches;
      batches = rest;
      return { receivedMessageItems: batch };
    },
    deleteMessage: jest.fn(async () => ({})),
    updateMessage: jest.fn(async () => ({ popReceipt: 'renewed' })),
  };
  return {
    queue: queue as unknown as QueueClient,
    receivedAt,
    deleteMessage: queue.deleteMessage,
    updateMessage: queue.updateMessage,
  };
}

const fn = { name: 'fakeFunction', trigger: 'queueTrigger', triggerBindingName: 't' } as HostedFunction;
const quietLogger = createLogger('test', () => undefined);
const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('QueueListener (with a fake queue)', () => {
  it('bounds stop() even while it waits for in-flight messages to drop to newBatchThreshold', async () => {
    const { queue } = fakeQueue([message('a'), message('b'), message('c')]);
    const invoke = jest.fn<ReturnType<Invoker['invoke']>, Parameters<Invoker['invoke']>>(
      () => new Promise<void>(() => undefined),
    );
    const listener = new QueueListener({
      fn,
      queue,
      poisonQueue: undefined,
      options: hostOptions,
      leaseMs: 60_000,
      invoker: { invoke },
      logger: quietLogger,
    });
    listener.start();
    await until(() => invoke.mock.calls.length === 3);

    const started = Date.now();
    const abandoned = await listener.stop(100);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(abandoned).toBe(3);
  });

  it('ends a polling backoff wait at once when woken', async () => {
    const { queue, receivedAt } = fakeQueue([]);
    const invoker: Invoker = { invoke: async () => undefined };
    const listener = new QueueListener({
      fn,
      queue,
      poisonQueue: undefined,
      options: hostOptions,
      leaseMs: 60_000,
      invoker,
      logger: quietLogger,
      random: () => 1,
    });
    listener.start();
    await until(() => receivedAt.length === 4); // the 4th empty poll starts a wait of 100 + 1.2 x 800 = 1,060 ms
    const wokenAt = Date.now();
    listener.wake();
    await until(() => receivedAt.length === 5);
    expect(receivedAt[4]! - wokenAt).toBeLessThan(200);
    await listener.stop(100);
  });

  it('deletes a message after success and hides a failed one for visibilityTimeout', async () => {
    const { queue, deleteMessage, updateMessage } = fakeQueue([message('ok'), message('bad')]);
    const invoker: Invoker = {
      invoke: async (_fn, input) => {
        if (input.triggerData?.string === '{"id":"bad"}') throw new Error('boom');
      },
    };
    const options = { ...hostOptions, visibilityTimeoutMs: 30_000 };
    const listener = new QueueListener({
      fn,
      queue,
      poisonQueue: undefined,
      options,
      leaseMs: 60_000,
      invoker,
      logger: quietLogger,
    });
    listener.start();
    await until(() => deleteMessage.mock.calls.length === 1 && updateMessage.mock.calls.length === 1);
    await listener.stop(100);
    expect(deleteMessage.mock.calls).toEqual([['ok', 'pop-ok']]);
    expect(updateMessage.mock.calls).toEqual([['bad', 'pop-bad', undefined, 30]]);
  });
});
