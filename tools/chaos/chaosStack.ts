import { randomBytes } from 'node:crypto';

import { freePort } from '../../simulator/src/ports';
import { vmIdOf } from '../../simulator/src/store/model';
import type { Stack } from '../stack/startStack';
import type { PlannedVm } from './chaosPlan';
import { RunnerFleet, type RunnerSlot } from './runnerFleet';
import type { SimControl } from './simControl';
import type { StackStorage } from './stackReadings';
import { FINAL_STATUSES } from './verifyChaos';

/** What the chaos runs read of the simulator's `GET /_sim/events`. */
export interface SimEvents {
  published: unknown[];
  deliveries: Array<{ eventIds: string[]; outcome: string; time?: string }>;
}

export interface ChaosFleetOptions {
  /** Receive visibility of queue messages (the host's 10 minutes, shortened so an abandoned lease expires quickly). */
  queueMessageLeaseMs: number;
  /** App settings the fleet's runners get instead of the stack's (e.g. storage through a proxy). */
  settings?: Record<string, string>;
}

/**
 * Two runner processes on the stack's queue, replacing its own runner before any VM: `chaos-1` on the stack's URL
 * and keys (webhook, timer and queue), `chaos-2` on the queue only (the timer runs in one instance, as the host's
 * singleton lock would ensure).
 */
export async function replaceRunnerWithFleet(
  stack: Stack,
  appDir: string,
  hostLog: string[],
  options: ChaosFleetOptions,
): Promise<RunnerFleet> {
  const first: RunnerSlot = {
    instanceId: 'chaos-1',
    port: stack.runner.port,
    masterKey: stack.runner.masterKey,
    systemKey: stack.runner.systemKey,
  };
  const second: RunnerSlot = {
    instanceId: 'chaos-2',
    port: await freePort(),
    masterKey: randomBytes(32).toString('base64url'),
    systemKey: randomBytes(32).toString('base64url'),
    functions: ['enqueueProtection', 'protectVm'],
  };
  await stack.runner.kill();
  const fleet = new RunnerFleet(
    {
      appDir,
      settings: options.settings ?? stack.info.appSettings,
      queueMessageLeaseMs: options.queueMessageLeaseMs,
      onLog: (line) => hostLog.push(line),
    },
    [first, second],
  );
  await fleet.startAll();
  return fleet;
}

export interface SettleOptions {
  /** Gives up (returns false) at this time. */
  deadline: number;
  /** Between two reads (default 1 s). */
  pollMs?: number;
  say: (line: string) => void;
}

/**
 * Until every VM of `plan` has a final ledger row, the request queue is empty and no Event Grid delivery is pending,
 * twice a poll apart (late duplicates and delayed re-enqueues have had time to show up), or the deadline. A failed
 * read (the machine is busy, storage is coming back) counts as "not yet". Resolves with the time of the first of the
 * two quiet reads, or undefined at the deadline.
 */
export async function waitSettled(
  storage: StackStorage,
  sim: SimControl,
  plan: readonly PlannedVm[],
  subscriptionId: string,
  options: SettleOptions,
): Promise<number | undefined> {
  const keys = plan.map((vm) => vmIdOf(subscriptionId, vm.resourceGroup, vm.name).toLowerCase());
  const pollMs = options.pollMs ?? 1_000;
  let quietSince: number | undefined;
  let quietRounds = 0;
  while (Date.now() < options.deadline && quietRounds < 2) {
    const readAt = Date.now();
    try {
      const rows = new Map((await storage.ledgerRows()).map((row) => [row.vmKey, row.status]));
      const final = keys.every((key) => FINAL_STATUSES.has(rows.get(key) ?? ''));
      const left = (await storage.queueFacts()).requestsLeft;
      const pending = eventCounts(await sim.get<SimEvents>('events')).pending;
      const quiet = final && left === 0 && pending === 0;
      if (quiet && quietRounds === 0) quietSince = readAt;
      quietRounds = quiet ? quietRounds + 1 : 0;
    } catch (error) {
      quietRounds = 0;
      options.say(`chaos: reading the stack failed, trying again: ${(error as Error).message.split('\n')[0]}`);
    }
    if (quietRounds < 2) await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return quietRounds >= 2 ? quietSince : undefined;
}

export function eventCounts(events: SimEvents): {
  published: number;
  deliveries: number;
  retried: number;
  lost: number;
  pending: number;
} {
  const last = new Map<string, string>();
  let retried = 0;
  for (const delivery of events.deliveries) {
    const key = delivery.eventIds.join(',');
    if (delivery.outcome === 'retry') retried += 1;
    last.set(key, delivery.outcome);
  }
  const outcomes = [...last.values()];
  return {
    published: events.published.length,
    deliveries: events.deliveries.length,
    retried,
    lost: outcomes.filter((outcome) => outcome === 'deadLettered' || outcome === 'dropped').length,
    pending: outcomes.filter((outcome) => outcome === 'retry').length,
  };
}
