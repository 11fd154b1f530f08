import type { SettingReader } from './settingReader';
import type { FirstBackupSettings } from './types';

/** Longest wait a queue message may carry (the Azure Storage queue's visibility limit: 7 days). */
const MAX_DELAY_MS = 7 * 24 * 3600_000;

/**
 * When a followed first backup is checked again, by job age: 2 min after its start, 5 min later, then every 10 min.
 * Real first backups take 20 minutes to hours (recovery-services-api.md §4: 71 min in the recording); this spends at
 * most one job GET per 5 minutes of a job of 20 minutes or more (docs/guarantees.md, "Following the first backup").
 */
export const DEFAULT_CHECK_BACKS = 'PT2M,PT5M,PT10M';
/**
 * Delays before each automatic retry of a first backup that failed for a reason that goes away. Azure publishes no
 * backoff beyond "a few minutes"; 5, 15, 45 minutes fit in the stale window (vm-backup-support.md §5).
 */
export const DEFAULT_RETRY_DELAYS = 'PT5M,PT15M,PT45M';

/** AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS and AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS (docs/configuration.md). */
export function readFirstBackupSettings(read: SettingReader): FirstBackupSettings {
  return {
    checkBackDelaysMs: read.durationList('AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS', DEFAULT_CHECK_BACKS, {
      maxMs: 24 * 3600_000,
      allowNone: false,
    }),
    retryDelaysMs: read.durationList('AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS', DEFAULT_RETRY_DELAYS, {
      maxMs: MAX_DELAY_MS,
      allowNone: true,
    }),
  };
}
