import { DEFAULT_CHECK_BACKS, DEFAULT_RETRY_DELAYS, parseDurationMs } from '../../src/lib/config';
import type { LedgerEntry } from '../../src/lib/ledger/ledgerEntry';
import type { RunnerHandle } from '../../tools/local-runner/index';
import { mapLimit } from '../../tools/shared/mapLimit';
import { simGet, simPost } from '../../tools/stack/simControl';
import { appQueue, stackRuntime } from '../../tools/stack/stackRuntime';
import { queueLength, type SimRequest, startBenchStack, startExtraRunners } from '../benchStack';
import { type CpuUse, percentile, pollUntil, watchCpu } from '../stats';
import { type Figure, figure, type WorkloadResult } from '../types';

export interface FollowOptions {
  vms: number;
  /** VMs whose guest agent never comes up: their first backup is retried 3 times, then first-backup-failed. */
  agentNever: number;
  /** Share (0..1) of the other VMs whose first Backup job fails once with a retriable code; the retry succeeds. */
  failOnceShare: number;
  /** First Backup jobs last from `min` to `max` Azure minutes, spread evenly over the VMs. */
  jobMinutes: { min: number; max: number };
  /** Time runs this many times faster than in Azure. */
  scale: number;
  /**
   * Runner processes sharing the queue (Flex Consumption scales a queue trigger out per instance): one runner takes
   * at most 24 messages at a time (host.json batchSize 16 + newBatchThreshold 8), too few for 1,000 VMs' check-backs
   * squeezed `scale` times.
   */
  runners: number;
}

/** What a VM is expected to end as, and with how many Backup jobs. */
type VmClass = 'succeeds' | 'fails-once' | 'agent-never';
const EXPECTED: Record<VmClass, { status: LedgerEntry['status']; jobs: number; label: string }> = {
  succeeds: { status: 'protected', jobs: 1, label: 'protected with 1 Backup job' },
  'fails-once': { status: 'protected', jobs: 2, label: 'protected after 1 retry (2 Backup jobs)' },
  'agent-never': { status: 'first-backup-failed', jobs: 4, label: 'first-backup-failed after 3 retries (4 jobs)' },
};

/** ARM's read refill per subscription and principal (arm-throttling.md). */
const ARM_READS_PER_SECOND = 25;
const RETRIABLE_CODE = 'UserErrorGuestAgentStatusUnavailable';

interface PlannedVm {
  name: string;
  vmClass: VmClass;
  jobMinutes: number;
}

interface JobState {
  operation: string;
  status: string;
  entityFriendlyName: string;
  startTime: string;
  endTime: string | null;
}

/**
 * Workload 7 (first-backups): following first backups to their end. `vms` VMs created at once; their first Backup
 * jobs last 20 to 60 Azure minutes (the simulator's per-VM `backupJobMs`), a share of them fails once with
 * UserErrorGuestAgentStatusUnavailable (the simulator's `failNextBackupJobs`: no race with the retry), and
 * `agentNever` of them never get a guest agent. Time runs `scale` times faster than in Azure: the simulator's jobs and
 * the app's check-back and retry delays are all divided by it, so the reads are those of the real schedule (the
 * check-back points are anchored to the job's age, so a late queue poll delays a read but does not add one). ARM
 * throttling is off: squeezed in time, the reads are counted in Azure seconds, not paced in real ones.
 */
export async function runFollow(options: FollowOptions): Promise<WorkloadResult> {
  const started = Date.now();
  const { scale } = options;
  const scaled = (durations: string) => durations.split(',').map((entry) => scaleDuration(entry, scale));
  const checkBacks = scaled(DEFAULT_CHECK_BACKS);
  const retries = scaled(DEFAULT_RETRY_DELAYS);
  const plan = planVms(options);
  const stack = await startBenchStack({
    timing: { configureBackupMs: 300, backupOperationMs: 100, backupJobMs: azureMinutesToMs(20, scale) },
    extraSettings: {
      AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: checkBacks.join(','),
      AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: retries.join(','),
    },
  });
  let extra: RunnerHandle[] = [];
  try {
    await simPost(stack, 'throttling', { enabled: false });
    extra = await startExtraRunners(stack, options.runners - 1);
    const cpu = watchCpu({
      azurite: stack.azurite.pid ?? -1,
      ...Object.fromEntries([stack.runner, ...extra].map((runner, i) => [`runner ${i + 1}`, runner.pid])),
    });
    const firstCreateMs = Date.now();
    await mapLimit(plan, 50, (vm) =>
      simPost(stack, 'vms', {
        resourceGroup: 'rg-bench',
        name: vm.name,
        location: 'eastus',
        guestAgent: vm.vmClass === 'agent-never' ? 'unavailable' : 'ready',
        backupJobMs: azureMinutesToMs(vm.jobMinutes, scale),
        ...(vm.vmClass === 'fails-once' ? { failNextBackupJobs: 1 } : {}),
      }),
    );
    const { adapters } = stackRuntime(stack);
    const requestQueue = appQueue(stack, 'requests');
    // Past the slowest VM's expected end (its jobs, the retry delays between them, the last check-back period), with
    // room for the protection ramp; a VM not final by then counts as missed instead of failing the whole workload.
    const slowestAzureMinutes = Math.max(
      ...plan.map((vm) => {
        const jobs = EXPECTED[vm.vmClass].jobs;
        const waits = retries.slice(0, jobs - 1).reduce((sum, delay) => sum + (parseDurationMs(delay) ?? 0), 0);
        return jobs * vm.jobMinutes + (waits * scale) / 60_000 + 10;
      }),
    );
    const deadlineMs = azureMinutesToMs(slowestAzureMinutes, scale) * 1.3 + 120_000;
    let rows: LedgerEntry[] = [];
    let final = false;
    await pollUntil(
      `every first backup of ${options.vms} VMs followed to its end`,
      async () => {
        rows = [];
        for await (const row of adapters.ledger.list()) rows.push(row);
        final =
          rows.filter((row) => row.status === 'protected' || row.status === 'first-backup-failed').length ===
            plan.length && (await queueLength(requestQueue)) === 0;
        return final || Date.now() - firstCreateMs > deadlineMs ? true : undefined;
      },
      deadlineMs + 60_000,
      2_000,
    );
    const followedMs = Date.now() - firstCreateMs;
    const cpuUse = cpu.stop();
    const log = await simGet<{ entries: SimRequest[]; total: number }>(stack, 'requests');
    const state = await simGet<{ jobs: JobState[] }>(stack, 'state');
    return {
      name: '7 first-backups',
      workload: 'first-backups',
      size: sizeText(options, plan),
      durationMs: Date.now() - started,
      ...measure(options, plan, rows, log, state.jobs, { firstCreateMs, followedMs, final, cpu: cpuUse }),
    };
  } finally {
    await Promise.all(extra.map((runner) => runner.stop().catch(() => undefined)));
    await stack.stop();
  }
}

/**
 * The VMs by index: the first `agentNever` never get an agent, then every (1 / failOnceShare)-th fails once. Job
 * lengths follow the golden-ratio sequence over [min, max]: spread evenly, deterministic, and not in step with the
 * classes' every-n-th pattern.
 */
function planVms(options: FollowOptions): PlannedVm[] {
  const every = options.failOnceShare > 0 ? Math.round(1 / options.failOnceShare) : 0;
  const { min, max } = options.jobMinutes;
  return Array.from({ length: options.vms }, (_, index) => {
    const vmClass: VmClass =
      index < options.agentNever
        ? 'agent-never'
        : every > 0 && (index - options.agentNever) % every === every - 1
          ? 'fails-once'
          : 'succeeds';
    const spread = ((index + 1) * 0.618_033_988_75) % 1;
    return {
      name: `vm-follow-${String(index).padStart(4, '0')}`,
      vmClass,
      jobMinutes: Math.round((min + (max - min) * spread) * 60) / 60,
    };
  });
}

function measure(
  options: FollowOptions,
  plan: readonly PlannedVm[],
  rows: readonly LedgerEntry[],
  log: { entries: SimRequest[]; total: number },
  jobs: readonly JobState[],
  run: { firstCreateMs: number; followedMs: number; final: boolean; cpu: CpuUse },
): { figures: Figure[]; notes: string[] } {
  const { scale } = options;
  const rowOf = new Map(rows.map((row) => [row.vmResourceId.split('/').at(-1)?.toLowerCase() ?? '', row]));
  const backupsOf = new Map<string, JobState[]>();
  for (const job of jobs) {
    if (job.operation !== 'Backup') continue;
    const name = job.entityFriendlyName.toLowerCase();
    backupsOf.set(name, [...(backupsOf.get(name) ?? []), job]);
  }
  const vms = plan.map((vm) => {
    const row = rowOf.get(vm.name);
    const backups = backupsOf.get(vm.name) ?? [];
    const ended = backups.every((job) => job.endTime !== null);
    const jobMs = backups.reduce((sum, job) => sum + (Date.parse(job.endTime ?? '') - Date.parse(job.startTime)), 0);
    const expected = EXPECTED[vm.vmClass];
    return {
      ...vm,
      row,
      jobCount: backups.length,
      jobHours: ended ? (jobMs * scale) / 3_600_000 : Number.NaN,
      lastJobEnd: Math.max(...backups.map((job) => Date.parse(job.endTime ?? ''))),
      asExpected: row?.status === expected.status && backups.length === expected.jobs && ended,
    };
  });
  const classes = (Object.keys(EXPECTED) as VmClass[]).filter((vmClass) => vms.some((vm) => vm.vmClass === vmClass));
  const classFigures = classes.map((vmClass) => {
    const planned = vms.filter((vm) => vm.vmClass === vmClass);
    const asExpected = planned.filter((vm) => vm.asExpected).length;
    return figure(EXPECTED[vmClass].label, `${asExpected} / ${planned.length}`, 'VMs', {
      text: `${planned.length}`,
      met: asExpected === planned.length,
    });
  });
  const missed = vms.filter((vm) => !vm.asExpected);

  // Reads following first backups per hour of job time, over all VMs (the ledger's count per VM), and per VM.
  const ended = vms.filter((vm) => Number.isFinite(vm.jobHours));
  const perHour =
    ended.reduce((sum, vm) => sum + (vm.row?.firstBackupReads ?? 0), 0) /
    ended.reduce((sum, vm) => sum + vm.jobHours, 0);
  const worstPerHour = (vmClass: VmClass) =>
    Math.max(
      ...ended.filter((vm) => vm.vmClass === vmClass).map((vm) => (vm.row?.firstBackupReads ?? 0) / vm.jobHours),
    );

  // Every ARM read of the run, counted in Azure time: a real window of W ms is W x scale Azure ms.
  const requests = log.entries.filter((entry) => Date.parse(entry.time) >= run.firstCreateMs - 1_000);
  const readTimes = requests.filter((entry) => entry.method === 'GET').map((entry) => Date.parse(entry.time));
  const followTimes = requests
    .filter((entry) => entry.operationId === 'JobDetails_Get' || entry.operationId === 'BackupJobs_List')
    .map((entry) => Date.parse(entry.time));
  const azureMinuteMs = 60_000 / scale;
  const peakPerSecond = busiestWindow(readTimes, azureMinuteMs) / 60;
  const peakSingleSecond = busiestWindow(readTimes, 1_000 / scale);
  const followPeakPerSecond = busiestWindow(followTimes, azureMinuteMs) / 60;
  const byOperation = new Map<string, number>();
  for (const entry of requests.filter((request) => request.method === 'GET'))
    byOperation.set(entry.operationId, (byOperation.get(entry.operationId) ?? 0) + 1);

  // What the real schedule reads: each job at its check-back points up to the first one past its end, and one job
  // listing per retry. A runner that falls behind reads later, hence less: measured below this means lag.
  const scheduledReads = plan.reduce((sum, vm) => {
    const jobs = EXPECTED[vm.vmClass].jobs;
    return sum + jobs * readsOfJob(vm.jobMinutes, DEFAULT_CHECK_BACKS) + (jobs - 1);
  }, 0);
  const scheduledPerHour =
    scheduledReads / plan.reduce((sum, vm) => sum + (EXPECTED[vm.vmClass].jobs * vm.jobMinutes) / 60, 0);
  const offSchedule = vms.map((vm) => {
    const jobs = EXPECTED[vm.vmClass].jobs;
    return (vm.row?.firstBackupReads ?? 0) - (jobs * readsOfJob(vm.jobMinutes, DEFAULT_CHECK_BACKS) + jobs - 1);
  });
  const toAzureMinutes = (ms: number) => (ms * scale) / 60_000;
  const protectedVms = vms.filter((vm) => vm.row?.status === 'protected');
  const timeToRestore = protectedVms.map((vm) =>
    toAzureMinutes(Date.parse(vm.row?.firstBackupCompletedAt ?? '') - Date.parse(vm.row?.firstSeen ?? '')),
  );
  // How long after its last job ended the app wrote the VM's outcome (firstBackupCompletedAt is the job's own end).
  const noticed = vms
    .filter((vm) => vm.asExpected)
    .map((vm) => toAzureMinutes(Date.parse(vm.row?.lastChanged ?? '') - vm.lastJobEnd));
  const triggers = rows
    .map((row) => Date.parse(row.firstBackupTriggeredAt ?? ''))
    .filter((time) => Number.isFinite(time));
  const jobMinutesText = `${options.jobMinutes.min}-${options.jobMinutes.max}`;
  const figures = [
    ...classFigures,
    figure('VMs whose outcome was missed (not final, or another status or job count)', missed.length, 'VMs', {
      text: '0',
      met: missed.length === 0,
    }),
    figure(
      'ARM reads following first backups (job GETs + retry listings), per VM: measured / the real schedule',
      `${(followTimes.length / Math.max(1, plan.length)).toFixed(2)} / ${(scheduledReads / Math.max(1, plan.length)).toFixed(2)}`,
    ),
    figure(`ARM reads per VM per hour of job time (${jobMinutesText}-minute jobs, all VMs)`, perHour, ''),
    // Sped up, a late check-back can read less than the real schedule would: the target holds for the larger figure.
    figure('  the same on the real schedule (what Azure-speed check-backs read)', scheduledPerHour, '', {
      text: '<= 12 (one per 5 min), and the measured one too',
      met: Math.max(perHour, scheduledPerHour) <= 12,
    }),
    ...classes
      .filter((vmClass) => vmClass !== 'agent-never')
      .map((vmClass) => figure(`  the worst single VM, ${EXPECTED[vmClass].label}`, worstPerHour(vmClass))),
    figure('peak total ARM reads per Azure second (busiest Azure minute / 60)', peakPerSecond, 'reads/s', {
      text: `<= ${ARM_READS_PER_SECOND} (ARM's read refill per subscription)`,
      met: peakPerSecond <= ARM_READS_PER_SECOND,
    }),
    figure('  busiest single Azure second', peakSingleSecond, 'reads'),
    figure('  reads following first backups only (busiest Azure minute / 60)', followPeakPerSecond, 'reads/s'),
    figure(
      'time to first restore point p50 / p95 (Azure minutes)',
      `${percentile(timeToRestore, 50).toFixed(1)} / ${percentile(timeToRestore, 95).toFixed(1)}`,
    ),
    figure(
      'outcome recorded after the last job ended p50 / p95 / max (Azure minutes)',
      `${percentile(noticed, 50).toFixed(1)} / ${percentile(noticed, 95).toFixed(1)} / ${percentile(noticed, 100).toFixed(1)}`,
    ),
  ];
  const notes = [
    `time x${scale}: 1 Azure minute = ${(azureMinuteMs / 1000).toFixed(1)} real s; check-backs ${DEFAULT_CHECK_BACKS} and retries ${DEFAULT_RETRY_DELAYS} divided by ${scale}; the runner's queue polling (up to 2 s) is up to ${toAzureMinutes(2_000).toFixed(1)} Azure minutes late`,
    `followed for ${(run.followedMs / 1000).toFixed(0)} real s (${toAzureMinutes(run.followedMs).toFixed(0)} Azure minutes)${run.final ? '' : ', stopped at the deadline with VMs not final'}; first Backup jobs triggered over ${toAzureMinutes(Math.max(...triggers) - Math.min(...triggers)).toFixed(1)} Azure minutes`,
    `ARM reads (GET) by operation: ${[...byOperation].map(([operation, count]) => `${operation} ${count}`).join(', ')}`,
    `reads per Azure second: every GET of the run in a sliding window of 1 Azure minute (${azureMinuteMs} real ms) / 60; the single Azure second (${(1_000 / scale).toFixed(1)} real ms) is shown but not compared: within it the runner's batches (16 messages at once, polled every 2 real s) gather reads due up to ${toAzureMinutes(2_000).toFixed(0)} Azure minute apart. The protection before the first backups (VM GETs, operation polls) runs at the runner's real pace with squeezed durations, so its reads per Azure second are not Azure's (workloads 3, 5 and 6 measure that phase under ARM's buckets)`,
    `VMs whose ledger read count is below / at / above the real schedule's: ${offSchedule.filter((d) => d < 0).length} / ${offSchedule.filter((d) => d === 0).length} / ${offSchedule.filter((d) => d > 0).length} (lowest ${Math.min(...offSchedule)}, highest +${Math.max(...offSchedule)})`,
    `CPU over the run: host ${(run.cpu.hostBusy * 100).toFixed(0)} % busy (${run.cpu.saturatedSeconds} s at >= 95 %); ${Object.entries(
      run.cpu.processMs,
    )
      .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(0)} s`)
      .join(', ')}`,
    ...(log.total > log.entries.length ? [`request log kept ${log.entries.length} of ${log.total} requests`] : []),
    ...(missed.length > 0
      ? [
          `missed: ${missed
            .slice(0, 10)
            .map((vm) => `${vm.name} (${vm.vmClass}: ${vm.row?.status ?? 'no row'}, ${vm.jobCount} jobs)`)
            .join(', ')}`,
        ]
      : []),
  ];
  return { figures, notes };
}

/** The most timestamps (ms, any order) within any window of `windowMs` starting at one of them. */
export function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Reads of a job of `minutes` on the check-back schedule: each point before its end, and the one that sees it end. */
export function readsOfJob(minutes: number, checkBacks: string): number {
  const delays = checkBacks.split(',').map((entry) => (parseDurationMs(entry.trim()) ?? 0) / 60_000);
  let reads = 0;
  let point = 0;
  for (let index = 0; ; index++) {
    point += delays[Math.min(index, delays.length - 1)] ?? 1;
    reads++;
    if (point >= minutes) return reads;
  }
}

function sizeText(options: FollowOptions, plan: readonly PlannedVm[]): string {
  const count = (vmClass: VmClass) => plan.filter((vm) => vm.vmClass === vmClass).length;
  return (
    `${options.vms} VMs at once (${count('fails-once')} whose first Backup job fails once with ${RETRIABLE_CODE}, ` +
    `${count('agent-never')} with a guest agent that never comes up), first backups of ` +
    `${options.jobMinutes.min}-${options.jobMinutes.max} Azure minutes spread evenly, time x${options.scale}, ` +
    `${options.runners} runner${options.runners === 1 ? '' : 's'}; ` +
    `check-backs ${DEFAULT_CHECK_BACKS}, retries ${DEFAULT_RETRY_DELAYS} (scaled)`
  );
}

function azureMinutesToMs(minutes: number, scale: number): number {
  return Math.round((minutes * 60_000) / scale);
}

/** `PT2M` / 10 -> `PT12S` (seconds, decimals allowed). */
function scaleDuration(iso: string, scale: number): string {
  const ms = parseDurationMs(iso.trim());
  if (ms === undefined) throw new Error(`cannot scale ${iso}`);
  return `PT${ms / scale / 1000}S`;
}
