import { FULL_OUTAGES, REDUCED_OUTAGES } from '../../../tools/chaos/outages/outagePlan';
import {
  backoffWaitBoundMs,
  bucketDrainBoundMs,
  eventGridWaitBoundMs,
  outageRecoveryBound,
  retryBudgetMs,
} from '../../../tools/chaos/outages/recoveryBounds';

const DEFAULTS = { baseDelayMs: 5_000, maxDelayMs: 900_000 };

describe('recovery bounds of an outage', () => {
  it("gives the app's default retry settings a budget of 317.5 s to 635 s (what docs/guarantees.md quotes)", () => {
    // Delay ceilings before attempts 2..8: 5, 10, 20, 40, 80, 160, 320 s; the jitter takes half to all of each.
    expect(retryBudgetMs(DEFAULTS, 8)).toEqual({ minMs: 317_500, maxMs: 635_000 });
  });

  it("gives the full outage run's settings more than its 120 s ARM outage, and the reduced run's more than 20 s", () => {
    expect(retryBudgetMs({ baseDelayMs: 5_000, maxDelayMs: 30_000 }, 12).minMs).toBe(137_500);
    expect(retryBudgetMs({ baseDelayMs: 1_000, maxDelayMs: 5_000 }, 12).minMs).toBe(23_500);
  });

  it('never waits less than Retry-After per attempt', () => {
    expect(retryBudgetMs({ baseDelayMs: 1_000, maxDelayMs: 5_000 }, 3, 10_000)).toEqual({
      minMs: 20_000,
      maxMs: 20_000,
    });
  });

  it('bounds the backoff a request sleeps in when the outage ends by the last ceiling it can have reached', () => {
    const settings = { baseDelayMs: 5_000, maxDelayMs: 30_000 };
    // Shortest delays 2.5, 5, 10, 15 s: after 2 s only the first re-enqueue (ceiling 5 s) can have started.
    expect(backoffWaitBoundMs(settings, 12, 2_000)).toBe(5_000);
    expect(backoffWaitBoundMs(settings, 12, 10_000)).toBe(20_000);
    expect(backoffWaitBoundMs(settings, 12, 120_000)).toBe(30_000);
    expect(backoffWaitBoundMs(settings, 12, 1_000, 60_000)).toBe(60_000);
  });

  it("bounds Event Grid's wait by the widest retry gap an outage can end in, on its scaled clock", () => {
    // 10 s, 30 s, 1 min, 5 min, ...: retries at 10, 40, 100, 400 s after the first failure.
    expect(eventGridWaitBoundMs(5_000, 1)).toBe(10_000);
    expect(eventGridWaitBoundMs(60_000, 1)).toBe(60_000);
    expect(eventGridWaitBoundMs(120_000, 1)).toBe(300_000);
    expect(eventGridWaitBoundMs(15_000, 0.25)).toBe(15_000);
  });

  it("drains a backlog no faster than ARM's write bucket allows (2 writes per VM, 200 then 10/s)", () => {
    expect(bucketDrainBoundMs(100)).toBe(0);
    expect(bucketDrainBoundMs(1_000)).toBe(180_000);
  });

  it("adds up an outage's bound from the mechanism that waits longest, the queue poll, the bucket and one VM", () => {
    const inputs = { pollMs: 2_000, floorMs: 2_400, backlog: 100 };
    // ARM: the 30 s backoff cap outlasts the 10 s Retry-After; 100 VMs x 2 writes fit the bucket.
    expect(outageRecoveryBound({ target: 'arm', seconds: 120, variants: ['503'] }, FULL_OUTAGES, inputs)).toEqual({
      waitMs: 30_000,
      waitFor: 'the re-enqueue backoff',
      pollMs: 2_000,
      bucketMs: 0,
      floorMs: 2_400,
      totalMs: 34_400,
    });
    // Storage for 60 s on Event Grid's real clock: its 1 min gap is the longest wait.
    expect(
      outageRecoveryBound({ target: 'storage', seconds: 60, variants: ['refuse'] }, FULL_OUTAGES, inputs),
    ).toMatchObject({ waitMs: 60_000, waitFor: 'Event Grid retries', totalMs: 64_400 });
    // The reduced run's storage outage: Event Grid at a quarter of its clock (15 s) outlasts the 8 s claim lease.
    expect(
      outageRecoveryBound({ target: 'storage', seconds: 15, variants: ['refuse'] }, REDUCED_OUTAGES, {
        ...inputs,
        backlog: 300,
      }),
    ).toMatchObject({ waitMs: 15_000, bucketMs: 40_000 });
  });
});
