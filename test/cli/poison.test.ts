import { QueueClient } from '@azure/storage-queue';

import { PROTECTION_REQUESTS_POISON_QUEUE, PROTECTION_REQUESTS_QUEUE } from '../../src/lib/config';
import type { ProtectionRequest } from '../../src/lib/messages/protectionRequest';
import { type AzuriteHandle, startAzurite } from '../../tools/azurite/startAzurite';
import { decodeQueueMessage } from '../helpers/queueMessages';
import { runCaptured, writeSettingsFile } from './cliHarness';

const SUB = '11111111-1111-1111-1111-111111111111';
const vmId = (name: string) =>
  `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/${name}`;
const base64Json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');

function request(name: string, attempt: number): ProtectionRequest {
  return {
    version: 1,
    vmResourceId: vmId(name),
    subscriptionId: SUB,
    eventId: `event-${name}`,
    correlationId: `corr-${name}`,
    source: 'event',
    attempt,
    history: [{ attempt: 1, at: '2026-11-25T09:00:00.000Z', code: 'ResourceRequestsThrottled', message: 'throttled' }],
  };
}

describe('autoprotect poison (own Azurite: the queue names are fixed)', () => {
  let azurite: AzuriteHandle;
  let settings: string;
  let poison: QueueClient;
  let requests: QueueClient;
  const ids: Record<'exhausted' | 'hostMoved' | 'unparseable' | 'locked', string> = {
    exhausted: '',
    hostMoved: '',
    unparseable: '',
    locked: '',
  };

  beforeAll(async () => {
    azurite = await startAzurite();
    settings = writeSettingsFile({
      AzureWebJobsStorage: azurite.connectionString,
      AUTOPROTECT_SUBSCRIPTION_IDS: SUB,
      AUTOPROTECT_VAULTS: JSON.stringify([
        {
          region: 'eastus',
          vaultId: `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`,
        },
      ]),
    });
    poison = new QueueClient(azurite.connectionString, PROTECTION_REQUESTS_POISON_QUEUE);
    requests = new QueueClient(azurite.connectionString, PROTECTION_REQUESTS_QUEUE);
    await poison.create();
    const send = async (body: unknown) => (await poison.sendMessage(base64Json(body))).messageId;
    ids.exhausted = await send({
      code: 'max-attempts-exceeded',
      reason: 'gave up after 8 attempts: ResourceRequestsThrottled',
      at: '2026-11-25T10:00:00.000Z',
      request: request('vm-exhausted', 8),
    });
    ids.hostMoved = await send(request('vm-host-moved', 2));
    ids.unparseable = await send({
      code: 'invalid-message',
      reason: 'Protection request is not JSON',
      at: '2026-11-25T10:01:00.000Z',
      raw: 'not json {',
    });
    ids.locked = await send({
      code: 'BMSUserErrorObjectLocked',
      reason: 'another operation is in progress',
      at: '2026-11-25T10:02:00.000Z',
      request: request('vm-locked', 3),
    });
  });

  afterAll(async () => {
    await azurite?.stop();
  });

  async function visibleIds(queue: QueueClient): Promise<string[]> {
    const peeked = await queue.peekMessages({ numberOfMessages: 32 });
    return peeked.peekedMessageItems.map((item) => item.messageId).sort();
  }

  async function drainRequests(): Promise<ProtectionRequest[]> {
    const received = await requests.receiveMessages({ numberOfMessages: 32 });
    for (const item of received.receivedMessageItems) await requests.deleteMessage(item.messageId, item.popReceipt);
    return received.receivedMessageItems.map((item) => decodeQueueMessage(item.messageText));
  }

  it('list shows each message with its code and reason, and leaves them all visible', async () => {
    const run = await runCaptured(['poison', 'list', '--settings', settings]);

    expect(run.code).toBe(0);
    const rowOf = (id: string) => run.stdout.split('\n').find((line) => line.startsWith(id)) ?? '';
    expect(rowOf(ids.exhausted)).toMatch(
      /rg-app\/vm-exhausted\s+max-attempts-exceeded\s+gave up after 8 attempts: ResourceRequestsThrottled\s+2026-11-25T10:00:00.000Z\s+1$/,
    );
    expect(rowOf(ids.hostMoved)).toMatch(
      /rg-app\/vm-host-moved\s+max-dequeue-count\s+moved here by the Functions host/,
    );
    expect(rowOf(ids.unparseable)).toMatch(/\(unparseable\)\s+invalid-message\s+Protection request is not JSON/);
    expect(run.stdout).toContain('4 poison messages');
    expect(await visibleIds(poison)).toEqual(Object.values(ids).sort());
  });

  it('list --json gives the parsed bodies', async () => {
    const run = await runCaptured(['poison', 'list', '--json', '--settings', settings]);

    const messages = JSON.parse(run.stdout) as Array<{
      messageId: string;
      body: { shape: string; request?: { vmResourceId: string } };
    }>;
    expect(messages.find((message) => message.messageId === ids.hostMoved)?.body).toMatchObject({
      shape: 'host',
      request: { vmResourceId: vmId('vm-host-moved') },
    });
    expect(messages.find((message) => message.messageId === ids.unparseable)?.body.shape).toBe('app');
    expect(run.stdout).not.toContain('popReceipt');
  });

  it('replay re-enqueues the chosen request as attempt 1 from source replay, deletes it from poison and leaves the others visible', async () => {
    const run = await runCaptured(['poison', 'replay', ids.exhausted, '--settings', settings]);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`replayed ${ids.exhausted} ${vmId('vm-exhausted')}`);
    const replayed = await drainRequests();
    expect(replayed).toEqual([
      {
        version: 1,
        vmResourceId: vmId('vm-exhausted'),
        subscriptionId: SUB,
        eventId: 'event-vm-exhausted',
        correlationId: 'corr-vm-exhausted',
        source: 'replay',
        attempt: 1,
      },
    ]);
    expect(await visibleIds(poison)).toEqual([ids.hostMoved, ids.unparseable, ids.locked].sort());
  });

  it('refuses to replay a raw unparseable body or an unknown id, with exit 1, and keeps the message', async () => {
    const raw = await runCaptured(['poison', 'replay', ids.unparseable, '--settings', settings]);
    const unknown = await runCaptured(['poison', 'replay', 'no-such-id', '--settings', settings]);

    expect(raw.code).toBe(1);
    expect(raw.stderr).toContain(
      `${ids.unparseable}: its body is not a protection request (raw unparseable message), so it cannot be replayed`,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no-such-id: no such poison message');
    expect(await drainRequests()).toEqual([]);
    expect(await visibleIds(poison)).toEqual([ids.hostMoved, ids.unparseable, ids.locked].sort());
  });

  it('replay --all replays every replayable message (host-moved bodies too) and leaves the unparseable one', async () => {
    const run = await runCaptured(['poison', 'replay', '--all', '--settings', settings]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('2 replayed, 1 left on the poison queue');
    const replayed = await drainRequests();
    expect(replayed.map((item) => item.vmResourceId).sort()).toEqual([vmId('vm-host-moved'), vmId('vm-locked')].sort());
    expect(replayed.every((item) => item.attempt === 1 && item.source === 'replay' && item.history === undefined)).toBe(
      true,
    );
    expect(await visibleIds(poison)).toEqual([ids.unparseable]);
  });

  it('replay without ids or --all is a usage error', async () => {
    const run = await runCaptured(['poison', 'replay', '--settings', settings]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe('autoprotect: poison replay needs message ids or --all (see autoprotect --help)\n');
  });
});
