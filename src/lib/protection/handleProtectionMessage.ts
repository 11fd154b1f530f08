import { classifyAzureError } from '../azure/classifyAzureError';
import { PROTECTION_REQUESTS_QUEUE } from '../config';
import {
  ensureError,
  OPERATION_IN_PROGRESS,
  OperationPendingError,
  type PermanentError,
  type TransientError,
  ValidationError,
} from '../errors';
import { ClaimHeldError } from '../ledger/claimVm';
import { type Ledger, LedgerConflictError } from '../ledger/ledger';
import { errorFields } from '../logger';
import {
  parseProtectionRequest,
  type ProtectionAttemptRecord,
  type ProtectionRequest,
} from '../messages/protectionRequest';
import type { PoisonQueue } from '../ports';
import type { RejectStore } from '../rejects/rejectStore';
import { parseVmResourceId } from '../resourceId';
import { retryDelayMs, type RetryDelaySettings } from './retryDelay';
import { type ProtectionWorkflowDeps, type ProtectOutcome, runProtectionWorkflow } from './runProtectionWorkflow';

export interface ProtectionMessageDeps extends ProtectionWorkflowDeps {
  poison: PoisonQueue;
  rejects: RejectStore;
  maxAttempts: number;
  retry: RetryDelaySettings;
  random?: () => number;
}

export type MessageOutcome =
  | { kind: 'done'; outcome: ProtectOutcome }
  | { kind: 'requeued'; nextAttempt: number; delayMs: number; code: string }
  | { kind: 'failed'; code: string; reason: string }
  | { kind: 'poisoned'; code: string; reason: string };

/** History entries kept on a request (the message schema allows 100). */
const MAX_HISTORY = 50;
/** Check-backs on a running Azure operation that spend no attempt; later ones count like any transient error. */
const MAX_FREE_CHECK_BACKS = 40;

/**
 * One `protection-requests` message: parse it (unparseable -> poison queue + reject record at once), run the
 * workflow, and map failures: transient -> re-enqueue with attempt+1 and a jittered exponential delay honouring
 * Retry-After, or poison with history past maxAttempts (ledger `failed`); permanent -> recorded, not retried.
 * Returns normally when the message may be completed; throws only when that would lose the request (a queue or
 * ledger write failed), so the host redelivers it.
 */
export async function handleProtectionMessage(deps: ProtectionMessageDeps, body: unknown): Promise<MessageOutcome> {
  let request: ProtectionRequest;
  try {
    request = parseProtectionRequest(body);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return poisonUnparseable(deps, body, error);
  }
  const logger = deps.logger.child({
    vmKey: safeKey(request.vmResourceId),
    correlationId: request.correlationId,
    eventId: request.eventId,
    attempt: request.attempt,
  });
  try {
    await sitOutEarlyCheckBack(deps, request);
    const outcome = await runProtectionWorkflow({ ...deps, logger }, request);
    logger.info('protection request handled', {
      status: outcome.status,
      reason: outcome.reason,
      rule: outcome.rule,
      policyName: outcome.policyName,
      jobId: outcome.jobId,
      dryRun: outcome.dryRun,
      nextCheckBackMs: outcome.nextCheckBackMs,
    });
    return { kind: 'done', outcome };
  } catch (caught) {
    const error = classifyAzureError(caught);
    if (error.kind === 'permanent') {
      logger.warn('protection request failed permanently', { code: error.code, error: errorFields(error) });
      return { kind: 'failed', code: error.code, reason: error.message };
    }
    return retryOrPoison(deps, request, error, logger);
  }
}

async function retryOrPoison(
  deps: ProtectionMessageDeps,
  request: ProtectionRequest,
  error: TransientError,
  logger: ProtectionMessageDeps['logger'],
): Promise<MessageOutcome> {
  if (error instanceof ClaimHeldError) return checkBackLater(deps, request, error, logger);
  if (error instanceof OperationPendingError && checkBacksOf(request) < MAX_FREE_CHECK_BACKS)
    return checkBackOnOperation(deps, request, error, logger);
  const now = deps.clock.now();
  const record: ProtectionAttemptRecord = {
    attempt: request.attempt,
    at: now.toISOString(),
    code: error.code.slice(0, 200),
    message: error.message.slice(0, 2000),
  };
  const history = [...(request.history ?? []), record].slice(-MAX_HISTORY);
  const nextAttempt = request.attempt + 1;
  if (nextAttempt > deps.maxAttempts) {
    const reason = `gave up after ${request.attempt} attempts; last error ${error.code}: ${error.message}`;
    await deps.poison.send({
      code: 'max-attempts-exceeded',
      reason,
      at: now.toISOString(),
      request: { ...request, history },
    });
    await markFailed(deps.ledger, request, {
      reason: 'max-attempts-exceeded',
      errorCode: error.code,
      attempts: request.attempt,
      now,
    });
    logger.error('protection request moved to the poison queue', {
      code: error.code,
      attempts: request.attempt,
      error: errorFields(error),
    });
    return { kind: 'poisoned', code: 'max-attempts-exceeded', reason };
  }
  const delayMs = retryDelayMs(nextAttempt, deps.retry, error.retryAfterMs, deps.random);
  await deps.requests.send({ ...request, attempt: nextAttempt, history }, { delayMs });
  logger.warn('protection request re-enqueued after a transient failure', {
    code: error.code,
    nextAttempt,
    delayMs,
    retryAfterMs: error.retryAfterMs,
  });
  return { kind: 'requeued', nextAttempt, delayMs, code: error.code };
}

/**
 * Another invocation is working on this VM right now (duplicate events, scale-out). Not a failure: no attempt is
 * spent and no history written. Check back after the first retry delay, never later than the holder's lease, so a
 * duplicate finds the finished row soon and a crashed holder's VM is picked up when its lease expires.
 */
async function checkBackLater(
  deps: ProtectionMessageDeps,
  request: ProtectionRequest,
  error: ClaimHeldError,
  logger: ProtectionMessageDeps['logger'],
): Promise<MessageOutcome> {
  const delayMs = Math.min(
    retryDelayMs(2, deps.retry, undefined, deps.random),
    error.retryAfterMs ?? Number.POSITIVE_INFINITY,
  );
  return requeueWithoutAttempt(
    deps,
    request,
    { code: error.code, delayMs },
    logger,
    'protection request deferred: another invocation holds the VM',
    { leaseRemainingMs: error.retryAfterMs },
  );
}

/**
 * Azure is still working (e.g. enabling protection, about 40 s with Retry-After 60): the invocation does not sit it out
 * in its queue slot but sends the request back with the service's wait as visibility delay. No attempt is spent; the
 * check-back is written to the history, which bounds how many are free.
 */
async function checkBackOnOperation(
  deps: ProtectionMessageDeps,
  request: ProtectionRequest,
  error: OperationPendingError,
  logger: ProtectionMessageDeps['logger'],
): Promise<MessageOutcome> {
  const record: ProtectionAttemptRecord = {
    attempt: request.attempt,
    at: deps.clock.now().toISOString(),
    code: error.code,
    message: error.message.slice(0, 2000),
  };
  const history = [...(request.history ?? []), record].slice(-MAX_HISTORY);
  const lookInMs = error.retryAfterMs ?? retryDelayMs(2, deps.retry, undefined, deps.random);
  const delayMs = Math.max(0, lookInMs - (deps.poll.checkBackLeadMs ?? 0));
  const checkBackAt = new Date(deps.clock.now().getTime() + lookInMs).toISOString();
  return requeueWithoutAttempt(
    deps,
    { ...request, history, checkBackAt },
    { code: error.code, delayMs },
    logger,
    'protection request checks back later: Azure is still working',
    { checkBacks: checkBacksOf(request) + 1 },
  );
}

/**
 * A check-back made visible before its look (checkBackOnOperation) sits out the rest, at most the lead it was given:
 * the look then lands when Azure's operation is expected to have ended, not up to a queue polling interval later.
 */
async function sitOutEarlyCheckBack(deps: ProtectionMessageDeps, request: ProtectionRequest): Promise<void> {
  if (request.checkBackAt === undefined) return;
  const waitMs = Date.parse(request.checkBackAt) - deps.clock.now().getTime();
  if (waitMs > 0 && waitMs <= (deps.poll.checkBackLeadMs ?? 0)) await deps.clock.sleep(waitMs);
}

/** Sends the request back with a delay and the same attempt number: waiting is not a failure. */
async function requeueWithoutAttempt(
  deps: ProtectionMessageDeps,
  request: ProtectionRequest,
  wait: { code: string; delayMs: number },
  logger: ProtectionMessageDeps['logger'],
  message: string,
  fields: Record<string, unknown>,
): Promise<MessageOutcome> {
  await deps.requests.send(request, { delayMs: wait.delayMs });
  logger.info(message, { code: wait.code, delayMs: wait.delayMs, ...fields });
  return { kind: 'requeued', nextAttempt: request.attempt, delayMs: wait.delayMs, code: wait.code };
}

function checkBacksOf(request: ProtectionRequest): number {
  return (request.history ?? []).filter(
    (entry) => entry.code === OPERATION_IN_PROGRESS && entry.attempt === request.attempt,
  ).length;
}

async function poisonUnparseable(
  deps: ProtectionMessageDeps,
  body: unknown,
  error: PermanentError,
): Promise<MessageOutcome> {
  const raw = typeof body === 'string' ? body : safeStringify(body);
  const at = deps.clock.now().toISOString();
  await deps.poison.send({ code: error.code, reason: error.message, at, raw });
  await deps.rejects.record({
    kind: 'message',
    reason: error.message,
    code: error.code,
    raw,
    context: { queue: PROTECTION_REQUESTS_QUEUE },
  });
  deps.logger.warn('unparseable protection request moved to the poison queue', {
    code: error.code,
    reason: error.message,
  });
  return { kind: 'poisoned', code: error.code, reason: error.message };
}

/** Sets the VM's row to `failed` whoever holds it (re-reading on ETag conflicts); creates the row if none exists. */
async function markFailed(
  ledger: Ledger,
  request: ProtectionRequest,
  failure: { reason: string; errorCode: string; attempts: number; now: Date },
): Promise<void> {
  const vm = parseVmResourceId(request.vmResourceId);
  const changes = {
    status: 'failed' as const,
    reason: failure.reason,
    errorCode: failure.errorCode,
    attempts: failure.attempts,
    lastChanged: failure.now.toISOString(),
    leaseOwner: undefined,
    leaseExpiresAt: undefined,
  };
  for (let tries = 0; ; tries++) {
    try {
      const current = await ledger.get(vm.key);
      if (current) {
        await ledger.update(current, changes);
      } else {
        await ledger.create({
          vmKey: vm.key,
          vmResourceId: vm.id,
          subscriptionId: vm.subscriptionId,
          operationIds: [],
          jobIds: [],
          firstSeen: failure.now.toISOString(),
          ...changes,
        });
      }
      return;
    } catch (error) {
      if (tries >= 2 || !(error instanceof LedgerConflictError)) throw error;
    }
  }
}

function safeKey(vmResourceId: string): string {
  return vmResourceId.toLowerCase();
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch (error) {
    return `[unserialisable: ${ensureError(error).message}]`;
  }
}
