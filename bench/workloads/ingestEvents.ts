import { randomUUID } from 'node:crypto';

import { vmIdOf } from '../../simulator/src/store/model';

const SUB = '11111111-1111-1111-1111-111111111111';
const TENANT = '22222222-2222-2222-2222-222222222222';

/**
 * `count` Event Grid events as a landing zone produces them: per 100, 40 VM creates, 15 VM updates, 15 extension
 * writes, 15 writes of other resource types, 14 duplicate deliveries of a create, 1 malformed event.
 */
export function ingestEvents(count: number): unknown[] {
  const events: unknown[] = [];
  const creates: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const slot = i % 100;
    const vm = `vm-ingest-${Math.floor(i / 100) * 40 + Math.min(slot, 39)}`;
    if (slot < 40) {
      const event = writeEvent(`${vmId(vm)}`, 'Microsoft.Compute/virtualMachines/write', false);
      creates.push(event);
      events.push(event);
    } else if (slot < 55) events.push(writeEvent(vmId(vm), 'Microsoft.Compute/virtualMachines/write', true));
    else if (slot < 70)
      events.push(
        writeEvent(`${vmId(vm)}/extensions/VMSnapshot`, 'Microsoft.Compute/virtualMachines/extensions/write', true),
      );
    else if (slot < 85)
      events.push(
        writeEvent(
          `/subscriptions/${SUB}/resourceGroups/rg-ingest/providers/Microsoft.Storage/storageAccounts/st${i}`,
          'Microsoft.Storage/storageAccounts/write',
          false,
        ),
      );
    else if (slot < 99) events.push(creates[(i * 7) % creates.length]);
    else
      events.push({
        id: `bad-${i}`,
        eventType: 'Microsoft.Resources.ResourceWriteSuccess',
        subject: 42,
        data: 'nope',
        eventTime: 'x',
        dataVersion: '2',
        metadataVersion: '1',
        topic: `/subscriptions/${SUB}`,
      });
  }
  return events;
}

function vmId(name: string): string {
  return vmIdOf(SUB, 'rg-ingest', name);
}

function writeEvent(subject: string, operationName: string, withHttpRequest: boolean): unknown {
  const correlationId = randomUUID();
  return {
    subject,
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: new Date().toISOString().replace('Z', '0000Z'),
    id: randomUUID(),
    data: {
      authorization: {
        scope: subject,
        action: operationName,
        evidence: { role: 'Contributor', principalType: 'ServicePrincipal' },
      },
      claims: {
        aud: 'https://management.core.windows.net/',
        appid: randomUUID(),
        'http://schemas.microsoft.com/identity/claims/tenantid': TENANT,
      },
      correlationId,
      ...(withHttpRequest
        ? {
            httpRequest: {
              clientRequestId: randomUUID(),
              clientIpAddress: '127.0.0.1',
              method: 'PUT',
              url: `https://management.azure.com${subject}?api-version=2024-03-01`,
            },
          }
        : {}),
      resourceProvider: operationName.split('/')[0],
      resourceUri: subject,
      operationName,
      status: 'Succeeded',
      subscriptionId: SUB,
      tenantId: TENANT,
    },
    dataVersion: '2',
    metadataVersion: '1',
    topic: `/subscriptions/${SUB}`,
  };
}
