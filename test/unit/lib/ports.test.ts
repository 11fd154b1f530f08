import { systemClock } from '../../../src/lib/ports';

describe('systemClock', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('tells the current time as a new Date each call', () => {
    jest.useFakeTimers({ now: new Date('2026-03-01T10:00:00Z') });
    const first = systemClock.now();
    expect(first.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    first.setFullYear(2000);
    expect(systemClock.now().toISOString()).toBe('2026-03-01T10:00:00.000Z');
  });

  it('sleeps for the given time, not less', async () => {
    jest.useFakeTimers();
    let done = false;
    const sleeping = systemClock.sleep(1_000).then(() => {
      done = true;
    });
    await jest.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(done).toBe(true);
  });
});
