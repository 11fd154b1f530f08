import { mapLimit } from '../../tools/shared/mapLimit';
import { simGet, simPost } from '../../tools/stack/simControl';
import { appQueue } from '../../tools/stack/stackRuntime';
import type { Stack } from '../../tools/stack/startStack';
import { endMs, queueLength, type SimRequest, type SimStateView, vmNameOfItemPath } from '../benchStack';
import { pollUntil } from '../stats';

export interface ProtectRunResult {
  created: Map<string, number>;
  /** The subscription each VM (lower-case name) was created in. */
  subscriptionOf: Map<string, string>;
  requests: SimRequest[];
  state: SimStateView;
  poison: number;
  firstCreateMs: number;
}

/**
 * Creates `count` VMs through the simulator (each raises its Event Grid write event), one every `intervalMs` (0 = all
 * at once, 50 requests in flight), then waits until each has a Backup job and (with `drainQueue`) the request queue
 * holds nothing but the one check-back following each first backup (BENCH_SETTINGS puts it an hour away). With
 * `subscriptionIds`, VM i is created in subscription i mod n (so every subscription starts at once), and its name
 * says which (`<prefix>-s<k>-<i>`).
 */
export async function createVmsAndWait(
  stack: Stack,
  options: {
    prefix: string;
    count: number;
    intervalMs: number;
    timeoutMs: number;
    drainQueue: boolean;
    subscriptionIds?: readonly string[];
  },
): Promise<ProtectRunResult> {
  const subscriptions = options.subscriptionIds ?? [];
  const vms = Array.from({ length: options.count }, (_, i) => {
    const k = subscriptions.length === 0 ? undefined : i % subscriptions.length;
    const name = `${options.prefix}${k === undefined ? '' : `-s${k}`}-${String(i).padStart(4, '0')}`;
    return { name, subscriptionId: k === undefined ? undefined : subscriptions[k] };
  });
  const names = vms.map((vm) => vm.name);
  const create = (vm: (typeof vms)[number]) =>
    simPost(stack, 'vms', {
      subscriptionId: vm.subscriptionId,
      resourceGroup: 'rg-bench',
      name: vm.name,
      location: 'eastus',
    });
  const firstCreateMs = Date.now();
  if (options.intervalMs > 0) {
    const pending: Array<Promise<unknown>> = [];
    for (const [i, vm] of vms.entries()) {
      const due = firstCreateMs + i * options.intervalMs;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      pending.push(create(vm));
    }
    await Promise.all(pending);
  } else {
    await mapLimit(vms, 50, create);
  }
  const wanted = new Set(names);
  const requestQueue = appQueue(stack, 'requests');
  const state = await pollUntil(
    `a Backup job for each of ${options.count} VMs`,
    async () => {
      const s = await simGet<SimStateView>(stack, 'state');
      const withJob = new Set(
        s.jobs
          .filter((j) => j.operation === 'Backup' && wanted.has(j.entityFriendlyName))
          .map((j) => j.entityFriendlyName),
      );
      if (withJob.size < wanted.size) return undefined;
      return !options.drainQueue || (await queueLength(requestQueue)) <= wanted.size ? s : undefined;
    },
    options.timeoutMs,
    // Each look renders the simulator's whole state in the bench's process, which is also the simulator's: with
    // thousands of VMs, look less often (the makespan comes from the request log, not from when the bench looked).
    Math.min(3000, Math.max(1000, options.count)),
  );
  const log = await simGet<{ entries: SimRequest[] }>(stack, 'requests');
  const created = new Map(
    state.vms.filter((vm) => wanted.has(vm.name)).map((vm) => [vm.name.toLowerCase(), Date.parse(vm.createdAt)]),
  );
  const requests = log.entries.filter((entry) => Date.parse(entry.time) >= firstCreateMs - 1000);
  const subscriptionOf = new Map(vms.map((vm) => [vm.name.toLowerCase(), vm.subscriptionId ?? '']));
  return {
    created,
    subscriptionOf,
    requests,
    state,
    poison: await queueLength(appQueue(stack, 'poison')),
    firstCreateMs,
  };
}

/** Per VM: when protection was enabled (PUT accepted + the operation's duration) and when the backup was triggered. */
export function milestones(
  run: ProtectRunResult,
  configureMs: number,
): { enabled: number[]; triggered: number[]; lastTriggerMs: number; triggeredAt: Map<string, number> } {
  const enabledAt = new Map<string, number>();
  const triggeredAt = new Map<string, number>();
  for (const entry of run.requests) {
    const vm = vmNameOfItemPath(entry.path);
    if (!vm || entry.status !== 202) continue;
    if (entry.operationId === 'ProtectedItems_CreateOrUpdate' && !enabledAt.has(vm))
      enabledAt.set(vm, endMs(entry) + configureMs);
    if (entry.operationId === 'Backups_Trigger' && !triggeredAt.has(vm)) triggeredAt.set(vm, endMs(entry));
  }
  const enabled: number[] = [];
  const triggered: number[] = [];
  let lastTriggerMs = 0;
  for (const [vm, createdAt] of run.created) {
    const e = enabledAt.get(vm);
    const t = triggeredAt.get(vm);
    if (e !== undefined) enabled.push(e - createdAt);
    if (t !== undefined) {
      triggered.push(t - createdAt);
      lastTriggerMs = Math.max(lastTriggerMs, t);
    }
  }
  return { enabled, triggered, lastTriggerMs, triggeredAt };
}

const POLL_OPERATIONS = /OperationStatuses_Get|OperationResults_Get|JobDetails_Get/;

/** ARM requests by kind (reads, writes, polls, deletes), 429s, and Backup jobs per VM. */
export function requestMix(run: ProtectRunResult): {
  reads: number;
  writes: number;
  polls: number;
  deletes: number;
  total: number;
  throttled: number;
  byOperation: Record<string, number>;
  backupJobs: { min: number; max: number; notOne: number };
} {
  const mix = {
    reads: 0,
    writes: 0,
    polls: 0,
    deletes: 0,
    total: 0,
    throttled: 0,
    byOperation: {} as Record<string, number>,
  };
  for (const entry of run.requests) {
    mix.total++;
    mix.byOperation[entry.operationId] = (mix.byOperation[entry.operationId] ?? 0) + 1;
    if (entry.status === 429) mix.throttled++;
    if (entry.method === 'GET') {
      if (POLL_OPERATIONS.test(entry.operationId)) mix.polls++;
      else mix.reads++;
    } else if (entry.method === 'DELETE') mix.deletes++;
    else mix.writes++;
  }
  const perVm = new Map<string, number>([...run.created.keys()].map((vm) => [vm, 0]));
  for (const job of run.state.jobs) {
    const vm = job.entityFriendlyName.toLowerCase();
    if (job.operation === 'Backup' && perVm.has(vm)) perVm.set(vm, (perVm.get(vm) ?? 0) + 1);
  }
  const counts = [...perVm.values()];
  return {
    ...mix,
    backupJobs: { min: Math.min(...counts), max: Math.max(...counts), notOne: counts.filter((c) => c !== 1).length },
  };
}
