import { join } from 'node:path';

import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';

import type { ProtectionRequest } from '../../src/lib/messages/protectionRequest';
import type { RejectRecord } from '../../src/lib/rejects/rejectStore';
import { TableRejectStore } from '../../src/lib/rejects/tableRejectStore';
import { type AzuriteHandle, startAzurite } from '../../tools/azurite/startAzurite';
import {
  cloudEventVmWrite,
  eventFixture,
  eventGridVmWrite,
  vmId,
  WATCHED_SUBSCRIPTION,
} from '../helpers/factories/events';
import { decodeQueueMessage } from '../helpers/queueMessages';
import { uniqueName } from '../helpers/storage';
import { killAllRunners, parseLogLines, startTestRunner, type TestRunner, waitFor } from '../runner/runnerTestKit';

/**
 * enqueueProtection in the local Functions runner (built app from dist/), with its own Azurite: the queue name
 * `protection-requests` is fixed by the binding, so this suite does not share a storage account with other suites.
 */
const repoRoot = join(__dirname, '..', '..');

/** The app's own JSON log entries, unwrapped from the runner's log lines. */
function appLogEntries(lines: string[]): Array<Record<string, unknown>> {
  return parseLogLines(lines).flatMap((line) => {
    if (line.category !== 'user' || typeof line.message !== 'string') return [];
    try {
      return [JSON.parse(line.message) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('enqueueProtection through the local runner', () => {
  let azurite: AzuriteHandle;
  let runner: TestRunner;
  let queue: QueueClient;
  let rejectsTable: TableClient;

  beforeAll(async () => {
    azurite = await startAzurite();
    const rejectsTableName = uniqueName('rejects');
    runner = await startTestRunner({
      appDir: repoRoot,
      functions: ['enqueueProtection'],
      settings: {
        FUNCTIONS_WORKER_RUNTIME: 'node',
        AzureWebJobsStorage: azurite.connectionString,
        AUTOPROTECT_SUBSCRIPTION_IDS: WATCHED_SUBSCRIPTION,
        AUTOPROTECT_VAULTS: JSON.stringify([
          {
            region: 'eastus',
            vaultId: `/subscriptions/${WATCHED_SUBSCRIPTION}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`,
          },
        ]),
        AUTOPROTECT_REJECTS_TABLE: rejectsTableName,
        AUTOPROTECT_ARM_ENDPOINT: 'https://127.0.0.1:1',
      },
    });
    queue = new QueueClient(azurite.connectionString, 'protection-requests');
    rejectsTable = TableClient.fromConnectionString(azurite.connectionString, rejectsTableName, {
      allowInsecureConnection: true,
    });
  }, 60_000);

  afterAll(async () => {
    await killAllRunners();
    await azurite?.stop();
  });

  async function post(body: unknown, contentType = 'application/json'): Promise<number> {
    const response = await fetch(runner.eventGridWebhookUrl('enqueueProtection'), {
      method: 'POST',
      headers: { 'content-type': contentType, 'aeg-event-type': 'Notification' },
      body: JSON.stringify(body),
    });
    return response.status;
  }

  async function queuedRequests(): Promise<ProtectionRequest[]> {
    if (!(await queue.exists())) return [];
    const { peekedMessageItems } = await queue.peekMessages({ numberOfMessages: 32 });
    return peekedMessageItems.map((message) => decodeQueueMessage(message.messageText));
  }

  async function rejects(): Promise<RejectRecord[]> {
    const records: RejectRecord[] = [];
    for await (const record of new TableRejectStore(rejectsTable).list()) records.push(record);
    return records;
  }

  it('enqueues one base64 versioned request per VM write of a batch, ignores the rest, records the malformed event', async () => {
    const malformed = { eventType: 'Microsoft.Resources.ResourceWriteSuccess', id: 'broken-1', subject: vmId() };
    const batch = [
      ...eventFixture('derived-vm-batch-of-3.eventgrid.json'),
      eventGridVmWrite({ subscriptionId: '99999999-aaaa-bbbb-cccc-dddddddddddd' }),
      malformed,
    ];
    expect(await post(batch)).toBe(202);

    const requests = await waitFor(
      async () => {
        const found = await queuedRequests();
        return found.length >= 2 ? found : undefined;
      },
      10_000,
      'two protection requests',
    );
    expect(
      requests.map((request) => [request.vmResourceId, request.eventId, request.source, request.attempt]).sort(),
    ).toEqual([
      [vmId(), '7f8c6c3e-2d0e-4a8b-9a51-0b7f0b3f1a01', 'event', 1],
      [vmId(), '7f8c6c3e-2d0e-4a8b-9a51-0b7f0b3f1a02', 'event', 1],
    ]);

    const recorded = await rejects();
    expect(recorded.map((record) => [record.kind, record.code])).toEqual([['event', 'invalid-envelope']]);
    expect(JSON.parse(recorded[0]?.raw ?? '{}')).toMatchObject({ id: 'broken-1' });
    const outcomes = appLogEntries(runner.logs).map((entry) => [entry.outcome, entry.code ?? null]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['enqueued', null],
        ['ignored', 'not-a-vm-write'],
        ['ignored', 'subscription-not-watched'],
        ['rejected', 'invalid-envelope'],
      ]),
    );
    expect(runner.logs.join('\n')).not.toContain('AccountKey=Eby8');
  });

  it('accepts a CloudEvents batch on the same endpoint', async () => {
    const before = (await queuedRequests()).length;
    const event = cloudEventVmWrite({ name: 'vm-cloud-01', id: 'ce-runner-1' });
    expect(await post([event], 'application/cloudevents-batch+json; charset=utf-8')).toBe(202);
    const requests = await waitFor(
      async () => {
        const found = await queuedRequests();
        return found.length > before ? found : undefined;
      },
      10_000,
      'the CloudEvent request',
    );
    expect(requests.find((request) => request.eventId === 'ce-runner-1')).toMatchObject({
      vmResourceId: vmId(WATCHED_SUBSCRIPTION, 'rg-prod', 'vm-cloud-01'),
      subscriptionId: WATCHED_SUBSCRIPTION,
      source: 'event',
    });
  });

  it('answers 500 (so Event Grid redelivers) when a malformed event cannot be recorded', async () => {
    const brokenTables = azurite.connectionString.replace(
      /TableEndpoint=[^;]+/,
      'TableEndpoint=http://127.0.0.1:1/devstoreaccount1',
    );
    const broken = await startTestRunner({
      appDir: repoRoot,
      functions: ['enqueueProtection'],
      settings: {
        FUNCTIONS_WORKER_RUNTIME: 'node',
        AzureWebJobsStorage: brokenTables,
        AUTOPROTECT_SUBSCRIPTION_IDS: WATCHED_SUBSCRIPTION,
        AUTOPROTECT_VAULTS: JSON.stringify([
          {
            region: 'eastus',
            vaultId: `/subscriptions/${WATCHED_SUBSCRIPTION}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`,
          },
        ]),
        AUTOPROTECT_ARM_ENDPOINT: 'https://127.0.0.1:1',
      },
    });
    const response = await fetch(broken.eventGridWebhookUrl('enqueueProtection'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
      body: JSON.stringify([{ not: 'an event' }]),
    });
    expect(response.status).toBe(500);
    const failures = appLogEntries(broken.logs).filter((entry) => entry.outcome === 'failed');
    expect(failures[0]).toMatchObject({ level: 'error', error: { code: 'reject-store-unavailable' } });
  }, 30_000);
});
