import type { ComplianceReport, Finding, RestorePoint } from './reportTypes';

export const CSV_COLUMNS = [
  'kind',
  'group',
  'vmName',
  'subscriptionId',
  'resourceGroup',
  'region',
  'vaultName',
  'policyName',
  'reason',
  'errorCode',
  'errorMessage',
  'troubleshootingUrl',
  'action',
  'timeToRestorePointMinutes',
  'waitingMinutes',
  'retries',
  'firstBackupCompletedAt',
  'ageHours',
  'since',
  'protectionState',
  'lastJobId',
  'lastJobOperation',
  'lastJobStatus',
  'rule',
  'vmResourceId',
] as const;

type Column = (typeof CSV_COLUMNS)[number];

/**
 * RFC 4180 CSV, CRLF line ends: one row per finding, then one per recent first restore point (kind `protected`,
 * group `restore-point`). Cells that a spreadsheet would run as formulas are defused.
 */
export function renderCsv(report: ComplianceReport): string {
  const rows = [
    ...report.findings.map((finding) => CSV_COLUMNS.map((column) => csvCell(findingCell(finding, column)))),
    ...report.restorePoints.map((point) => CSV_COLUMNS.map((column) => csvCell(restorePointCell(point, column)))),
  ];
  return `${[CSV_COLUMNS.join(','), ...rows.map((row) => row.join(','))].join('\r\n')}\r\n`;
}

export function csvCell(value: string): string {
  const defused = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(defused) || defused !== defused.trim() ? `"${defused.replace(/"/g, '""')}"` : defused;
}

function findingCell(finding: Finding, column: Column): string {
  switch (column) {
    case 'ageHours':
      return finding.ageMs === undefined ? '' : (finding.ageMs / 3600_000).toFixed(1);
    case 'waitingMinutes':
      return minutes(finding.waitingMs);
    case 'retries':
      return finding.retries === undefined ? '' : String(finding.retries);
    case 'timeToRestorePointMinutes':
    case 'firstBackupCompletedAt':
      return '';
    case 'lastJobId':
      return finding.lastJob?.jobId ?? '';
    case 'lastJobOperation':
      return finding.lastJob?.operation ?? '';
    case 'lastJobStatus':
      return finding.lastJob?.status ?? '';
    default:
      return finding[column] ?? '';
  }
}

function restorePointCell(point: RestorePoint, column: Column): string {
  switch (column) {
    case 'kind':
      return 'protected';
    case 'group':
      return 'restore-point';
    case 'reason':
      return 'first-backup-completed';
    case 'timeToRestorePointMinutes':
      return minutes(point.timeToRestorePointMs);
    case 'retries':
      return String(point.retries);
    case 'vmName':
    case 'subscriptionId':
    case 'resourceGroup':
    case 'vmResourceId':
    case 'firstBackupCompletedAt':
      return point[column];
    case 'region':
    case 'vaultName':
    case 'policyName':
      return point[column] ?? '';
    default:
      return '';
  }
}

function minutes(ms: number | undefined): string {
  return ms === undefined ? '' : (ms / 60_000).toFixed(1);
}
