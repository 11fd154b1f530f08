import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { SimulatorHandle } from '../../simulator/src/index';
import { computeClient, control, pollUntil, startTestSimulator, SUB } from './helpers';

interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A tiny webhook: answers the handshake, records deliveries and answers them with `statuses` in turn. */
class Webhook {
  readonly received: Received[] = [];
  statuses: number[] = [];
  validate = true;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const body = text ? (JSON.parse(text) as unknown) : undefined;
        this.received.push({ method: req.method ?? '', headers: req.headers, body });
        if (req.method === 'OPTIONS') {
          res.writeHead(
            200,
            this.validate ? { 'WebHook-Allowed-Origin': String(req.headers['webhook-request-origin']) } : {},
          );
          res.end();
          return;
        }
        if (req.headers['aeg-event-type'] === 'SubscriptionValidation') {
          const code = (body as Array<{ data: { validationCode: string } }>)[0]?.data.validationCode;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ validationResponse: this.validate ? code : 'wrong' }));
          return;
        }
        res.writeHead(this.statuses.shift() ?? 200);
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/api/events?code=secret-key`;
  }

  notifications(): Received[] {
    return this.received.filter((r) => r.headers['aeg-event-type'] === 'Notification');
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

const VM_WRITE_FILTER = {
  includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'],
  advancedFilters: [
    { operatorType: 'StringIn', key: 'data.operationName', values: ['Microsoft.Compute/virtualMachines/write'] },
  ],
};

describe('simulator: Event Grid system topic delivery', () => {
  let sim: SimulatorHandle;
  let hook: Webhook;
  let deadLetterDir: string;
  beforeAll(async () => {
    sim = await startTestSimulator({ eventGrid: { retryScale: 0.005 } });
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(async () => {
    await control(sim, 'POST', 'reset');
    hook = new Webhook();
    await hook.start();
    deadLetterDir = mkdtempSync(join(tmpdir(), 'sim-deadletter-'));
  });
  afterEach(async () => {
    await control(sim, 'POST', 'reset');
    await hook.stop();
    rmSync(deadLetterDir, { recursive: true, force: true });
  });

  it('runs the SubscriptionValidation handshake and refuses a subscription whose endpoint does not echo the code', async () => {
    hook.validate = false;
    const refused = await control(sim, 'POST', 'eventSubscriptions', {
      name: 'bad-hook',
      endpoint: hook.url,
      schema: 'EventGridSchema',
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('HandshakeFailed');
    expect(JSON.stringify(refused.body)).not.toContain('secret-key');
    hook.validate = true;
    const created = await control(sim, 'POST', 'eventSubscriptions', {
      name: 'good-hook',
      endpoint: hook.url,
      schema: 'EventGridSchema',
    });
    expect(created.status).toBe(201);
    const handshake = hook.received.filter((r) => r.headers['aeg-event-type'] === 'SubscriptionValidation');
    expect(handshake).toHaveLength(2);
    expect((handshake[1]?.body as Array<{ eventType: string }>)[0]?.eventType).toBe(
      'Microsoft.EventGrid.SubscriptionValidationEvent',
    );
  });

  it('delivers a ResourceWriteSuccess for a VM PUT in the Event Grid schema with aeg headers, filtered on data.operationName', async () => {
    await control(sim, 'POST', 'noise', { extensionWriteAfterCreate: true, updateAfterCreate: false });
    await control(sim, 'POST', 'eventSubscriptions', {
      name: 'vm-writes',
      endpoint: hook.url,
      filter: VM_WRITE_FILTER,
    });
    await control(sim, 'POST', 'vms', {
      resourceGroup: 'rg-events',
      name: 'quiet-vm',
      location: 'eastus',
      emitEvents: false,
    });
    await computeClient(sim).virtualMachines.beginCreateOrUpdateAndWait('rg-events', 'vm-ev-01', {
      location: 'eastus',
    });
    await pollUntil(
      async () => hook.notifications().length,
      (n) => n >= 1,
    );
    await new Promise((r) => setTimeout(r, 50));
    const [delivery] = hook.notifications();
    expect(hook.notifications()).toHaveLength(1);
    expect(delivery?.headers['aeg-subscription-name']).toBe('VM-WRITES');
    expect(delivery?.headers['aeg-delivery-count']).toBe('0');
    const events = delivery?.body as Array<Record<string, unknown> & { data: Record<string, unknown> }>;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      subject: `/subscriptions/${SUB}/resourceGroups/rg-events/providers/Microsoft.Compute/virtualMachines/vm-ev-01`,
      topic: `/subscriptions/${SUB}`,
      dataVersion: '2',
      metadataVersion: '1',
    });
    expect(events[0]?.data).toMatchObject({
      operationName: 'Microsoft.Compute/virtualMachines/write',
      status: 'Succeeded',
      resourceProvider: 'Microsoft.Compute',
      subscriptionId: SUB,
    });
    expect(events[0]?.data.httpRequest).toBeUndefined();
    const all = await control<{ published: Array<{ subject: string }> }>(sim, 'GET', 'events');
    expect(all.body.published.some((e) => e.subject.endsWith('/extensions/VMSnapshot'))).toBe(true);
  });

  it('delivers CloudEvents 1.0 after the OPTIONS handshake, and batches events up to maxEventsPerBatch', async () => {
    await control(sim, 'POST', 'eventSubscriptions', {
      name: 'cloud',
      endpoint: hook.url,
      schema: 'CloudEventSchemaV1_0',
      maxEventsPerBatch: 3,
    });
    expect(hook.received[0]?.method).toBe('OPTIONS');
    await control(sim, 'POST', 'noise', { updateAfterCreate: true, extensionWriteAfterCreate: true });
    await control(sim, 'POST', 'vms', { resourceGroup: 'rg-events', name: 'vm-ce-01', location: 'eastus' });
    await pollUntil(
      async () => hook.notifications().length,
      (n) => n >= 1,
    );
    const [batch] = hook.notifications();
    expect(String(batch?.headers['content-type'])).toContain('application/cloudevents-batch+json');
    const events = batch?.body as Array<Record<string, unknown>>;
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({
      specversion: '1.0',
      type: 'Microsoft.Resources.ResourceWriteSuccess',
      source: `/subscriptions/${SUB}`,
    });
    expect(events.map((e) => (e.data as { operationName: string }).operationName)).toEqual([
      'Microsoft.Compute/virtualMachines/write',
      'Microsoft.Compute/virtualMachines/write',
      'Microsoft.Compute/virtualMachines/extensions/write',
    ]);
    expect((events[1]?.data as { httpRequest?: { method: string } }).httpRequest?.method).toBe('PATCH');
  });

  it('redelivers after a failure on the scaled schedule and counts attempts in aeg-delivery-count', async () => {
    await control(sim, 'POST', 'eventSubscriptions', { name: 'flaky', endpoint: hook.url });
    hook.statuses = [500, 503];
    await control(sim, 'POST', 'vms', { resourceGroup: 'rg-events', name: 'vm-retry', location: 'eastus' });
    await pollUntil(
      async () => hook.notifications().length,
      (n) => n >= 3,
      3000,
    );
    const counts = hook.notifications().map((r) => r.headers['aeg-delivery-count']);
    expect(counts).toEqual(['0', '1', '2']);
    const ids = hook.notifications().map((r) => (r.body as Array<{ id: string }>)[0]?.id);
    expect(new Set(ids).size).toBe(1);
    const log = await control<{ deliveries: Array<{ outcome: string }> }>(sim, 'GET', 'events');
    expect(log.body.deliveries.map((d) => d.outcome)).toEqual(['retry', 'retry', 'delivered']);
  });

  it('dead-letters at once on 400 and after maxDeliveryAttempts on 500, as JSON files under deadLetterDir', async () => {
    await control(sim, 'POST', 'eventSubscriptions', {
      name: 'doomed',
      endpoint: hook.url,
      deadLetterDir,
      retryPolicy: { maxDeliveryAttempts: 2 },
    });
    hook.statuses = [400, 500, 500];
    await control(sim, 'POST', 'vms', { resourceGroup: 'rg-events', name: 'vm-dl-1', location: 'eastus' });
    await control(sim, 'POST', 'vms', { resourceGroup: 'rg-events', name: 'vm-dl-2', location: 'eastus' });
    const files = await pollUntil(
      async () => listFiles(deadLetterDir),
      (f) => f.length >= 2,
      3000,
    );
    const letters = files.map((f) => (JSON.parse(readFileSync(f, 'utf8')) as Array<Record<string, unknown>>)[0]);
    expect(files.every((f) => f.includes(join(deadLetterDir, 'DOOMED')))).toBe(true);
    expect(letters.map((l) => l?.deadLetterReason).sort()).toEqual(['DeliveryFailed', 'MaxDeliveryAttemptsExceeded']);
    expect(letters.find((l) => l?.deadLetterReason === 'MaxDeliveryAttemptsExceeded')).toMatchObject({
      deliveryAttempts: 2,
      lastDeliveryOutcome: 'HTTP 500',
    });
  });

  it('sends duplicate deliveries when that noise is switched on (same event id twice)', async () => {
    await control(sim, 'POST', 'noise', { duplicateDeliveryRate: 1 });
    await control(sim, 'POST', 'eventSubscriptions', { name: 'dupes', endpoint: hook.url });
    await control(sim, 'POST', 'vms', { resourceGroup: 'rg-events', name: 'vm-dup', location: 'eastus' });
    await pollUntil(
      async () => hook.notifications().length,
      (n) => n >= 2,
    );
    const ids = hook.notifications().map((r) => (r.body as Array<{ id: string }>)[0]?.id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  it('emits ResourceDeleteSuccess with httpRequest on a VM DELETE', async () => {
    await control(sim, 'POST', 'eventSubscriptions', {
      name: 'deletes',
      endpoint: hook.url,
      filter: { includedEventTypes: ['Microsoft.Resources.ResourceDeleteSuccess'] },
    });
    await control(sim, 'POST', 'vms', { resourceGroup: 'rg-events', name: 'vm-del', location: 'eastus' });
    await computeClient(sim).virtualMachines.beginDeleteAndWait('rg-events', 'vm-del');
    await pollUntil(
      async () => hook.notifications().length,
      (n) => n >= 1,
    );
    const [event] = hook.notifications()[0]?.body as Array<{
      eventType: string;
      data: { operationName: string; httpRequest: { method: string } };
    }>;
    expect(event).toMatchObject({
      eventType: 'Microsoft.Resources.ResourceDeleteSuccess',
      data: { operationName: 'Microsoft.Compute/virtualMachines/delete', httpRequest: { method: 'DELETE' } },
    });
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((path) => statSync(path).isFile());
}
