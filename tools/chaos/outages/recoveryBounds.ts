import { RETRY_SCHEDULE_SECONDS } from '../../../simulator/src/eventgrid/delivery';
import { retryDelayMs, type RetryDelaySettings } from '../../../src/lib/protection/retryDelay';
import type { OutageSettings } from './outagePlan';

/**
 * How long recovery after an outage may take, from the mechanisms that wait: autoprotect's re-enqueue backoff, Event
 * Grid's retry schedule, leases that outlive a cut invocation, and ARM's token buckets for the backlog (the bound
 * docs/benchmarks.md uses for bursts: (N x W - bucket) / refill). Each is computed from the settings of the run.
 */

/** Delay ceilings of the re-enqueues before attempts 2..maxAttempts (the app's own retryDelayMs, jitter at 1). */
function delayCeilings(settings: RetryDelaySettings, maxAttempts: number, retryAfterMs = 0): number[] {
  return Array.from({ length: Math.max(0, maxAttempts - 1) }, (_, index) =>
    retryDelayMs(index + 2, settings, retryAfterMs, () => 1),
  );
}

/**
 * The total wait of a request whose every attempt fails transiently: `minMs` with the shortest jitter, `maxMs` with
 * the longest. An outage shorter than `minMs` never sends a request to the poison queue.
 */
export function retryBudgetMs(
  settings: RetryDelaySettings,
  maxAttempts: number,
  retryAfterMs = 0,
): { minMs: number; maxMs: number } {
  const shortest = Array.from({ length: Math.max(0, maxAttempts - 1) }, (_, index) =>
    retryDelayMs(index + 2, settings, retryAfterMs, () => 0),
  );
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return { minMs: sum(shortest), maxMs: sum(delayCeilings(settings, maxAttempts, retryAfterMs)) };
}

/**
 * The longest re-enqueue delay a request can be sleeping in when an outage of `outageMs` ends: the ceiling of the
 * last delay it can have started within the outage (it progresses fastest with the shortest jitter).
 */
export function backoffWaitBoundMs(
  settings: RetryDelaySettings,
  maxAttempts: number,
  outageMs: number,
  retryAfterMs = 0,
): number {
  const ceilings = delayCeilings(settings, maxAttempts, retryAfterMs);
  let elapsed = 0;
  let bound = 0;
  for (const [index, ceiling] of ceilings.entries()) {
    if (elapsed > outageMs) break;
    bound = Math.max(bound, ceiling);
    elapsed += retryDelayMs(index + 2, settings, retryAfterMs, () => 0);
  }
  return bound;
}

/**
 * The longest Event Grid keeps an event waiting after an outage of `outageMs` ends: the widest gap of its retry
 * schedule (10 s, 30 s, 1 min, 5 min, ..., scaled by `scale`) that an outage of that length can end inside.
 */
export function eventGridWaitBoundMs(outageMs: number, scale: number): number {
  let start = 0;
  let bound = 0;
  for (const seconds of [...RETRY_SCHEDULE_SECONDS, 12 * 3600]) {
    if (start > outageMs) break;
    const gap = seconds * 1000 * scale;
    bound = Math.max(bound, gap);
    start += gap;
  }
  return bound;
}

export interface Bucket {
  size: number;
  refillPerSecond: number;
}

/** ARM's subscription write bucket (arm-throttling.md): 200, then 10 per second. */
export const ARM_WRITE_BUCKET: Bucket = { size: 200, refillPerSecond: 10 };

/**
 * The least time ARM's write bucket allows for a backlog of `vms` VMs of `writesPerVm` writes each (PUT protected item,
 * POST backup), starting from a full bucket (no write is spent during an outage).
 */
export function bucketDrainBoundMs(vms: number, writesPerVm = 2, bucket: Bucket = ARM_WRITE_BUCKET): number {
  return (Math.max(0, vms * writesPerVm - bucket.size) / bucket.refillPerSecond) * 1000;
}

/**
 * A recovery bound: the longest wait of the mechanism that waits longest, the queue trigger's longest poll interval
 * (host.json), ARM's write bucket for the backlog, and one VM's protection once everything answers.
 */
export interface RecoveryBound {
  waitMs: number;
  /** Which mechanism sets `waitMs`. */
  waitFor: string;
  pollMs: number;
  bucketMs: number;
  floorMs: number;
  totalMs: number;
}

export interface BoundInputs {
  /** The queue trigger's longest poll interval (host.json `maxPollingInterval`). */
  pollMs: number;
  /** One VM's protection once everything answers (the simulator's operation durations and Retry-After). */
  floorMs: number;
  /** VMs without a final state when the outage ended. */
  backlog: number;
}

/** Adds the queue poll, ARM's write bucket for the backlog and one VM's protection to the longest wait. */
export function recoveryBound(wait: { waitMs: number; waitFor: string }, inputs: BoundInputs): RecoveryBound {
  const bucketMs = bucketDrainBoundMs(inputs.backlog);
  return {
    ...wait,
    pollMs: inputs.pollMs,
    bucketMs,
    floorMs: inputs.floorMs,
    totalMs: wait.waitMs + inputs.pollMs + bucketMs + inputs.floorMs,
  };
}

/**
 * The bound after an outage of `window`: for ARM, the re-enqueue delay a request can be sleeping in (never shorter
 * than a 503's Retry-After); for storage, the longest of Event Grid's retry gap, the queue message lease, the ledger
 * claim lease (an invocation the outage cut) and the re-enqueue backoff.
 */
export function outageRecoveryBound(
  window: { target: 'storage' | 'arm'; seconds: number; variants: readonly string[] },
  settings: OutageSettings,
  inputs: BoundInputs,
): RecoveryBound {
  const { app } = settings;
  const retry = { baseDelayMs: app.retryBaseSeconds * 1000, maxDelayMs: app.retryMaxSeconds * 1000 };
  const outageMs = window.seconds * 1000;
  if (window.target === 'arm') {
    const retryAfterMs = window.variants.includes('503') ? settings.armRetryAfterSeconds * 1000 : 0;
    const waitMs = backoffWaitBoundMs(retry, app.maxAttempts, outageMs, retryAfterMs);
    return recoveryBound({ waitMs, waitFor: 'the re-enqueue backoff' }, inputs);
  }
  const waits: Array<[string, number]> = [
    ['Event Grid retries', eventGridWaitBoundMs(outageMs, settings.eventGridScale)],
    ['the queue message lease', settings.queueMessageLeaseMs],
    ['the ledger claim lease', app.leaseSeconds * 1000],
    ['the re-enqueue backoff', backoffWaitBoundMs(retry, app.maxAttempts, outageMs)],
  ];
  const [waitFor, waitMs] = waits.reduce((longest, wait) => (wait[1] > longest[1] ? wait : longest));
  return recoveryBound({ waitMs, waitFor }, inputs);
}
