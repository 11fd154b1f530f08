import { loadavg } from 'node:os';
import { join } from 'node:path';

import { commandLine, CommandLineError, readCommandLine } from '../simulator/src/commandLine';
import { repoRoot } from './benchStack';
import { renderTable, runInfo, writeResults } from './results';
import { WORKLOAD_NAMES, type WorkloadName, type WorkloadResult } from './types';
import { runFollow } from './workloads/follow';
import { runIngest } from './workloads/ingest';
import { RECORDED_TIMING, runLatency, ZERO_TIMING } from './workloads/latency';
import { runReportAtScale } from './workloads/reportAtScale';
import { runThrottledProtection } from './workloads/throttledProtection';

/**
 * Sizes per mode: `--quick` fits in 3 minutes, the full run in 15 on 2 cores. The quick sizes keep each bound above
 * zero (a burst within ARM's bucket would have no bound to compare with) but are too small for the ratios to settle.
 */
const SIZES = {
  quick: {
    ingest: 2_000,
    latencyVms: 40,
    recordedScale: 0.1,
    burst: 150,
    report: { vaults: 25, items: 50_000, ledgerRows: 10_000 },
    scaleOut: { vms: 150, runners: 5 },
    subscriptions: { subscriptions: 5, vms: 100, runners: 5 },
    firstBackups: { vms: 50, jobMinutes: { min: 20, max: 30 }, scale: 120, runners: 1 },
  },
  full: {
    ingest: 10_000,
    latencyVms: 200,
    recordedScale: 1,
    burst: 1_000,
    report: { vaults: 25, items: 250_000, ledgerRows: 50_000 },
    scaleOut: { vms: 1_000, runners: 10 },
    subscriptions: { subscriptions: 10, vms: 300, runners: 10 },
    firstBackups: { vms: 1_000, jobMinutes: { min: 20, max: 60 }, scale: 50, runners: 4 },
  },
};

/** The names of the first round, still accepted by `--only=`. */
const ALIASES: Record<string, WorkloadName> = { scaleout: 'scale-out' };

export interface BenchArgs {
  mode: keyof typeof SIZES;
  /** The workloads to run; undefined: all of them. */
  only: WorkloadName[] | undefined;
}

/** docs/benchmarks.md: `npm run bench [-- --quick] [--only=ingest,latency,...]`. */
export const BENCH_COMMAND_LINE = commandLine({
  name: 'npm run bench',
  usage: 'Usage: npm run bench [-- options]   (node dist/bench/main.js [options])',
  summary:
    'Measures the claims of README.md on the local stack; prints a table and writes bench/results/<date>[-quick].json and latest.md.',
  options: {
    quick: { type: 'boolean', help: 'smaller sizes, under 3 minutes (recorded durations scaled by 0.1)' },
    only: {
      type: 'string',
      value: '<a,b>',
      help: `only these workloads, of ${WORKLOAD_NAMES.join(', ')} (default: all)`,
    },
  },
  read: (values): BenchArgs => {
    const named = values.only?.split(',').map((name) => name.trim());
    const only = named?.map((name) => ALIASES[name] ?? name);
    const unknown = only?.filter((name) => !(WORKLOAD_NAMES as readonly string[]).includes(name)) ?? [];
    if (unknown.length > 0)
      throw new CommandLineError(`Unknown workload(s) ${unknown.join(', ')}; known: ${WORKLOAD_NAMES.join(', ')}`);
    return { mode: values.quick === true ? 'quick' : 'full', only: only as WorkloadName[] | undefined };
  },
});

async function main({ mode, only }: BenchArgs): Promise<void> {
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  const wanted = (name: WorkloadName) => !only || only.includes(name);
  const size = SIZES[mode];
  const results: WorkloadResult[] = [];
  const attempt = async (name: string, workload: WorkloadName, work: () => Promise<WorkloadResult>) => {
    const started = Date.now();
    process.stderr.write(`bench: ${name} ...\n`);
    try {
      results.push(await work());
    } catch (error) {
      results.push({
        name,
        workload,
        size: '',
        durationMs: Date.now() - started,
        figures: [],
        notes: [],
        error: String((error as Error)?.message ?? error),
      });
    }
    process.stderr.write(`bench: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  };

  if (wanted('ingest')) await attempt('1 ingest', 'ingest', () => runIngest({ events: size.ingest }));
  if (wanted('latency')) {
    await attempt('2 latency (zero durations)', 'latency', () =>
      runLatency({ vms: size.latencyVms, intervalMs: 100 }, ZERO_TIMING, { p99TriggeredMs: 500 }),
    );
    const scaled = scaleTiming(size.recordedScale);
    await attempt(`2 latency (${scaled.label})`, 'latency', () =>
      // The targets hold for Azure's recorded durations; squeezed ten times (quick) they only show the learning.
      runLatency(
        { vms: size.latencyVms, intervalMs: 100 },
        scaled,
        size.recordedScale === 1 ? { p99OverheadMs: 2_000, armReadsPerVm: 6 } : undefined,
      ),
    );
  }
  let baseline: number | undefined;
  if (wanted('burst')) {
    await attempt('3 burst', 'burst', async () => {
      const outcome = await runThrottledProtection({
        name: '3 burst',
        workload: 'burst',
        subscriptions: 1,
        vmsPerSubscription: size.burst,
        runners: 1,
        maxRatio: 1.1,
      });
      baseline = outcome.makespanMs;
      return outcome.result;
    });
  }
  if (wanted('report')) await attempt('4 report', 'report', () => runReportAtScale(size.report));
  if (wanted('scale-out')) {
    await attempt('5 scale-out', 'scale-out', async () => {
      const outcome = await runThrottledProtection({
        name: '5 scale-out',
        workload: 'scale-out',
        subscriptions: 1,
        vmsPerSubscription: size.scaleOut.vms,
        runners: size.scaleOut.runners,
        maxRatio: 1.15,
        baselineMakespanMs: size.scaleOut.vms === size.burst ? baseline : undefined,
      });
      return outcome.result;
    });
  }
  if (wanted('subscriptions')) {
    await attempt('6 subscriptions', 'subscriptions', async () => {
      const outcome = await runThrottledProtection({
        name: '6 subscriptions',
        workload: 'subscriptions',
        subscriptions: size.subscriptions.subscriptions,
        vmsPerSubscription: size.subscriptions.vms,
        runners: size.subscriptions.runners,
        maxRatio: 1.15,
      });
      return outcome.result;
    });
  }
  // Full: time x50 (the full run's 15 minutes), the runner's queue polling (up to 2 s) against check-backs of 2.4 s+:
  // late reads read less, so the reads-per-hour target also holds for the real schedule's count.
  // Quick: x120 and shorter jobs to fit its minutes, a smoke test (reads up to 4 Azure minutes late).
  if (wanted('first-backups'))
    await attempt('7 first-backups', 'first-backups', () =>
      runFollow({ ...size.firstBackups, agentNever: 0, failOnceShare: 0.05 }),
    );

  results.sort((a, b) => a.name.localeCompare(b.name));
  const run = runInfo(mode, repoRoot, results, loadAtStart);
  process.stdout.write(`${renderTable(run)}\n`);
  const files = writeResults(run, join(repoRoot, 'bench', 'results'));
  process.stdout.write(`\nwritten: ${files.join(', ')}\n`);
}

function scaleTiming(scale: number): typeof RECORDED_TIMING {
  if (scale === 1) return RECORDED_TIMING;
  return {
    label: `recorded durations x${scale}`,
    configureBackupMs: Math.round(RECORDED_TIMING.configureBackupMs * scale),
    backupOperationMs: Math.round(RECORDED_TIMING.backupOperationMs * scale),
    retryAfterSeconds: Math.max(1, Math.round(RECORDED_TIMING.retryAfterSeconds * scale)),
  };
}

if (require.main === module) {
  main(readCommandLine(process.argv.slice(2), BENCH_COMMAND_LINE)).catch((error: unknown) => {
    process.stderr.write(`bench failed: ${String((error as Error)?.stack ?? error)}\n`);
    process.exitCode = 1;
  });
}
