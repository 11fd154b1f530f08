import type { ComplianceReport, Finding } from './reportTypes';

export const CSV_COLUMNS = [
  'kind',
  'vmName',
  'vmResourceId',
  'subscriptionId',
  'reason',
  'errorCode',
  'errorMessage',
  'action',
  'ageHours',
  'since',
  'vaultName',
  'policyName',
  'protectionState',
  'lastJobId',
  'lastJobOperation',
  'lastJobStatus',
  'rule',
] as const;

/** RFC 4180 CSV of the findings, CRLF line ends; cells that a spreadsheet would run as formulas are defused. */
export function renderCsv(report: ComplianceReport): string {
  const lines = [
    CSV_COLUMNS.join(','),
    ...report.findings.map((finding) => CSV_COLUMNS.map((column) => csvCell(cellOf(finding, column))).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

export function csvCell(value: string): string {
  const defused = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(defused) || defused !== defused.trim() ? `"${defused.replace(/"/g, '""')}"` : defused;
}

function cellOf(finding: Finding, column: (typeof CSV_COLUMNS)[number]): string {
  switch (column) {
    case 'ageHours':
      return finding.ageMs === undefined ? '' : (finding.ageMs / 3600_000).toFixed(1);
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
