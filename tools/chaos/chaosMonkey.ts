import type { RunnerFleet } from './runnerFleet';

export interface Monkey {
  readonly kills: number;
  stop(): Promise<void>;
}

/** SIGKILLs a random runner every 1.5-3.5 s (down 0-0.8 s, then restarted) until stopped or `maxKills` is reached. */
export function startMonkey(fleet: RunnerFleet, random: () => number, maxKills: number): Monkey {
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped && fleet.kills < maxKills) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1_500 + random() * 2_000);
      });
      if (stopped) break;
      const slot = fleet.slots[Math.floor(random() * fleet.slots.length)] ?? fleet.slots[0];
      if (slot) await fleet.crashAndRestart(slot, random() * 800);
    }
  })();
  return {
    get kills() {
      return fleet.kills;
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
