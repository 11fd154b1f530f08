import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';

import type { HostedFunction } from '../functionIndex';
import type { QueueHostOptions } from '../hostJson';
import type { Invoker } from '../invoke';
import type { RunnerLogger } from '../logger';
import { storageStatus } from '../storage';
import { decodeMessageText, queueTriggerMetadata } from './queueMessage';
import { settlesWithin, Sleeper } from './sleeper';

export interface QueueListenerOptions {
  fn: HostedFunction;
  queue: QueueClient;
  /** `<queue>-poison`, or undefined when the host would have none (name ends in -poison or is too long). */
  poisonQueue: QueueClient | undefined;
  options: QueueHostOptions;
  /** Visibility taken on receive and renewed at half-time while the function runs (host: 10 minutes). */
  leaseMs: number;
  invoker: Invoker;
  logger: RunnerLogger;
  random?: () => number;
}

/** The k-th consecutive empty poll waits 100 ms + rand(0.8-1.2) x 2^(k-1) x 100 ms, capped at maxPollingInterval. */
export function emptyPollDelayMs(
  emptyPolls: number,
  maxPollingIntervalMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(emptyPolls - 1, 0), 30);
  const delay = 100 + (0.8 + 0.4 * random()) * 2 ** exponent * 100;
  return Math.min(delay, maxPollingIntervalMs);
}

/** Host queue trigger listener: polls, runs each message as its own task, renews visibility, completes or poisons. */
export class QueueListener {
  readonly #o: QueueListenerOptions;
  readonly #sleeper = new Sleeper();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #renewals = new Set<NodeJS.Timeout>();
  #stopping = false;
  #loop: Promise<void> | undefined;
  #signalStop: () => void = () => undefined;
  readonly #stopped = new Promise<void>((resolve) => {
    this.#signalStop = resolve;
  });

  constructor(options: QueueListenerOptions) {
    this.#o = options;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    this.#loop ??= this.#poll();
  }

  /** Ends the current polling wait at once (an output binding of this host wrote to the queue). */
  wake(): void {
    this.#sleeper.wake();
  }

  /** Stops polling, then waits for running invocations up to `timeoutMs`; returns how many were still running. */
  async stop(timeoutMs: number): Promise<number> {
    this.#stopping = true;
    this.#sleeper.cancel();
    this.#signalStop();
    const drained = (async () => {
      await this.#loop;
      await Promise.allSettled([...this.#inFlight]);
    })();
    await settlesWithin(drained, timeoutMs);
    // Abandoned messages are no longer renewed: they become visible again when their lease expires.
    this.#renewals.forEach((renewal) => clearInterval(renewal));
    return this.#inFlight.size;
  }

  async #poll(): Promise<void> {
    const { queue, options, fn, logger } = this.#o;
    let emptyPolls = 0;
    while (!this.#stopping) {
      let messages: DequeuedMessageItem[];
      try {
        const response = await queue.receiveMessages({
          numberOfMessages: options.batchSize,
          visibilityTimeout: this.#leaseSeconds(),
        });
        messages = response.receivedMessageItems;
      } catch (error) {
        if (storageStatus(error) !== 404) {
          logger.log({
            level: 'warning',
            category: 'host',
            functionName: fn.name,
            message: `Polling queue '${queue.name}' failed: ${(error as Error).message}`,
          });
        }
        messages = [];
      }
      if (this.#stopping) {
        await Promise.all(messages.map((m) => this.#release(m)));
        break;
      }
      if (messages.length === 0) {
        emptyPolls += 1;
        await this.#sleeper.sleep(emptyPollDelayMs(emptyPolls, options.maxPollingIntervalMs, this.#o.random));
        continue;
      }
      emptyPolls = 0;
      for (const message of messages) this.#track(this.#process(message));
      while (this.#inFlight.size > options.newBatchThreshold && !this.#stopping) {
        await Promise.race([...this.#inFlight, this.#stopped]);
      }
    }
  }

  #track(task: Promise<void>): void {
    const tracked = task.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  #leaseSeconds(): number {
    return Math.max(1, Math.round(this.#o.leaseMs / 1000));
  }

  /** Received while stopping: make it visible again at once without counting as a failure of the function. */
  async #release(message: DequeuedMessageItem): Promise<void> {
    await this.#o.queue.updateMessage(message.messageId, message.popReceipt, undefined, 0).catch(() => undefined);
  }

  async #process(message: DequeuedMessageItem): Promise<void> {
    const { fn, options, logger, invoker } = this.#o;
    const base = { functionName: fn.name, messageId: message.messageId, dequeueCount: message.dequeueCount };
    if (message.dequeueCount > options.maxDequeueCount) {
      await this.#poison(message, `Message has reached MaxDequeueCount of ${options.maxDequeueCount}.`);
      return;
    }
    const body = decodeMessageText(message.messageText, options.messageEncoding);
    if (!body) {
      logger.log({
        ...base,
        level: 'error',
        category: 'host',
        message: 'Message decoding has failed! Check MessageEncoding settings.',
      });
      await this.#poison(message, 'Message decoding has failed.');
      return;
    }
    if (body.text === undefined) {
      logger.log({
        ...base,
        level: 'warning',
        category: 'host',
        message: 'Message is not valid UTF-8: the queueTrigger binding data is omitted.',
      });
    }
    const lease = { popReceipt: message.popReceipt };
    const renewal = setInterval(() => void this.#renew(message, lease), Math.max(250, this.#o.leaseMs / 2));
    this.#renewals.add(renewal);
    let succeeded = false;
    try {
      await invoker.invoke(fn, {
        reason: `New queue message detected on '${this.#o.queue.name}'.`,
        triggerData: body.text === undefined ? undefined : { string: body.text },
        triggerMetadata: queueTriggerMetadata(message, body),
      });
      succeeded = true;
    } catch {
      // logged by the invoker; handled below
    } finally {
      clearInterval(renewal);
      this.#renewals.delete(renewal);
    }
    const current = { ...message, popReceipt: lease.popReceipt };
    if (succeeded) await this.#delete(current);
    else if (message.dequeueCount >= options.maxDequeueCount)
      await this.#poison(current, `Message has reached MaxDequeueCount of ${options.maxDequeueCount}.`);
    else await this.#retryLater(current);
  }

  async #renew(message: DequeuedMessageItem, lease: { popReceipt: string }): Promise<void> {
    try {
      const response = await this.#o.queue.updateMessage(
        message.messageId,
        lease.popReceipt,
        undefined,
        this.#leaseSeconds(),
      );
      if (response.popReceipt) lease.popReceipt = response.popReceipt;
    } catch (error) {
      this.#o.logger.log({
        level: 'warning',
        category: 'host',
        functionName: this.#o.fn.name,
        messageId: message.messageId,
        message: `Renewing message visibility failed: ${(error as Error).message}`,
      });
    }
  }

  async #delete(message: DequeuedMessageItem): Promise<void> {
    try {
      await this.#o.queue.deleteMessage(message.messageId, message.popReceipt);
    } catch (error) {
      this.#o.logger.log({
        level: 'warning',
        category: 'host',
        functionName: this.#o.fn.name,
        messageId: message.messageId,
        message: `Deleting message failed: ${(error as Error).message}`,
      });
    }
  }

  async #retryLater(message: DequeuedMessageItem): Promise<void> {
    const seconds = Math.round(this.#o.options.visibilityTimeoutMs / 1000);
    try {
      await this.#o.queue.updateMessage(message.messageId, message.popReceipt, undefined, seconds);
    } catch (error) {
      this.#o.logger.log({
        level: 'warning',
        category: 'host',
        functionName: this.#o.fn.name,
        messageId: message.messageId,
        message: `Releasing message failed: ${(error as Error).message}`,
      });
    }
  }

  async #poison(message: DequeuedMessageItem, reason: string): Promise<void> {
    const { poisonQueue, logger, fn } = this.#o;
    try {
      if (poisonQueue) {
        logger.log({
          level: 'warning',
          category: 'host',
          functionName: fn.name,
          messageId: message.messageId,
          message: `${reason} Moving message to queue '${poisonQueue.name}'.`,
        });
        await poisonQueue.createIfNotExists();
        await poisonQueue.sendMessage(message.messageText);
      } else {
        logger.log({
          level: 'warning',
          category: 'host',
          functionName: fn.name,
          messageId: message.messageId,
          message: `${reason} No poison queue for '${this.#o.queue.name}': the message is deleted.`,
        });
      }
      await this.#o.queue.deleteMessage(message.messageId, message.popReceipt);
    } catch (error) {
      logger.log({
        level: 'error',
        category: 'host',
        functionName: fn.name,
        messageId: message.messageId,
        message: `Moving message to poison failed: ${(error as Error).message}`,
      });
    }
  }
}
