import { retryDelayMs } from '../../../../src/lib/protection/retryDelay';

describe('retryDelayMs', () => {
  const settings = { baseDelayMs: 1_000, maxDelayMs: 60_000 };

  it('grows exponentially with the attempt', () => {
    expect(retryDelayMs(2, settings, undefined, () => 1)).toBe(1_000);
    expect(retryDelayMs(3, settings, undefined, () => 1)).toBe(2_000);
    expect(retryDelayMs(5, settings, undefined, () => 1)).toBe(8_000);
  });

  it('jitters between half and all of the ceiling', () => {
    expect(retryDelayMs(4, settings, undefined, () => 0)).toBe(2_000);
    expect(retryDelayMs(4, settings, undefined, () => 0.5)).toBe(3_000);
  });

  it('is capped by maxDelayMs', () => {
    expect(retryDelayMs(30, settings, undefined, () => 1)).toBe(60_000);
  });

  it('never waits less than Retry-After', () => {
    expect(retryDelayMs(2, settings, 42_000, () => 0)).toBe(42_000);
  });
});
