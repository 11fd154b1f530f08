import type { ContainerClient } from '@azure/storage-blob';
import type { QueueClient } from '@azure/storage-queue';

import type { AppRuntime } from '../../src/lib/appRuntime';
import type { Ledger } from '../../src/lib/ledger/ledger';
import type { LedgerEntry } from '../../src/lib/ledger/ledgerEntry';
import type { RejectRecord, RejectStore } from '../../src/lib/rejects/rejectStore';
import type { Stack } from '../stack/startStack';
import { ChaosRunError } from './errors';
import type { RunnerFleet } from './runnerFleet';
import type { ScannedText } from './scanSecrets';
import { withRetries } from './simControl';

/**
 * What the chaos run reads back from the stack's storage (ledger, rejects, queues, report blobs), through the app's
 * own adapters built once per run: the run polls every second.
 */
export class StackStorage {
  private readonly ledger: Ledger;
  private readonly rejects: RejectStore;
  private readonly requests: QueueClient;
  private readonly poison: QueueClient;
  readonly reports: ContainerClient;

  constructor({ adapters, clients }: AppRuntime) {
    this.ledger = adapters.ledger;
    this.rejects = adapters.rejects;
    this.requests = clients.requestQueue;
    this.poison = clients.poisonQueue;
    this.reports = clients.reportsContainer;
  }

  ledgerRows(): Promise<LedgerEntry[]> {
    return collectUnless404(this.ledger.list());
  }

  rejectRows(): Promise<RejectRecord[]> {
    return collectUnless404(this.rejects.list());
  }

  /** Messages left in the request queue (Azurite counts invisible ones too) and the first 32 poison bodies. */
  async queueFacts(): Promise<{ requestsLeft: number; poison: unknown[] }> {
    const requestsLeft = (await this.requests.exists())
      ? ((await this.requests.getProperties()).approximateMessagesCount ?? 0)
      : 0;
    if (!(await this.poison.exists())) return { requestsLeft, poison: [] };
    const poisonCount = (await this.poison.getProperties()).approximateMessagesCount ?? 0;
    const peeked = (await this.poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map((m) =>
      Buffer.from(m.messageText, 'base64').toString('utf8'),
    );
    return {
      requestsLeft,
      poison: [...peeked, ...Array.from({ length: Math.max(0, poisonCount - peeked.length) }, () => '(not peeked)')],
    };
  }
}

async function collectUnless404<T>(items: AsyncIterable<T>): Promise<T[]> {
  const collected: T[] = [];
  try {
    for await (const item of items) collected.push(item);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return collected;
}

/** Runs the compliance report through the host's admin API and waits for its latest.json. */
export async function writeReport(storage: StackStorage, fleet: RunnerFleet): Promise<void> {
  const runner = fleet.runner('chaos-1');
  if (!runner) throw new ChaosRunError('runner chaos-1 is not running');
  const blob = storage.reports.getBlockBlobClient('latest.json');
  const modified = async () =>
    (await blob.exists()) ? ((await blob.getProperties()).lastModified?.getTime() ?? 0) : 0;
  const before = await modified();
  await runner.invoke('reportPendingBackups');
  await withRetries(
    'waiting for the report',
    async () => {
      if ((await modified()) <= before) throw new ChaosRunError('report not written yet');
    },
    120,
    500,
  );
}

/** Host logs, ledger rows, rejects, report blobs (latest.*) and poison messages: everything the app writes. */
export async function collectScannedTexts(
  storage: StackStorage,
  hostLog: readonly string[],
  rejects: readonly RejectRecord[],
): Promise<ScannedText[]> {
  const texts: ScannedText[] = [
    { source: 'host-log', text: hostLog.join('\n') },
    { source: 'ledger', text: JSON.stringify(await storage.ledgerRows()) },
    { source: 'rejects', text: JSON.stringify(rejects) },
    { source: 'poison', text: JSON.stringify((await storage.queueFacts()).poison) },
  ];
  for await (const blob of storage.reports.listBlobsFlat()) {
    if (!blob.name.split('/').pop()?.startsWith('latest.')) continue;
    texts.push({
      source: `report:${blob.name}`,
      text: (await storage.reports.getBlockBlobClient(blob.name).downloadToBuffer()).toString('utf8'),
    });
  }
  return texts;
}

export function secretsOf(stack: Stack, fleet: RunnerFleet): Array<{ what: string; value: string }> {
  const accountKey = /AccountKey=([^;]+)/.exec(stack.info.storageConnectionString)?.[1];
  return [
    ...(accountKey ? [{ what: 'storage account key', value: accountKey }] : []),
    { what: 'storage connection string', value: stack.info.storageConnectionString },
    ...fleet.slots.flatMap((slot) => [
      { what: `master key of ${slot.instanceId}`, value: slot.masterKey },
      { what: `system key of ${slot.instanceId}`, value: slot.systemKey },
    ]),
    { what: 'ARM bearer token', value: 'autoprotect-local-simulator' },
  ];
}
