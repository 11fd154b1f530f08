import type { RestorePointTimes } from './reportTypes';

/** The window of the time-to-first-restore-point figures: first backups completed in the last 7 days. */
export const RESTORE_POINT_WINDOW_MS = 7 * 24 * 3600_000;

/** Median and 95th percentile (nearest rank: the value at rank ceil(p x n)) of the durations. */
export function restorePointTimes(
  durationsMs: readonly number[],
  windowMs = RESTORE_POINT_WINDOW_MS,
): RestorePointTimes {
  if (durationsMs.length === 0) return { windowMs, count: 0 };
  const sorted = [...durationsMs].sort((a, b) => a - b);
  return {
    windowMs,
    count: sorted.length,
    medianMs: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
  };
}

/** Nearest-rank percentile of ascending `sorted` (not empty). */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? 0;
}
