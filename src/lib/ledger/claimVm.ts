import { TransientError } from '../errors';
import type { VmResourceId } from '../resourceId';
import { type Ledger, LedgerConflictError } from './ledger';
import type { LedgerEntry } from './ledgerEntry';

export interface ClaimInput {
  vm: VmResourceId;
  owner: string;
  leaseMs: number;
  now: Date;
  eventId?: string;
  correlationId?: string;
  attempt: number;
}

export type ClaimResult =
  { claimed: true; entry: LedgerEntry } | { claimed: false; heldBy: string; leaseExpiresAt: string };

/**
 * Claims a VM for one invocation: creates its row (fails if it exists) or takes over a row whose lease is free or
 * expired with an ETag-conditional update. Exactly one of two concurrent claimers wins; the loser gets `claimed:
 * false`.
 */
export async function claimVm(ledger: Ledger, input: ClaimInput): Promise<ClaimResult> {
  const now = input.now.toISOString();
  const leaseExpiresAt = new Date(input.now.getTime() + input.leaseMs).toISOString();
  const existing = await ledger.get(input.vm.key);
  if (!existing) {
    try {
      const entry = await ledger.create({
        vmKey: input.vm.key,
        vmResourceId: input.vm.id,
        subscriptionId: input.vm.subscriptionId,
        status: 'requested',
        attempts: input.attempt,
        operationIds: [],
        jobIds: [],
        firstSeen: now,
        lastChanged: now,
        lastEventId: input.eventId,
        lastCorrelationId: input.correlationId,
        leaseOwner: input.owner,
        leaseExpiresAt,
      });
      return { claimed: true, entry };
    } catch (error) {
      return lostRaceOrThrow(ledger, input.vm.key, error);
    }
  }
  if (isLeaseHeld(existing, input.owner, input.now)) {
    return { claimed: false, heldBy: existing.leaseOwner ?? '', leaseExpiresAt: existing.leaseExpiresAt ?? '' };
  }
  try {
    const entry = await ledger.update(existing, {
      attempts: input.attempt,
      lastChanged: now,
      lastEventId: input.eventId ?? existing.lastEventId,
      lastCorrelationId: input.correlationId ?? existing.lastCorrelationId,
      leaseOwner: input.owner,
      leaseExpiresAt,
    });
    return { claimed: true, entry };
  } catch (error) {
    return lostRaceOrThrow(ledger, input.vm.key, error);
  }
}

/** A conditional write lost to another writer: report who holds the VM now. Any other error is rethrown. */
function lostRaceOrThrow(ledger: Ledger, vmKey: string, error: unknown): Promise<ClaimResult> {
  if (error instanceof LedgerConflictError) return lostRace(ledger, vmKey);
  throw error;
}

/** True when someone other than `owner` holds an unexpired lease. */
export function isLeaseHeld(entry: LedgerEntry, owner: string, now: Date): boolean {
  if (!entry.leaseOwner || entry.leaseOwner === owner || !entry.leaseExpiresAt) return false;
  return Date.parse(entry.leaseExpiresAt) > now.getTime();
}

/** A claim held by another invocation: transient, retry after the lease expires. */
export class ClaimHeldError extends TransientError {
  constructor(vmKey: string, heldBy: string, retryAfterMs: number) {
    super(`VM ${vmKey} is being processed by another invocation`, {
      code: 'claim-held',
      retryAfterMs,
      context: { vmKey, heldBy },
    });
  }
}

async function lostRace(ledger: Ledger, vmKey: string): Promise<ClaimResult> {
  const winner = await ledger.get(vmKey);
  return { claimed: false, heldBy: winner?.leaseOwner ?? 'unknown', leaseExpiresAt: winner?.leaseExpiresAt ?? '' };
}
