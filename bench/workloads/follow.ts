import { DEFAULT_CHECK_BACKS, DEFAULT_RETRY_DELAYS, parseDurationMs } from '../../src/lib/config';
import { mapLimit } from '../../tools/shared/mapLimit';
import { simGet, simPost } from '../../tools/stack/simControl';
import { appQueue, stackRuntime } from '../../tools/stack/stackRuntime';
import { queueLength, type SimRequest, startBenchStack } from '../benchStack';
import { percentile, pollUntil } from '../stats';
import { figure, type WorkloadResult } from '../types';

/**
 * Workload 7 (first-backups): following first backups to their end. `vms` VMs created at once; their first Backup
 * jobs last `jobMinutes`; `agentNever` of them have a guest agent that never comes up (first backup retried, then
 * first-backup-failed). Time runs `scale` times faster than in Azure (10: a minute is 6 s): the simulator's job and the
 * app's check-back and retry delays are all divided by it, so the reads are those of the real schedule, as long as the
 * runner's queue polling (up to 2 s, host.json) stays small against the scaled delays. ARM throttling is off (the
 * reads are counted, not paced: squeezed in time they would exceed ARM's 25/s, which at real speed they are far from).
 */
export async function runFollow(options: {
  vms: number;
  agentNever: number;
  jobMinutes: number;
  scale: number;
}): Promise<WorkloadResult> {
  const started = Date.now();
  const scaled = (durations: string) => durations.split(',').map((entry) => scaleDuration(entry, options.scale));
  const checkBacks = scaled(DEFAULT_CHECK_BACKS);
  const retries = scaled(DEFAULT_RETRY_DELAYS);
  const jobMs = (options.jobMinutes * 60_000) / options.scale;
  const stack = await startBenchStack({
    timing: { configureBackupMs: 300, backupOperationMs: 100, backupJobMs: jobMs, retryAfterSeconds: 1 },
    extraSettings: {
      AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: checkBacks.join(','),
      AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: retries.join(','),
    },
  });
  try {
    await simPost(stack, 'throttling', { enabled: false });
    const names = Array.from({ length: options.vms }, (_, index) => `vm-follow-${String(index).padStart(4, '0')}`);
    const failing = new Set(names.slice(0, options.agentNever));
    const firstCreateMs = Date.now();
    await mapLimit(names, 50, (name) =>
      simPost(stack, 'vms', {
        resourceGroup: 'rg-bench',
        name,
        location: 'eastus',
        guestAgent: failing.has(name) ? 'unavailable' : 'ready',
      }),
    );
    const { adapters } = stackRuntime(stack);
    const requestQueue = appQueue(stack, 'requests');
    const retryMs = retries.reduce((sum, delay) => sum + (parseDurationMs(delay) ?? 0), 0);
    const worstCaseMs = (retryMs + (retries.length + 1) * jobMs) * 1.5;
    const rows = await pollUntil(
      `every first backup of ${options.vms} VMs followed to its end`,
      async () => {
        const final = [];
        for await (const row of adapters.ledger.list({ statuses: ['protected', 'first-backup-failed'] }))
          final.push(row);
        return final.length === options.vms && (await queueLength(requestQueue)) === 0 ? final : undefined;
      },
      120_000 + worstCaseMs,
      1_000,
    );
    const log = await simGet<{ entries: SimRequest[] }>(stack, 'requests');
    const state = await simGet<{
      jobs: Array<{
        operation: string;
        status: string;
        entityFriendlyName: string;
        startTime: string;
        endTime: string;
      }>;
    }>(stack, 'state');
    const requests = log.entries.filter((entry) => Date.parse(entry.time) >= firstCreateMs - 1_000);
    const count = (operationId: string) => requests.filter((entry) => entry.operationId === operationId).length;
    const jobGets = count('JobDetails_Get');
    const listings = count('BackupJobs_List');
    const good = rows.filter((row) => row.status === 'protected');
    const bad = rows.filter((row) => row.status === 'first-backup-failed');
    const readsOf = (subset: typeof rows) => subset.reduce((sum, row) => sum + (row.firstBackupReads ?? 0), 0);
    // Job time in Azure's minutes: each Backup job's run, times the time scale.
    const backups = state.jobs.filter((job) => job.operation === 'Backup');
    const jobMinutes = (subset: Set<string>) =>
      backups
        .filter((job) => subset.has(job.entityFriendlyName.toLowerCase()))
        .reduce((sum, job) => sum + (Date.parse(job.endTime) - Date.parse(job.startTime)), 0) *
      (options.scale / 60_000);
    const namesOf = (subset: typeof rows) =>
      new Set(subset.map((row) => row.vmResourceId.split('/').at(-1)?.toLowerCase() ?? ''));
    const goodNames = namesOf(good);
    const badNames = namesOf(bad);
    const jobsOf = (subset: Set<string>) =>
      backups.filter((job) => subset.has(job.entityFriendlyName.toLowerCase())).length;
    const goodReads = readsOf(good);
    const perHour = goodReads / (jobMinutes(goodNames) / 60);
    const timeToRestore = good.map(
      (row) => ((Date.parse(row.firstBackupCompletedAt ?? '') - Date.parse(row.firstSeen)) * options.scale) / 60_000,
    );
    const figures = [
      figure('first backups followed to their end', `${good.length} protected, ${bad.length} first-backup-failed`),
      figure(
        'ARM reads following first backups (job GETs + retry listings), per VM',
        (jobGets + listings) / options.vms,
      ),
      figure('  per protected VM (its ledger count)', goodReads / Math.max(1, good.length)),
      ...(bad.length > 0
        ? [figure('  per VM whose first backup failed (1 + 3 retries)', readsOf(bad) / Math.max(1, bad.length))]
        : []),
      figure(`ARM reads per VM per hour of job time (${options.jobMinutes}-minute jobs)`, perHour, '', {
        text: '<= 12 (one per 5 min)',
        met: perHour <= 12,
      }),
      figure(
        'Backup jobs per protected VM / per failing VM',
        `${(jobsOf(goodNames) / Math.max(1, good.length)).toFixed(2)} / ${(jobsOf(badNames) / Math.max(1, bad.length)).toFixed(2)}`,
        '',
        { text: '1 / 4', met: jobsOf(goodNames) === good.length && jobsOf(badNames) === 4 * bad.length },
      ),
      figure(
        'time to first restore point p50 / p95 (Azure minutes)',
        `${percentile(timeToRestore, 50).toFixed(1)} / ${percentile(timeToRestore, 95).toFixed(1)}`,
      ),
    ];
    return {
      name: '7 first-backups',
      workload: 'first-backups',
      size: `${options.vms} VMs at once (${options.agentNever} with a guest agent that never comes up), ${options.jobMinutes}-minute first backups, time x${options.scale}; check-backs ${DEFAULT_CHECK_BACKS}, retries ${DEFAULT_RETRY_DELAYS} (scaled)`,
      durationMs: Date.now() - started,
      figures,
      notes: [`job GETs ${jobGets}, job listings ${listings}`],
    };
  } finally {
    await stack.stop();
  }
}

/** `PT2M` / 10 -> `PT12S` (seconds, decimals allowed). */
function scaleDuration(iso: string, scale: number): string {
  const ms = parseDurationMs(iso.trim());
  if (ms === undefined) throw new Error(`cannot scale ${iso}`);
  return `PT${ms / scale / 1000}S`;
}
