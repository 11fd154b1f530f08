import { type RunnerHandle, startRunner } from '../../tools/local-runner/index';
import { simPost } from '../../tools/stack/simControl';
import { repoRoot, startBenchStack } from '../benchStack';
import { figure, type WorkloadResult } from '../types';
import { createVmsAndWait, milestones, requestMix } from './protectRun';

/** ARM's real per-subscription buckets (arm-throttling.md). */
const WRITE_BUCKET = { size: 200, refillPerSecond: 10 };
const READ_BUCKET = { size: 250, refillPerSecond: 25 };
const WRITES_PER_VM = 2;
const TIMING = { configureBackupMs: 300, backupOperationMs: 100, backupJobMs: 600_000, retryAfterSeconds: 1 };

export interface BurstOutcome {
  result: WorkloadResult;
  makespanMs: number;
}

/**
 * Workloads 3 and 5: `vms` VMs created at once in one subscription, ARM's real write and read buckets, `runners`
 * runner processes sharing the queue. Makespan (first VM write to last backup trigger) against the write-bucket bound.
 */
export async function runBurst(
  size: { vms: number },
  runners: number,
  baselineMakespanMs?: number,
): Promise<BurstOutcome> {
  const started = Date.now();
  const stack = await startBenchStack({ timing: TIMING });
  const extra: RunnerHandle[] = [];
  try {
    await simPost(stack, 'throttling', { enabled: true, writes: WRITE_BUCKET, reads: READ_BUCKET });
    for (let i = 1; i < runners; i++) {
      extra.push(
        await startRunner({
          appDir: repoRoot,
          settings: stack.info.appSettings,
          port: 0,
          functions: ['protectVm'],
          onLog: () => undefined,
          instanceId: `bench-${i + 1}`,
        }),
      );
    }
    const boundMs = (Math.max(0, size.vms * WRITES_PER_VM - WRITE_BUCKET.size) / WRITE_BUCKET.refillPerSecond) * 1000;
    const run = await createVmsAndWait(stack, {
      prefix: `vm-burst${runners}`,
      count: size.vms,
      intervalMs: 0,
      timeoutMs: 90_000 + 3 * boundMs,
      drainQueue: true,
    });
    const { lastTriggerMs } = milestones(run, TIMING.configureBackupMs);
    const makespanMs = lastTriggerMs - run.firstCreateMs;
    const mix = requestMix(run);
    const perVm = (n: number) => n / size.vms;
    const readBoundMs = (Math.max(0, mix.reads + mix.polls - READ_BUCKET.size) / READ_BUCKET.refillPerSecond) * 1000;
    const figures = [
      figure('lower bound from the write bucket ((N*2-200)/10)', boundMs / 1000, 's'),
      figure('lower bound from the read bucket for the reads made', readBoundMs / 1000, 's'),
      figure('makespan (first VM write -> last backup triggered)', makespanMs / 1000, 's'),
      figure('makespan / write bound', makespanMs / Math.max(boundMs, 1), '', {
        text: '<= 1.25',
        met: makespanMs <= 1.25 * boundMs,
      }),
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
      figure('Backup jobs per VM (min..max)', `${mix.backupJobs.min}..${mix.backupJobs.max}`, '', {
        text: 'exactly 1',
        met: mix.backupJobs.notOne === 0,
      }),
    ];
    if (baselineMakespanMs !== undefined) {
      figures.push(figure(`speed-up with ${runners} runners vs 1`, baselineMakespanMs / makespanMs, 'x'));
      figures.push(
        figure('duplicate backups', mix.backupJobs.notOne, '', { text: '0', met: mix.backupJobs.notOne === 0 }),
      );
    }
    return {
      makespanMs,
      result: {
        name: runners === 1 ? '3 burst under throttling' : `5 scale-out (${runners} runners)`,
        size: `${size.vms} VMs at once; writes ${WRITE_BUCKET.size} burst + ${WRITE_BUCKET.refillPerSecond}/s, reads ${READ_BUCKET.size} + ${READ_BUCKET.refillPerSecond}/s`,
        durationMs: Date.now() - started,
        figures,
        notes: [`requests by operation: ${JSON.stringify(mix.byOperation)}`],
      },
    };
  } finally {
    for (const runner of extra) await runner.stop().catch(() => undefined);
    await stack.stop();
  }
}
