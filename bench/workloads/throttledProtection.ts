import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

import type { RunnerHandle } from '../../tools/local-runner/index';
import { SIM_SUBSCRIPTION_ID, SIM_VAULT_RG } from '../../tools/stack/localSettings';
import { simGet, simPost } from '../../tools/stack/simControl';
import type { Stack } from '../../tools/stack/startStack';
import { startBenchStack, startExtraRunners, vmNameOfItemPath } from '../benchStack';
import { type CpuUse, watchCpu } from '../stats';
import { type Figure, figure, type WorkloadResult } from '../types';
import { createVmsAndWait, milestones, type ProtectRunResult, requestMix } from './protectRun';

/** ARM's real per-subscription buckets (arm-throttling.md); the simulator keeps one set per subscription. */
const WRITE_BUCKET = { size: 200, refillPerSecond: 10 };
const READ_BUCKET = { size: 250, refillPerSecond: 25 };
const WRITES_PER_VM = 2;
const TIMING = { configureBackupMs: 300, backupOperationMs: 100, backupJobMs: 600_000, retryAfterSeconds: 1 };

export interface ThrottledRunSpec {
  /** As the results name it: '3 burst', '5 scale-out', '6 subscriptions'. */
  name: string;
  workload: 'burst' | 'scale-out' | 'subscriptions';
  subscriptions: number;
  vmsPerSubscription: number;
  /** Runner processes sharing the queue (the stack's own runner is one of them). */
  runners: number;
  /** Makespan over the (largest per-subscription) write-bucket bound. */
  maxRatio: number;
  /** Workload 3's makespan, for scale-out's speed-up. */
  baselineMakespanMs?: number;
}

export interface ThrottledRunOutcome {
  result: WorkloadResult;
  makespanMs: number;
}

/** Subscription k of a run: the stack's own for k = 0, made-up GUIDs for the others. */
export function benchSubscriptionId(k: number): string {
  return k === 0 ? SIM_SUBSCRIPTION_ID : `abcde000-0000-4000-8000-${String(k).padStart(12, '0')}`;
}

/**
 * Workloads 3, 5 and 6: `vmsPerSubscription` VMs created at once in each of `subscriptions` subscriptions (each its
 * own vault and ARM's real write and read buckets), `runners` runner processes sharing the queue. Makespan (first VM
 * write to last backup trigger) against the write-bucket bound of a subscription ((N x 2 - 200) / 10 s), the
 * subscriptions in parallel; the host's CPU is watched to tell the machine's limit from the code's.
 */
export async function runThrottledProtection(spec: ThrottledRunSpec): Promise<ThrottledRunOutcome> {
  const started = Date.now();
  const subscriptionIds = Array.from({ length: spec.subscriptions }, (_, k) => benchSubscriptionId(k));
  const stack = await startBenchStack({
    timing: TIMING,
    extraSettings: spec.subscriptions > 1 ? multiSubscriptionSettings(subscriptionIds) : undefined,
  });
  let extra: RunnerHandle[] = [];
  try {
    if (spec.subscriptions > 1) await seedSubscriptions(stack, subscriptionIds);
    await simPost(stack, 'throttling', { enabled: true, writes: WRITE_BUCKET, reads: READ_BUCKET });
    extra = await startExtraRunners(stack, spec.runners - 1);
    const boundMs = writeBoundMs(spec.vmsPerSubscription);
    const cpu = watchCpu({
      azurite: stack.azurite.pid ?? -1,
      ...Object.fromEntries([stack.runner, ...extra].map((runner, i) => [`runner ${i + 1}`, runner.pid])),
    });
    const run = await createVmsAndWait(stack, {
      prefix: `vm-${spec.workload}`,
      count: spec.vmsPerSubscription * spec.subscriptions,
      intervalMs: 0,
      timeoutMs: 90_000 + 3 * boundMs,
      drainQueue: true,
      subscriptionIds: spec.subscriptions > 1 ? subscriptionIds : undefined,
    });
    const use = cpu.stop();
    dumpRun(spec.workload, run);
    const { lastTriggerMs, triggeredAt } = milestones(run, TIMING.configureBackupMs);
    const makespanMs = lastTriggerMs - run.firstCreateMs;
    const mix = requestMix(run);
    const vms = spec.vmsPerSubscription * spec.subscriptions;
    const perVm = (n: number) => n / vms;
    const triggers = triggersPerVm(run);
    const figures: Figure[] = [
      figure(
        `lower bound from the write bucket ((N*2-200)/10, N = ${spec.vmsPerSubscription} per subscription)`,
        boundMs / 1000,
        's',
      ),
      figure(
        'lower bound from the read bucket for the reads made (largest subscription)',
        maxReadBoundMs(run, subscriptionIds) / 1000,
        's',
      ),
      figure('makespan (first VM write -> last backup triggered)', makespanMs / 1000, 's'),
      figure('makespan / write bound', makespanMs / Math.max(boundMs, 1), '', {
        text: `<= ${spec.maxRatio.toFixed(2)}`,
        met: makespanMs <= spec.maxRatio * boundMs,
      }),
    ];
    if (spec.subscriptions > 1) figures.push(...perSubscriptionFigures(run, subscriptionIds, triggeredAt));
    figures.push(
      figure('writes per VM', perVm(mix.writes), '', { text: '<= 2', met: perVm(mix.writes) <= 2 }),
      figure('reads per VM (besides polls)', perVm(mix.reads), '', { text: '<= 3', met: perVm(mix.reads) <= 3 }),
      figure('operation polls per VM', perVm(mix.polls)),
      figure(
        '429s / ARM requests',
        `${mix.throttled} / ${mix.total} (${((100 * mix.throttled) / Math.max(1, mix.total)).toFixed(2)} %)`,
        '',
        { text: '< 1 %', met: mix.throttled < 0.01 * mix.total },
      ),
      figure('poison messages', run.poison, '', { text: '0', met: run.poison === 0 }),
      figure('first-backup triggers per VM (min..max)', `${triggers.min}..${triggers.max}`, '', {
        text: 'exactly 1',
        met: triggers.notOne === 0,
      }),
      figure('duplicate backups (VMs with more than one Backup job)', mix.backupJobs.notOne, '', {
        text: '0',
        met: mix.backupJobs.notOne === 0,
      }),
    );
    if (spec.baselineMakespanMs !== undefined)
      figures.push(figure(`speed-up with ${spec.runners} runners vs 1`, spec.baselineMakespanMs / makespanMs, 'x'));
    figures.push(...cpuFigures(use, spec.runners, spec.maxRatio * boundMs));
    return {
      makespanMs,
      result: {
        name: spec.name,
        workload: spec.workload,
        size: `${spec.subscriptions > 1 ? `${spec.subscriptions} subscriptions x ${spec.vmsPerSubscription}` : spec.vmsPerSubscription} VMs at once, ${spec.runners} runner process${spec.runners > 1 ? 'es' : ''}; per subscription writes ${WRITE_BUCKET.size} + ${WRITE_BUCKET.refillPerSecond}/s, reads ${READ_BUCKET.size} + ${READ_BUCKET.refillPerSecond}/s`,
        durationMs: Date.now() - started,
        figures,
        notes: [
          `requests by operation: ${JSON.stringify(mix.byOperation)}`,
          `CPU ms by process over ${(use.wallMs / 1000).toFixed(1)} s: ${JSON.stringify(roundAll(use.processMs))}`,
        ],
      },
    };
  } finally {
    await Promise.all(extra.map((runner) => runner.stop().catch(() => undefined)));
    await stack.stop();
  }
}

/** BENCH_DUMP_DIR=<dir>: the run's ARM request log as JSON, to read a timeline from (docs/benchmarks.md). */
function dumpRun(workload: string, run: ProtectRunResult): void {
  const dir = process.env.BENCH_DUMP_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${workload}-requests.json`),
    JSON.stringify({ firstCreateMs: run.firstCreateMs, created: [...run.created], requests: run.requests }),
  );
}

function writeBoundMs(vmsPerSubscription: number): number {
  return (Math.max(0, vmsPerSubscription * WRITES_PER_VM - WRITE_BUCKET.size) / WRITE_BUCKET.refillPerSecond) * 1000;
}

/** The read bucket's bound for the GETs each subscription received (the largest), polls included. */
function maxReadBoundMs(run: ProtectRunResult, subscriptionIds: readonly string[]): number {
  const reads = new Map<string, number>();
  for (const entry of run.requests) {
    if (entry.method !== 'GET') continue;
    const sub = /\/subscriptions\/([^/]+)/i.exec(entry.path)?.[1]?.toLowerCase() ?? '';
    if (subscriptionIds.includes(sub)) reads.set(sub, (reads.get(sub) ?? 0) + 1);
  }
  const most = Math.max(0, ...reads.values());
  return (Math.max(0, most - READ_BUCKET.size) / READ_BUCKET.refillPerSecond) * 1000;
}

/** Each subscription's makespan: its first VM write (the run's start: all are created at once) to its last trigger. */
function perSubscriptionFigures(
  run: ProtectRunResult,
  subscriptionIds: readonly string[],
  triggeredAt: Map<string, number>,
): Figure[] {
  const last = new Map<string, number>();
  for (const [vm, at] of triggeredAt) {
    const sub = run.subscriptionOf.get(vm) ?? '';
    last.set(sub, Math.max(last.get(sub) ?? 0, at));
  }
  const makespans = subscriptionIds.map((sub) => ((last.get(sub) ?? Number.NaN) - run.firstCreateMs) / 1000);
  return [
    figure('makespan per subscription', makespans.map((s) => s.toFixed(1)).join(', '), 's'),
    figure('slowest / fastest subscription', Math.max(...makespans) / Math.min(...makespans), 'x'),
  ];
}

/** First-backup triggers (POST backup answered 202) per VM. */
function triggersPerVm(run: ProtectRunResult): { min: number; max: number; notOne: number } {
  const counts = new Map<string, number>([...run.created.keys()].map((vm) => [vm, 0]));
  for (const entry of run.requests) {
    if (entry.operationId !== 'Backups_Trigger' || entry.status !== 202) continue;
    const vm = vmNameOfItemPath(entry.path);
    if (vm !== undefined && counts.has(vm)) counts.set(vm, (counts.get(vm) ?? 0) + 1);
  }
  const values = [...counts.values()];
  return { min: Math.min(...values), max: Math.max(...values), notOne: values.filter((n) => n !== 1).length };
}

/**
 * The machine's share of the result: the host's busy share (1 = every core; other users of the machine count), the
 * seconds it was saturated, the runners' and the whole stack's CPU time against the wall time, and the stack's CPU
 * time against what the host's cores offer within the target makespan: above 1, the run cannot meet its target on
 * this machine whatever the code does, because the stack (simulator, Azurite, runners) needs more CPU than that.
 */
function cpuFigures(use: CpuUse, runners: number, targetMs: number): Figure[] {
  const runnerMs = Object.entries(use.processMs)
    .filter(([name]) => name.startsWith('runner'))
    .reduce((sum, [, ms]) => sum + ms, 0);
  const stackMs = Object.values(use.processMs).reduce((sum, ms) => sum + ms, 0);
  return [
    figure(
      'host CPU busy: whole run / busiest second',
      `${(100 * use.hostBusy).toFixed(0)} % / ${(100 * use.hostBusyPeak).toFixed(0)} %`,
    ),
    figure('seconds with the host >= 95 % busy', `${use.saturatedSeconds} of ${Math.round(use.wallMs / 1000)}`),
    figure(`CPU of the ${runners} runner${runners > 1 ? 's' : ''} / wall time`, runnerMs / use.wallMs, 'cores'),
    figure('CPU of the whole stack (bench + simulator, Azurite, runners) / wall time', stackMs / use.wallMs, 'cores'),
    figure(
      `stack CPU / what ${cpus().length} cores offer in the target makespan (> 1: beyond this machine)`,
      stackMs / (cpus().length * targetMs),
    ),
  ];
}

function roundAll(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Math.round(v)]));
}

/** Each subscription watched, and its own vault in eastus serving only it (the vault is in the VMs' subscription). */
function multiSubscriptionSettings(subscriptionIds: readonly string[]): Record<string, string> {
  return {
    AUTOPROTECT_SUBSCRIPTION_IDS: subscriptionIds.join(','),
    AUTOPROTECT_VAULTS: JSON.stringify(
      subscriptionIds.map((sub) => ({
        region: 'eastus',
        vaultId: `/subscriptions/${sub}/resourceGroups/${SIM_VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`,
        subscriptionIds: [sub],
      })),
    ),
  };
}

/**
 * The subscriptions besides the stack's own: each with its vault, and an Event Grid subscription (scoped to it, as a
 * system topic is) delivering to the stack's webhook.
 */
async function seedSubscriptions(stack: Stack, subscriptionIds: readonly string[]): Promise<void> {
  const { tenantId } = await simGet<{ tenantId: string }>(stack, 'state');
  for (const [k, subscriptionId] of subscriptionIds.entries()) {
    if (k === 0) continue;
    await simPost(stack, 'seed', {
      subscriptionId,
      tenantId,
      vaults: [{ resourceGroup: SIM_VAULT_RG, name: 'rsv-eastus', location: 'eastus' }],
    });
    await simPost(stack, 'eventSubscriptions', {
      name: `autoprotect-vm-writes-${k}`,
      endpoint: stack.info.eventGridWebhookUrl,
      subscriptionId,
      schema: 'EventGridSchema',
      filter: {
        includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'],
        advancedFilters: [
          { operatorType: 'StringIn', key: 'data.operationName', values: ['Microsoft.Compute/virtualMachines/write'] },
        ],
      },
    });
  }
}
