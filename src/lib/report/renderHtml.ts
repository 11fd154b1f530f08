import { escapeHtml, formatAge } from './formatAge';
import { KIND_URGENCY } from './mergeFindings';
import { renderHistoryCharts } from './renderCharts';
import type { ComplianceReport, Finding, RestorePoint } from './reportTypes';

export { escapeHtml, formatAge } from './formatAge';

/**
 * A self-contained HTML page (no script, no external resource: it opens offline): the headline a manager reads first,
 * the history charts, then the VMs that need attention, those pending, the recent first restore points, and the VMs
 * left out, each with its subscription, resource group, region, vault, policy and time to first restore point.
 */
export function renderHtml(report: ComplianceReport): string {
  const groups = {
    attention: report.findings.filter((finding) => finding.group === 'attention').sort(byUrgency),
    pending: report.findings.filter((finding) => finding.group === 'pending').sort(byWaiting),
    notCounted: report.findings.filter((finding) => finding.group === 'not-counted'),
  };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>autoprotect compliance report ${escapeHtml(report.generatedAt)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1b1b}
.headline{border:1px solid #ddd;border-radius:8px;padding:1rem 1.4rem;margin:1rem 0;max-width:60rem}
.headline .big{font-size:1.7rem;margin:.2rem 0 .6rem}
.counts{display:flex;flex-wrap:wrap;gap:1.2rem;list-style:none;padding:0;margin:.4rem 0}
.counts li b{font-size:1.3rem}
.attention b{color:#b00020}.pending b{color:#8a5a00}.muted{color:#555}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}
figure.chart{margin:0}
figcaption{font-size:.9rem;color:#444;margin-bottom:.3rem}
table{border-collapse:collapse;width:100%;font-size:.86rem;margin-bottom:1.5rem}
th,td{border:1px solid #ddd;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
td.id{font-family:ui-monospace,monospace;font-size:.78rem;word-break:break-all}
td.time{white-space:nowrap}
tr.kind-stale td:first-child{border-left:4px solid #8a5a00}
tr.kind-failed td:first-child,tr.kind-first-backup-failed td:first-child,tr.kind-unprotected td:first-child{border-left:4px solid #b00020}
tr.kind-pending td:first-child{border-left:4px solid #1565c0}
</style>
</head>
<body>
<h1>autoprotect compliance report</h1>
<p>Generated ${escapeHtml(report.generatedAt)}; a first backup is overdue after ${escapeHtml(formatAge(report.staleAfterMs))}.${report.reenqueued > 0 ? ` Re-enqueued ${report.reenqueued} VM(s).` : ''}</p>
${renderHeadline(report)}
<h2>History</h2>
${renderHistoryCharts(report.history)}
<h2 id="attention">Need attention (${groups.attention.length})</h2>
${groups.attention.length === 0 ? '<p>Nothing needs attention.</p>' : renderFindings(groups.attention)}
<h2 id="pending">Pending (${groups.pending.length})</h2>
${groups.pending.length === 0 ? '<p>Nothing pending.</p>' : renderFindings(groups.pending)}
<h2 id="restore-points">First restore points in the last ${escapeHtml(formatAge(report.timeToRestorePoint.windowMs))} (${report.timeToRestorePoint.count})</h2>
${report.restorePoints.length === 0 ? '<p>None.</p>' : renderRestorePoints(report.restorePoints, report.timeToRestorePoint.count)}
<h2 id="not-counted">Not counted (${groups.notCounted.length})</h2>
${groups.notCounted.length === 0 ? '<p>None: every watched VM is in scope.</p>' : renderFindings(groups.notCounted)}
<h2>Vaults</h2>
${renderVaults(report)}
</body>
</html>
`;
}

function renderHeadline(report: ComplianceReport): string {
  const { headline, timeToRestorePoint: times } = report;
  const vms = headline.inScope === 1 ? 'watched VM has' : 'watched VMs have';
  const timeLine =
    times.count === 0
      ? `No first backup completed in the last ${formatAge(times.windowMs)}.`
      : `Time to first restore point (${times.count} VM${times.count === 1 ? '' : 's'}, last ${formatAge(times.windowMs)}): median <b>${formatAge(times.medianMs ?? 0)}</b>, 95th percentile <b>${formatAge(times.p95Ms ?? 0)}</b>.`;
  return `<section class="headline">
<p class="big"><b>${headline.withRestorePoint} of ${headline.inScope}</b> ${vms} a restore point (<b>${headline.percent} %</b>)</p>
<ul class="counts">
<li class="pending"><b>${headline.pending}</b> pending</li>
<li class="attention"><b>${headline.attention}</b> need${headline.attention === 1 ? 's' : ''} attention</li>
<li class="muted"><b>${headline.notCounted}</b> not counted (opted out, excluded, protected elsewhere, cannot be backed up)</li>
</ul>
<p>${timeLine}</p>
</section>`;
}

const FINDING_COLUMNS = [
  'VM',
  'Subscription',
  'Resource group',
  'Region',
  'Vault',
  'Policy',
  'Status',
  'Error',
  'What to do',
  'Time to first restore point',
  'Since',
];

function renderFindings(findings: readonly Finding[]): string {
  const rows = findings.map((finding) => {
    const cells = [
      cell(finding.vmName),
      cell(finding.subscriptionId ?? '', 'id'),
      cell(finding.resourceGroup ?? ''),
      cell(finding.region ?? ''),
      cell(finding.vaultName ?? ''),
      cell(finding.policyName ?? ''),
      cell(statusText(finding)),
      errorCell(finding),
      cell(finding.action),
      cell(timeText(finding), 'time'),
      cell(finding.ageMs === undefined ? '' : formatAge(finding.ageMs), 'time'),
    ];
    return `<tr class="kind-${escapeHtml(finding.kind)}" title="${escapeHtml(finding.vmResourceId)}">${cells.join('')}</tr>`;
  });
  return table(FINDING_COLUMNS, rows);
}

function renderRestorePoints(points: readonly RestorePoint[], total: number): string {
  const rows = points.map((point) =>
    [
      cell(point.vmName),
      cell(point.subscriptionId, 'id'),
      cell(point.resourceGroup),
      cell(point.region ?? ''),
      cell(point.vaultName ?? ''),
      cell(point.policyName ?? ''),
      cell(point.firstBackupCompletedAt.replace('T', ' ').slice(0, 19)),
      cell(formatAge(point.timeToRestorePointMs), 'time'),
      cell(String(point.retries)),
    ].join(''),
  );
  const more = total > points.length ? `<p>${points.length} of ${total} listed: the most recent.</p>` : '';
  return (
    table(
      [
        'VM',
        'Subscription',
        'Resource group',
        'Region',
        'Vault',
        'Policy',
        'First restore point (UTC)',
        'Time to first restore point',
        'Retries',
      ],
      rows.map((row) => `<tr>${row}</tr>`),
    ) + more
  );
}

function renderVaults(report: ComplianceReport): string {
  const problems =
    report.problems.length > 0
      ? `<p>Could not be read:</p><ul>${report.problems.map((problem) => `<li>${escapeHtml(problem.vaultId)}: ${escapeHtml(problem.code)} ${escapeHtml(problem.message)}</li>`).join('')}</ul>`
      : '';
  return `<p>${report.totals.vaults} vault(s), ${report.totals.protectedItems} protected item(s) by state:</p>${renderStateChart(report.totals.itemsByState)}${problems}`;
}

function renderStateChart(itemsByState: Record<string, number>): string {
  const entries = Object.entries(itemsByState).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '<p>No protected items.</p>';
  const max = Math.max(...entries.map(([, count]) => count), 1);
  const barHeight = 20;
  const bars = entries.map(([state, count], index) => {
    const y = index * (barHeight + 6);
    const length = Math.max(2, Math.round((count / max) * 300));
    return `<text x="0" y="${y + 15}" font-size="13">${escapeHtml(state)}</text><rect x="150" y="${y}" width="${length}" height="${barHeight}" fill="${state === 'Protected' ? '#2e7d32' : '#c77700'}"/><text x="${156 + length}" y="${y + 15}" font-size="13">${count}</text>`;
  });
  return `<svg class="states" xmlns="http://www.w3.org/2000/svg" width="520" height="${entries.length * (barHeight + 6)}" role="img" aria-label="Protected items by state">${bars.join('')}</svg>`;
}

function statusText(finding: Finding): string {
  const retries = finding.retries ? ` (${finding.retries} ${finding.retries === 1 ? 'retry' : 'retries'})` : '';
  return `${finding.kind}: ${finding.reason}${retries}`;
}

/** The error code, linked to its troubleshooting page when it has one, and Azure's message. */
function errorCell(finding: Finding): string {
  if (!finding.errorCode && !finding.errorMessage) return '<td></td>';
  // Only an https page is linked (the URLs come from troubleshooting.ts; never a javascript: or data: one).
  const url = finding.troubleshootingUrl?.startsWith('https://') ? finding.troubleshootingUrl : undefined;
  const code = finding.errorCode
    ? url
      ? `<a href="${escapeHtml(url)}">${escapeHtml(finding.errorCode)}</a>`
      : escapeHtml(finding.errorCode)
    : '';
  const message = finding.errorMessage ? `<br>${escapeHtml(finding.errorMessage)}` : '';
  return `<td>${code}${message}</td>`;
}

/** No restore point yet: how long the VM has waited so far. */
function timeText(finding: Finding): string {
  if (finding.group === 'not-counted') return '';
  return finding.waitingMs === undefined ? 'none yet' : `none yet (${formatAge(finding.waitingMs)} so far)`;
}

function cell(text: string, className?: string): string {
  return `<td${className ? ` class="${className}"` : ''}>${escapeHtml(text)}</td>`;
}

function table(header: readonly string[], rows: readonly string[]): string {
  return `<table><thead><tr>${header.map((name) => `<th>${escapeHtml(name)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Failed first backups, then failures, stale, unprotected; oldest first within a kind. */
function byUrgency(a: Finding, b: Finding): number {
  return KIND_URGENCY[a.kind] - KIND_URGENCY[b.kind] || (b.ageMs ?? 0) - (a.ageMs ?? 0);
}

/** Longest waiting first. */
function byWaiting(a: Finding, b: Finding): number {
  return (b.waitingMs ?? 0) - (a.waitingMs ?? 0);
}
