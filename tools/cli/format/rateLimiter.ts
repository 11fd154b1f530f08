/** Milliseconds and sleeping, injectable so tests can check spacing without waiting. */
export interface LimiterClock {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

export const realLimiterClock: LimiterClock = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface RateLimiter {
  /** Resolves when the next action may start: starts are spaced at least 1000/perSecond ms apart. */
  acquire(): Promise<void>;
}

export function createRateLimiter(perSecond: number, clock: LimiterClock = realLimiterClock): RateLimiter {
  if (!Number.isFinite(perSecond) || perSecond <= 0)
    throw new RangeError(`rate must be a positive number per second, got ${perSecond}`);
  const spacingMs = 1000 / perSecond;
  let nextStartMs = Number.NEGATIVE_INFINITY;
  return {
    async acquire() {
      const now = clock.nowMs();
      const start = Math.max(now, nextStartMs);
      nextStartMs = start + spacingMs;
      if (start > now) await clock.sleep(start - now);
    },
  };
}
