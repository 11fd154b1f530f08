/** One of ARM's per-subscription buckets (request-limits-and-throttling: reads, writes, deletes). */
export type ArmBucketKind = 'reads' | 'writes' | 'deletes';

export interface ArmBucketLimits {
  size: number;
  refillPerSecond: number;
}

/** ARM's published per-subscription, per-principal token buckets (see docs and arm-throttling.md). */
export const ARM_SUBSCRIPTION_LIMITS: Readonly<Record<ArmBucketKind, ArmBucketLimits>> = Object.freeze({
  reads: { size: 250, refillPerSecond: 25 },
  writes: { size: 200, refillPerSecond: 10 },
  deletes: { size: 200, refillPerSecond: 10 },
});

export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const systemPacerClock: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

interface LocalBucket {
  /** Tokens left for new requests after every outstanding one; negative while requests wait for theirs. */
  tokens: number;
  updatedAt: number;
  /** Requests that took a token and have not reported back yet (waiting or in flight). */
  outstanding: number;
  /** Tokens per second other callers (other instances, other tools) spend from the same ARM bucket, smoothed. */
  othersRate: number;
  /** This process's refill: ARM's rate minus what the others spend, at least MIN_SHARE of it. */
  rate: number;
  /** Every token refilled so far (uncapped): a waiting request's token is due when this reaches a given count. */
  refilledTotal: number;
  last?: { at: number; remaining: number };
  /** When ARM last reported a level below the bucket's size (a raise waits RAISE_WINDOW_MS after it). */
  lastBelowFullAt?: number;
}

/** Smoothing time of the others' rate (ms), and the least share of ARM's refill this process keeps. */
const OTHERS_SMOOTHING_MS = 3000;
const MIN_SHARE = 0.05;
/**
 * A raise needs every level ARM reported within this window (ms) to be full: a response that overtook a later one on
 * the wire carries an older, higher level and must not lift the mirror above the bucket's true level.
 */
const RAISE_WINDOW_MS = 1000;
/**
 * A request waiting at a reduced share looks again this often (ms): the share grows back as other instances stop
 * spending, and a wait computed once at the share of the moment kept requests asleep for seconds after it had (bench
 * workload 5: ten runners, a tail in which each waited at the share of the busiest second).
 */
const RECHECK_MS = 250;

/**
 * A process-wide mirror of ARM's per-subscription token buckets. `acquire` reserves one token and waits until it has
 * refilled (first come, first served), so requests leave at the rate ARM grants instead of running into 429s.
 * `observe` corrects the mirror from each response: the `x-ms-ratelimit-remaining-subscription-*` header is the shared
 * bucket's true level, so the mirror never shows more than that minus this process's outstanding requests; the
 * header's fall beyond what this process spent (plus ARM's refill) is what other callers, e.g. other Functions
 * instances, spend, and this process refills only with the rest. The header also raises the mirror, but only when
 * every level ARM reported in the last second is at or above the published bucket size: the bucket is full although
 * this process spent from it (a subscription with higher limits, an endpoint that does not throttle), so waiting for
 * tokens would only add latency. A 429's Retry-After pauses the bucket.
 */
export class ArmRequestPacer {
  private readonly buckets = new Map<string, LocalBucket>();

  constructor(
    private readonly limits: Readonly<Record<ArmBucketKind, ArmBucketLimits>> = ARM_SUBSCRIPTION_LIMITS,
    private readonly clock: PacerClock = systemPacerClock,
  ) {}

  /**
   * Resolves when a request of this kind may be sent; returns how long it waited (ms). Pair with observe or release.
   */
  async acquire(subscriptionId: string, kind: ArmBucketKind): Promise<number> {
    const bucket = this.refilled(subscriptionId, kind);
    bucket.tokens -= 1;
    bucket.outstanding += 1;
    if (bucket.tokens >= 0) return 0;
    // This request's token comes after the ones already promised: when the refill has brought -tokens more.
    const due = bucket.refilledTotal - bucket.tokens;
    const full = this.limits[kind].refillPerSecond;
    let waited = 0;
    for (;;) {
      const missing = due - this.refilled(subscriptionId, kind).refilledTotal;
      if (missing <= 1e-9) return waited;
      const waitMs = Math.ceil((missing / bucket.rate) * 1000);
      // At ARM's full rate the wait cannot shorten: one sleep. At a reduced share, look again as the share changes.
      const stepMs = bucket.rate >= full ? waitMs : Math.min(waitMs, RECHECK_MS);
      const sleptFrom = this.clock.now();
      await this.clock.sleep(stepMs);
      waited += stepMs;
      // One sleep at full rate; and a clock that did not move (a test's) would never bring the token.
      if ((stepMs === waitMs && bucket.rate >= full) || this.clock.now() === sleptFrom) return waited;
    }
  }

  /** A request that got no response (network error): it no longer counts as outstanding. */
  release(subscriptionId: string, kind: ArmBucketKind): void {
    const bucket = this.refilled(subscriptionId, kind);
    bucket.outstanding = Math.max(0, bucket.outstanding - 1);
  }

  /** Applies what ARM said about the bucket after a response to a request this process sent. */
  observe(
    subscriptionId: string,
    kind: ArmBucketKind,
    response: { status: number; remaining?: number; retryAfterMs?: number },
  ): void {
    const bucket = this.refilled(subscriptionId, kind);
    bucket.outstanding = Math.max(0, bucket.outstanding - 1);
    if (response.remaining !== undefined && Number.isFinite(response.remaining))
      this.learnFromRemaining(bucket, kind, response.remaining);
    if (response.status === 429) {
      const pauseMs = response.retryAfterMs ?? 1000 / bucket.rate;
      bucket.tokens = Math.min(bucket.tokens, -(pauseMs / 1000) * bucket.rate);
    }
  }

  /** The current estimate (for tests and diagnostics). */
  tokens(subscriptionId: string, kind: ArmBucketKind): number {
    return this.refilled(subscriptionId, kind).tokens;
  }

  /** This process's current share of the refill, tokens per second (for tests and diagnostics). */
  rate(subscriptionId: string, kind: ArmBucketKind): number {
    return this.refilled(subscriptionId, kind).rate;
  }

  private learnFromRemaining(bucket: LocalBucket, kind: ArmBucketKind, remaining: number): void {
    const { size, refillPerSecond: full } = this.limits[kind];
    const now = this.clock.now();
    if (bucket.last) {
      const elapsedMs = Math.max(1, now - bucket.last.at);
      const expected = bucket.last.remaining + (elapsedMs / 1000) * full;
      const weight = 1 - Math.exp(-elapsedMs / OTHERS_SMOOTHING_MS);
      // Only a bucket below its cap shows what others spent; a full one hides it.
      const othersSpent = expected < size - 1 ? expected - 1 - remaining : 0;
      bucket.othersRate = Math.max(0, (1 - weight) * bucket.othersRate + weight * (othersSpent / (elapsedMs / 1000)));
    }
    bucket.last = { at: now, remaining };
    bucket.rate = Math.min(full, Math.max(full * MIN_SHARE, full - bucket.othersRate));
    if (remaining < size) bucket.lastBelowFullAt = now;
    // Raise only from a full bucket (or a larger one than published): a drained bucket's level is what every instance
    // sees, and each raising to it would spend the same tokens (measured: 1.5 % 429s with three runners).
    const fullForAWhile = bucket.lastBelowFullAt === undefined || now - bucket.lastBelowFullAt >= RAISE_WINDOW_MS;
    const raised = fullForAWhile ? size - bucket.outstanding : bucket.tokens;
    // Of a level below the bucket's size this process may spend only its share (the share of the refill the others
    // leave it): every instance sees the same level, and each spending all of it drew 1.5 % 429s with ten runners the
    // moment the bucket ran dry (bench workload 5). Alone (no others seen), the share is the whole level.
    const usable = fullForAWhile ? remaining : remaining * (bucket.rate / full);
    bucket.tokens = Math.min(usable - bucket.outstanding, Math.max(bucket.tokens, raised));
  }

  private refilled(subscriptionId: string, kind: ArmBucketKind): LocalBucket {
    const key = `${subscriptionId.toLowerCase()}|${kind}`;
    const now = this.clock.now();
    const limits = this.limits[kind];
    const bucket = this.buckets.get(key) ?? {
      tokens: limits.size,
      updatedAt: now,
      outstanding: 0,
      othersRate: 0,
      rate: limits.refillPerSecond,
      refilledTotal: 0,
    };
    const refill = ((now - bucket.updatedAt) / 1000) * bucket.rate;
    bucket.refilledTotal += refill;
    bucket.tokens = Math.min(limits.size, bucket.tokens + refill);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    return bucket;
  }
}
