import { resolve } from 'node:path';

import type { QueueClient } from '@azure/storage-queue';

import type { VmShape } from '../../simulator/src/index';
import type { Ledger } from '../../src/lib/ledger/ledger';
import type { LedgerEntry } from '../../src/lib/ledger/ledgerEntry';
import type { RejectRecord } from '../../src/lib/rejects/rejectStore';
import type { ComplianceReport } from '../../src/lib/report/reportTypes';
import { simGet, simPost } from '../../tools/stack/simControl';
import { stackRuntime } from '../../tools/stack/stackRuntime';
import { ISOLATED_STACK, type Stack, type StackOptions, startStack } from '../../tools/stack/startStack';

export { simPost };
import type { SimStateView } from '../../tools/stack/demoProgress';

export const repoRoot = resolve(__dirname, '..', '..');

/**
 * First backups followed at the simulator's pace (a 1.5 s Backup job): a check-back every second of job time, two
 * retries a second apart. A test file's own extraSettings win.
 */
export const E2E_SETTINGS: Readonly<Record<string, string>> = {
  AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: 'PT1S',
  AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: 'PT1S,PT1S',
};

/** The whole local stack on free ports, its own Azurite, for one test file. Host log lines are kept for assertions. */
export async function startE2eStack(
  overrides: Partial<StackOptions> = {},
): Promise<{ stack: Stack; hostLog: string[] }> {
  const hostLog: string[] = [];
  const stack = await startStack({
    repoRoot,
    ...ISOLATED_STACK,
    simTiming: { configureBackupMs: 300, backupOperationMs: 100, backupJobMs: 1_500, retryAfterSeconds: 1 },
    hostLog: (line) => hostLog.push(line),
    ...overrides,
    extraSettings: { ...E2E_SETTINGS, ...overrides.extraSettings },
  });
  return { stack, hostLog };
}

export interface SimState extends SimStateView {
  protectedItems: Array<SimStateView['protectedItems'][number] & { id: string; vaultId: string }>;
  requests: { total: number; throttled: number; byOperation: Record<string, number> };
}

export function simState(stack: Stack): Promise<SimState> {
  return simGet<SimState>(stack, 'state');
}

export function vmId(stack: Stack, resourceGroup: string, name: string): string {
  return `/subscriptions/${stack.info.subscriptionIds[0]}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
}

export async function createSimVm(
  stack: Stack,
  vm: {
    resourceGroup: string;
    name: string;
    location: string;
    tags?: Record<string, string>;
    guestAgent?: 'ready' | 'unavailable';
  } & VmShape,
): Promise<string> {
  await simPost(stack, 'vms', { ...vm, emitEvents: true });
  return vmId(stack, vm.resourceGroup, vm.name);
}

export function ledgerOf(stack: Stack): Ledger {
  return stackRuntime(stack).adapters.ledger;
}

export async function ledgerRow(stack: Stack, id: string): Promise<LedgerEntry | null> {
  return ledgerOf(stack).get(id.toLowerCase());
}

export async function rejects(stack: Stack): Promise<RejectRecord[]> {
  const store = stackRuntime(stack).adapters.rejects;
  const records: RejectRecord[] = [];
  try {
    for await (const record of store.list()) records.push(record);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return records;
}

/** Decoded bodies (base64 JSON) of the messages in a queue, without taking them. */
export async function peekJson(queue: QueueClient): Promise<unknown[]> {
  if (!(await queue.exists())) return [];
  const peeked = await queue.peekMessages({ numberOfMessages: 32 });
  return peeked.peekedMessageItems.map(
    (m) => JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as unknown,
  );
}

export async function latestReport(stack: Stack): Promise<ComplianceReport> {
  const blob = stackRuntime(stack).clients.reportsContainer.getBlockBlobClient('latest.json');
  return JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as ComplianceReport;
}

/**
 * Polls until `check` returns a value (not undefined/false) or the time runs out; the message says what was awaited.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function backupJobsOf(state: SimState, vmName: string): SimState['jobs'] {
  return state.jobs.filter(
    (j) => j.operation === 'Backup' && j.entityFriendlyName.toLowerCase() === vmName.toLowerCase(),
  );
}

export function itemOf(state: SimState, id: string): SimState['protectedItems'][number] | undefined {
  return state.protectedItems.find((p) => p.sourceResourceId.toLowerCase() === id.toLowerCase());
}
