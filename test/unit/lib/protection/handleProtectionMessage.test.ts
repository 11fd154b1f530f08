import {
  OPERATION_IN_PROGRESS,
  OperationPendingError,
  PermanentError,
  TransientError,
  ValidationError,
} from '../../../../src/lib/errors';
import { LedgerConflictError } from '../../../../src/lib/ledger/ledger';
import type { LedgerEntry } from '../../../../src/lib/ledger/ledgerEntry';
import type { ProtectionAttemptRecord, ProtectionRequest } from '../../../../src/lib/messages/protectionRequest';
import { handleProtectionMessage, type MessageOutcome } from '../../../../src/lib/protection/handleProtectionMessage';
import { armError, connectionReset } from '../../../helpers/factories/azureErrors';
import {
  HOLDING_POLL,
  ledgerRow,
  type ProtectionHarness,
  protectionHarness,
  protectionRequest,
} from '../../../helpers/factories/protection';
import { vmId } from '../../../helpers/factories/rules';
import type { ExpectedLogEntry } from '../../../helpers/matchers';

/**
 * One `protection-requests` message: parse, run the workflow, and map what it raised to requeue (attempt+1 with a
 * jittered, Retry-After-honouring delay; or a free check-back), poison (past maxAttempts, with history, ledger failed),
 * or complete (done / failed). It throws only when the request would otherwise be lost, so the host redelivers it.
 * The harness: maxAttempts 3, retry base 5 s (cap 900 s), jitter 0.5 unless a test says otherwise.
 */

const REQUEUED = 'protection request re-enqueued after a transient failure';
const CHECK_BACK = 'protection request checks back later: Azure is still working';
const DEFERRED = 'protection request deferred: another invocation holds the VM';
const FAILED = 'protection request failed permanently';
const POISONED = 'protection request moved to the poison queue';

/** A harness as production polls: a wait of Azure's 60 s releases the queue slot (check back in 10 s). */
const harness = (options: Parameters<typeof protectionHarness>[0] = {}) =>
  protectionHarness({ poll: HOLDING_POLL, ...options });
const handle = (h: ProtectionHarness, body: unknown) => handleProtectionMessage(h.deps(), body);

/** `count` check-backs on a running operation, recorded at `attempt`. */
function checkBacks(count: number, attempt = 1): ProtectionAttemptRecord[] {
  return Array.from({ length: count }, () => ({
    attempt,
    at: '2026-03-01T09:00:00Z',
    code: 'operation-in-progress',
    message: 'still running',
  }));
}

/** The first step after the claim (reading the VM) throws `error`: the workflow records it and passes it on. */
const fromVmRead = (error: unknown) => (h: ProtectionHarness) => {
  h.vms.failures.push(error);
};

/** Enabling answers like Azure (202, Retry-After 60 s): the run releases its slot and checks back. */
function slowEnable(h: ProtectionHarness): void {
  const enable = h.backup.enableProtection.bind(h.backup);
  h.backup.enableProtection = async (vault, vm, policyName) => ({
    ...(await enable(vault, vm, policyName)),
    retryAfterMs: 60_000,
  });
}

/** Another invocation holds the VM for `leaseLeftMs` more. */
const heldByAnother = (leaseLeftMs: number) => async (h: ProtectionHarness) => {
  await h.ledger.create(
    ledgerRow(h.vm, {
      status: 'protecting',
      leaseOwner: 'inv-other',
      leaseExpiresAt: new Date(h.clock.now().getTime() + leaseLeftMs).toISOString(),
    }),
  );
};

/** The VM's lease is taken over while this run reads the VM: its next write conflicts. */
function leaseTakenOverMidRun(h: ProtectionHarness): void {
  const getVm = h.vms.getVm.bind(h.vms);
  h.vms.getVm = async (vm) => {
    const current = (await h.ledger.get(h.vm.key))!;
    await h.ledger.update(current, { leaseOwner: 'inv-new' });
    return getVm(vm);
  };
}

/** The row holds `fields`; an undefined field must be absent (cleared). */
function expectRow(row: LedgerEntry | null, fields: Partial<LedgerEntry>): void {
  const entries = Object.entries(fields);
  expect(row).toMatchObject(Object.fromEntries(entries.filter(([, value]) => value !== undefined)));
  for (const [field] of entries.filter(([, value]) => value === undefined)) expect(row).not.toHaveProperty(field);
}

type Expected =
  | {
      kind: 'requeued';
      code: string;
      nextAttempt: number;
      /** Inclusive bounds of the visibility delay. */
      delay: [number, number];
      /** History entries on the re-enqueued request; the last one, when a record was added. */
      history: number;
      recorded?: Partial<ProtectionAttemptRecord>;
    }
  | { kind: 'failed'; code: string }
  | { kind: 'poisoned'; code: 'max-attempts-exceeded' };

interface FailureCase {
  failure: string;
  raise: (h: ProtectionHarness) => void | Promise<void>;
  request?: Partial<ProtectionRequest>;
  expected: Expected;
  /** Fields of the VM's ledger row afterwards. */
  row: Partial<LedgerEntry>;
  logged: ExpectedLogEntry;
}

const FAILURES: FailureCase[] = [
  {
    failure: 'TransientError without Retry-After',
    raise: fromVmRead(new TransientError('storage blip', { code: 'blip' })),
    expected: {
      kind: 'requeued',
      code: 'blip',
      nextAttempt: 2,
      delay: [2_500, 5_000],
      history: 1,
      recorded: { attempt: 1, code: 'blip', message: 'storage blip' },
    },
    row: { status: 'requested', errorCode: 'blip', reason: 'retrying: storage blip', leaseOwner: undefined },
    logged: { level: 'warn', message: REQUEUED, code: 'blip', nextAttempt: 2, retryAfterMs: undefined },
  },
  {
    failure: 'TransientError with a Retry-After above the backoff',
    raise: fromVmRead(new TransientError('later', { code: 'blip', retryAfterMs: 120_000 })),
    expected: { kind: 'requeued', code: 'blip', nextAttempt: 2, delay: [120_000, 120_000], history: 1 },
    row: { errorCode: 'blip' },
    logged: { level: 'warn', message: REQUEUED, delayMs: 120_000, retryAfterMs: 120_000 },
  },
  {
    failure: 'TransientError with a Retry-After below the backoff',
    raise: fromVmRead(new TransientError('soon', { code: 'blip', retryAfterMs: 1_000 })),
    expected: { kind: 'requeued', code: 'blip', nextAttempt: 2, delay: [2_500, 5_000], history: 1 },
    row: { errorCode: 'blip' },
    logged: { level: 'warn', message: REQUEUED, retryAfterMs: 1_000 },
  },
  {
    failure: 'TransientError on attempt 2 of 3 (the backoff doubles)',
    request: { attempt: 2 },
    raise: fromVmRead(new TransientError('again', { code: 'blip' })),
    expected: {
      kind: 'requeued',
      code: 'blip',
      nextAttempt: 3,
      delay: [5_000, 10_000],
      history: 1,
      recorded: { attempt: 2 },
    },
    row: { errorCode: 'blip', attempts: 2 },
    logged: { level: 'warn', message: REQUEUED, nextAttempt: 3, attempt: 2 },
  },
  {
    failure: 'throttling: ARM 429 ResourceRequestsThrottled with Retry-After: 120',
    raise: (h) => {
      h.backup.failNext('getProtectedItem', armError(429, 'ResourceRequestsThrottled', { 'retry-after': '120' }));
    },
    expected: {
      kind: 'requeued',
      code: 'ResourceRequestsThrottled',
      nextAttempt: 2,
      delay: [120_000, 120_000],
      history: 1,
      recorded: {
        code: 'ResourceRequestsThrottled',
        message: 'Azure call failed (429 ResourceRequestsThrottled): ARM said ResourceRequestsThrottled',
      },
    },
    row: { status: 'requested', errorCode: 'ResourceRequestsThrottled', leaseOwner: undefined },
    logged: { level: 'warn', message: REQUEUED, code: 'ResourceRequestsThrottled', retryAfterMs: 120_000 },
  },
  {
    failure: 'a busy item: the trigger refused with UserErrorBackupOperationInProgress',
    raise: (h) => {
      h.backup.failNext('triggerBackup', armError(400, 'UserErrorBackupOperationInProgress'));
    },
    expected: {
      kind: 'requeued',
      code: 'UserErrorBackupOperationInProgress',
      nextAttempt: 2,
      delay: [2_500, 5_000],
      history: 1,
    },
    row: { status: 'protecting', errorCode: 'UserErrorBackupOperationInProgress' },
    logged: { level: 'warn', message: REQUEUED, code: 'UserErrorBackupOperationInProgress' },
  },
  {
    failure: 'the item just enabled not visible yet (the trigger answers 404)',
    raise: (h) => {
      h.backup.failNext('triggerBackup', armError(404, 'BMSUserErrorDataSourceObjectNotFound'));
    },
    expected: {
      kind: 'requeued',
      code: 'item-not-visible',
      nextAttempt: 2,
      delay: [2_500, 5_000],
      history: 1,
      recorded: { code: 'item-not-visible' },
    },
    row: { status: 'protecting', errorCode: 'item-not-visible' },
    logged: { level: 'warn', message: REQUEUED, code: 'item-not-visible' },
  },
  {
    failure: 'an unknown Error',
    raise: fromVmRead(new Error('boom')),
    expected: {
      kind: 'requeued',
      code: 'unexpected-error',
      nextAttempt: 2,
      delay: [2_500, 5_000],
      history: 1,
      recorded: { code: 'unexpected-error', message: 'Azure call failed (no status): boom' },
    },
    row: { errorCode: 'unexpected-error' },
    logged: { level: 'warn', message: REQUEUED, code: 'unexpected-error' },
  },
  {
    failure: 'a thrown value that is not an Error',
    raise: fromVmRead('boom'),
    expected: { kind: 'requeued', code: 'unexpected-error', nextAttempt: 2, delay: [2_500, 5_000], history: 1 },
    row: { errorCode: 'unexpected-error' },
    logged: { level: 'warn', message: REQUEUED, code: 'unexpected-error' },
  },
  {
    failure: 'a dropped connection',
    raise: fromVmRead(connectionReset()),
    expected: { kind: 'requeued', code: 'ECONNRESET', nextAttempt: 2, delay: [2_500, 5_000], history: 1 },
    row: { errorCode: 'ECONNRESET' },
    logged: { level: 'warn', message: REQUEUED, code: 'ECONNRESET' },
  },
  {
    failure: 'LedgerConflictError raised by a step',
    raise: (h) => fromVmRead(new LedgerConflictError(h.vm.key))(h),
    expected: { kind: 'requeued', code: 'ledger-conflict', nextAttempt: 2, delay: [2_500, 5_000], history: 1 },
    row: { errorCode: 'ledger-conflict' },
    logged: { level: 'warn', message: REQUEUED, code: 'ledger-conflict' },
  },
  {
    failure: 'LedgerConflictError on the run’s own write (lease taken over mid-run)',
    raise: leaseTakenOverMidRun,
    expected: { kind: 'requeued', code: 'ledger-write-failed', nextAttempt: 2, delay: [2_500, 5_000], history: 1 },
    // The new holder's row is left as it is.
    row: { status: 'requested', leaseOwner: 'inv-new', errorCode: undefined },
    logged: { level: 'warn', message: REQUEUED, code: 'ledger-write-failed' },
  },
  {
    failure: 'OperationPendingError: Azure still enabling (a free check-back)',
    raise: slowEnable,
    expected: {
      kind: 'requeued',
      code: 'operation-in-progress',
      nextAttempt: 1,
      delay: [10_000, 10_000],
      history: 1,
      recorded: { attempt: 1, code: 'operation-in-progress' },
    },
    row: { status: 'protecting', errorCode: 'operation-in-progress', leaseOwner: undefined },
    logged: { level: 'info', message: CHECK_BACK, code: 'operation-in-progress', delayMs: 10_000, checkBacks: 1 },
  },
  {
    failure: 'OperationPendingError: the 40th check-back at this attempt (the last free one)',
    request: { history: checkBacks(39) },
    raise: slowEnable,
    expected: { kind: 'requeued', code: 'operation-in-progress', nextAttempt: 1, delay: [10_000, 10_000], history: 40 },
    row: { errorCode: 'operation-in-progress' },
    logged: { level: 'info', message: CHECK_BACK, checkBacks: 40 },
  },
  {
    failure: 'OperationPendingError past the free check-backs (spends an attempt, Retry-After kept)',
    request: { history: checkBacks(40) },
    raise: slowEnable,
    expected: {
      kind: 'requeued',
      code: 'operation-in-progress',
      nextAttempt: 2,
      delay: [10_000, 10_000],
      history: 41,
      recorded: { attempt: 1, code: 'operation-in-progress' },
    },
    row: { errorCode: 'operation-in-progress' },
    logged: { level: 'warn', message: REQUEUED, code: 'operation-in-progress', nextAttempt: 2, retryAfterMs: 10_000 },
  },
  {
    failure: 'OperationPendingError after 40 check-backs of an earlier attempt (free again)',
    request: { attempt: 2, history: checkBacks(40, 1) },
    raise: slowEnable,
    expected: {
      kind: 'requeued',
      code: 'operation-in-progress',
      nextAttempt: 2,
      delay: [10_000, 10_000],
      history: 41,
      recorded: { attempt: 2 },
    },
    row: { errorCode: 'operation-in-progress' },
    logged: { level: 'info', message: CHECK_BACK, checkBacks: 1 },
  },
  {
    failure: 'OperationPendingError without a usable Retry-After (first retry delay)',
    raise: fromVmRead(new OperationPendingError('still running', { retryAfterMs: Number.NaN })),
    expected: { kind: 'requeued', code: 'operation-in-progress', nextAttempt: 1, delay: [2_500, 5_000], history: 1 },
    row: { errorCode: 'operation-in-progress' },
    logged: { level: 'info', message: CHECK_BACK },
  },
  {
    failure: 'ClaimHeldError: another invocation holds the VM for 200 s (first retry delay, not the lease)',
    raise: heldByAnother(200_000),
    expected: { kind: 'requeued', code: 'claim-held', nextAttempt: 1, delay: [2_500, 5_000], history: 0 },
    row: { status: 'protecting', leaseOwner: 'inv-other', errorCode: undefined },
    logged: { level: 'info', message: DEFERRED, code: 'claim-held', leaseRemainingMs: 200_000 },
  },
  {
    failure: 'ClaimHeldError: the lease ends in 1.5 s (check back then)',
    raise: heldByAnother(1_500),
    expected: { kind: 'requeued', code: 'claim-held', nextAttempt: 1, delay: [1_500, 1_500], history: 0 },
    row: { leaseOwner: 'inv-other' },
    logged: { level: 'info', message: DEFERRED, delayMs: 1_500, leaseRemainingMs: 1_500 },
  },
  {
    failure: 'ClaimHeldError without a lease (lost the claim race to a run that already finished)',
    raise: (h) => {
      const create = h.ledger.create.bind(h.ledger);
      h.ledger.create = async (entry) => {
        h.ledger.create = create;
        await create(ledgerRow(h.vm, { status: 'protected' }));
        return create(entry);
      };
    },
    expected: { kind: 'requeued', code: 'claim-held', nextAttempt: 1, delay: [2_500, 5_000], history: 0 },
    row: { status: 'protected', leaseOwner: undefined },
    logged: { level: 'info', message: DEFERRED, code: 'claim-held', leaseRemainingMs: undefined },
  },
  {
    failure: 'PermanentError',
    raise: fromVmRead(new PermanentError('cannot be done', { code: 'bad-thing' })),
    expected: { kind: 'failed', code: 'bad-thing' },
    row: { status: 'failed', errorCode: 'bad-thing', reason: 'cannot be done', leaseOwner: undefined },
    logged: { level: 'warn', message: FAILED, code: 'bad-thing', error: { name: 'PermanentError', kind: 'permanent' } },
  },
  {
    failure: 'ValidationError raised by a step',
    raise: fromVmRead(new ValidationError('bad id')),
    expected: { kind: 'failed', code: 'validation-error' },
    row: { status: 'failed', errorCode: 'validation-error' },
    logged: { level: 'warn', message: FAILED, code: 'validation-error', error: { name: 'ValidationError' } },
  },
  {
    failure: 'a permanent ARM refusal (400)',
    raise: (h) => {
      h.backup.failNext('enableProtection', armError(400, 'UserErrorProtectionQuotaExceeded'));
    },
    expected: { kind: 'failed', code: 'UserErrorProtectionQuotaExceeded' },
    row: { status: 'failed', errorCode: 'UserErrorProtectionQuotaExceeded' },
    logged: {
      level: 'warn',
      message: FAILED,
      code: 'UserErrorProtectionQuotaExceeded',
      error: { context: { statusCode: 400 } },
    },
  },
  {
    failure: 'TransientError on the last attempt',
    request: { attempt: 3 },
    raise: fromVmRead(new TransientError('storage blip', { code: 'blip' })),
    expected: { kind: 'poisoned', code: 'max-attempts-exceeded' },
    row: { status: 'failed', reason: 'max-attempts-exceeded', errorCode: 'blip', attempts: 3, leaseOwner: undefined },
    logged: { level: 'error', message: POISONED, code: 'blip', attempts: 3, error: { code: 'blip' } },
  },
  {
    failure: 'OperationPendingError past the free check-backs on the last attempt',
    request: { attempt: 3, history: checkBacks(40, 3) },
    raise: slowEnable,
    expected: { kind: 'poisoned', code: 'max-attempts-exceeded' },
    row: { status: 'failed', reason: 'max-attempts-exceeded', errorCode: 'operation-in-progress' },
    logged: { level: 'error', message: POISONED, code: 'operation-in-progress' },
  },
];

describe('handleProtectionMessage', () => {
  describe('error -> outcome', () => {
    it.each(FAILURES)('$failure -> $expected.kind', async ({ raise, request: fields, expected, row, logged }) => {
      const h = harness();
      await raise(h);
      const request = protectionRequest(fields);

      const outcome = await handle(h, request);

      expect(outcome).toMatchObject({ kind: expected.kind, code: expected.code });
      if (expected.kind === 'requeued') {
        expect(outcome).toMatchObject({ nextAttempt: expected.nextAttempt });
        expect(h.requests.sent).toHaveLength(1);
        const [{ request: sent, delayMs }] = h.requests.sent as [{ request: ProtectionRequest; delayMs: number }];
        expect(delayMs).toBe((outcome as Extract<MessageOutcome, { kind: 'requeued' }>).delayMs);
        expect(delayMs).toBeGreaterThanOrEqual(expected.delay[0]);
        expect(delayMs).toBeLessThanOrEqual(expected.delay[1]);
        const { history, checkBackAt, ...rest } = sent;
        const { history: _before, ...original } = request;
        expect(rest).toEqual({ ...original, attempt: expected.nextAttempt });
        // A check-back names its look (the harness polls with no lead: visible at the look).
        const checksBack = expected.code === OPERATION_IN_PROGRESS && expected.nextAttempt === request.attempt;
        expect(checkBackAt).toBe(checksBack ? new Date(h.clock.now().getTime() + delayMs).toISOString() : undefined);
        expect(history ?? []).toHaveLength(expected.history);
        if (expected.recorded) {
          expect(history?.at(-1)).toEqual({
            attempt: request.attempt,
            at: h.clock.now().toISOString(),
            code: expected.code,
            message: expect.any(String),
            ...expected.recorded,
          });
        }
      } else {
        expect(h.requests.sent).toEqual([]);
      }
      expect(h.poison.sent).toHaveLength(expected.kind === 'poisoned' ? 1 : 0);
      expectRow(await h.ledger.get(h.vm.key), row);
      expect(h.logs).toHaveLogged({ ...logged, vmKey: h.vm.key, attempt: request.attempt });
    });
  });

  describe('retry delay', () => {
    it.each([
      { attempt: 1, retryAfterMs: undefined, random: 0, delayMs: 2_500 },
      { attempt: 1, retryAfterMs: undefined, random: 1, delayMs: 5_000 },
      { attempt: 3, retryAfterMs: undefined, random: 0, delayMs: 10_000 },
      { attempt: 3, retryAfterMs: undefined, random: 1, delayMs: 20_000 },
      { attempt: 1, retryAfterMs: 3_000, random: 0, delayMs: 3_000 },
      { attempt: 1, retryAfterMs: 3_000, random: 1, delayMs: 5_000 },
      { attempt: 1, retryAfterMs: 7_001, random: 1, delayMs: 7_001 },
      { attempt: 14, retryAfterMs: undefined, random: 1, delayMs: 900_000 },
    ])(
      'attempt $attempt failing (Retry-After $retryAfterMs, jitter $random) waits $delayMs ms',
      async ({ attempt, retryAfterMs, random, delayMs }) => {
        const h = harness({ random: () => random, maxAttempts: 20 });
        h.vms.failures.push(new TransientError('blip', { code: 'blip', retryAfterMs }));
        await handle(h, protectionRequest({ attempt }));
        expect(h.requests.sent).toEqual([
          expect.objectContaining({ delayMs, request: expect.objectContaining({ attempt: attempt + 1 }) }),
        ]);
      },
    );
  });

  describe('a check-back on a running operation', () => {
    it('is visible the lead before its look and names the look', async () => {
      const h = harness({ poll: { ...HOLDING_POLL, checkBackLeadMs: 2_000 } });
      slowEnable(h);
      const outcome = await handle(h, protectionRequest());
      // The fixed cadence (10 s) without learned timings: visible after 8 s, the look at 10 s.
      expect(outcome).toMatchObject({ kind: 'requeued', delayMs: 8_000 });
      expect(h.requests.sent).toEqual([
        expect.objectContaining({
          delayMs: 8_000,
          request: expect.objectContaining({ checkBackAt: new Date(h.clock.now().getTime() + 10_000).toISOString() }),
        }),
      ]);
    });

    it.each([
      { label: 'sits out the rest of the lead before it acts', lookInMs: 1_500, sleeps: [1_500] },
      { label: 'acts at once when its look has passed', lookInMs: -3_000, sleeps: [] },
      {
        label: 'acts at once when its look is further than the lead (never holds longer)',
        lookInMs: 30_000,
        sleeps: [],
      },
    ])('$label', async ({ lookInMs, sleeps }) => {
      const h = harness({ poll: { ...HOLDING_POLL, checkBackLeadMs: 2_000 } });
      const start = h.clock.now().getTime();
      const read = h.vms.getVm.bind(h.vms);
      let readAt: number | undefined;
      h.vms.getVm = async (vm) => {
        readAt ??= h.clock.now().getTime();
        return read(vm);
      };
      await handle(h, protectionRequest({ checkBackAt: new Date(start + lookInMs).toISOString() }));
      // The workflow's first read (the VM) comes after the wait, at the look.
      expect(readAt).toBe(start + sleeps.reduce((sum, ms) => sum + ms, 0));
      expect(h.clock.sleeps.slice(0, sleeps.length)).toEqual(sleeps);
    });
  });

  describe('through an ARM outage', () => {
    // Every attempt of the request meets the outage: each goes back to the queue with a longer, jittered delay that
    // honours Retry-After; only the attempt past maxAttempts goes to poison (the outage outlived the retry budget).
    it.each([
      [
        '503 ServiceUnavailable, Retry-After 10',
        () => armError(503, 'ServiceUnavailable', { 'retry-after': '10' }),
        10_000,
      ],
      ['a dropped connection', () => connectionReset(), 0],
    ])('requeues every attempt before the last on %s, never poisoning', async (_what, failure, retryAfterMs) => {
      const maxAttempts = 6;
      const delays: number[] = [];
      for (let attempt = 1; attempt < maxAttempts; attempt++) {
        const h = harness({ maxAttempts, random: () => 0 });
        h.vms.failures.push(failure());
        const outcome = await handle(h, protectionRequest({ attempt }));
        expect(outcome).toMatchObject({ kind: 'requeued', nextAttempt: attempt + 1 });
        expect(h.poison.sent).toEqual([]);
        const [{ delayMs }] = h.requests.sent as [{ request: ProtectionRequest; delayMs: number }];
        expect(delayMs).toBeGreaterThanOrEqual(retryAfterMs);
        delays.push(delayMs);
      }
      // Base 5 s doubling from the second attempt, the lower edge of the jitter: 2.5, 5, 10, 20, 40 s.
      expect(delays).toEqual([2_500, 5_000, 10_000, 20_000, 40_000].map((delay) => Math.max(delay, retryAfterMs)));
      const last = harness({ maxAttempts });
      last.vms.failures.push(failure());
      expect(await handle(last, protectionRequest({ attempt: maxAttempts }))).toMatchObject({ kind: 'poisoned' });
    });
  });

  describe('a request handled to the end', () => {
    it('returns the outcome (done) and logs it with the request context', async () => {
      const h = harness();
      const outcome = await handle(h, protectionRequest({ correlationId: 'corr-7', eventId: 'ev-7' }));
      expect(outcome).toEqual({
        kind: 'done',
        outcome: expect.objectContaining({ status: 'backup-triggered', reason: 'first-backup-triggered' }),
      });
      expect(h.logs).toHaveLogged({
        level: 'info',
        message: 'protection request handled',
        status: 'backup-triggered',
        reason: 'first-backup-triggered',
        rule: 'vault-route:eastus->rsv-eastus; default-policy->DefaultPolicy',
        jobId: h.backup.jobs[0]?.jobId,
        dryRun: false,
        vmKey: h.vm.key,
        correlationId: 'corr-7',
        eventId: 'ev-7',
        attempt: 1,
        nextCheckBackMs: 120_000,
      });
      // The only message sent is the check-back that follows the first backup (2 min: the first check-back delay).
      expect(h.requests.sent).toEqual([
        {
          delayMs: 120_000,
          request: expect.objectContaining({ attempt: 1, correlationId: 'corr-7', checkBackToken: expect.any(String) }),
        },
      ]);
      expect(h.poison.sent).toEqual([]);
    });

    it('completes a decision that failed (no vault for the region) without a retry', async () => {
      const h = harness({ location: 'westus2' });
      const outcome = await handle(h, protectionRequest());
      expect(outcome).toMatchObject({ kind: 'done', outcome: { status: 'failed', reason: 'no-vault-for-region' } });
      expect(h.requests.sent).toEqual([]);
      expect(h.poison.sent).toEqual([]);
    });

    it('logs the VM key in lower case whatever the case of the id', async () => {
      const h = harness();
      await handle(h, protectionRequest({ vmResourceId: vmId('VM-Web-2', 'RG-App') }));
      expect(h.logs).toHaveLogged({
        message: 'protection request handled',
        vmKey: vmId('vm-web-2', 'rg-app').toLowerCase(),
      });
    });
  });

  describe('poison past maxAttempts', () => {
    it('sends the request with its whole history, and says why', async () => {
      const h = harness();
      h.backup.failNext('getProtectedItem', armError(503, 'ServiceUnavailable'));
      const history = [
        { attempt: 1, at: '2026-03-01T09:00:00Z', code: 'ServiceUnavailable', message: 'first' },
        { attempt: 2, at: '2026-03-01T09:05:00Z', code: 'ServiceUnavailable', message: 'second' },
      ];
      const request = protectionRequest({ attempt: 3, history });

      const outcome = await handle(h, request);

      const reason =
        'gave up after 3 attempts; last error ServiceUnavailable: Azure call failed (503 ServiceUnavailable): ARM said ServiceUnavailable';
      expect(outcome).toEqual({ kind: 'poisoned', code: 'max-attempts-exceeded', reason });
      const at = h.clock.now().toISOString();
      expect(h.poison.sent).toEqual([
        {
          code: 'max-attempts-exceeded',
          reason,
          at,
          request: {
            ...request,
            history: [
              ...history,
              {
                attempt: 3,
                at,
                code: 'ServiceUnavailable',
                message: 'Azure call failed (503 ServiceUnavailable): ARM said ServiceUnavailable',
              },
            ],
          },
        },
      ]);
      expect(h.requests.sent).toEqual([]);
    });

    it('keeps the 50 most recent history entries', async () => {
      const h = harness({ maxAttempts: 60 });
      h.vms.failures.push(new TransientError('again', { code: 'blip' }));
      const history = Array.from({ length: 50 }, (_, i) => ({
        attempt: i + 1,
        at: '2026-03-01T09:00:00Z',
        code: 'c',
        message: `m${i + 1}`,
      }));
      await handle(h, protectionRequest({ attempt: 51, history }));
      const sent = h.requests.sent[0]?.request.history;
      expect(sent).toHaveLength(50);
      expect(sent?.[0]).toMatchObject({ attempt: 2 });
      expect(sent?.at(-1)).toMatchObject({ attempt: 51, code: 'blip' });
    });

    it('cuts a long code to 200 and a long message to 2000 characters in the history', async () => {
      const h = harness();
      h.vms.failures.push(new TransientError('m'.repeat(2_500), { code: 'c'.repeat(250) }));
      await handle(h, protectionRequest());
      expect(h.requests.sent[0]?.request.history?.[0]).toMatchObject({
        code: 'c'.repeat(200),
        message: 'm'.repeat(2_000),
      });
    });

    it('marks the row failed and releases it, keeping what the row knew', async () => {
      const h = harness();
      await h.ledger.create(
        ledgerRow(h.vm, { status: 'protecting', vaultId: h.vault.vaultId, operationIds: ['enable:op-1'] }),
      );
      h.vms.failures.push(new TransientError('blip', { code: 'blip' }));
      await handle(h, protectionRequest({ attempt: 3 }));
      const row = await h.ledger.get(h.vm.key);
      expect(row).toMatchObject({
        status: 'failed',
        reason: 'max-attempts-exceeded',
        errorCode: 'blip',
        attempts: 3,
        lastChanged: h.clock.now().toISOString(),
        vaultId: h.vault.vaultId,
        operationIds: ['enable:op-1'],
      });
      expect(row).not.toHaveProperty('leaseOwner');
      expect(row).not.toHaveProperty('leaseExpiresAt');
    });

    it('creates the row, failed, when the VM was never claimed (the ledger failed before)', async () => {
      const h = harness();
      const get = h.ledger.get.bind(h.ledger);
      let reads = 0;
      h.ledger.get = (key) =>
        ++reads === 1 ? Promise.reject(new TransientError('table busy', { code: 'http-503' })) : get(key);
      await handle(h, protectionRequest({ attempt: 3 }));
      const now = h.clock.now().toISOString();
      expect(h.ledger.all()).toEqual([
        {
          vmKey: h.vm.key,
          vmResourceId: h.vm.id,
          subscriptionId: h.vm.subscriptionId,
          status: 'failed',
          reason: 'max-attempts-exceeded',
          errorCode: 'http-503',
          attempts: 3,
          operationIds: [],
          jobIds: [],
          firstSeen: now,
          lastChanged: now,
          etag: expect.any(String),
        },
      ]);
      expect(h.poison.sent).toHaveLength(1);
    });

    it('re-reads and tries again when another writer changes the row first', async () => {
      const h = harness();
      const get = h.ledger.get.bind(h.ledger);
      let reads = 0;
      h.ledger.get = async (key) => {
        reads += 1;
        // The claim fails; then, between markFailed's read and its create, another invocation claims the VM.
        if (reads === 1) throw new TransientError('table busy', { code: 'http-503' });
        const found = await get(key);
        if (reads === 2)
          await h.ledger.create(ledgerRow(h.vm, { leaseOwner: 'inv-other', leaseExpiresAt: '2026-03-01T10:05:00Z' }));
        return found;
      };
      await handle(h, protectionRequest({ attempt: 3 }));
      const row = await get(h.vm.key);
      expect(row).toMatchObject({ status: 'failed', reason: 'max-attempts-exceeded' });
      expect(row).not.toHaveProperty('leaseOwner');
    });

    it.each([
      { failure: 'conflicts three times', error: () => new LedgerConflictError('vm'), tries: 3 },
      { failure: 'fails otherwise', error: () => new Error('table unavailable'), tries: 1 },
    ])('throws (so the host redelivers) when marking the row $failure', async ({ error, tries }) => {
      const h = harness();
      h.vms.failures.push(new TransientError('blip', { code: 'blip' }));
      const failure = error();
      let updates = 0;
      const send = h.poison.send.bind(h.poison);
      h.poison.send = async (entry) => {
        await send(entry);
        h.ledger.update = () => {
          updates += 1;
          return Promise.reject(failure);
        };
      };
      await expect(handle(h, protectionRequest({ attempt: 3 }))).rejects.toBe(failure);
      expect(updates).toBe(tries);
    });
  });

  describe('throws only when the request would otherwise be lost', () => {
    const queueDown = new Error('queue down');
    it.each<{
      when: string;
      arrange: (h: ProtectionHarness) => void | Promise<void>;
      request?: Partial<ProtectionRequest>;
      body?: unknown;
    }>([
      {
        when: 're-enqueueing a retry fails',
        arrange: (h) => {
          h.vms.failures.push(new TransientError('blip'));
          h.requests.failWith = queueDown;
        },
      },
      {
        when: 're-enqueueing a check-back fails',
        arrange: (h) => {
          slowEnable(h);
          h.requests.failWith = queueDown;
        },
      },
      {
        when: 're-enqueueing a deferral fails',
        arrange: async (h) => {
          await heldByAnother(60_000)(h);
          h.requests.failWith = queueDown;
        },
      },
      {
        when: 'the poison queue fails',
        request: { attempt: 3 },
        arrange: (h) => {
          h.vms.failures.push(new TransientError('blip'));
          h.poison.send = () => Promise.reject(queueDown);
        },
      },
      {
        when: 'poisoning an unparseable body fails',
        body: 'not json',
        arrange: (h) => {
          h.poison.send = () => Promise.reject(queueDown);
        },
      },
      {
        when: 'recording an unparseable body fails',
        body: 'not json',
        arrange: (h) => {
          h.rejects.failWith = queueDown;
        },
      },
    ])('$when', async ({ arrange, request, body }) => {
      const h = harness();
      await arrange(h);
      await expect(handle(h, body ?? protectionRequest(request))).rejects.toBe(queueDown);
    });

    it('completes a permanent failure even with every queue down (nothing to send)', async () => {
      const h = harness();
      h.vms.failures.push(new PermanentError('no', { code: 'bad-thing' }));
      h.requests.failWith = queueDown;
      h.poison.send = () => Promise.reject(queueDown);
      await expect(handle(h, protectionRequest())).resolves.toMatchObject({ kind: 'failed' });
    });
  });

  describe('unparseable bodies', () => {
    const circular: Record<string, unknown> = { version: 1 };
    circular.self = circular;

    it.each<{ body: string; value: () => unknown; raw: string | RegExp; reason: RegExp }>([
      { body: 'text that is not JSON', value: () => 'not json', raw: 'not json', reason: /is not JSON/ },
      {
        body: 'truncated JSON',
        value: () => '{"version":1,"vmResourceId":"/subscriptions/x/oops"',
        raw: '{"version":1,"vmResourceId":"/subscriptions/x/oops"',
        reason: /is not JSON/,
      },
      { body: 'an object of the wrong shape', value: () => ({ version: 2 }), raw: '{"version":2}', reason: /version/ },
      {
        body: 'a VM id that is not a VM',
        value: () => protectionRequest({ vmResourceId: `${vmId()}/extensions/ext` }),
        raw: JSON.stringify(protectionRequest({ vmResourceId: `${vmId()}/extensions/ext` })),
        reason: /child of a VM/,
      },
      {
        body: "a subscription that is not the VM's",
        value: () => protectionRequest({ subscriptionId: '22222222-2222-2222-2222-222222222222' }),
        raw: /"subscriptionId":"22222222/,
        reason: /is not the subscription of/,
      },
      { body: 'no body at all', value: () => undefined, raw: 'undefined', reason: /Invalid protection request/ },
      {
        body: 'a body that cannot be serialised',
        value: () => circular,
        raw: /^\[unserialisable: .*circular/i,
        reason: /Invalid protection request/,
      },
    ])('$body -> poison + reject record, at once', async ({ value, raw, reason }) => {
      const h = harness();

      const outcome = await handle(h, value());

      expect(outcome).toEqual({ kind: 'poisoned', code: 'invalid-message', reason: expect.stringMatching(reason) });
      const { reason: text } = outcome as Extract<MessageOutcome, { kind: 'poisoned' }>;
      const rawMatcher = typeof raw === 'string' ? raw : expect.stringMatching(raw);
      expect(h.poison.sent).toEqual([
        { code: 'invalid-message', reason: text, at: h.clock.now().toISOString(), raw: rawMatcher },
      ]);
      expect(h.rejects.all()).toEqual([
        expect.objectContaining({
          kind: 'message',
          code: 'invalid-message',
          reason: text,
          raw: rawMatcher,
          context: { queue: 'protection-requests' },
        }),
      ]);
      expect(h.logs).toHaveLogged({
        level: 'warn',
        message: 'unparseable protection request moved to the poison queue',
        code: 'invalid-message',
        reason: text,
      });
      expect(h.ledger.all()).toEqual([]);
      expect(h.vms.getCalls + h.backup.calls.length).toBe(0);
      expect(h.requests.sent).toEqual([]);
    });

    it('rethrows what is not a validation failure (a body whose reading throws), poisoning nothing', async () => {
      const h = harness();
      const bug = new Error('getter exploded');
      const body = {
        get version(): number {
          throw bug;
        },
      };
      await expect(handle(h, body)).rejects.toBe(bug);
      expect(h.poison.sent).toEqual([]);
      expect(h.rejects.all()).toEqual([]);
    });
  });
  /**
   * Several deliveries of one request (re-enqueued check-backs and retries, host redeliveries, duplicate events):
   * Azure is asked to act once, and the ledger ends up naming what happened.
   */
  describe('across deliveries', () => {
    const lastSent = (h: ProtectionHarness) => h.requests.sent.at(-1)?.request;

    it('releases its queue slot while Azure enables protection, checks back without spending an attempt, then triggers once', async () => {
      const h = harness();
      slowEnable(h);
      h.backup.enablePolls = 0;
      await handle(h, protectionRequest());
      expect(h.requests.sent).toHaveLength(1);
      const [checkBack] = h.requests.sent;
      expect(checkBack?.delayMs).toBe(10_000);
      expect(checkBack?.request).toMatchObject({
        attempt: 1,
        history: [{ attempt: 1, code: 'operation-in-progress' }],
      });
      expect(h.backup.count('getOperationStatus')).toBe(0);
      expect(h.clock.sleeps).toEqual([]);
      const vmReadsBefore = h.vms.getCalls;
      const itemReadsBefore = h.backup.count('getProtectedItem');

      // The check-back polls the operation it left running, once, and triggers the backup: it reads neither the VM nor
      // the protected item again (the decision is on the row), and lists no jobs (no trigger can have been sent).
      await handle(h, checkBack?.request);
      expect(h.backup.count('enableProtection')).toBe(1);
      expect(h.backup.count('triggerBackup')).toBe(1);
      expect(h.backup.count('getOperationStatus')).toBe(2);
      expect(h.vms.getCalls - vmReadsBefore).toBe(0);
      expect(h.backup.count('getProtectedItem') - itemReadsBefore).toBe(0);
      expect(h.backup.count('listJobs')).toBe(0);
      // Then it follows the job: one more message, the first check-back on the Backup job.
      expect(h.requests.sent).toHaveLength(2);
      expect(h.requests.sent[1]).toMatchObject({ delayMs: 120_000, request: { checkBackToken: expect.any(String) } });
      expect(await h.ledger.get(h.vm.key)).toMatchObject({
        status: 'backup-triggered',
        reason: 'first-backup-triggered',
        jobIds: [h.backup.jobs[0]?.jobId],
        checkBackToken: h.requests.sent[1]?.request.checkBackToken,
      });
    });

    it('spends one ARM read per check-back while Azure is still enabling protection', async () => {
      const h = harness();
      slowEnable(h);
      h.backup.enablePolls = 3;
      await handle(h, protectionRequest());
      const vmReads = h.vms.getCalls;
      for (let checkBack = 1; checkBack <= 3; checkBack++) {
        await handle(h, lastSent(h));
        expect(h.backup.count('getOperationStatus')).toBe(checkBack);
        expect(h.requests.sent.at(-1)).toMatchObject({ delayMs: 10_000, request: { attempt: 1 } });
      }
      expect(h.vms.getCalls).toBe(vmReads);
      expect(h.clock.sleeps).toEqual([]);
      await handle(h, lastSent(h));
      expect(h.backup.count('triggerBackup')).toBe(1);
    });

    it('checks back again while the operation it follows is still running, never sending a second PUT', async () => {
      const h = harness({ poll: { ...HOLDING_POLL, minIntervalMs: 1_000 } });
      slowEnable(h);
      h.backup.enablePolls = 10;
      await handle(h, protectionRequest());
      h.backup.setItem(h.vault, h.vm);
      await handle(h, h.requests.sent[0]?.request);
      expect(h.requests.sent).toHaveLength(2);
      expect(h.requests.sent[1]?.request).toMatchObject({
        attempt: 1,
        history: [{ code: 'operation-in-progress' }, { code: 'operation-in-progress' }],
      });
      expect(h.backup.count('enableProtection')).toBe(1);
      expect(h.backup.count('triggerBackup')).toBe(0);
    });

    it('records the job of a trigger it checked back on, with one poll', async () => {
      const h = harness();
      const trigger = h.backup.triggerBackup.bind(h.backup);
      h.backup.triggerBackup = async (vault, vm, expiry) => ({
        ...(await trigger(vault, vm, expiry)),
        retryAfterMs: 60_000,
      });
      await handle(h, protectionRequest());
      expect(await h.ledger.get(h.vm.key)).toMatchObject({
        status: 'protecting',
        errorCode: 'operation-in-progress',
        jobIds: [],
      });
      const polls = h.backup.count('getOperationStatus');
      const itemReads = h.backup.count('getProtectedItem');
      await handle(h, lastSent(h));
      expect(await h.ledger.get(h.vm.key)).toMatchObject({
        status: 'backup-triggered',
        reason: 'first-backup-triggered',
        jobIds: [h.backup.jobs[0]?.jobId],
      });
      expect(h.backup.count('getOperationStatus') - polls).toBe(1);
      expect(h.backup.count('getProtectedItem') - itemReads).toBe(0);
      expect(h.backup.count('getJob') + h.backup.count('listJobs')).toBe(0);
      expect(h.backup.count('triggerBackup')).toBe(1);
    });

    it('lists jobs instead of triggering again after a check-back died between the trigger and recording it', async () => {
      const h = harness();
      slowEnable(h);
      h.backup.enablePolls = 0;
      await handle(h, protectionRequest());
      const checkBack = lastSent(h);
      // The check-back triggers the backup, then the process dies: no ledger write after the POST lands.
      const trigger = h.backup.triggerBackup.bind(h.backup);
      const update = h.ledger.update.bind(h.ledger);
      h.backup.triggerBackup = async (vault, vm, expiry) => {
        const operation = await trigger(vault, vm, expiry);
        h.ledger.update = () => Promise.reject(new Error('process killed'));
        return operation;
      };
      await handle(h, checkBack);
      h.ledger.update = update;
      h.backup.triggerBackup = trigger;
      h.clock.advance(600_000);

      // The host redelivers the check-back once the lease has run out.
      await handle(h, checkBack);
      expect(h.backup.count('triggerBackup')).toBe(1);
      expect(h.backup.count('listJobs')).toBe(1);
      expect(await h.ledger.get(h.vm.key)).toMatchObject({
        status: 'backup-triggered',
        reason: 'backup-job-found',
        jobIds: [h.backup.jobs[0]?.jobId],
      });
    });

    /**
     * Enables protection (202, Retry-After 60), then checks back on the enable, which Azure failed with `errorCode`.
     */
    async function checkBackOnFailedEnable(errorCode: string) {
      const h = harness();
      slowEnable(h);
      h.backup.enablePolls = 0;
      h.backup.enableOutcome = { status: 'Failed', errorCode, errorMessage: `Azure said ${errorCode}` };
      await handle(h, protectionRequest());
      const sentBefore = h.requests.sent.length;
      h.backup.enableOutcome = { status: 'Succeeded' };
      await handle(h, lastSent(h));
      return { h, sentBefore };
    }

    it('starts over with a new PUT when the enable it checked back on failed because the vault was busy', async () => {
      const { h } = await checkBackOnFailedEnable('BMSUserErrorObjectLocked');
      expect(lastSent(h)).toMatchObject({
        attempt: 2,
        history: [{ code: 'operation-in-progress' }, { code: 'BMSUserErrorObjectLocked' }],
      });
      expect(await h.ledger.get(h.vm.key)).toMatchObject({
        status: 'requested',
        errorCode: 'BMSUserErrorObjectLocked',
      });
      for (let i = 0; i < 3 && h.backup.count('triggerBackup') === 0; i++) await handle(h, lastSent(h));
      expect(h.backup.count('enableProtection')).toBe(2);
      expect(h.backup.count('triggerBackup')).toBe(1);
    });

    it('records failed, and does not retry, when the enable it checked back on failed for good', async () => {
      const { h, sentBefore } = await checkBackOnFailedEnable('UserErrorGuestAgentStatusUnavailable');
      expect(await h.ledger.get(h.vm.key)).toMatchObject({
        status: 'failed',
        errorCode: 'UserErrorGuestAgentStatusUnavailable',
      });
      expect(h.requests.sent).toHaveLength(sentBefore);
      expect(h.backup.count('enableProtection')).toBe(1);
    });

    it('re-reads the VM when the operation it checked back on is unknown to Azure', async () => {
      const h = harness();
      slowEnable(h);
      await handle(h, protectionRequest());
      h.backup.getOperationStatus = () => Promise.reject(armError(404, 'BMSUserErrorOperationNotFound'));
      h.vms.vms.clear();
      await handle(h, lastSent(h));
      expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'skipped', reason: 'vm-deleted' });
    });

    it('follows an enable that outlived the invocation budget instead of sending a second PUT', async () => {
      const h = protectionHarness({ settings: { invocationBudgetMs: 1_000 } });
      h.backup.enablePolls = 15;
      await handle(h, protectionRequest());
      expect(h.requests.sent[0]).toMatchObject({
        request: { attempt: 2, history: [{ code: 'operation-in-progress' }] },
      });
      expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'protecting' });
      h.backup.enablePolls = 0;
      // Each check-back polls once (the operation had 15 polls to go when the budget ran out).
      for (let attempt = 0; attempt < 20 && h.backup.count('triggerBackup') === 0; attempt++) {
        await handle(h, lastSent(h));
      }
      expect(h.backup.count('enableProtection')).toBe(1);
      expect(h.backup.count('triggerBackup')).toBe(1);
    });

    it('replays a crash between enable and trigger with exactly one backup', async () => {
      const h = protectionHarness();
      // First attempt: protection enabled, then the trigger call dies (connection reset = crash-like).
      h.backup.failNext('triggerBackup', connectionReset());
      await handle(h, protectionRequest());
      expect(h.backup.jobs).toHaveLength(0);
      expect(h.requests.sent).toHaveLength(1);

      // Replay of the original message (host redelivery) and the re-enqueued retry both run.
      await handle(h, protectionRequest());
      await handle(h, h.requests.sent[0]!.request);
      expect(h.backup.count('enableProtection')).toBe(1);
      expect(h.backup.jobs.filter((job) => job.operation === 'Backup')).toHaveLength(1);
      expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'backup-triggered' });
    });

    it('replays a crash after the trigger without a second backup (job found by listing)', async () => {
      const h = protectionHarness();
      await handle(h, protectionRequest());
      // Simulate a crash before the outcome was recorded: the row loses its job ids.
      const row = await h.ledger.get(h.vm.key);
      await h.ledger.update(row!, { status: 'protecting', jobIds: [], operationIds: [] });
      await handle(h, protectionRequest({ eventId: 'event-2' }));
      expect(h.backup.count('triggerBackup')).toBe(1);
      expect(await h.ledger.get(h.vm.key)).toMatchObject({
        status: 'backup-triggered',
        reason: 'backup-job-found',
        lastEventId: 'event-2',
      });
    });

    it('handles duplicate events: the second leaves the followed VM to its check-back, without an ARM call', async () => {
      const h = protectionHarness();
      await handle(h, protectionRequest());
      const callsBefore = h.backup.calls.length;
      const outcome = await handle(h, protectionRequest({ eventId: 'event-dup' }));
      expect(outcome).toMatchObject({ kind: 'done', outcome: { reason: 'first-backup-followed' } });
      expect(h.backup.calls.length).toBe(callsBefore);
      expect(h.vms.getCalls).toBe(1);
      expect(h.backup.count('triggerBackup')).toBe(1);
      expect(h.requests.sent).toHaveLength(1);
      expectRow(await h.ledger.get(h.vm.key), {
        status: 'backup-triggered',
        reason: 'first-backup-triggered',
        leaseOwner: undefined,
      });
    });

    it('marks the VM protected when its check-back finds the first backup completed', async () => {
      const h = protectionHarness();
      await handle(h, protectionRequest());
      const job = h.backup.jobs[0]!;
      job.status = 'Completed';
      job.endTime = new Date(h.clock.now().getTime() + 60_000);
      h.clock.advance(120_000);
      await handle(h, lastSent(h));
      expectRow(await h.ledger.get(h.vm.key), {
        status: 'protected',
        reason: 'first-backup-completed',
        firstBackupJobId: job.jobId,
        firstBackupCompletedAt: job.endTime.toISOString(),
        checkBackToken: undefined,
      });
      expect(h.requests.sent).toHaveLength(1);
    });
  });
});
