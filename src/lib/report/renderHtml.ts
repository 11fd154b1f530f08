import type { ComplianceReport, Finding } from './reportTypes';

/**
 * A self-contained HTML page (no external resources): totals, an SVG bar chart of items by state, the findings table.
 */
export function renderHtml(report: ComplianceReport): string {
  const { totals } = report;
  const cards: Array<[string, number]> = [
    ['Vaults', totals.vaults],
    ['Protected items', totals.protectedItems],
    ['Watched VMs', totals.watchedVms],
    ['Stale', totals.stale],
    ['Failed', totals.failed],
    ['Unprotected', totals.unprotected],
    ['Skipped', totals.skipped],
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>autoprotect compliance report ${escapeHtml(report.generatedAt)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1b1b}
.cards{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;min-width:7rem}
.card b{display:block;font-size:1.6rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
td:nth-child(6){white-space:nowrap}
.kind-stale{color:#8a5a00}.kind-failed{color:#b00020}.kind-unprotected{color:#b00020}.kind-skipped{color:#555}
</style>
</head>
<body>
<h1>autoprotect compliance report</h1>
<p>Generated ${escapeHtml(report.generatedAt)}; an initial backup is stale after ${escapeHtml(formatAge(report.staleAfterMs))}.${report.reenqueued > 0 ? ` Re-enqueued ${report.reenqueued} VM(s).` : ''}</p>
<div class="cards">${cards.map(([label, value]) => `<div class="card"><b>${value}</b>${escapeHtml(label)}</div>`).join('')}</div>
<h2>Protected items by state</h2>
${renderChart(totals.itemsByState)}
${report.problems.length > 0 ? `<h2>Vaults that could not be read</h2><ul>${report.problems.map((problem) => `<li>${escapeHtml(problem.vaultId)}: ${escapeHtml(problem.code)} ${escapeHtml(problem.message)}</li>`).join('')}</ul>` : ''}
<h2>VMs that need attention (${report.findings.length})</h2>
${report.findings.length === 0 ? '<p>Nothing to report.</p>' : renderTable(report.findings)}
</body>
</html>
`;
}

function renderTable(findings: Finding[]): string {
  const header = ['Kind', 'VM', 'Reason', 'Error code', 'What to do', 'Age', 'Vault', 'Policy', 'Last job'];
  const rows = [...findings].sort(byUrgency).map((finding) => {
    const cells = [
      finding.kind,
      finding.vmName,
      finding.errorMessage ? `${finding.reason}: ${finding.errorMessage}` : finding.reason,
      finding.errorCode ?? '',
      finding.action,
      finding.ageMs === undefined ? '' : formatAge(finding.ageMs),
      finding.vaultName ?? '',
      finding.policyName ?? '',
      finding.lastJob ? `${finding.lastJob.operation} ${finding.lastJob.status}` : '',
    ];
    return `<tr class="kind-${escapeHtml(finding.kind)}" title="${escapeHtml(finding.vmResourceId)}">${cells.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`;
  });
  return `<table><thead><tr>${header.map((cell) => `<th>${cell}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function renderChart(itemsByState: Record<string, number>): string {
  const entries = Object.entries(itemsByState).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '<p>No protected items.</p>';
  const max = Math.max(...entries.map(([, count]) => count), 1);
  const barHeight = 22;
  const width = 520;
  const bars = entries.map(([state, count], index) => {
    const y = index * (barHeight + 6);
    const length = Math.max(2, Math.round((count / max) * 300));
    return `<text x="0" y="${y + 16}" font-size="13">${escapeHtml(state)}</text><rect x="150" y="${y}" width="${length}" height="${barHeight}" fill="${state === 'Protected' ? '#2e7d32' : '#c77700'}"/><text x="${156 + length}" y="${y + 16}" font-size="13">${count}</text>`;
  });
  const height = entries.length * (barHeight + 6);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="Protected items by state">${bars.join('')}</svg>`;
}

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character,
  );
}

/** A duration a person reads at a glance: "45 s", "12 min", "5.5 h", "3.2 d". */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

const URGENCY: Record<Finding['kind'], number> = { failed: 0, stale: 1, unprotected: 2, skipped: 3 };

/** Failed first, then stale, unprotected, skipped; oldest first within a kind. */
function byUrgency(a: Finding, b: Finding): number {
  return URGENCY[a.kind] - URGENCY[b.kind] || (b.ageMs ?? 0) - (a.ageMs ?? 0);
}
