import { randomUUID } from 'node:crypto';

import type { NoiseConfig } from '../config';
import { vmIdOf, type VmRecord } from '../store/model';
import { type DeliveryRecord, type DeliverySettings, WebhookDelivery } from './delivery';
import { type EventGridEvent, resourceEvent } from './events';
import { validateEndpoint } from './handshake';
import { type EventSubscription, matchesFilter } from './subscription';

export interface PublisherDeps {
  tenantId: () => string;
  noise: () => NoiseConfig;
  delivery: () => DeliverySettings;
  /** Public base URL for httpRequest.url in update/delete events. */
  baseUrl: () => string;
}

/** The subscription system topic: turns VM writes into events and fans them out to registered event subscriptions. */
export class EventPublisher {
  private readonly subscriptions = new Map<string, EventSubscription>();
  private readonly pending = new Map<string, { events: EventGridEvent[]; firstPublished: number }>();
  readonly published: EventGridEvent[] = [];
  readonly deliveries: DeliveryRecord[] = [];
  private readonly delivery: WebhookDelivery;
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: PublisherDeps) {
    this.delivery = new WebhookDelivery(deps.delivery, (record) => this.deliveries.push(record));
  }

  /**
   * Registers a subscription after its endpoint passes the validation handshake (throws HandshakeFailedError
   * otherwise).
   */
  async subscribe(subscription: EventSubscription, defaultSubscriptionId: string): Promise<EventSubscription> {
    const scoped = { ...subscription, subscriptionId: subscription.subscriptionId ?? defaultSubscriptionId };
    await validateEndpoint(scoped, `/subscriptions/${scoped.subscriptionId}`, this.deps.delivery().deliveryTimeoutMs);
    this.subscriptions.set(scoped.name.toLowerCase(), scoped);
    return scoped;
  }

  list(): EventSubscription[] {
    return [...this.subscriptions.values()];
  }

  unsubscribe(name: string): boolean {
    return this.subscriptions.delete(name.toLowerCase());
  }

  publishVmWrite(vm: VmRecord, write: { created: boolean; method: string; clientRequestId: string }): void {
    const id = vmIdOf(vm.subscriptionId, vm.resourceGroup, vm.name);
    const correlationId = randomUUID();
    const base = { subscriptionId: vm.subscriptionId, tenantId: this.deps.tenantId(), correlationId, now: Date.now() };
    const httpRequest = {
      method: write.method,
      clientRequestId: write.clientRequestId,
      url: `${this.deps.baseUrl()}${id}?api-version=2024-03-01`,
    };
    const write1 = {
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      resourceUri: id,
      operationName: 'Microsoft.Compute/virtualMachines/write',
    } as const;
    this.publish(resourceEvent({ ...base, ...write1, httpRequest: write.created ? undefined : httpRequest }));
    if (!write.created) return;
    const noise = this.deps.noise();
    if (noise.updateAfterCreate)
      this.publish(resourceEvent({ ...base, ...write1, httpRequest: { ...httpRequest, method: 'PATCH' } }));
    if (noise.extensionWriteAfterCreate) {
      const extension = `${id}/extensions/VMSnapshot`;
      this.publish(
        resourceEvent({
          ...base,
          eventType: 'Microsoft.Resources.ResourceWriteSuccess',
          resourceUri: extension,
          operationName: 'Microsoft.Compute/virtualMachines/extensions/write',
        }),
      );
    }
  }

  publishVmDelete(vm: VmRecord, clientRequestId: string): void {
    const id = vmIdOf(vm.subscriptionId, vm.resourceGroup, vm.name);
    this.publish(
      resourceEvent({
        eventType: 'Microsoft.Resources.ResourceDeleteSuccess',
        subscriptionId: vm.subscriptionId,
        tenantId: this.deps.tenantId(),
        resourceUri: id,
        operationName: 'Microsoft.Compute/virtualMachines/delete',
        httpRequest: { method: 'DELETE', clientRequestId, url: `${this.deps.baseUrl()}${id}?api-version=2024-03-01` },
        correlationId: randomUUID(),
        now: Date.now(),
      }),
    );
  }

  /** Forgets subscriptions, queued and logged events; pending retries are cancelled. */
  reset(): void {
    this.delivery.cancelAll();
    this.subscriptions.clear();
    this.pending.clear();
    this.published.length = 0;
    this.deliveries.length = 0;
  }

  stop(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.delivery.cancelAll();
  }

  private publish(event: EventGridEvent): void {
    this.published.push(event);
    for (const subscription of this.subscriptions.values()) {
      if (event.topic.toLowerCase() !== `/subscriptions/${subscription.subscriptionId ?? ''}`.toLowerCase()) continue;
      if (!matchesFilter(subscription, event)) continue;
      const queue = this.pending.get(subscription.name) ?? { events: [], firstPublished: Date.now() };
      queue.events.push(event);
      this.pending.set(subscription.name, queue);
    }
    // Events published in the same tick are batched (up to maxEventsPerBatch per request).
    this.flushTimer ??= setTimeout(() => this.flush(), 5);
  }

  private flush(): void {
    this.flushTimer = undefined;
    for (const [name, queue] of this.pending) {
      const subscription = this.subscriptions.get(name.toLowerCase());
      if (!subscription) continue;
      for (let i = 0; i < queue.events.length; i += subscription.maxEventsPerBatch) {
        this.delivery.deliver(
          subscription,
          queue.events.slice(i, i + subscription.maxEventsPerBatch),
          queue.firstPublished,
        );
      }
    }
    this.pending.clear();
  }
}
