import { createLogger } from '../../../src/lib/logger';
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
