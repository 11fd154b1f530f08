import { simPost } from '../../tools/stack/simControl';
import { startBenchStack } from '../benchStack';
import { percentile, processCpuMs } from '../stats';
import { type Figure, figure, type WorkloadResult } from '../types';
import { createVmsAndWait, milestones } from './protectRun';

export interface LatencyTiming {
  label: string;
  configureBackupMs: number;
  backupOperationMs: number;
  retryAfterSeconds: number;
}

export const ZERO_TIMING: LatencyTiming = {
  label: 'zero durations',
  configureBackupMs: 0,
  backupOperationMs: 0,
  retryAfterSeconds: 0,
};
/** recordings: ConfigureBackup ~41 s, Retry-After 60 (REALISTIC_TIMING). */
export const RECORDED_TIMING: LatencyTiming = {
  label: 'recorded durations',
  configureBackupMs: 41_000,
  backupOperationMs: 1_000,
  retryAfterSeconds: 60,
};

/**
 * Workload 2: VMs created one per `intervalMs` without throttling; p50/p95/p99 from the VM write (simulator state) to
 * protection enabled and to the backup triggered (simulator request log). Also counts protectVm invocations, to show
 * whether waiting on Azure holds one invocation (a queue slot) per VM for the whole operation.
 */
export async function runLatency(
  size: { vms: number; intervalMs: number },
  timing: LatencyTiming,
  target?: { p99TriggeredMs?: number; p99OverheadMs?: number; armReadsPerVm?: number },
): Promise<WorkloadResult> {
  const started = Date.now();
  const hostLines: string[] = [];
  const invocations: Array<{ start: number; end: number }> = [];
  const stack = await startBenchStack({
    timing: {
      configureBackupMs: timing.configureBackupMs,
      backupOperationMs: timing.backupOperationMs,
      retryAfterSeconds: timing.retryAfterSeconds,
      backupJobMs: 600_000,
    },
    onHostLog: (line) => {
      if (line.includes('protectVm finished')) hostLines.push(line);
      const executed = /Executed 'Functions\.protectVm' \([^)]*Duration=(\d+)ms\)/.exec(line);
      if (executed) invocations.push({ start: Date.now() - Number(executed[1]), end: Date.now() });
    },
  });
  try {
    await simPost(stack, 'throttling', { enabled: false });
    const cpuBefore = processCpuMs(stack.runner.pid);
    const expectedMs = size.vms * size.intervalMs + 3 * timing.configureBackupMs + 2 * timing.retryAfterSeconds * 1000;
    const run = await createVmsAndWait(stack, {
      prefix: 'vm-lat',
      count: size.vms,
      intervalMs: size.intervalMs,
      timeoutMs: 60_000 + 2 * expectedMs,
      drainQueue: false,
    });
    const cpuMs = (processCpuMs(stack.runner.pid) ?? Number.NaN) - (cpuBefore ?? Number.NaN);
    const armReads = run.requests.filter((entry) => entry.method === 'GET').length;
    const readsPerSecond = (armReads / size.vms) * (1000 / size.intervalMs);
    const { enabled, triggered } = milestones(run, timing.configureBackupMs);
    const p99 = percentile(triggered, 99);
    // Azure's own time until the trigger's POST is the ConfigureBackup (the trigger's operation runs after it).
    const overhead = p99 - timing.configureBackupMs;
    const polls = run.requests.filter((entry) => entry.operationId === 'BackupOperationStatuses_Get').length;
    const requeued = hostLines.filter((line) => line.includes('requeued')).length;
    const figures: Figure[] = [
      figure(
        'p50 / p95 / p99 to protection enabled',
        `${fmt(percentile(enabled, 50))} / ${fmt(percentile(enabled, 95))} / ${fmt(percentile(enabled, 99))}`,
        's',
      ),
      figure(
        'p50 / p95 / p99 to backup triggered',
        `${fmt(percentile(triggered, 50))} / ${fmt(percentile(triggered, 95))} / ${fmt(percentile(triggered, 99))}`,
        's',
      ),
      figure(
        'p99 to backup triggered',
        p99 / 1000,
        's',
        atMost(target?.p99TriggeredMs, p99, (ms) => `${ms / 1000} s`),
      ),
      figure(
        "p99 autoprotect overhead beyond Azure's own durations",
        overhead / 1000,
        's',
        atMost(target?.p99OverheadMs, overhead, (ms) => `${ms / 1000} s`),
      ),
      figure(
        'ARM reads per VM (incl. polls)',
        armReads / size.vms,
        '',
        atMost(target?.armReadsPerVm, armReads / size.vms, String),
      ),
      figure('operation polls per VM (enable + trigger)', polls / size.vms),
      figure('ARM reads/s this arrival rate needs (ARM grants 25/s after a burst of 250)', readsPerSecond, '/s'),
      figure('protectVm invocations per VM', hostLines.length / size.vms),
      figure('invocations that re-enqueued', requeued),
      figure('mean protectVm invocation time', mean(invocations.map((i) => i.end - i.start)) / 1000, 's'),
      figure('peak protectVm invocations in flight', peakInFlight(invocations)),
      figure('runner CPU per VM (while Azure works)', cpuMs / size.vms, 'ms'),
      figure('VMs measured', triggered.length, '', { text: `${size.vms}`, met: triggered.length === size.vms }),
    ];
    return {
      name: `2 latency (${timing.label})`,
      workload: 'latency',
      size: `${size.vms} VMs, one per ${size.intervalMs} ms; configure ${timing.configureBackupMs / 1000} s, trigger ${timing.backupOperationMs / 1000} s, Retry-After ${timing.retryAfterSeconds} s`,
      durationMs: Date.now() - started,
      figures,
      notes: [],
    };
  } finally {
    await stack.stop();
  }
}

/** A figure's target `<= bound` (none without a bound). */
function atMost(bound: number | undefined, value: number, show: (bound: number) => string) {
  return bound === undefined ? undefined : { text: `<= ${show(bound)}`, met: value <= bound };
}

function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

function peakInFlight(invocations: Array<{ start: number; end: number }>): number {
  const edges = invocations
    .flatMap(
      (i) =>
        [
          [i.start, 1],
          [i.end, -1],
        ] as const,
    )
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let peak = 0;
  for (const [, delta] of edges) {
    current += delta;
    peak = Math.max(peak, current);
  }
  return peak;
}

function fmt(ms: number): string {
  return (ms / 1000).toFixed(2);
}
