import { createRateLimiter } from '../../cli/format/rateLimiter';
import { mapLimit } from '../../shared/mapLimit';
import type { PlannedVm } from '../chaosPlan';
import { type SimControl, withRetries } from '../simControl';
import type { ProxyGroup } from '../tcpProxy';
import type { OutageWindow, StorageVariant } from './outagePlan';

export function sleepUntil(time: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, time - Date.now())));
}

/** Creates `vms` through the simulator (their write events follow), evenly over `spreadMs`. */
export async function createPaced(sim: SimControl, vms: readonly PlannedVm[], spreadMs: number): Promise<void> {
  if (vms.length === 0) return;
  const pace = createRateLimiter(Math.max(0.05, vms.length / Math.max(spreadMs / 1000, 0.001)));
  await mapLimit(vms, 4, async (vm) => {
    await pace.acquire();
    await withRetries(`creating ${vm.name}`, () => sim.createVm(vm, true));
  });
}

/** Extra seconds the simulator keeps each ARM variant on beyond its share: the harness ends it, or switches it. */
const SIM_SAFETY_SECONDS = 2;

/**
 * Runs the outage of one window: each variant in turn for an equal share of `window.seconds`, then everything back
 * on. The storage outage is the proxies in front of Azurite; the ARM outage is the simulator's (which also ends it by
 * itself should this process die). Resolves when the outage is over, with how many connections or requests it hit.
 */
export async function runOutage(
  window: OutageWindow,
  targets: { storage: ProxyGroup; sim: SimControl; retryAfterSeconds: number },
): Promise<number> {
  const started = Date.now();
  const shareMs = (window.seconds * 1000) / window.variants.length;
  const storageBefore = targets.storage.stats();
  const armBefore = window.target === 'arm' ? await refusedTotal(targets.sim) : 0;
  try {
    for (const [index, variant] of window.variants.entries()) {
      if (window.target === 'storage') targets.storage.setMode(variant as StorageVariant);
      else
        await targets.sim.post('outage', {
          kind: variant,
          seconds: shareMs / 1000 + SIM_SAFETY_SECONDS,
          retryAfterSeconds: targets.retryAfterSeconds,
        });
      await sleepUntil(started + shareMs * (index + 1));
    }
  } finally {
    if (window.target === 'storage') targets.storage.setMode('pass');
    else await targets.sim.post('outage', { kind: 'none' });
  }
  if (window.target === 'arm') return (await refusedTotal(targets.sim)) - armBefore;
  const after = targets.storage.stats();
  return after.reset - storageBefore.reset + (after.held - storageBefore.held);
}

async function refusedTotal(sim: SimControl): Promise<number> {
  return (await sim.get<{ refusedTotal: number }>('outage')).refusedTotal;
}
