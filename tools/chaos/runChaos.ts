import { randomBytes } from 'node:crypto';

import { resourceEvent } from '../../simulator/src/eventgrid/events';
import { vmIdOf } from '../../simulator/src/store/model';
import { createRateLimiter } from '../cli/format/rateLimiter';
import { mapLimit } from '../shared/mapLimit';
import { stackRuntime } from '../stack/stackRuntime';
import { ISOLATED_STACK, startStack } from '../stack/startStack';
import { chaosFaultRules } from './chaosFaults';
import { startMonkey } from './chaosMonkey';
import {
  CHAOS_RETRY_DELAYS,
  CHAOS_RULES,
  CHAOS_SIM_TIMING,
  FOLLOW_AT_SIM_PACE,
  type PlannedVm,
  planVms,
  seededRandom,
} from './chaosPlan';
import { eventCounts, replaceRunnerWithFleet, type SimEvents, waitSettled } from './chaosStack';
import { ChaosRunError } from './errors';
import { scanForSecrets, type SecretFinding } from './scanSecrets';
import { SimControl, withRetries } from './simControl';
import { collectScannedTexts, secretsOf, StackStorage, writeReport } from './stackReadings';
import { type ChaosVerdict, verifyChaos } from './verifyChaos';

export interface ChaosOptions {
  repoRoot: string;
  vmCount: number;
  seed: number;
  /** Upper bound of SIGKILLs during the run (spread at random moments, 1.5-3.5 s apart). */
  maxKills: number;
  /** Bound for everything to reach its final state after the last VM was created. */
  settleTimeoutMs: number;
  /** How fast VMs are created (the simulator then emits their events). */
  createPerSecond: number;
  say: (line: string) => void;
}

export interface ChaosResult {
  seed: number;
  vmCount: number;
  durationMs: number;
  verdict: ChaosVerdict;
  kills: number;
  restarts: number;
  secretFindings: SecretFinding[];
  requests: { total: number; throttled: number; byOperation: Record<string, number> };
  faultHits: Record<string, number>;
  events: { published: number; deliveries: number; retried: number; lost: number };
  hostLogLines: number;
  rejects: number;
  scanned: Array<{ source: string; chars: number }>;
}

interface SimRequests {
  total: number;
  throttled: number;
  byOperation: Record<string, number>;
}

const QUEUE_LEASE_MS = 4_000;

/**
 * The chaos run: the whole local stack with two competing runner processes, the simulator's event noise and
 * transient faults, permanent cases, and SIGKILLs at random moments; then the verdict, the secrets scan and the
 * ARM request counts. Throws ChaosRunError only when the run itself could not be carried out.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const plan = planVms(random, options.vmCount);
  const hostLog: string[] = [];
  const stack = await startStack({
    repoRoot: options.repoRoot,
    ...ISOLATED_STACK,
    simTiming: CHAOS_SIM_TIMING,
    rules: CHAOS_RULES,
    extraSettings: {
      AUTOPROTECT_LEASE_SECONDS: '6',
      AUTOPROTECT_INVOCATION_BUDGET: '5',
      AUTOPROTECT_MAX_ATTEMPTS: '8',
      ...FOLLOW_AT_SIM_PACE,
      AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: CHAOS_RETRY_DELAYS.join(','),
    },
    hostLog: (line) => hostLog.push(line),
  });
  const fleet = await replaceRunnerWithFleet(stack, options.repoRoot, hostLog, { queueMessageLeaseMs: QUEUE_LEASE_MS });
  try {
    const sim = new SimControl(stack.sim);
    const storage = new StackStorage(stackRuntime(stack));
    const subscriptionId = stack.info.subscriptionIds[0] ?? '';
    await sim.post('throttling', {
      reads: { size: 2_000, refillPerSecond: 500 },
      writes: { size: 2_000, refillPerSecond: 500 },
    });
    const deletedEvents = await prepareDeletedVms(
      sim,
      subscriptionId,
      plan.filter((vm) => vm.chaosCase === 'vm-deleted'),
    );
    await sim.post('noise', { updateAfterCreate: true, extensionWriteAfterCreate: true, duplicateDeliveryRate: 0.2 });
    await sim.post('faults', { faults: chaosFaultRules(0.1) });
    options.say(`chaos: seed ${options.seed}, ${plan.length} VMs, ${fleet.slots.length} runners, faults on`);

    const monkey = startMonkey(fleet, random, options.maxKills);
    const agents = startAgentFixer(storage, sim, plan, subscriptionId, options.say);
    const webhook = stack.info.eventGridWebhookUrl;
    // VMs arrive over time (createPerSecond), so SIGKILLs also hit the webhook while Event Grid is delivering.
    const pace = createRateLimiter(options.createPerSecond);
    await mapLimit(plan, 6, async (vm) => {
      await pace.acquire();
      const event = deletedEvents.get(vm.name);
      if (event) await withRetries(`delivering the event of ${vm.name}`, () => postEvent(webhook, event), 100);
      else await withRetries(`creating ${vm.name}`, () => sim.createVm(vm, true));
    });
    options.say(`chaos: ${plan.length} VMs created after ${Date.now() - started} ms; waiting for final states`);

    const settleDeadline = Date.now() + options.settleTimeoutMs;
    await waitSettled(storage, sim, plan, subscriptionId, { deadline: settleDeadline, say: options.say });
    await monkey.stop();
    await agents.stop();
    const faults = await sim.get<{ faults: Array<{ kind: string; hits: number }> }>('faults');
    await sim.post('faults', { faults: [] });
    await sim.post('noise', { duplicateDeliveryRate: 0 });
    await waitSettled(storage, sim, plan, subscriptionId, {
      deadline: Math.max(settleDeadline, Date.now() + 30_000),
      say: options.say,
    });

    const verdict = verifyChaos(
      plan,
      subscriptionId,
      await sim.get('state'),
      await storage.ledgerRows(),
      await storage.queueFacts(),
    );
    options.say(`chaos: verdict ready after ${Date.now() - started} ms; writing the report`);
    const rejects = await storage.rejectRows();
    await writeReport(storage, fleet);
    const requests = await sim.get<SimRequests>('requests');
    const scanned = await collectScannedTexts(storage, hostLog, rejects);
    const secretFindings = scanForSecrets(scanned, secretsOf(stack, fleet));
    return {
      seed: options.seed,
      vmCount: plan.length,
      durationMs: Date.now() - started,
      verdict,
      kills: fleet.kills,
      restarts: fleet.restarts,
      secretFindings,
      requests: { total: requests.total, throttled: requests.throttled, byOperation: requests.byOperation },
      faultHits: Object.fromEntries(faults.faults.map((fault) => [fault.kind, fault.hits])),
      events: eventCounts(await sim.get<SimEvents>('events')),
      hostLogLines: hostLog.length,
      rejects: rejects.length,
      scanned: scanned.map((text) => ({ source: text.source, chars: text.text.length })),
    };
  } finally {
    await fleet.stopAll();
    await stack.stop();
  }
}

/** VMs deleted before they are processed: created silently, deleted, and their (late) write event kept for delivery. */
async function prepareDeletedVms(
  sim: SimControl,
  subscriptionId: string,
  vms: readonly PlannedVm[],
): Promise<Map<string, unknown[]>> {
  const events = new Map<string, unknown[]>();
  for (const vm of vms) {
    await sim.createVm(vm, false);
    const id = vmIdOf(subscriptionId, vm.resourceGroup, vm.name);
    await sim.deleteVm(id);
    const event = resourceEvent({
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      subscriptionId,
      tenantId: '22222222-2222-2222-2222-222222222222',
      resourceUri: id,
      operationName: 'Microsoft.Compute/virtualMachines/write',
      correlationId: randomBytes(16).toString('hex'),
      now: Date.now(),
    });
    events.set(vm.name, [event]);
  }
  return events;
}

async function postEvent(url: string, events: unknown[]): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
    body: JSON.stringify(events),
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  if (response.status < 200 || response.status > 204) throw new ChaosRunError(`webhook answered ${response.status}`);
}

/**
 * The `agent-late` VMs' guest agents come up once their first backup has failed: when the ledger shows the retry
 * scheduled (CHAOS_RETRY_DELAYS away), the harness makes the agent ready (PATCH /_sim/vms/..., no event), so the
 * retry succeeds and the VM ends with exactly two Backup jobs.
 */
function startAgentFixer(
  storage: StackStorage,
  sim: SimControl,
  plan: readonly PlannedVm[],
  subscriptionId: string,
  say: (line: string) => void,
): { stop(): Promise<void> } {
  const late = new Map(
    plan
      .filter((vm) => vm.chaosCase === 'agent-late')
      .map((vm) => [vmIdOf(subscriptionId, vm.resourceGroup, vm.name).toLowerCase(), vm]),
  );
  let stopped = false;
  const loop = (async () => {
    while (!stopped && late.size > 0) {
      try {
        for (const row of await storage.ledgerRows()) {
          const vm = late.get(row.vmKey);
          if (!vm || row.reason !== 'first-backup-retry-scheduled') continue;
          await sim.patch(`vms/${subscriptionId}/${vm.resourceGroup}/${vm.name}`, { guestAgent: 'ready' });
          late.delete(row.vmKey);
        }
      } catch (error) {
        say(
          `chaos: reading the ledger for late agents failed, trying again: ${(error as Error).message.split('\n')[0]}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
