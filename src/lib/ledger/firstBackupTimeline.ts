import type { LedgerEntry } from './ledgerEntry';

/**
 * The elapsed times of a VM's first backup, from its ledger row: first seen -> protection enabled -> first backup
 * triggered -> first backup completed. Each is undefined until both ends are known.
 */
export interface FirstBackupTimeline {
  /** First seen to the first restore point: what the report calls the time to first restore point. */
  toRestorePointMs?: number;
  seenToEnabledMs?: number;
  enabledToTriggeredMs?: number;
  triggeredToCompletedMs?: number;
  /** Backup jobs after the first one (automatic retries, later requests, jobs found). */
  retries: number;
}

export function firstBackupTimeline(
  entry: Pick<
    LedgerEntry,
    'firstSeen' | 'protectionEnabledAt' | 'firstBackupTriggeredAt' | 'firstBackupCompletedAt' | 'backupAttempts'
  >,
): FirstBackupTimeline {
  const seen = time(entry.firstSeen);
  const enabled = time(entry.protectionEnabledAt);
  const triggered = time(entry.firstBackupTriggeredAt);
  const completed = time(entry.firstBackupCompletedAt);
  return {
    toRestorePointMs: between(seen, completed),
    seenToEnabledMs: between(seen, enabled),
    enabledToTriggeredMs: between(enabled, triggered),
    triggeredToCompletedMs: between(triggered, completed),
    retries: Math.max(0, (entry.backupAttempts?.length ?? 0) - 1),
  };
}

function time(iso: string | undefined): number | undefined {
  const value = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(value) ? value : undefined;
}

function between(start: number | undefined, end: number | undefined): number | undefined {
  return start === undefined || end === undefined ? undefined : Math.max(0, end - start);
}
