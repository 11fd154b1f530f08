import { resolve } from 'node:path';

import { QueueClient } from '@azure/storage-queue';

import type { SimulatorTiming } from '../simulator/src/index';
import { type RunnerHandle, startRunner } from '../tools/local-runner/index';
import { ISOLATED_STACK, type Stack, startStack } from '../tools/stack/startStack';

export const repoRoot = resolve(__dirname, '..', '..');

/** ARM request log entry as GET /_sim/requests returns it. */
export interface SimRequest {
  time: string;
  method: string;
  path: string;
  operationId: string;
  status: number;
  durationMs: number;
}

export interface SimStateView {
  vms: Array<{ id: string; name: string; createdAt: string }>;
  jobs: Array<{ operation: string; status: string; entityFriendlyName: string; startTime: string }>;
  protectedItems: Array<{ sourceResourceId: string; protectionState: string }>;
  tenantId: string;
}

/**
 * The workloads up to the trigger (latency, burst, scale-out) do not follow first backups: their check-back comes an
 * hour later, so each followed VM leaves exactly one invisible message in the queue while they measure. The follow
 * workload sets its own schedule.
 */
export const BENCH_SETTINGS: Readonly<Record<string, string>> = { AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: 'PT1H' };

/**
 * The local stack on free ports with its own Azurite; host log lines go to `onHostLog` (default: dropped). A start that
 * lost a free port to another process on this shared machine (EADDRINUSE) is tried again, at most 3 times.
 */
export async function startBenchStack(options: {
  timing: Partial<SimulatorTiming>;
  extraSettings?: Record<string, string>;
  onHostLog?: (line: string) => void;
}): Promise<Stack> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStackOnce(options);
    } catch (error) {
      if (attempt >= 3 || !String((error as Error)?.message).includes('EADDRINUSE')) throw error;
    }
  }
}

function startStackOnce(options: {
  timing: Partial<SimulatorTiming>;
  extraSettings?: Record<string, string>;
  onHostLog?: (line: string) => void;
}): Promise<Stack> {
  return startStack({
    repoRoot,
    ...ISOLATED_STACK,
    simTiming: options.timing,
    extraSettings: { ...BENCH_SETTINGS, ...options.extraSettings },
    hostLog: options.onHostLog ?? (() => undefined),
  });
}

/** A queue of the bench's own (the raw-send baseline) on the stack's Azurite. */
export function benchQueue(stack: Stack, name: string): QueueClient {
  return new QueueClient(stack.info.storageConnectionString, name);
}

export async function queueLength(queue: QueueClient): Promise<number> {
  if (!(await queue.exists())) return 0;
  return (await queue.getProperties()).approximateMessagesCount ?? 0;
}

/**
 * The VM name a Recovery Services item path names (`...protectedItems/VM;iaasvmcontainerv2;rg;vm[/backup]`), lower
 * case.
 */
export function vmNameOfItemPath(path: string): string | undefined {
  const match = /protecteditems\/([^/]+)/i.exec(decodeURIComponent(path));
  return match?.[1]?.split(';').at(-1)?.toLowerCase();
}

export function endMs(entry: SimRequest): number {
  return Date.parse(entry.time) + entry.durationMs;
}

/** `count` more runner processes on the stack's queue, with its settings, running protectVm only (scale-out). */
export function startExtraRunners(stack: Stack, count: number): Promise<RunnerHandle[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startRunner({
        appDir: repoRoot,
        settings: stack.info.appSettings,
        port: 0,
        functions: ['protectVm'],
        onLog: () => undefined,
        instanceId: `bench-${i + 2}`,
      }),
    ),
  );
}
