import { randomUUID } from 'node:crypto';

import { complianceReportOf } from '../../../src/lib/appRuntime';
import type { ComplianceReport } from '../../../src/lib/report/reportTypes';
import { runComplianceReport } from '../../../src/lib/report/runComplianceReport';
import { booleanOption, type Command, type CommandContext } from '../command';
import { EXIT_FAILURE, EXIT_OK } from '../errors';
import { writeLine } from '../io';

export const reportCommand: Command = {
  words: ['report'],
  summary: 'run the compliance report now and write it where the timer would',
  help: `Usage: autoprotect report [--json]

Runs the same compliance report as the reportPendingBackups timer (stale IRPending items, failed and skipped
ledger rows, watched VMs nobody protects) and writes HTML, CSV and JSON to the report container
(AUTOPROTECT_REPORT_CONTAINER, AUTOPROTECT_REPORT_PREFIX), dated and latest.*. Exits 1 when a vault or the
sweep could not be read (the report is still written).

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
  return report.problems.length > 0 ? EXIT_FAILURE : EXIT_OK;
}

/** The report's totals, problems and written blobs as a few lines of text. */
export function summaryText(report: ComplianceReport, container: string): string {
  const totals = report.totals;
  const lines = [
    `Compliance report ${report.generatedAt}`,
    `  ${totals.stale} stale, ${totals.failed} failed, ${totals.skipped} skipped, ${totals.unprotected} unprotected`,
    `  ${plural(totals.watchedVms, 'watched VM')}, ${plural(totals.vaults, 'vault')}, ${plural(totals.protectedItems, 'protected item')}${report.reenqueued > 0 ? `, ${report.reenqueued} re-enqueued` : ''}`,
  ];
  const nameWidth = Math.max(0, ...report.findings.map((finding) => finding.vmName.length));
  for (const finding of report.findings)
    lines.push(`  ${finding.kind.padEnd(11)} ${finding.vmName.padEnd(nameWidth)}  ${finding.reason}`);
  for (const problem of report.problems)
    lines.push(`  problem: ${problem.vaultId}: ${problem.code}: ${problem.message}`);
  lines.push(`Written to container '${container}':`, ...report.blobs.map((blob) => `  ${blob}`));
  return lines.join('\n');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
