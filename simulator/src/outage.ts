import { z } from 'zod';

import { ArmError } from './errors';

/**
 * An ARM outage: for a bounded time every ARM request (or only the Recovery Services ones) fails, then the simulator
 * recovers on its own, so a harness that dies mid-run never leaves ARM down.
 *
 * - `503`: ARM answers 503 `ServiceUnavailable` with `Retry-After` (integer seconds). Sources: the resource provider
 *   contract (Azure/azure-resource-manager-rpc v1.0/Addendum.md, "Retrying REST Calls": clients retry 5xx such as
 *   503 Service Unavailable and socket failures, waiting as the server's Retry-After says; "Retry-After should be
 *   (integer)"), and the published ARM error model (@azure/arm-consumption `ErrorResponse`: "503 ServiceUnavailable -
 *   Service is temporarily unavailable. Retry after waiting for the time specified in the 'Retry-After' header").
 *   The body is ARM's `{"error":{code,message}}`. The message text and the Retry-After value are UNVERIFIED
 *   (unpublished): the value is configurable (default 10 s).
 * - `drop`: the socket is destroyed before any answer (an unreachable front door; the SDK sees ECONNRESET).
 *
 * Refused requests spend no throttling token and touch no state (UNVERIFIED: whether ARM charges a request it
 * cannot serve is unpublished).
 */
export const OUTAGE_KINDS = ['503', 'drop'] as const;
export type OutageKind = (typeof OUTAGE_KINDS)[number];

export const DEFAULT_OUTAGE_RETRY_AFTER_SECONDS = 10;
/** Longest outage the control API accepts: the simulator must always come back by itself. */
const MAX_OUTAGE_SECONDS = 3_600;

/** POST /_sim/outage: start one (`kind` 503 or drop, for `seconds`), or end the current one (`kind: 'none'`). */
export const outageSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.enum(OUTAGE_KINDS),
    seconds: z.number().positive().max(MAX_OUTAGE_SECONDS),
    retryAfterSeconds: z.number().int().min(0).max(MAX_OUTAGE_SECONDS).default(DEFAULT_OUTAGE_RETRY_AFTER_SECONDS),
    /** `all`: ARM itself is down; `recoveryServices`: only Microsoft.RecoveryServices requests fail. */
    scope: z.enum(['all', 'recoveryServices']).default('all'),
  }),
  z.object({ kind: z.literal('none') }),
]);
export type OutageRequest = z.infer<typeof outageSchema>;

interface ActiveOutage {
  kind: OutageKind;
  scope: 'all' | 'recoveryServices';
  retryAfterSeconds: number;
  startedAt: number;
  endsAt: number;
  refused: number;
}

export interface OutageStatus {
  active: boolean;
  kind?: OutageKind;
  scope?: 'all' | 'recoveryServices';
  retryAfterSeconds?: number;
  startedAt?: string;
  endsAt?: string;
  /** Requests refused by the current (or the last) outage. */
  refused: number;
  /** Requests refused by every outage since start or reset. */
  refusedTotal: number;
}

/** What the ARM pipeline does with a request while an outage is on. */
export type OutageVerdict = { kind: 'drop' } | { kind: '503'; error: ArmError };

export class ArmOutage {
  private current: ActiveOutage | undefined;
  private refusedTotal = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  apply(request: OutageRequest): OutageStatus {
    if (request.kind === 'none') {
      if (this.current) this.current.endsAt = Math.min(this.current.endsAt, this.clock());
      return this.status();
    }
    const now = this.clock();
    this.current = {
      kind: request.kind,
      scope: request.scope,
      retryAfterSeconds: request.retryAfterSeconds,
      startedAt: now,
      endsAt: now + request.seconds * 1000,
      refused: 0,
    };
    return this.status();
  }

  /** The answer for a request to `path` now, or undefined when it is served normally. */
  check(path: string): OutageVerdict | undefined {
    const outage = this.current;
    if (!outage || this.clock() >= outage.endsAt) return undefined;
    if (outage.scope === 'recoveryServices' && !path.toLowerCase().includes('/providers/microsoft.recoveryservices/'))
      return undefined;
    outage.refused += 1;
    this.refusedTotal += 1;
    if (outage.kind === 'drop') return { kind: 'drop' };
    return { kind: '503', error: serviceUnavailable(outage.retryAfterSeconds) };
  }

  status(): OutageStatus {
    const outage = this.current;
    if (!outage) return { active: false, refused: 0, refusedTotal: this.refusedTotal };
    return {
      active: this.clock() < outage.endsAt,
      kind: outage.kind,
      scope: outage.scope,
      retryAfterSeconds: outage.retryAfterSeconds,
      startedAt: new Date(outage.startedAt).toISOString(),
      endsAt: new Date(outage.endsAt).toISOString(),
      refused: outage.refused,
      refusedTotal: this.refusedTotal,
    };
  }

  reset(): void {
    this.current = undefined;
    this.refusedTotal = 0;
  }
}

function serviceUnavailable(retryAfterSeconds: number): ArmError {
  return new ArmError(
    503,
    'ServiceUnavailable',
    `The service is temporarily unavailable. Retry the request after ${retryAfterSeconds} seconds.`,
    { 'Retry-After': String(retryAfterSeconds) },
  );
}
