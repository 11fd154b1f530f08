import type { BucketConfig, ThrottlingConfig } from './config';
import type { RequestCategory } from './router';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export type ThrottleDecision =
  { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number; remaining: 0 };

/**
 * ARM's per-subscription token buckets (reads, writes, deletes), refilled continuously, one set per subscription in
 * the request's path: ARM applies them per subscription, per principal and per region (request-limits-and-throttling,
 * see arm-throttling.md); the simulator has one principal and one region.
 */
export class SubscriptionThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private config: ThrottlingConfig) {}

  configure(config: ThrottlingConfig): void {
    this.config = config;
    this.buckets.clear();
  }

  take(subscriptionId: string, category: RequestCategory, now: number): ThrottleDecision {
    const limits = this.limitsOf(category);
    const key = `${subscriptionId.toLowerCase()}|${category}`;
    const bucket = this.buckets.get(key) ?? { tokens: limits.size, updatedAt: now };
    bucket.tokens = Math.min(limits.size, bucket.tokens + ((now - bucket.updatedAt) / 1000) * limits.refillPerSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (!this.config.enabled) return { allowed: true, remaining: Math.floor(bucket.tokens) };
    if (bucket.tokens < 1) {
      const secondsToOneToken = limits.refillPerSecond > 0 ? (1 - bucket.tokens) / limits.refillPerSecond : 60;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(secondsToOneToken)), remaining: 0 };
    }
    bucket.tokens -= 1;
    return { allowed: true, remaining: Math.floor(bucket.tokens) };
  }

  private limitsOf(category: RequestCategory): BucketConfig {
    if (category === 'read') return this.config.reads;
    if (category === 'write') return this.config.writes;
    return this.config.deletes;
  }
}

export function remainingHeaderName(category: RequestCategory): string {
  const suffix = category === 'read' ? 'reads' : category === 'write' ? 'writes' : 'deletes';
  return `x-ms-ratelimit-remaining-subscription-${suffix}`;
}
