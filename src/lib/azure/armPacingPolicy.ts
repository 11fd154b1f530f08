import type { PipelinePolicy, PipelineResponse } from '@azure/core-rest-pipeline';

import type { ArmBucketKind, ArmRequestPacer } from './armRequestPacer';
import { retryAfterMsFrom } from './retryAfter';

export const ARM_PACING_POLICY_NAME = 'autoprotectArmPacing';

/**
 * Paces every ARM request (each retry too: add it `perRetry`) through the process's ArmRequestPacer, by subscription
 * (from the URL) and bucket (GET = reads, DELETE = deletes, PUT/POST/PATCH = writes, the assumption arm-throttling.md
 * flags), then feeds the response's remaining-budget header and Retry-After back into it. Requests without a
 * subscription in the path pass through unpaced.
 */
export function createArmPacingPolicy(pacer: ArmRequestPacer): PipelinePolicy {
  return {
    name: ARM_PACING_POLICY_NAME,
    async sendRequest(request, next) {
      const subscriptionId = subscriptionOf(request.url);
      if (subscriptionId === undefined) return next(request);
      const kind = bucketOf(request.method);
      await pacer.acquire(subscriptionId, kind);
      let response: PipelineResponse;
      try {
        response = await next(request);
      } catch (error) {
        pacer.release(subscriptionId, kind);
        throw error;
      }
      const remaining = response.headers.get(`x-ms-ratelimit-remaining-subscription-${kind}`);
      pacer.observe(subscriptionId, kind, {
        status: response.status,
        remaining: remaining === undefined || remaining.trim() === '' ? undefined : Number(remaining),
        retryAfterMs: response.status === 429 ? retryAfterMsFrom(response.headers) : undefined,
      });
      return response;
    },
  };
}

export function bucketOf(method: string): ArmBucketKind {
  const upper = method.toUpperCase();
  if (upper === 'GET' || upper === 'HEAD') return 'reads';
  if (upper === 'DELETE') return 'deletes';
  return 'writes';
}

export function subscriptionOf(url: string): string | undefined {
  const match = /\/subscriptions\/([^/?#]+)/i.exec(new URL(url).pathname);
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]).toLowerCase();
}
