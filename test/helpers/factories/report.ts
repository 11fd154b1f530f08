import { createLogger } from '../../../src/lib/logger';
import type { ComplianceReport, Finding, RunSummary } from '../../../src/lib/report/reportTypes';
import type { ComplianceReportDeps, ComplianceReportOptions } from '../../../src/lib/report/runComplianceReport';
import { parseVmResourceId, type VmResourceId } from '../../../src/lib/resourceId';
import { FakeBackupGateway, FakeVmReader } from '../fakes/fakeAzure';
import { FakeClock, RecordingRequestQueue } from '../fakes/fakeQueues';
import { MemoryReportStore, RecordingPublisher } from '../fakes/fakeReport';
import { InMemoryLedger } from '../fakes/inMemoryLedger';
import { capturingContext } from '../logCapture';
import { rulesConfig, TEST_SUBSCRIPTION, vaultRoute, vmId } from './rules';

export const HOUR = 3600_000;

/** Fakes for runComplianceReport: two vaults (eastus, westeurope), stale after 24 h, re-enqueue off. */
export function reportHarness(overrides: Partial<ComplianceReportOptions> = {}) {
  const clock = new FakeClock(new Date('2026-03-02T12:00:00Z'));
  const backup = new FakeBackupGateway(() => clock.now());
  const vms = new FakeVmReader();
  const ledger = new InMemoryLedger();
  const store = new MemoryReportStore();
  const publisher = new RecordingPublisher();
  const requests = new RecordingRequestQueue();
  const { context, logs } = capturingContext('reportPendingBackups');
  const options: ComplianceReportOptions = {
    vaults: [vaultRoute('eastus'), vaultRoute('westeurope')],
    watchedSubscriptionIds: [TEST_SUBSCRIPTION],
    rules: rulesConfig(),
    staleAfterMs: 24 * HOUR,
    reenqueue: { enabled: false, maxPerRun: 100, perSecond: 5 },
    reportPrefix: 'reports-test/',
    ...overrides,
  };
  const deps: ComplianceReportDeps = {
    backup,
    vms,
    ledger,
    store,
    publisher,
    requests,
    clock,
    logger: createLogger(context),
  };
  const vault = options.vaults[0]!;
  const vm = (name: string): VmResourceId => parseVmResourceId(vmId(name));
  const ago = (ms: number) => new Date(clock.now().getTime() - ms);
  return { clock, backup, vms, ledger, store, publisher, requests, context, logs, options, deps, vault, vm, ago };
}

/** A report as runComplianceReport builds it, with nothing in it unless overridden. */
export function complianceReport(overrides: Partial<ComplianceReport> = {}): ComplianceReport {
  const headline = {
    watchedVms: 3,
    inScope: 3,
    withRestorePoint: 2,
    percent: 66.6,
    pending: 0,
    attention: 1,
    notCounted: 0,
  };
  const timeToRestorePoint = { windowMs: 7 * 24 * HOUR, count: 2, medianMs: 20 * 60_000, p95Ms: 50 * 60_000 };
  return {
    version: 2,
    generatedAt: '2026-03-02T12:00:00.000Z',
    staleAfterMs: 24 * HOUR,
    headline,
    timeToRestorePoint,
    totals: {
      vaults: 1,
      protectedItems: 3,
      itemsByState: { IRPending: 1, Protected: 2 },
      stale: 1,
      failed: 0,
      firstBackupFailed: 0,
      pending: 0,
      skipped: 0,
      unprotected: 0,
      watchedVms: 3,
    },
    findings: [],
    restorePoints: [],
    history: [{ version: 1, generatedAt: '2026-03-02T12:00:00.000Z', headline, timeToRestorePoint }],
    problems: [],
    reenqueued: 0,
    blobs: [],
    summaryPublished: false,
    ...overrides,
  };
}

/** A finding (stale, attention) of vm-1 unless overridden. */
export function reportFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    kind: 'stale',
    group: 'attention',
    vmResourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1',
    vmName: 'vm-1',
    reason: 'initial-backup-pending',
    action: 'Check it.',
    ...overrides,
  };
}

/** A run of the history: `percent` protected, median and p95 time to first restore point in minutes. */
export function runSummary(generatedAt: string, percent: number, medianMin?: number, p95Min?: number): RunSummary {
  return {
    version: 1,
    generatedAt,
    headline: {
      watchedVms: 10,
      inScope: 10,
      withRestorePoint: percent / 10,
      percent,
      pending: 0,
      attention: 0,
      notCounted: 0,
    },
    timeToRestorePoint: {
      windowMs: 7 * 24 * HOUR,
      count: medianMin === undefined ? 0 : 5,
      ...(medianMin === undefined ? {} : { medianMs: medianMin * 60_000, p95Ms: (p95Min ?? medianMin) * 60_000 }),
    },
  };
}
