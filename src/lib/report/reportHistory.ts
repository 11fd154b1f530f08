import type { ReportStore } from './reportStore';
import { reportPaths } from './reportStore';
import type { ComplianceReport, RunSummary } from './reportTypes';

/** Runs the history chart draws, this one included. */
export const HISTORY_RUNS = 30;
const SUMMARY_NAME = /(?:^|\/)\d{4}\/\d{2}\/\d{2}\/summary-\d{8}T\d{6}Z\.json$/;

/** The dated summary of a run, next to its report: `<prefix>yyyy/MM/dd/summary-<yyyyMMddTHHmmssZ>.json`. */
export function summaryPath(prefix: string, generatedAt: Date): string {
  return reportPaths(prefix, generatedAt, 'json').dated.replace(/report-(\d{8}T\d{6}Z)\.json$/, 'summary-$1.json');
}

export function runSummaryOf(
  report: Pick<ComplianceReport, 'generatedAt' | 'headline' | 'timeToRestorePoint'>,
): RunSummary {
  return {
    version: 1,
    generatedAt: report.generatedAt,
    headline: report.headline,
    timeToRestorePoint: report.timeToRestorePoint,
  };
}

/**
 * The summaries of the runs before this one, oldest first, at most `limit`. Their names sort by time (the store lists
 * in name order), so one listing keeps a window of the latest names and only those are read. A summary that cannot be
 * read or parsed is left out: the history is a chart, not a record.
 */
export async function readHistory(store: ReportStore, prefix: string, limit = HISTORY_RUNS - 1): Promise<RunSummary[]> {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const latest: string[] = [];
  for await (const name of store.list(base)) {
    if (!SUMMARY_NAME.test(name.slice(base.length))) continue;
    latest.push(name);
    if (latest.length > limit) latest.shift();
  }
  const summaries: RunSummary[] = [];
  for (const name of latest.sort()) {
    const summary = parseSummary(await store.get(name).catch(() => undefined));
    if (summary) summaries.push(summary);
  }
  return summaries;
}

function parseSummary(text: string | undefined): RunSummary | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<RunSummary>;
    const ok =
      value.version === 1 &&
      typeof value.generatedAt === 'string' &&
      typeof value.headline?.percent === 'number' &&
      typeof value.timeToRestorePoint?.count === 'number';
    return ok ? (value as RunSummary) : undefined;
  } catch {
    return undefined;
  }
}
