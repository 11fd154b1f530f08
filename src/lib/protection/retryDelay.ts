export interface RetryDelaySettings {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Visibility delay before attempt `nextAttempt` (2, 3, ...): exponential from baseDelayMs, capped at maxDelayMs,
 * with "equal jitter" (between half and all of it), and never shorter than the server's Retry-After.
 */
export function retryDelayMs(
  nextAttempt: number,
  settings: RetryDelaySettings,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, nextAttempt - 2);
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** exponent);
  const jittered = Math.round(ceiling / 2 + (ceiling / 2) * random());
  return Math.max(jittered, Math.ceil(retryAfterMs ?? 0));
}
