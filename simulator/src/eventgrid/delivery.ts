import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { type EventGridEvent, toCloudEvent } from './events';
import type { EventSubscription } from './subscription';

/** Event Grid's retry schedule (functions-host-semantics.md §5.4), in seconds; after the list, every 12 h. */
export const RETRY_SCHEDULE_SECONDS = [10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600];
const NOT_RETRIED = new Set([400, 401, 403, 413]);

export interface DeliveryRecord {
  subscription: string;
  eventIds: string[];
  attempt: number;
  status: number | 'error' | 'timeout';
  outcome: 'delivered' | 'retry' | 'deadLettered' | 'dropped';
  time: string;
}

export interface DeliverySettings {
  retryScale: number;
  deliveryTimeoutMs: number;
  duplicateDeliveryRate: number;
}

/** Delivers batches to one webhook at least once: retries on the real schedule (scaled), then dead-letters. */
export class WebhookDelivery {
  private readonly timers = new Set<NodeJS.Timeout>();
  private generation = 0;

  constructor(
    private readonly settings: () => DeliverySettings,
    private readonly log: (record: DeliveryRecord) => void,
    private readonly random: () => number = Math.random,
  ) {}

  deliver(subscription: EventSubscription, events: EventGridEvent[], firstPublished: number): void {
    void this.attempt(subscription, events, 1, firstPublished, this.generation);
  }

  /** Cancels every scheduled retry; deliveries in flight are not retried. */
  cancelAll(): void {
    this.generation += 1;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async attempt(
    subscription: EventSubscription,
    events: EventGridEvent[],
    attempt: number,
    firstPublished: number,
    generation: number,
  ): Promise<void> {
    if (generation !== this.generation) return;
    const settings = this.settings();
    const status = await this.post(subscription, events, attempt, settings.deliveryTimeoutMs);
    if (generation !== this.generation) return;
    const record = (outcome: DeliveryRecord['outcome']) =>
      this.log({
        subscription: subscription.name,
        eventIds: events.map((e) => e.id),
        attempt,
        status,
        outcome,
        time: new Date().toISOString(),
      });
    if (typeof status === 'number' && status >= 200 && status <= 204) {
      record('delivered');
      if (attempt === 1 && this.random() < settings.duplicateDeliveryRate)
        void this.post(subscription, events, 1, settings.deliveryTimeoutMs);
      return;
    }
    if (typeof status === 'number' && NOT_RETRIED.has(status))
      return this.giveUp(subscription, events, attempt, status, 'DeliveryFailed', record);
    const delayMs = (RETRY_SCHEDULE_SECONDS[attempt - 1] ?? 12 * 3600) * 1000 * settings.retryScale;
    const ttlMs = subscription.retryPolicy.eventTimeToLiveInMinutes * 60_000 * settings.retryScale;
    if (attempt >= subscription.retryPolicy.maxDeliveryAttempts)
      return this.giveUp(subscription, events, attempt, status, 'MaxDeliveryAttemptsExceeded', record);
    if (Date.now() + delayMs - firstPublished > ttlMs)
      return this.giveUp(subscription, events, attempt, status, 'TimeToLiveExceeded', record);
    record('retry');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(subscription, events, attempt + 1, firstPublished, generation);
    }, delayMs);
    this.timers.add(timer);
  }

  private async giveUp(
    subscription: EventSubscription,
    events: EventGridEvent[],
    attempt: number,
    status: DeliveryRecord['status'],
    reason: string,
    record: (outcome: DeliveryRecord['outcome']) => void,
  ): Promise<void> {
    if (!subscription.deadLetterDir) return record('dropped');
    await writeDeadLetter(subscription, events, { attempt, status, reason });
    record('deadLettered');
  }

  private async post(
    subscription: EventSubscription,
    events: EventGridEvent[],
    attempt: number,
    timeoutMs: number,
  ): Promise<DeliveryRecord['status']> {
    const cloud = subscription.schema === 'CloudEventSchemaV1_0';
    const payload = cloud
      ? events.length === 1
        ? toCloudEvent(events[0] as EventGridEvent)
        : events.map(toCloudEvent)
      : events;
    const contentType = cloud
      ? events.length === 1
        ? 'application/cloudevents+json; charset=utf-8'
        : 'application/cloudevents-batch+json; charset=utf-8'
      : 'application/json';
    try {
      const response = await fetch(subscription.endpoint, {
        method: 'POST',
        headers: {
          'content-type': contentType,
          'aeg-event-type': 'Notification',
          'aeg-subscription-name': subscription.name.toUpperCase(),
          'aeg-delivery-count': String(attempt - 1),
          'aeg-data-version': events[0]?.dataVersion ?? '2',
          'aeg-metadata-version': '1',
        },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      return response.status;
    } catch (error) {
      return (error as Error).name === 'TimeoutError' ? 'timeout' : 'error';
    }
  }
}

/** `{dir}/{SUBSCRIPTION-NAME}/{yyyy}/{M}/{d}/{H}/{guid}.json`, a JSON array of events with the dead-letter fields. */
async function writeDeadLetter(
  subscription: EventSubscription,
  events: EventGridEvent[],
  info: { attempt: number; status: DeliveryRecord['status']; reason: string },
): Promise<void> {
  const now = new Date();
  const dir = join(
    subscription.deadLetterDir ?? '.',
    subscription.name.toUpperCase(),
    String(now.getUTCFullYear()),
    String(now.getUTCMonth() + 1),
    String(now.getUTCDate()),
    String(now.getUTCHours()),
  );
  await mkdir(dir, { recursive: true });
  const outcome =
    typeof info.status === 'number' ? `HTTP ${info.status}` : info.status === 'timeout' ? 'TimedOut' : 'Failed';
  const body = events.map((event) => ({
    ...event,
    deadLetterReason: info.reason,
    deliveryAttempts: info.attempt,
    lastDeliveryOutcome: outcome,
    publishTime: event.eventTime,
    lastDeliveryAttemptTime: now.toISOString(),
  }));
  await writeFile(join(dir, `${randomUUID()}.json`), JSON.stringify(body, null, 2));
}
