import type { BackupGateway, VmReader } from '../azure/ports';
import type { RulesConfig, VaultRoute } from '../config';
import { ensureError } from '../errors';
import type { Ledger } from '../ledger/ledger';
import { errorFields, type Logger } from '../logger';
import { createProtectionRequest } from '../messages/protectionRequest';
import type { Clock, RequestQueue } from '../ports';
import { scanLedger } from './ledgerFindings';
import { mergeFindings } from './mergeFindings';
import { renderCsv } from './renderCsv';
import { renderHtml } from './renderHtml';
import { readHistory, runSummaryOf, summaryPath } from './reportHistory';
import { reportPaths, type ReportStore } from './reportStore';
import type { ComplianceReport, Finding, ReportHeadline, ReportSummary, VaultProblem } from './reportTypes';
import { restorePointTimes } from './restorePointTimes';
import type { SummaryPublisher } from './summaryPublisher';
import { type SweepResult, sweepUnprotected } from './sweepUnprotected';
import { scanVault } from './vaultFindings';
import { VmRestorePoints } from './vmRestorePoints';

export interface ComplianceReportDeps {
  backup: BackupGateway;
  vms: VmReader;
  ledger: Ledger;
  store: ReportStore;
  publisher?: SummaryPublisher;
  requests?: RequestQueue;
  clock: Clock;
  logger: Logger;
}

export interface ComplianceReportOptions {
  vaults: readonly VaultRoute[];
  watchedSubscriptionIds: readonly string[];
  rules: RulesConfig;
  staleAfterMs: number;
  reenqueue: { enabled: boolean; maxPerRun: number; perSecond: number };
  reportPrefix: string;
}

/**
 * The compliance report: the headline ("N of M watched VMs have a restore point"), what is pending and what needs
 * attention, one finding per VM from the vaults (IRPending items: pending or stale, one jobs listing per vault), the
 * ledger (failed, first-backup-failed, in progress, skipped) and the watched subscriptions (unprotected; left out by
 * the rules or another vault), the time to first restore point, and the history of earlier runs. Writes JSON, CSV and
 * HTML (dated + latest) and a dated run summary next to them, publishes and logs the summary, and optionally
 * re-enqueues stale and unprotected VMs (spread over time). Safe to run repeatedly.
 */
export async function runComplianceReport(
  deps: ComplianceReportDeps,
  options: ComplianceReportOptions,
): Promise<ComplianceReport> {
  const now = deps.clock.now();
  const problems: VaultProblem[] = [];
  const collected: Finding[] = [];
  const restorePoints = new VmRestorePoints();
  const itemsByState: Record<string, number> = {};
  let protectedItems = 0;

  for (const vault of options.vaults) {
    try {
      const scan = await scanVault(deps.backup, vault, {
        now,
        staleAfterMs: options.staleAfterMs,
        onProtectedVm: (key, hasRestorePoint) => restorePoints.add(key, hasRestorePoint),
      });
      protectedItems += scan.itemCount;
      for (const [state, count] of Object.entries(scan.itemsByState))
        itemsByState[state] = (itemsByState[state] ?? 0) + count;
      collected.push(...scan.findings);
    } catch (error) {
      problems.push(problemOf(vault.vaultId, error));
      deps.logger.warn('could not scan a vault', { vaultId: vault.vaultId, error: errorFields(error) });
    }
  }
  const ledger = await scanLedger(deps.ledger, { now, staleAfterMs: options.staleAfterMs, vaults: options.vaults });
  collected.push(...ledger.findings);

  let sweep: SweepResult = { watchedVms: 0, inScope: 0, withRestorePoint: 0, findings: [] };
  try {
    sweep = await sweepUnprotected(deps, {
      subscriptionIds: options.watchedSubscriptionIds,
      rules: options.rules,
      vaults: options.vaults,
      restorePointOf: (key) => restorePoints.restorePointOf(key),
      notCounted: ledger.notCounted,
    });
    collected.push(...sweep.findings);
  } catch (error) {
    problems.push(problemOf('sweep', error));
    deps.logger.warn('could not sweep watched subscriptions', { error: errorFields(error) });
  }

  const findings = mergeFindings(collected);
  const headline = headlineOf(sweep, findings);
  const timeToRestorePoint = restorePointTimes(ledger.restorePointTimesMs);
  const report: ComplianceReport = {
    version: 2,
    generatedAt: now.toISOString(),
    staleAfterMs: options.staleAfterMs,
    headline,
    timeToRestorePoint,
    totals: {
      vaults: options.vaults.length,
      protectedItems,
      itemsByState,
      stale: count(findings, 'stale'),
      failed: count(findings, 'failed'),
      firstBackupFailed: count(findings, 'first-backup-failed'),
      pending: count(findings, 'pending'),
      skipped: count(findings, 'skipped'),
      unprotected: count(findings, 'unprotected'),
      watchedVms: sweep.watchedVms,
    },
    findings,
    restorePoints: ledger.restorePoints,
    history: [],
    problems,
    reenqueued: 0,
    blobs: [],
    summaryPublished: false,
  };
  report.history = [...(await readHistory(deps.store, options.reportPrefix)), runSummaryOf(report)];

  if (options.reenqueue.enabled && deps.requests)
    report.reenqueued = await reenqueue(deps.requests, findings, options.reenqueue);
  report.blobs = await writeReport(deps.store, report, options.reportPrefix, now);

  const summary = summaryOf(report, options.reportPrefix);
  if (deps.publisher) {
    try {
      await deps.publisher.publish(summary);
      report.summaryPublished = true;
    } catch (error) {
      deps.logger.error('could not publish the report summary event', { error: errorFields(error) });
    }
  }
  deps.logger.info('compliance report written', { summary, summaryPublished: report.summaryPublished });
  return report;
}

/** "N of M watched VMs have a restore point (x %)", and the findings counted by group. */
function headlineOf(sweep: SweepResult, findings: readonly Finding[]): ReportHeadline {
  const percent = sweep.inScope === 0 ? 100 : Math.floor((sweep.withRestorePoint / sweep.inScope) * 1000) / 10;
  return {
    watchedVms: sweep.watchedVms,
    inScope: sweep.inScope,
    withRestorePoint: sweep.withRestorePoint,
    percent,
    pending: findings.filter((finding) => finding.group === 'pending').length,
    attention: findings.filter((finding) => finding.group === 'attention').length,
    notCounted: findings.filter((finding) => finding.group === 'not-counted').length,
  };
}

/**
 * Every dated file first, then the `latest` copies: a run that fails on the way (storage gone) leaves the previous
 * latest report as it was, and at worst dated files of its own that nothing points to.
 */
async function writeReport(
  store: ReportStore,
  report: ComplianceReport,
  prefix: string,
  generatedAt: Date,
): Promise<string[]> {
  const formats: Array<[string, string, () => string]> = [
    ['html', 'text/html; charset=utf-8', () => renderHtml(report)],
    ['csv', 'text/csv; charset=utf-8', () => renderCsv(report)],
    ['json', 'application/json', () => JSON.stringify({ ...report, blobs: reportFiles(prefix, generatedAt) }, null, 2)],
  ];
  const files = formats.map(([extension, contentType, render]) => ({
    paths: reportPaths(prefix, generatedAt, extension),
    contentType,
    content: render(),
  }));
  for (const file of files) await store.put(file.paths.dated, file.content, file.contentType);
  for (const file of files) await store.put(file.paths.latest, file.content, file.contentType);
  // Written last: a run whose report could not be written leaves no point in the history.
  const summary = summaryPath(prefix, generatedAt);
  await store.put(summary, JSON.stringify(runSummaryOf(report)), 'application/json');
  return [...files.flatMap((file) => [file.paths.dated, file.paths.latest]), summary];
}

function reportFiles(prefix: string, generatedAt: Date): string[] {
  return [
    ...['html', 'csv', 'json'].flatMap((extension) => Object.values(reportPaths(prefix, generatedAt, extension))),
    summaryPath(prefix, generatedAt),
  ];
}

/**
 * Re-enqueues stale and unprotected VMs as `source: 'report'` requests, spread at `perSecond` through visibility
 * delays.
 */
async function reenqueue(
  requests: RequestQueue,
  findings: readonly Finding[],
  limits: { maxPerRun: number; perSecond: number },
): Promise<number> {
  const candidates = findings.filter(
    (finding) =>
      (finding.kind === 'stale' || finding.kind === 'unprotected') && finding.reason !== 'no-vault-for-region',
  );
  let sent = 0;
  for (const finding of candidates.slice(0, limits.maxPerRun)) {
    const request = createProtectionRequest({ vmResourceId: finding.vmResourceId, source: 'report' });
    await requests.send(request, { delayMs: Math.floor(sent / Math.max(1, limits.perSecond)) * 1000 });
    sent++;
  }
  return sent;
}

function summaryOf(report: ComplianceReport, prefix: string): ReportSummary {
  return {
    generatedAt: report.generatedAt,
    headline: report.headline,
    timeToRestorePoint: report.timeToRestorePoint,
    totals: report.totals,
    problems: report.problems.length,
    reenqueued: report.reenqueued,
    latest: ['html', 'csv', 'json'].map(
      (extension) => reportPaths(prefix, new Date(report.generatedAt), extension).latest,
    ),
  };
}

function problemOf(vaultId: string, error: unknown): VaultProblem {
  const normalised = ensureError(error) as Error & { code?: unknown };
  return {
    vaultId,
    code: typeof normalised.code === 'string' ? normalised.code : normalised.name,
    message: normalised.message.split(/\r?\n/)[0] ?? '',
  };
}

function count(findings: readonly Finding[], kind: Finding['kind']): number {
  return findings.filter((finding) => finding.kind === kind).length;
}
