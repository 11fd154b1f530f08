import type { AsyncOperationRef, BackupGateway, OperationStatusInfo } from '../azure/ports';
import type { VaultRoute } from '../config';
import { OPERATION_IN_PROGRESS, OperationPendingError, TransientError } from '../errors';
import type { Clock } from '../ports';
import { afterLook, type OperationTimings, type TimedOperation } from './operationTimings';

export interface PollSettings {
  /** Shortest wait between polls. */
  minIntervalMs: number;
  /** Longest wait between polls (the service's Retry-After of 60 s is capped to this). */
  maxIntervalMs: number;
  /**
   * Longest wait an invocation sits out itself; a longer one (Azure's 60 s Retry-After while protection is enabled)
   * releases the queue slot: OperationPendingError, and the request checks back through the queue. Unset: no limit.
   */
  holdLimitMs?: number;
  /**
   * How much earlier than its look a check-back is made visible on the queue, to sit out the rest in its invocation:
   * the host finds a visible message up to its queue polling interval late (host.json `maxPollingInterval`, 2 s).
   * Unset or 0: visible at the look.
   */
  checkBackLeadMs?: number;
}

export const DEFAULT_POLL_SETTINGS: PollSettings = {
  minIntervalMs: 250,
  maxIntervalMs: 10_000,
  holdLimitMs: 5_000,
  checkBackLeadMs: 2_000,
};

/** What the process learned of this kind of operation's durations in this vault (operationTimings.ts). */
export interface LearnedTiming {
  timings: OperationTimings;
  kind: TimedOperation;
}

/**
 * Polls a vault-level operation until it is no longer InProgress. With `learned` timings, each look is when the
 * operation is expected to have ended (never later than a fresh 202's Retry-After) and what a look finds teaches the
 * next; elapsed time counts from Azure's own `startTime` when the answer has one. Without (the container refresh), the
 * interval honours the 202's Retry-After within [min, max], and a fresh 202 that asked for a wait (Retry-After > 0) is
 * first polled after that wait, not at once (an immediate poll only spends an ARM read to learn "InProgress"). An
 * operation followed up from an earlier attempt is polled at once, then as learned or at growing intervals (x4, up to
 * maxIntervalMs). When the next poll would pass `deadline` the operation is left running and a TransientError
 * ('operation-in-progress') asks for a retry through the queue; a wait longer than `holdLimitMs` is not sat out at all
 * (OperationPendingError: check back through the queue). An operation without an id counts as done.
 */
export async function waitForOperation(
  gateway: Pick<BackupGateway, 'getOperationStatus'>,
  vault: VaultRoute,
  operation: AsyncOperationRef,
  options: { clock: Clock; deadline: number; poll: PollSettings; learned?: LearnedTiming },
): Promise<OperationStatusInfo> {
  if (!operation.operationId) return { status: 'Succeeded' };
  const { operationId } = operation;
  const { learned, clock } = options;
  const acceptedAt = clock.now();
  const bounded = (ms: number) => Math.min(options.poll.maxIntervalMs, Math.max(options.poll.minIntervalMs, ms));
  const fresh = operation.retryAfterMs !== undefined;
  let interval = learned
    ? learned.timings.firstLookMs(vault.vaultId, learned.kind, operation.retryAfterMs)
    : bounded(operation.retryAfterMs ?? options.poll.minIntervalMs);
  const waitOrGiveUp = async () => {
    if (options.poll.holdLimitMs !== undefined && interval > options.poll.holdLimitMs) {
      throw new OperationPendingError(`Operation ${operationId} is still running; checking back in ${interval} ms`, {
        retryAfterMs: interval,
        context: { operationId },
      });
    }
    if (clock.now().getTime() + interval > options.deadline) {
      throw new TransientError(`Operation ${operationId} is still running after the invocation's budget`, {
        code: OPERATION_IN_PROGRESS,
        retryAfterMs: interval,
        context: { operationId },
      });
    }
    await clock.sleep(interval);
  };
  if ((operation.retryAfterMs ?? 0) > 0 && interval > 0) await waitOrGiveUp();
  for (;;) {
    const status = await gateway.getOperationStatus(vault, operationId);
    const running = status.status === 'InProgress';
    if (learned) {
      const look = { vaultId: vault.vaultId, kind: learned.kind, now: clock.now(), running };
      interval = afterLook(learned.timings, { ...look, startedAt: status.startedAt ?? acceptedAt }, interval);
    }
    if (!running) return status;
    await waitOrGiveUp();
    // Without a Retry-After (an operation followed up from an earlier attempt) a still running one is a slow one.
    if (!learned && !fresh) interval = bounded(interval * 4);
  }
}
