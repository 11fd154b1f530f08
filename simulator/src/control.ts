import { randomUUID } from 'node:crypto';

import { z } from 'zod';

import { bulkProtectedItems } from './bulkSeed';
import { mergeThrottling } from './config';
import {
  backupSchema,
  bulkProtectedItemsSchema,
  computeSchema,
  createVmSchema,
  eventGridSchema,
  faultsSchema,
  noiseSchema,
  patchVmSchema,
  seedSchema,
  throttlingSchema,
  timingSchema,
} from './controlSchemas';
import { HandshakeFailedError, redact } from './eventgrid/handshake';
import { eventSubscriptionSchema } from './eventgrid/subscription';
import type { ArmResponse } from './http';
import { outageSchema } from './outage';
import type { SimulatorRuntime } from './runtime';
import { loadSeed } from './seedLoader';
import { stateSnapshot } from './stateSnapshot';
import { resourceGroupKeyOf, vmIdOf } from './store/model';
import { vmView } from './views';
import { requireValidVmName } from './vmNames';
import { shapeOf } from './vmProfile';
import { patchVmState, writeVm } from './vmService';

type ControlHandler = (runtime: SimulatorRuntime, body: unknown) => ArmResponse | Promise<ArmResponse>;

/** The developer API under /_sim/: inspection (GET, side-effect free) and setup (POST). */
const CONTROL_ROUTES: Record<string, ControlHandler> = {
  'GET state': (rt) => ({ status: 200, body: stateSnapshot(rt) }),
  'GET requests': (rt) => ({ status: 200, body: { ...rt.requests.summary(), entries: rt.requests.entries } }),
  'GET events': (rt) => ({
    status: 200,
    body: {
      subscriptions: rt.ctx.events.list().map(redactSubscription),
      published: rt.ctx.events.published,
      deliveries: rt.ctx.events.deliveries,
    },
  }),
  'GET eventSubscriptions': (rt) => ({ status: 200, body: { value: rt.ctx.events.list().map(redactSubscription) } }),
  'GET faults': (rt) => ({ status: 200, body: { faults: rt.faults.list() } }),
  'GET settings': (rt) => ({ status: 200, body: rt.ctx.settings }),
  'POST vms': createVm,
  'POST eventSubscriptions': createEventSubscription,
  'POST faults': (rt, body) => {
    rt.faults.replace(faultsSchema.parse(body).faults);
    return { status: 200, body: { faults: rt.faults.list() } };
  },
  'GET outage': (rt) => ({ status: 200, body: rt.outage.status() }),
  'POST outage': (rt, body) => ({ status: 200, body: rt.outage.apply(outageSchema.parse(body)) }),
  'POST timing': (rt, body) => {
    Object.assign(rt.ctx.settings.timing, timingSchema.parse(body));
    return { status: 200, body: rt.ctx.settings.timing };
  },
  'POST throttling': (rt, body) => {
    rt.ctx.settings.throttling = mergeThrottling(
      rt.ctx.settings.throttling,
      throttlingSchema.parse(body) as Parameters<typeof mergeThrottling>[1],
    );
    rt.throttle.configure(rt.ctx.settings.throttling);
    return { status: 200, body: rt.ctx.settings.throttling };
  },
  'POST noise': (rt, body) => {
    Object.assign(rt.ctx.settings.noise, noiseSchema.parse(body));
    return { status: 200, body: rt.ctx.settings.noise };
  },
  'POST compute': (rt, body) => {
    const patch = computeSchema.parse(body);
    Object.assign(rt.ctx.settings.compute.invalidVmName, patch.invalidVmName);
    return { status: 200, body: rt.ctx.settings.compute };
  },
  'POST backup': (rt, body) => {
    const patch = backupSchema.parse(body);
    const backup = rt.ctx.settings.backup;
    Object.assign(backup.refusal, patch.refusal);
    if (patch.discoveryLagSeconds !== undefined) backup.discoveryLagSeconds = patch.discoveryLagSeconds;
    return { status: 200, body: backup };
  },
  'POST eventGrid': (rt, body) => {
    Object.assign(rt.ctx.settings.eventGrid, eventGridSchema.parse(body));
    return { status: 200, body: rt.ctx.settings.eventGrid };
  },
  'POST reset': (rt) => {
    rt.reset();
    return { status: 200, body: stateSnapshot(rt) };
  },
  'POST bulkProtectedItems': (rt, body) => ({
    status: 201,
    body: bulkProtectedItems(rt.ctx, rt.seed.subscriptionId, bulkProtectedItemsSchema.parse(body)),
  }),
  'POST seed': (rt, body) => {
    const parsed = seedSchema.parse(body);
    loadSeed(rt.ctx, parsed);
    return { status: 200, body: stateSnapshot(rt) };
  },
};

export async function serveControl(
  runtime: SimulatorRuntime,
  method: string,
  path: string,
  body: unknown,
): Promise<ArmResponse> {
  const name = path.replace(/^\/_sim\//, '').replace(/\/$/, '');
  const deleteSubscription = /^eventSubscriptions\/([^/]+)$/.exec(name);
  if (method === 'DELETE' && deleteSubscription?.[1]) {
    const removed = runtime.ctx.events.unsubscribe(decodeURIComponent(deleteSubscription[1]));
    return { status: removed ? 200 : 404, body: { removed } };
  }
  const vmPath = /^vms\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(name);
  const handler: ControlHandler | undefined =
    method === 'PATCH' && vmPath
      ? (rt, body) => patchVm(rt, vmPath.slice(1).map(decodeURIComponent) as [string, string, string], body)
      : CONTROL_ROUTES[`${method} ${name}`];
  if (!handler)
    return {
      status: 404,
      body: { error: { code: 'NotFound', message: `No control endpoint ${method} /_sim/${name}` } },
    };
  try {
    return await handler(runtime, body);
  } catch (error) {
    if (error instanceof z.ZodError)
      return { status: 400, body: { error: { code: 'InvalidRequest', message: z.prettifyError(error) } } };
    if (error instanceof HandshakeFailedError)
      return { status: 400, body: { error: { code: 'HandshakeFailed', message: error.message } } };
    const withStatus = error as { statusCode?: number; toBody?: () => unknown };
    if (typeof withStatus.statusCode === 'number' && withStatus.toBody)
      return { status: withStatus.statusCode, body: withStatus.toBody() };
    throw error;
  }
}

function createVm(rt: SimulatorRuntime, body: unknown): ArmResponse {
  const input = createVmSchema.parse(body);
  const subscriptionId = input.subscriptionId ?? rt.seed.subscriptionId;
  // Refused before the resource group is created, so a refused VM leaves nothing behind.
  requireValidVmName(input.name, rt.ctx.settings.compute.invalidVmName);
  rt.ctx.store.resourceGroups.add(resourceGroupKeyOf(subscriptionId, input.resourceGroup));
  const { created, vm } = writeVm(
    rt.ctx,
    {
      subscriptionId,
      resourceGroup: input.resourceGroup,
      name: input.name,
      location: input.location,
      tags: input.tags,
      guestAgent: input.guestAgent,
      backupJobMs: input.backupJobMs,
      failNextBackupJobs: input.failNextBackupJobs,
      shape: shapeOf(input),
    },
    { emitEvents: input.emitEvents, method: 'PUT', clientRequestId: randomUUID(), now: Date.now() },
  );
  return { status: created ? 201 : 200, body: vmView(vm) };
}

function patchVm(rt: SimulatorRuntime, [subscriptionId, resourceGroup, name]: [string, string, string], body: unknown) {
  const patch = patchVmSchema.parse(body);
  const vm = patchVmState(rt.ctx, vmIdOf(subscriptionId, resourceGroup, name), patch, Date.now());
  if (!vm) return { status: 404, body: { error: { code: 'ResourceNotFound', message: `No VM ${name}` } } };
  return { status: 200, body: vmView(vm) };
}

async function createEventSubscription(rt: SimulatorRuntime, body: unknown): Promise<ArmResponse> {
  const subscription = await rt.ctx.events.subscribe(eventSubscriptionSchema.parse(body), rt.seed.subscriptionId);
  return { status: 201, body: redactSubscription(subscription) };
}

function redactSubscription<T extends { endpoint: string }>(subscription: T): T {
  return { ...subscription, endpoint: redact(subscription.endpoint) };
}
