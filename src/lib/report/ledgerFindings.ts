import type { VaultRoute } from '../config';
import { firstBackupTimeline } from '../ledger/firstBackupTimeline';
import type { Ledger, LedgerField } from '../ledger/ledger';
import type { LedgerEntry } from '../ledger/ledgerEntry';
import { regionOf } from '../ledger/regionOf';
import { detached, withDetachedStrings } from './detached';
import { remediationFor } from './remediation';
import type { Finding, FindingGroup, FindingKind, RestorePoint } from './reportTypes';
import { RESTORE_POINT_WINDOW_MS } from './restorePointTimes';
import { troubleshootingUrlFor } from './troubleshooting';
import { vmPlace } from './vmPlace';

/**
 * The columns the scan reads (findingOf, addRestorePoint, and what they call): the rest of a row (id lists, event
 * ids, leases, check-back state) is left in the table, not paged through.
 */
export const REPORT_LEDGER_FIELDS = [
  'vmKey',
  'vmResourceId',
  'subscriptionId',
  'status',
  'reason',
  'errorCode',
  'errorMessage',
  'rule',
  'vaultId',
  'policyName',
  'firstSeen',
  'lastChanged',
  'protectionEnabledAt',
  'firstBackupTriggeredAt',
  'firstBackupCompletedAt',
  'backupAttempts',
] as const satisfies readonly LedgerField[];

/** Restore points listed by name in the report (the figures count all of them). */
const MAX_LISTED_RESTORE_POINTS = 50;

export interface LedgerScan {
  findings: Finding[];
  /** Time to first restore point of every VM whose first backup completed in the window. */
  restorePointTimesMs: number[];
  /** The latest of those, newest first. */
  restorePoints: RestorePoint[];
  /** VMs the ledger skipped (opted out, excluded, protected elsewhere, ...): listed, not counted. */
  notCounted: Set<string>;
}

/**
 * From the ledger (streamed; only findings, durations and the latest restore points are kept): failed VMs and first
 * backups that failed for good (attention), VMs autoprotect is still working on (pending, or stale once stuck longer
 * than the stale age), skipped VMs (listed, not counted), and the time to first restore point of VMs protected in the
 * window.
 */
export async function scanLedger(
  ledger: Ledger,
  options: { now: Date; staleAfterMs: number; vaults: readonly VaultRoute[] },
): Promise<LedgerScan> {
  const scan: LedgerScan = { findings: [], restorePointTimesMs: [], restorePoints: [], notCounted: new Set() };
  const windowStart = options.now.getTime() - RESTORE_POINT_WINDOW_MS;
  for await (const row of ledger.list({ fields: REPORT_LEDGER_FIELDS })) {
    if (row.status === 'protected') {
      addRestorePoint(scan, row, windowStart, options.vaults);
      continue;
    }
    // Kept past the row's page: copies, or each would keep its page's whole response body alive (detached.ts).
    if (row.status === 'skipped') scan.notCounted.add(detached(row.vmKey));
    const finding = findingOf(row, options);
    if (finding) scan.findings.push(withDetachedStrings(finding));
  }
  scan.restorePoints.sort((a, b) => b.firstBackupCompletedAt.localeCompare(a.firstBackupCompletedAt));
  return scan;
}

function addRestorePoint(scan: LedgerScan, row: LedgerEntry, windowStart: number, vaults: readonly VaultRoute[]): void {
  const timeline = firstBackupTimeline(row);
  const completedAt = row.firstBackupCompletedAt;
  if (timeline.toRestorePointMs === undefined || !completedAt || Date.parse(completedAt) < windowStart) return;
  scan.restorePointTimesMs.push(timeline.toRestorePointMs);
  const place = vmPlace(row.vmResourceId);
  const point: RestorePoint = {
    vmResourceId: row.vmResourceId,
    vmName: place.vmName,
    subscriptionId: row.subscriptionId,
    resourceGroup: place.resourceGroup ?? '',
    region: regionOf(row, vaults),
    vaultName: row.vaultId?.split('/').at(-1),
    policyName: row.policyName,
    firstBackupCompletedAt: completedAt,
    timeToRestorePointMs: timeline.toRestorePointMs,
    retries: timeline.retries,
  };
  // Keep the newest MAX_LISTED_RESTORE_POINTS (a small array; one insertion per protected row at most).
  scan.restorePoints.push(withDetachedStrings(point));
  if (scan.restorePoints.length > MAX_LISTED_RESTORE_POINTS * 2) {
    scan.restorePoints.sort((a, b) => b.firstBackupCompletedAt.localeCompare(a.firstBackupCompletedAt));
    scan.restorePoints.length = MAX_LISTED_RESTORE_POINTS;
  }
}

/** The finding of a row, if it has one: what its status means for a person. */
function findingOf(
  row: LedgerEntry,
  options: { now: Date; staleAfterMs: number; vaults: readonly VaultRoute[] },
): Finding | undefined {
  const since = row.lastChanged || row.firstSeen;
  const ageMs = since ? Math.max(0, options.now.getTime() - Date.parse(since)) : undefined;
  const stuck = ageMs === undefined || ageMs > options.staleAfterMs;
  switch (row.status) {
    case 'failed':
      return build(row, 'failed', 'attention', row.reason ?? 'failed', options);
    case 'first-backup-failed':
      return build(row, 'first-backup-failed', 'attention', row.reason ?? 'first-backup-failed', options);
    case 'skipped':
      return build(row, 'skipped', 'not-counted', row.reason ?? 'skipped', options);
    case 'requested':
    case 'protecting':
      return stuck
        ? build(row, 'stale', 'attention', `stuck-${row.status}`, options, row.reason)
        : build(row, 'pending', 'pending', pendingReason(row), options);
    case 'backup-triggered':
      return row.reason === 'first-backup-still-running'
        ? build(row, 'stale', 'attention', 'first-backup-still-running', options)
        : build(row, 'pending', 'pending', pendingReason(row), options);
    default:
      return undefined;
  }
}

/** What a VM autoprotect is working on is waiting for. */
function pendingReason(row: LedgerEntry): string {
  if (row.status === 'backup-triggered')
    return row.reason === 'first-backup-retry-scheduled' ? 'first-backup-retry-scheduled' : 'first-backup-running';
  return row.status === 'protecting' ? 'protection-in-progress' : 'requested';
}

function build(
  row: LedgerEntry,
  kind: FindingKind,
  group: FindingGroup,
  reason: string,
  options: { now: Date; vaults: readonly VaultRoute[] },
  detail?: string,
): Finding {
  const since = row.lastChanged || row.firstSeen;
  const region = regionOf(row, options.vaults);
  const vaultName = row.vaultId?.split('/').at(-1);
  const timeline = firstBackupTimeline(row);
  const seen = Date.parse(row.firstSeen);
  return {
    kind,
    group,
    vmResourceId: row.vmResourceId,
    ...vmPlace(row.vmResourceId),
    subscriptionId: row.subscriptionId,
    region,
    reason,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage ?? (kind === 'stale' ? detail : undefined),
    action: remediationFor(kind, reason, row.errorCode, { region, policyName: row.policyName, vaultName }),
    troubleshootingUrl: troubleshootingUrlFor(row.errorCode),
    since: since || undefined,
    ageMs: since ? Math.max(0, options.now.getTime() - Date.parse(since)) : undefined,
    waitingMs: group === 'not-counted' || Number.isNaN(seen) ? undefined : Math.max(0, options.now.getTime() - seen),
    retries: timeline.retries > 0 ? timeline.retries : undefined,
    vaultId: row.vaultId,
    vaultName,
    policyName: row.policyName,
    rule: row.rule,
  };
}
