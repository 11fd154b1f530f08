import { randomUUID } from 'node:crypto';
import { relative } from 'node:path';

import { complianceReportOf } from '../../../src/lib/appRuntime';
import { formatAge } from '../../../src/lib/report/formatAge';
import { renderHtml } from '../../../src/lib/report/renderHtml';
import type { ComplianceReport } from '../../../src/lib/report/reportTypes';
import { runComplianceReport } from '../../../src/lib/report/runComplianceReport';
import { saveReportLocally } from '../../stack/reportFiles';
import { booleanOption, type Command, type CommandContext } from '../command';
import { EXIT_FAILURE, EXIT_OK } from '../errors';
import { writeLine } from '../io';

export const reportCommand: Command = {
  words: ['report'],
  summary: 'run the compliance report now and write it where the timer would',
  help: `Usage: autoprotect report [--json]

Runs the same compliance report as the reportPendingBackups timer (how many watched VMs have a restore point,
what is pending, what needs attention and what to do) and writes HTML, CSV and JSON to the report container
(AUTOPROTECT_REPORT_CONTAINER, AUTOPROTECT_REPORT_PREFIX), dated and latest.*, with the run's summary for the
history chart. Against the running local stack it also saves the HTML under reports/ and prints its path. Exits 1
when a vault or the sweep could not be read (the report is still written).

Options:
  --json             print the whole report as JSON instead of the summary
  --verbose          also print the report's structured log lines (to stderr)

Example:
  autoprotect report`,
  options: { json: { type: 'boolean' } },
  run: runReport,
};

async function runReport(context: CommandContext): Promise<number> {
  const config = await context.config();
  const toStderr = (line: string) => {
    if (context.verbose) writeLine(context.io.stderr, line);
  };
  const { deps, options } = complianceReportOf(await context.runtime(), {
    functionName: 'cli-report',
    invocationId: randomUUID(),
    log: toStderr,
    warn: toStderr,
    error: toStderr,
  });
  const report = await runComplianceReport(deps, options);
  if (booleanOption(context, 'json')) writeLine(context.io.stdout, JSON.stringify(report, null, 2));
  else writeLine(context.io.stdout, summaryText(report, config.reports.container));
  // On the local stack a person wants to open it: the same page the timer writes, saved next to the repository.
  if ((await context.settings()).origin === 'local-stack') {
    const path = saveReportLocally(context.io.cwd, renderHtml(report), JSON.stringify(report, null, 2));
    const json = booleanOption(context, 'json');
    writeLine(
      json ? context.io.stderr : context.io.stdout,
      `Compliance report: ${relative(context.io.cwd, path) || path}`,
    );
  }
  return report.problems.length > 0 ? EXIT_FAILURE : EXIT_OK;
}

/** The report's headline, findings, problems and written blobs as a few lines of text. */
export function summaryText(report: ComplianceReport, container: string): string {
  const { totals, headline, timeToRestorePoint: times } = report;
  const lines = [
    `Compliance report ${report.generatedAt}`,
    `  ${headline.withRestorePoint} of ${headline.inScope} watched VMs have a restore point (${headline.percent} %)`,
    `  ${headline.pending} pending, ${headline.attention} need attention, ${headline.notCounted} not counted`,
    times.count === 0
      ? `  no first backup completed in the last ${formatAge(times.windowMs)}`
      : `  time to first restore point: median ${formatAge(times.medianMs ?? 0)}, 95th percentile ${formatAge(times.p95Ms ?? 0)} (${plural(times.count, 'VM')})`,
    `  ${plural(totals.watchedVms, 'watched VM')}, ${plural(totals.vaults, 'vault')}, ${plural(totals.protectedItems, 'protected item')}${report.reenqueued > 0 ? `, ${report.reenqueued} re-enqueued` : ''}`,
  ];
  const nameWidth = Math.max(0, ...report.findings.map((finding) => finding.vmName.length));
  const kindWidth = Math.max(0, ...report.findings.map((finding) => finding.kind.length));
  for (const finding of report.findings)
    lines.push(
      `  ${finding.kind.padEnd(kindWidth)} ${finding.vmName.padEnd(nameWidth)}  ${finding.reason}${finding.errorCode && finding.errorCode !== finding.reason ? ` (${finding.errorCode})` : ''}`,
    );
  for (const problem of report.problems)
    lines.push(`  problem: ${problem.vaultId}: ${problem.code}: ${problem.message}`);
  lines.push(`Written to container '${container}':`, ...report.blobs.map((blob) => `  ${blob}`));
  return lines.join('\n');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
