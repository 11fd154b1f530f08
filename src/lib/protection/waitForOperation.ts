import type { VaultRoute } from '../config';
import { TransientError } from '../errors';
import type { AsyncOperationRef, BackupGateway, OperationStatusInfo } from '../azure/ports';
import type { Clock } from './ports';

export interface PollSettings {
  /** Shortest wait between polls. */
  minIntervalMs: number;
  /** Longest wait between polls (the service's Retry-After of 60 s is capped to this). */
  maxIntervalMs: number;
}

export const DEFAULT_POLL_SETTINGS: PollSettings = { minIntervalMs: 250, maxIntervalMs: 10_000 };

/**
 * Polls a vault-level operation until it is no longer InProgress. The interval honours the 202's Retry-After
 * within [min, max]; when the next poll would pass `deadline` the operation is left running and a TransientError
 * ('operation-in-progress') asks for a retry through the queue. An operation without an id counts as done.
 */
export async function waitForOperation(
  gateway: BackupGateway,
  vault: VaultRoute,
  operation: AsyncOperationRef,
  options: { clock: Clock; deadline: number; poll: PollSettings },
): Promise<OperationStatusInfo> {
  if (!operation.operationId) return { status: 'Succeeded' };
  const interval = Math.min(options.poll.maxIntervalMs, Math.max(options.poll.minIntervalMs, operation.retryAfterMs ?? options.poll.minIntervalMs));
  for (;;) {
    const status = await gateway.getOperationStatus(vault, operation.operationId);
    if (status.status !== 'InProgress') return status;
    if (options.clock.now().getTime() + interval > options.deadline) {
      throw new TransientError(`Operation ${operation.operationId} is still running after the invocation's budget`, {
        code: 'operation-in-progress',
        retryAfterMs: interval,
        context: { operationId: operation.operationId },
      });
    }
    await options.clock.sleep(interval);
  }
}
