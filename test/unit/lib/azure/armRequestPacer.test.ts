import { ArmRequestPacer, type PacerClock } from '../../../../src/lib/azure/armRequestPacer';

const SUB = '11111111-1111-1111-1111-111111111111';

/** A clock whose sleeps advance time at once and are recorded. */
function fakeClock(): PacerClock & { sleeps: number[]; t: number } {
  const clock = {
    t: 0,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
    },
  };
  return clock;
}

const limits = {
  reads: { size: 5, refillPerSecond: 5 },
  writes: { size: 2, refillPerSecond: 10 },
  deletes: { size: 2, refillPerSecond: 10 },
};

describe('ArmRequestPacer', () => {
  it('lets the burst through at once, then spaces requests at the refill rate, first come first served', async () => {
    const clock = fakeClock();
    const pacer = new ArmRequestPacer(limits, clock);
    const waits = await Promise.all([1, 2, 3, 4].map(() => pacer.acquire(SUB, 'writes')));
    expect(waits).toEqual([0, 0, 100, 200]);
    clock.t += 1000; // refilled (capped at the bucket size)
    expect(await pacer.acquire(SUB, 'writes')).toBe(0);
    expect(await pacer.acquire(SUB, 'writes')).toBe(0);
    expect(await pacer.acquire(SUB, 'writes')).toBe(100);
  });

  it('keeps buckets apart by subscription (case-insensitive) and kind', async () => {
    const pacer = new ArmRequestPacer(limits, fakeClock());
    await pacer.acquire(SUB, 'writes');
    await pacer.acquire(SUB.toUpperCase(), 'writes');
    expect(await pacer.acquire('other', 'writes')).toBe(0);
    expect(await pacer.acquire(SUB, 'reads')).toBe(0);
    expect(await pacer.acquire(SUB, 'writes')).toBe(100);
  });

  it('lowers its estimate to the remaining budget ARM reports', async () => {
    const pacer = new ArmRequestPacer(limits, fakeClock());
    pacer.observe(SUB, 'reads', { status: 200, remaining: 1 });
    expect(pacer.tokens(SUB, 'reads')).toBe(1);
    expect(await pacer.acquire(SUB, 'reads')).toBe(0);
    expect(await pacer.acquire(SUB, 'reads')).toBe(200);
  });

  it('raises its estimate when ARM reports more budget than the published limits predict', async () => {
    const clock = fakeClock();
    const pacer = new ArmRequestPacer({ ...limits, reads: { size: 250, refillPerSecond: 25 } }, clock);
    // 300 reads in one second: the mirror of a 250 + 25/s bucket runs dry, but every response says 250 remain
    // (an endpoint with higher limits, or one that does not throttle), so no request waits.
    const waits: number[] = [];
    for (let i = 0; i < 300; i++) {
      waits.push(await pacer.acquire(SUB, 'reads'));
      clock.t += 3;
      pacer.observe(SUB, 'reads', { status: 200, remaining: 250 });
    }
    expect(waits.filter((ms) => ms > 0)).toEqual([]);
    expect(pacer.tokens(SUB, 'reads')).toBe(250);
  });

  it('does not let a reordered response with an older, full level raise the estimate', async () => {
    const clock = fakeClock();
    const pacer = new ArmRequestPacer(limits, clock);
    pacer.observe(SUB, 'reads', { status: 200, remaining: 1 });
    clock.t += 10;
    pacer.observe(SUB, 'reads', { status: 200, remaining: 5 });
    expect(pacer.tokens(SUB, 'reads')).toBeCloseTo(1.05, 5);
    // Once the low level has left the one-second window, a full bucket ARM keeps reporting is believed.
    clock.t += 1000;
    for (let i = 0; i < 3; i++) await pacer.acquire(SUB, 'reads');
    pacer.observe(SUB, 'reads', { status: 200, remaining: 5 });
    expect(pacer.tokens(SUB, 'reads')).toBe(3);
  });

  it('does not raise its estimate from a drained bucket that other callers share', async () => {
    const clock = fakeClock();
    const pacer = new ArmRequestPacer({ ...limits, writes: { size: 200, refillPerSecond: 10 } }, clock);
    // This process spends its estimate (the requests fail on the network); ARM then reports 95 left. Every instance
    // sees that level: if each took it, they would spend the same 95 tokens three times over.
    for (let i = 0; i < 200; i++) await pacer.acquire(SUB, 'writes');
    for (let i = 0; i < 200; i++) pacer.release(SUB, 'writes');
    clock.t += 1000;
    pacer.observe(SUB, 'writes', { status: 202, remaining: 95 });
    expect(pacer.tokens(SUB, 'writes')).toBeCloseTo(10, 5);
  });

  it('pauses the bucket for a 429 Retry-After', async () => {
    const pacer = new ArmRequestPacer(limits, fakeClock());
    pacer.observe(SUB, 'writes', { status: 429, remaining: 0, retryAfterMs: 3000 });
    expect(await pacer.acquire(SUB, 'writes')).toBe(3100);
  });

  it("never shows more than ARM's remaining budget minus its own outstanding requests", async () => {
    const pacer = new ArmRequestPacer({ ...limits, writes: { size: 200, refillPerSecond: 10 } }, fakeClock());
    await Promise.all([1, 2, 3].map(() => pacer.acquire(SUB, 'writes')));
    pacer.observe(SUB, 'writes', { status: 202, remaining: 10 });
    expect(pacer.tokens(SUB, 'writes')).toBe(8);
    pacer.release(SUB, 'writes');
    pacer.observe(SUB, 'writes', { status: 202, remaining: 9 });
    expect(pacer.tokens(SUB, 'writes')).toBe(8);
  });

  it("refills only with the share of ARM's rate that other callers leave, and takes it back when they stop", async () => {
    const clock = fakeClock();
    const pacer = new ArmRequestPacer({ ...limits, writes: { size: 200, refillPerSecond: 10 } }, clock);
    const step = async (remaining: number) => {
      await pacer.acquire(SUB, 'writes');
      clock.t += 1000;
      pacer.observe(SUB, 'writes', { status: 202, remaining });
    };
    await step(100);
    // Each second ARM refills 10 and this process spends 1, yet the header falls by 5: others spend 14/s, so the share
    // falls to its floor (5 % of 10/s).
    for (let i = 1; i <= 10; i++) await step(100 - 5 * i);
    expect(pacer.rate(SUB, 'writes')).toBeLessThan(0.6);
    // Now the header rises by what ARM refills minus this process's 1/s: nobody else spends.
    let level = 50;
    for (let i = 0; i < 20; i++) await step((level += 9));
    expect(pacer.rate(SUB, 'writes')).toBeGreaterThan(9.5);
  });

  it('looks again while it waits at a reduced share, so a share that grows back shortens the wait', async () => {
    const clock = fakeClock();
    const pacer = new ArmRequestPacer({ ...limits, writes: { size: 200, refillPerSecond: 10 } }, clock);
    const step = async (remaining: number) => {
      await pacer.acquire(SUB, 'writes');
      clock.t += 1000;
      pacer.observe(SUB, 'writes', { status: 202, remaining });
    };
    await step(100);
    for (let i = 1; i <= 10; i++) await step(100 - 5 * i);
    expect(pacer.rate(SUB, 'writes')).toBeLessThan(0.6);
    // Spend what is left (the requests fail on the network: ARM's level stays at 50).
    const left = Math.floor(pacer.tokens(SUB, 'writes'));
    for (let i = 0; i < left; i++) await pacer.acquire(SUB, 'writes');
    for (let i = 0; i < left; i++) pacer.release(SUB, 'writes');
    // At the floor share (0.5/s) the next request would wait about 2 s. While it waits, the other callers stop: every
    // level ARM reports (the responses of this process's other requests) rises by the full 10/s.
    let level = 50;
    clock.sleep = async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
      level += (ms / 1000) * 10;
      pacer.observe(SUB, 'writes', { status: 202, remaining: Math.floor(level) });
    };
    const waited = await pacer.acquire(SUB, 'writes');
    expect(clock.sleeps.every((ms) => ms <= 250)).toBe(true);
    expect(waited).toBeLessThan(1500);
    expect(pacer.rate(SUB, 'writes')).toBeGreaterThan(1);
  });

  it('at full rate sleeps once for the whole wait', async () => {
    const clock = fakeClock();
    const pacer = new ArmRequestPacer({ ...limits, writes: { size: 1, refillPerSecond: 1 } }, clock);
    await pacer.acquire(SUB, 'writes');
    expect(await pacer.acquire(SUB, 'writes')).toBe(1000);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('takes only its share of a level other callers spend from too', async () => {
    const clock = fakeClock();
    const pacer = new ArmRequestPacer({ ...limits, writes: { size: 200, refillPerSecond: 10 } }, clock);
    // Each second this process spends 1 and ARM refills 10, yet the level falls by 5: the others spend 14/s.
    let level = 150;
    for (let i = 0; i < 10; i++) {
      await pacer.acquire(SUB, 'writes');
      clock.t += 1000;
      pacer.observe(SUB, 'writes', { status: 202, remaining: (level -= 5) });
    }
    const share = pacer.rate(SUB, 'writes') / 10;
    expect(share).toBeLessThan(0.1);
    // ARM now reports 20 left: every instance sees those 20, so this one counts only its share of them.
    await pacer.acquire(SUB, 'writes');
    clock.t += 10;
    pacer.observe(SUB, 'writes', { status: 202, remaining: 20 });
    expect(pacer.tokens(SUB, 'writes')).toBeLessThanOrEqual(20 * share + 0.01);
  });
});
