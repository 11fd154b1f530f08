import { join } from 'node:path';

import { commandLine, CommandLineError, readCommandLine } from '../simulator/src/commandLine';
import { repoRoot } from './benchStack';
import { renderTable, runInfo, writeResults } from './results';
import type { WorkloadResult } from './types';
import { runBurst } from './workloads/burst';
import { runFollow } from './workloads/follow';
import { runIngest } from './workloads/ingest';
import { RECORDED_TIMING, runLatency, ZERO_TIMING } from './workloads/latency';
import { runReportAtScale } from './workloads/reportAtScale';

/** Sizes per mode: `--quick` fits in 2 minutes, the full run in 10 on 2 cores. */
const SIZES = {
  quick: { ingest: 2_000, latencyVms: 40, recordedScale: 0.1, burst: 150, report: 10_000, follow: 50 },
  full: { ingest: 10_000, latencyVms: 200, recordedScale: 1, burst: 1_000, report: 50_000, follow: 200 },
};

const WORKLOADS = ['ingest', 'latency', 'burst', 'report', 'scaleout', 'follow'] as const;
type Workload = (typeof WORKLOADS)[number];

export interface BenchArgs {
  mode: keyof typeof SIZES;
  /** The workloads to run; undefined: all of them. */
  only: Workload[] | undefined;
}

/** README.md "Performance": `npm run bench [-- --quick] [--only=ingest,latency,burst,report,scaleout,follow]`. */
export const BENCH_COMMAND_LINE = commandLine({
  name: 'npm run bench',
  usage: 'Usage: npm run bench [-- options]   (node dist/bench/main.js [options])',
  summary:
    'Measures the claims of README.md on the local stack; prints a table and writes bench/results/<date>[-quick].json and latest.md.',
  options: {
    quick: { type: 'boolean', help: 'smaller sizes, under 2 minutes (recorded durations scaled by 0.1)' },
    only: { type: 'string', value: '<a,b>', help: `only these workloads, of ${WORKLOADS.join(', ')} (default: all)` },
  },
  read: (values): BenchArgs => {
    const only = values.only?.split(',');
    const unknown = only?.filter((name) => !(WORKLOADS as readonly string[]).includes(name)) ?? [];
    if (unknown.length > 0)
      throw new CommandLineError(`Unknown workload(s) ${unknown.join(', ')}; known: ${WORKLOADS.join(', ')}`);
    return { mode: values.quick === true ? 'quick' : 'full', only: only as Workload[] | undefined };
  },
});

async function main({ mode, only }: BenchArgs): Promise<void> {
  const wanted = (name: Workload) => !only || only.includes(name);
  const size = SIZES[mode];
  const results: WorkloadResult[] = [];
  const attempt = async (name: string, work: () => Promise<WorkloadResult>) => {
    const started = Date.now();
    process.stderr.write(`bench: ${name} ...\n`);
    try {
      results.push(await work());
    } catch (error) {
      results.push({
        name,
        size: '',
        durationMs: Date.now() - started,
        figures: [],
        notes: [],
        error: String((error as Error)?.message ?? error),
      });
    }
    process.stderr.write(`bench: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  };

  if (wanted('ingest')) await attempt('1 ingest', () => runIngest({ events: size.ingest }));
  if (wanted('latency')) {
    await attempt('2 latency (zero)', () =>
      runLatency({ vms: size.latencyVms, intervalMs: 100 }, ZERO_TIMING, { p99TriggeredMs: 2_000 }),
    );
    const scaled = scaleTiming(size.recordedScale);
    await attempt('2 latency (recorded)', () => runLatency({ vms: size.latencyVms, intervalMs: 100 }, scaled));
  }
  let baseline: number | undefined;
  if (wanted('burst') || wanted('scaleout')) {
    await attempt('3 burst', async () => {
      const outcome = await runBurst({ vms: size.burst }, 1);
      baseline = outcome.makespanMs;
      return outcome.result;
    });
  }
  if (wanted('scaleout'))
    await attempt('5 scale-out', async () => (await runBurst({ vms: size.burst }, 3, baseline)).result);
  if (wanted('report')) await attempt('4 report', () => runReportAtScale({ items: size.report }));
  // Time x10: the runner's queue polling (up to 2 s) stays small against the scaled check-back delays (12 s+).
  if (wanted('follow'))
    await attempt('6 following first backups', () =>
      runFollow({ vms: size.follow, agentNever: 0, jobMinutes: 20, scale: 10 }),
    );

  results.sort((a, b) => a.name.localeCompare(b.name));
  const run = runInfo(mode, repoRoot, results);
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
