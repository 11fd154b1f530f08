import { percentile, restorePointTimes } from '../../../../src/lib/report/restorePointTimes';

describe('restorePointTimes', () => {
  it('has no figures without a first restore point', () => {
    expect(restorePointTimes([])).toEqual({ windowMs: 7 * 24 * 3600_000, count: 0 });
  });

  it('gives the nearest-rank median and 95th percentile, whatever the order', () => {
    expect(restorePointTimes([50, 10, 40, 20, 30], 1_000)).toEqual({
      windowMs: 1_000,
      count: 5,
      medianMs: 30,
      p95Ms: 50,
    });
    expect(restorePointTimes([7])).toMatchObject({ count: 1, medianMs: 7, p95Ms: 7 });
  });

  it.each([
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 95, 4],
    [Array.from({ length: 100 }, (_, index) => index + 1), 95, 95],
    [Array.from({ length: 100 }, (_, index) => index + 1), 50, 50],
    [[5], 0, 5],
  ])('percentile of %j at %d is %d', (sorted, p, value) => {
    expect(percentile(sorted, p)).toBe(value);
  });
});
