import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Event factories for the enqueue tests: Event Grid schema and CloudEvents 1.0, VM writes and their neighbours. */

export const WATCHED_SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
export const UNWATCHED_SUBSCRIPTION = '99999999-aaaa-bbbb-cccc-dddddddddddd';
export const VM_WRITE = 'Microsoft.Compute/virtualMachines/write';
export const RESOURCE_WRITE_SUCCESS = 'Microsoft.Resources.ResourceWriteSuccess';

export type JsonObject = Record<string, unknown>;

export interface VmWriteOptions {
  subscriptionId?: string;
  resourceGroup?: string;
  name?: string;
  /** Defaults to the VM id built from the fields above. */
  resourceUri?: string;
  subject?: string;
  operationName?: string;
  eventType?: string;
  id?: string;
  eventTime?: string;
  correlationId?: string;
  /** Adds data.httpRequest as an update would carry. */
  update?: boolean;
}

export function vmId(subscriptionId = WATCHED_SUBSCRIPTION, resourceGroup = 'rg-prod', name = 'vm-web-01'): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
}

let sequence = 0;

function writeData(options: VmWriteOptions): { subject: string; data: JsonObject } {
  const subscriptionId = options.subscriptionId ?? WATCHED_SUBSCRIPTION;
  const resourceUri = options.resourceUri ?? vmId(subscriptionId, options.resourceGroup, options.name);
  const operationName = options.operationName ?? VM_WRITE;
  const data: JsonObject = {
    authorization: { scope: resourceUri, action: operationName, evidence: { role: 'Contributor' } },
    claims: { aud: 'https://management.core.windows.net/' },
    correlationId: options.correlationId ?? '5f0a7a53-3b4a-4a39-9a64-6b9d6f1c0d11',
    resourceProvider: operationName.split('/')[0],
    resourceUri,
    operationName,
    status: 'Succeeded',
    subscriptionId,
    tenantId: '99999999-8888-7777-6666-555555555555',
  };
  if (options.update)
    data.httpRequest = {
      clientRequestId: 'c1',
      clientIpAddress: '203.0.113.10',
      method: 'PATCH',
      url: `https://management.azure.com${resourceUri}`,
    };
  return { subject: options.subject ?? resourceUri, data };
}

/** A ResourceWriteSuccess in the Event Grid schema (by default: a VM create in the watched subscription). */
export function eventGridVmWrite(options: VmWriteOptions = {}): JsonObject {
  sequence += 1;
  const subscriptionId = options.subscriptionId ?? WATCHED_SUBSCRIPTION;
  const { subject, data } = writeData(options);
  return {
    id: options.id ?? `evt-${sequence}`,
    topic: `/subscriptions/${subscriptionId}`,
    subject,
    eventType: options.eventType ?? RESOURCE_WRITE_SUCCESS,
    eventTime: options.eventTime ?? '2024-05-01T10:15:30.1234567Z',
    data,
    dataVersion: '2',
    metadataVersion: '1',
  };
}

/** The same event as a CloudEvents 1.0 envelope. */
export function cloudEventVmWrite(options: VmWriteOptions = {}): JsonObject {
  sequence += 1;
  const subscriptionId = options.subscriptionId ?? WATCHED_SUBSCRIPTION;
  const { subject, data } = writeData(options);
  return {
    id: options.id ?? `ce-${sequence}`,
    source: `/subscriptions/${subscriptionId}`,
    specversion: '1.0',
    type: options.eventType ?? RESOURCE_WRITE_SUCCESS,
    subject,
    time: options.eventTime ?? '2024-05-01T10:15:30.1234567Z',
    data,
  };
}

/**
 * A copy of a sample from /work/shared/reference/events (stored as data in test/fixtures/events). Arrays are batches.
 */
export function eventFixture(fileName: string): JsonObject[] {
  const parsed = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'fixtures', 'events', fileName), 'utf8'),
  ) as unknown;
  return (Array.isArray(parsed) ? parsed : [parsed]) as JsonObject[];
}

/** Returns a deep copy with `path` (dot separated) removed. */
export function without(event: JsonObject, path: string): JsonObject {
  const copy = structuredClone(event);
  const keys = path.split('.');
  let target: JsonObject = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as JsonObject;
  delete target[keys[keys.length - 1] as string];
  return copy;
}
