import { OperationPendingError } from '../../../../src/lib/errors';
import { afterLook, OperationTimings, type TimedOperation } from '../../../../src/lib/protection/operationTimings';
import { DEFAULT_POLL_SETTINGS, waitForOperation } from '../../../../src/lib/protection/waitForOperation';
import { vaultRoute } from '../../../helpers/factories/rules';
import { FakeClock } from '../../../helpers/fakes/fakeQueues';

const LIMITS = { minIntervalMs: 250, maxIntervalMs: 10_000 };
const VAULT = vaultRoute('eastus').vaultId;

/** An operation Azure runs for `durationMs` from the clock's current time, answering with its `startTime`. */
function operationOf(clock: FakeClock, durationMs: number) {
  const startedAt = clock.now();
  let polls = 0;
  return {
    get polls() {
      return polls;
    },
    getOperationStatus: async () => {
      polls++;
      const running = clock.now().getTime() < startedAt.getTime() + durationMs;
      return { status: running ? 'InProgress' : 'Succeeded', startedAt };
    },
  };
}

describe('OperationTimings', () => {
  it("first looks just after Azure's recorded durations, never later than the Retry-After", () => {
    const timings = new OperationTimings(LIMITS);
    // ConfigureBackup ~41 s, the trigger's operation done within 1 s (recovery-services-api.md): 2.5 % past them.
    expect(timings.firstLookMs(VAULT, 'enable', undefined)).toBe(42_025);
    expect(timings.firstLookMs(VAULT, 'enable', 60_000)).toBe(42_025);
    expect(timings.firstLookMs(VAULT, 'enable', 6_000)).toBe(6_000);
    expect(timings.firstLookMs(VAULT, 'enable', 0)).toBe(0);
    expect(timings.firstLookMs(VAULT, 'backup', 60_000)).toBe(1_250);
  });

  it('looks 1 % earlier after a look found the operation done, and as late as it took after one found it later', () => {
    const timings = new OperationTimings(LIMITS);
    timings.observe(VAULT, 'enable', 6_000, false);
    expect(timings.expectedMs(VAULT, 'enable')).toBe(5_940);
    timings.observe(VAULT, 'enable', 9_000, false);
    expect(timings.expectedMs(VAULT, 'enable')).toBe(9_000);
    timings.observe(VAULT, 'enable', 20_000, true);
    expect(timings.expectedMs(VAULT, 'enable')).toBe(9_000);
    // Per vault (whatever the case of its id) and kind.
    expect(timings.expectedMs(VAULT.toUpperCase(), 'enable')).toBe(9_000);
    expect(timings.expectedMs(vaultRoute('westeurope').vaultId, 'enable')).toBe(42_025);
    expect(timings.expectedMs(VAULT, 'backup')).toBe(1_250);
  });

  it('looks again at the expected end, then after the overdue time (doubling, within the limits)', () => {
    const timings = new OperationTimings(LIMITS);
    // 12,025 ms to the expected end, at most the longest interval.
    expect(timings.nextLookMs(VAULT, 'enable', 30_000)).toBe(10_000);
    expect(timings.nextLookMs(VAULT, 'enable', 40_000)).toBe(2_025);
    expect(timings.nextLookMs(VAULT, 'enable', 42_025)).toBeCloseTo(1_050.6, 0);
    expect(timings.nextLookMs(VAULT, 'enable', 46_025)).toBe(4_000);
    expect(timings.nextLookMs(VAULT, 'enable', 100_000)).toBe(10_000);
    expect(timings.nextLookMs(VAULT, 'backup', 1_249)).toBe(250);
  });

  it('without timings or a start time, keeps the fixed cadence', () => {
    const look = { vaultId: VAULT, kind: 'enable' as const, now: new Date(), running: true };
    expect(afterLook(undefined, { ...look, startedAt: new Date() }, 7_000)).toBe(7_000);
    expect(afterLook(new OperationTimings(LIMITS), { ...look, startedAt: undefined }, 7_000)).toBe(7_000);
  });

  it.each([
    ['as recorded', 41_000],
    ['slower than recorded', 55_000],
    ['faster than recorded', 30_000],
  ])('learns a vault whose ConfigureBackup runs %s: few looks, each soon after the end', async (_label, durationMs) => {
    const timings = new OperationTimings(LIMITS);
    const clock = new FakeClock();
    const overheads: number[] = [];
    let looks = 0;
    for (let run = 0; run < 200; run++) {
      const operation = operationOf(clock, durationMs);
      const started = clock.now().getTime();
      // As protectVm does: the first look after the 202 (Retry-After 60), later ones as check-backs.
      let wait = timings.firstLookMs(VAULT, 'enable', 60_000);
      for (;;) {
        clock.advance(wait);
        const status = await operation.getOperationStatus();
        const running = status.status === 'InProgress';
        wait = afterLook(
          timings,
          { vaultId: VAULT, kind: 'enable', startedAt: status.startedAt, now: clock.now(), running },
          0,
        );
        if (!running) break;
      }
      looks += operation.polls;
      overheads.push(clock.now().getTime() - started - durationMs);
    }
    const settled = overheads.slice(40).sort((a, b) => a - b);
    expect(looks / 200).toBeLessThanOrEqual(1.6);
    expect(settled.at(-1)).toBeLessThanOrEqual(1_500);
  });
});

describe('waitForOperation with learned timings', () => {
  const vault = vaultRoute('eastus');

  /** A fresh 202 (Retry-After 60 s) of an operation Azure runs for `durationMs`, waited on with fresh timings. */
  function waitOnFresh(kind: TimedOperation, durationMs: number) {
    const clock = new FakeClock();
    const timings = new OperationTimings(LIMITS);
    const operation = operationOf(clock, durationMs);
    const waiting = waitForOperation(
      operation,
      vault,
      { operationId: `op-${kind}`, retryAfterMs: 60_000 },
      {
        clock,
        deadline: clock.now().getTime() + 300_000,
        poll: DEFAULT_POLL_SETTINGS,
        learned: { timings, kind },
      },
    );
    return { clock, timings, operation, waiting };
  }

  it('releases the queue slot until the expected end of a fresh ConfigureBackup, not the Retry-After', async () => {
    const { operation, waiting } = waitOnFresh('enable', 41_000);
    await expect(waiting).rejects.toEqual(
      expect.objectContaining({ constructor: OperationPendingError, retryAfterMs: 42_025 }),
    );
    expect(operation.polls).toBe(0);
  });

  it("sits out a short expected end (the trigger's) and learns from Azure's start time", async () => {
    const { clock, timings, waiting } = waitOnFresh('backup', 1_500);
    await expect(waiting).resolves.toMatchObject({ status: 'Succeeded' });
    // Expected at 1,250 ms: still running; overdue -> again after 2.5 % of it (the 250 ms floor); done at 1,500.
    expect(clock.sleeps).toEqual([1_250, 250]);
    expect(timings.expectedMs(vault.vaultId, 'backup')).toBe(1_500);
  });
});
