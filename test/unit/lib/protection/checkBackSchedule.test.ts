import { jobAgeMs, MAX_FOLLOW_MS, nextCheckBackDelayMs } from '../../../../src/lib/protection/checkBackSchedule';

const MIN = 60_000;
/** The default schedule: check-backs at 2, 7, 17, 27, ... minutes of job time. */
const DEFAULT = [2 * MIN, 5 * MIN, 10 * MIN];

describe('nextCheckBackDelayMs', () => {
  it.each([
    { age: 0, delay: 2 * MIN, what: 'a job just triggered: the first delay' },
    { age: 1 * MIN, delay: 1 * MIN, what: 'one minute in: the 2-minute point' },
    { age: 2 * MIN, delay: 5 * MIN, what: 'on the 2-minute point: the 7-minute one' },
    { age: 2 * MIN + 1, delay: 5 * MIN - 1, what: 'just after it' },
    { age: 7 * MIN, delay: 10 * MIN, what: 'on the 7-minute point: the 17-minute one' },
    { age: 17 * MIN, delay: 10 * MIN, what: 'past the list: the last delay repeats' },
    { age: 20 * MIN, delay: 7 * MIN, what: 'between repeated points: back on the grid (27 min)' },
    { age: 180 * MIN, delay: 7 * MIN, what: 'a job found running for 3 hours: within 10 minutes (187 min)' },
    { age: -5_000, delay: 2 * MIN, what: 'a negative age (clock skew) counts as 0' },
  ])('$what', ({ age, delay }) => {
    expect(nextCheckBackDelayMs(age, DEFAULT)).toBe(delay);
  });

  it('never asks for less than a second (the queue delays in whole seconds)', () => {
    expect(nextCheckBackDelayMs(2 * MIN - 10, DEFAULT)).toBe(1_000);
    expect(nextCheckBackDelayMs(17 * MIN + 10 * MIN - 1, DEFAULT)).toBe(1_000);
  });

  it('spends at most one read per 5 minutes of a first backup of 20 minutes or more (issue 17 budget)', () => {
    for (const minutes of [20, 25, 30, 45, 60, 71, 120, 240, 600]) {
      const duration = minutes * MIN;
      let age = 0;
      let reads = 0;
      // Read at each check-back until one sees the job ended (that read included).
      for (;;) {
        age += nextCheckBackDelayMs(age, DEFAULT);
        reads++;
        if (age >= duration) break;
      }
      expect({ minutes, perHour: (reads / duration) * 3600_000 <= 12 }).toEqual({ minutes, perHour: true });
    }
  });

  it('works with a single delay (a fixed interval)', () => {
    expect(nextCheckBackDelayMs(0, [1_000])).toBe(1_000);
    expect(nextCheckBackDelayMs(2_500, [1_000])).toBe(1_000);
    expect(nextCheckBackDelayMs(2_400, [2_000])).toBe(1_600);
  });

  it('follows for a week at most', () => {
    expect(MAX_FOLLOW_MS).toBe(7 * 24 * 3600_000);
  });
});

describe('jobAgeMs', () => {
  const now = new Date('2026-03-01T10:00:00Z');

  it("prefers Azure's own duration (no clock skew)", () => {
    expect(jobAgeMs({ durationMs: 90_000, startTime: new Date('2026-03-01T09:00:00Z') }, now)).toBe(90_000);
  });

  it('falls back to the start time, then to 0', () => {
    expect(jobAgeMs({ startTime: new Date('2026-03-01T09:58:00Z') }, now)).toBe(120_000);
    expect(jobAgeMs({ startTime: new Date('2026-03-01T10:01:00Z') }, now)).toBe(0);
    expect(jobAgeMs({}, now)).toBe(0);
    expect(jobAgeMs(undefined, now)).toBe(0);
  });
});
