import type { ProtectedItemInfo } from '../../../../src/lib/azure/ports';
import type { VaultRoute } from '../../../../src/lib/config';
import { claimVm } from '../../../../src/lib/ledger/claimVm';
import type { LedgerChanges } from '../../../../src/lib/ledger/ledgerEntry';
import { runComplianceReport } from '../../../../src/lib/report/runComplianceReport';
import { HOUR, reportHarness, runSummary } from '../../../helpers/factories/report';

type Harness = ReturnType<typeof reportHarness>;
const MIN = 60_000;

/** A ledger row for `name`, first seen `seenAgo` ago, with `changes`. */
async function ledgerRow(h: Harness, name: string, seenAgo: number, changes: LedgerChanges): Promise<void> {
  const claim = await claimVm(h.ledger, { vm: h.vm(name), owner: 'o', leaseMs: 1, now: h.ago(seenAgo), attempt: 1 });
  if (!claim.claimed) throw new Error('claim expected');
  await h.ledger.update(claim.entry, { lastChanged: h.ago(seenAgo).toISOString(), ...changes });
}

/** A watched VM in Compute. */
function watched(h: Harness, name: string, options: { tags?: Record<string, string>; location?: string } = {}) {
  const vm = h.vm(name);
  h.vms.add({ vm, location: options.location ?? 'eastus', tags: options.tags ?? {} });
  return vm;
}

describe('runComplianceReport', () => {
  it('lists IRPending items older than the stale age with their last job and its error code; younger ones as pending', async () => {
    const h = reportHarness();
    const stuck = h.vm('vm-stuck');
    const fresh = h.vm('vm-fresh');
    const done = h.vm('vm-done');
    h.backup.setItem(h.vault, stuck, { policyName: 'DefaultPolicy' });
    h.backup.addJob(h.vault, stuck, { operation: 'ConfigureBackup', status: 'Completed', startTime: h.ago(30 * HOUR) });
    h.backup.addJob(h.vault, stuck, {
      operation: 'Backup',
      status: 'Failed',
      startTime: h.ago(29 * HOUR),
      errorCode: 'UserErrorGuestAgentStatusUnavailable',
      errorMessage: 'VM Agent unable to communicate with Azure Backup.',
    });
    h.backup.setItem(h.vault, fresh);
    h.backup.addJob(h.vault, fresh, { operation: 'ConfigureBackup', status: 'Completed', startTime: h.ago(1 * HOUR) });
    h.backup.setItem(h.vault, done, { protectionState: 'Protected' });

    const report = await runComplianceReport(h.deps, h.options);

    expect(report.findings).toEqual([
      expect.objectContaining({
        kind: 'stale',
        group: 'attention',
        vmResourceId: stuck.id,
        vmName: 'vm-stuck',
        region: 'eastus',
        resourceGroup: 'rg-app',
        reason: 'initial-backup-failed',
        errorCode: 'UserErrorGuestAgentStatusUnavailable',
        ageMs: 30 * HOUR,
        vaultName: 'rsv-eastus',
        policyName: 'DefaultPolicy',
        lastJob: expect.objectContaining({ operation: 'Backup', status: 'Failed' }),
        action: expect.stringMatching(/VM agent/),
      }),
      expect.objectContaining({ kind: 'pending', group: 'pending', vmName: 'vm-fresh' }),
    ]);
    expect(report.totals).toMatchObject({
      vaults: 2,
      protectedItems: 3,
      itemsByState: { IRPending: 2, Protected: 1 },
      stale: 1,
      pending: 1,
    });
  });

  it('counts an IRPending item without any job in the window as stale', async () => {
    const h = reportHarness();
    h.backup.setItem(h.vault, h.vm('vm-ancient'));
    const report = await runComplianceReport(h.deps, h.options);
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'stale', reason: 'initial-backup-pending', vmName: 'vm-ancient' }),
    ]);
  });

  it('streams many items with one jobs listing per vault and keeps only the findings', async () => {
    const h = reportHarness();
    const total = 20_000;
    let yielded = 0;
    const stuck = h.vm('vm-9999');
    h.backup.listProtectedItems = async function* (vault: VaultRoute): AsyncIterable<ProtectedItemInfo> {
      if (vault.region !== 'eastus') return;
      for (let index = 0; index < total; index++) {
        yielded++;
        const name = `vm-${index}`;
        yield {
          protectionState: index === 9999 ? 'IRPending' : 'Protected',
          containerName: `iaasvmcontainerv2;rg-app;${name}`,
          friendlyName: name,
          vmResourceId: h.vm(name).id,
        };
      }
    };
    h.backup.addJob(h.vault, stuck, { operation: 'ConfigureBackup', status: 'Completed', startTime: h.ago(48 * HOUR) });
    const report = await runComplianceReport(h.deps, h.options);
    expect(yielded).toBe(total);
    expect(report.totals.protectedItems).toBe(total);
    expect(report.findings.map((finding) => finding.vmName)).toEqual(['vm-9999']);
    expect(h.backup.count('listJobs')).toBe(1);
    expect(h.backup.count('getJob')).toBe(0);
  });

  it("adds the ledger's findings: failed (naming the region without a vault), first backups failed, skipped", async () => {
    const h = reportHarness();
    await ledgerRow(h, 'vm-west', HOUR, {
      status: 'failed',
      reason: 'no-vault-for-region',
      errorCode: 'no-vault-for-region',
      rule: 'vault-route:none-for-westus2/11111111-1111-1111-1111-111111111111',
    });
    await ledgerRow(h, 'vm-optout', HOUR, { status: 'skipped', reason: 'opted-out' });
    await ledgerRow(h, 'vm-agent', HOUR, {
      status: 'first-backup-failed',
      reason: 'retries-exhausted',
      errorCode: 'UserErrorGuestAgentStatusUnavailable',
    });
    const report = await runComplianceReport(h.deps, h.options);
    expect(report.findings).toEqual([
      expect.objectContaining({
        kind: 'failed',
        vmName: 'vm-west',
        region: 'westus2',
        action: expect.stringMatching(/^No vault serves westus2: create a Recovery Services vault in westus2/),
      }),
      expect.objectContaining({ kind: 'skipped', group: 'not-counted', vmName: 'vm-optout' }),
      expect.objectContaining({ kind: 'first-backup-failed', group: 'attention', vmName: 'vm-agent' }),
    ]);
    expect(report.totals).toMatchObject({ failed: 1, skipped: 1, firstBackupFailed: 1 });
    expect(report.headline).toMatchObject({ attention: 2, notCounted: 1, pending: 0 });
  });

  it('reports a VM once: a failed first backup over its stale item, keeping the vault’s last job', async () => {
    const h = reportHarness();
    const vm = watched(h, 'vm-agent');
    h.backup.setItem(h.vault, vm, { policyName: 'DefaultPolicy' });
    h.backup.addJob(h.vault, vm, { operation: 'ConfigureBackup', status: 'Completed', startTime: h.ago(30 * HOUR) });
    h.backup.addJob(h.vault, vm, { operation: 'Backup', status: 'Failed', startTime: h.ago(29 * HOUR) });
    await ledgerRow(h, 'vm-agent', 30 * HOUR, {
      status: 'first-backup-failed',
      reason: 'retries-exhausted',
      errorCode: 'UserErrorGuestAgentStatusUnavailable',
      vaultId: h.vault.vaultId,
    });
    const report = await runComplianceReport(h.deps, h.options);
    expect(report.findings).toEqual([
      expect.objectContaining({
        kind: 'first-backup-failed',
        reason: 'retries-exhausted',
        protectionState: 'IRPending',
        lastJob: expect.objectContaining({ status: 'Failed' }),
      }),
    ]);
    expect(report.headline).toMatchObject({ watchedVms: 1, inScope: 1, withRestorePoint: 0, attention: 1 });
  });

  it('says how many watched VMs have a restore point, leaving out those the rules or another vault leave out', async () => {
    const h = reportHarness();
    h.backup.setItem(h.vault, watched(h, 'vm-protected'), { protectionState: 'Protected' });
    h.backup.setItem(h.vault, watched(h, 'vm-running'));
    h.backup.addJob(h.vault, h.vm('vm-running'), {
      operation: 'ConfigureBackup',
      status: 'Completed',
      startTime: h.ago(HOUR),
    });
    watched(h, 'vm-orphan');
    watched(h, 'vm-nowhere', { location: 'westus2' });
    watched(h, 'vm-optout', { tags: { 'autoprotect:skip': 'yes' } });
    const elsewhere = watched(h, 'vm-elsewhere');
    h.backup.statuses.set(elsewhere.key, {
      protected: true,
      vaultId: '/subscriptions/x/resourceGroups/y/providers/Microsoft.RecoveryServices/vaults/z',
    });
    watched(h, 'vm-known');
    await ledgerRow(h, 'vm-known', HOUR, { status: 'requested' });

    const report = await runComplianceReport(h.deps, h.options);

    expect(report.headline).toEqual({
      watchedVms: 7,
      inScope: 5,
      withRestorePoint: 1,
      percent: 20,
      pending: 2,
      attention: 2,
      notCounted: 2,
    });
    expect(report.findings.map((finding) => [finding.vmName, finding.group, finding.reason])).toEqual([
      ['vm-running', 'pending', 'initial-backup-never-started'],
      ['vm-known', 'pending', 'requested'],
      ['vm-orphan', 'attention', 'no-protected-item-and-no-ledger-row'],
      ['vm-nowhere', 'attention', 'no-vault-for-region'],
      ['vm-optout', 'not-counted', 'opted-out'],
      ['vm-elsewhere', 'not-counted', 'protected-elsewhere'],
    ]);
    expect(report.totals).toMatchObject({ watchedVms: 7, unprotected: 2 });
  });

  it('rounds the percentage down, and says 100 % when nothing is in scope', async () => {
    const h = reportHarness();
    for (const name of ['a', 'b'])
      h.backup.setItem(h.vault, watched(h, `vm-${name}`), { protectionState: 'Protected' });
    watched(h, 'vm-c');
    expect((await runComplianceReport(h.deps, h.options)).headline.percent).toBe(66.6);
    expect((await runComplianceReport(reportHarness().deps, reportHarness().options)).headline.percent).toBe(100);
  });

  it('measures the time to first restore point: median and 95th percentile of the VMs protected in the last 7 days', async () => {
    const h = reportHarness();
    const minutes = [10, 20, 30, 40, 200];
    for (const [index, taken] of minutes.entries())
      await ledgerRow(h, `vm-${index}`, 5 * HOUR, {
        status: 'protected',
        reason: 'first-backup-completed',
        firstBackupCompletedAt: new Date(h.ago(5 * HOUR).getTime() + taken * MIN).toISOString(),
      });
    const report = await runComplianceReport(h.deps, h.options);
    expect(report.timeToRestorePoint).toEqual({
      windowMs: 7 * 24 * HOUR,
      count: 5,
      medianMs: 30 * MIN,
      p95Ms: 200 * MIN,
    });
    expect(report.restorePoints.map((point) => point.vmName)).toEqual(['vm-4', 'vm-3', 'vm-2', 'vm-1', 'vm-0']);
  });

  it('writes JSON, CSV and HTML under a date-partitioned path plus latest copies, and the run summary beside them', async () => {
    const h = reportHarness();
    h.backup.setItem(h.vault, h.vm('vm-stuck'));
    const report = await runComplianceReport(h.deps, h.options);
    expect([...h.store.files.keys()].sort()).toEqual([
      'reports-test/2026/03/02/report-20260302T120000Z.csv',
      'reports-test/2026/03/02/report-20260302T120000Z.html',
      'reports-test/2026/03/02/report-20260302T120000Z.json',
      'reports-test/2026/03/02/summary-20260302T120000Z.json',
      'reports-test/latest.csv',
      'reports-test/latest.html',
      'reports-test/latest.json',
    ]);
    const json = JSON.parse(h.store.text('reports-test/latest.json')) as {
      version: number;
      findings: unknown[];
      totals: { stale: number };
      headline: unknown;
      blobs: string[];
    };
    expect(json.version).toBe(2);
    expect(json.totals.stale).toBe(1);
    expect(json.findings).toHaveLength(1);
    expect(json.headline).toEqual(report.headline);
    expect(json.blobs).toContain('reports-test/2026/03/02/summary-20260302T120000Z.json');
    expect(JSON.parse(h.store.text('reports-test/2026/03/02/summary-20260302T120000Z.json'))).toEqual({
      version: 1,
      generatedAt: '2026-03-02T12:00:00.000Z',
      headline: report.headline,
      timeToRestorePoint: report.timeToRestorePoint,
    });
    expect(h.store.text('reports-test/latest.csv')).toBe(
      h.store.text('reports-test/2026/03/02/report-20260302T120000Z.csv'),
    );
    expect(h.store.files.get('reports-test/latest.html')?.contentType).toMatch(/^text\/html/);
    expect(report.blobs).toHaveLength(7);
  });

  it('writes every dated file before the first latest copy', async () => {
    const h = reportHarness();
    await runComplianceReport(h.deps, h.options);
    const firstLatest = h.store.writes.findIndex((path) => path.includes('latest.'));
    expect(h.store.writes.slice(0, firstLatest)).toHaveLength(3);
    // Then the three latest copies, and last the run's summary (a point in the history only once the report is out).
    expect(h.store.writes.slice(firstLatest, firstLatest + 3).every((path) => path.includes('latest.'))).toBe(true);
    expect(h.store.writes.slice(firstLatest + 3)).toEqual([expect.stringMatching(/\/summary-[0-9TZ]+\.json$/)]);
  });

  // Storage goes away in the middle of the run: the run fails (the host retries at the next occurrence, or the
  // operator reruns it) and the previous latest report stays whole.
  it.each([
    ['the second dated file', (path: string) => path.endsWith('.csv') && !path.includes('latest')],
    ['the first latest copy', (path: string) => path.includes('latest.')],
  ])('leaves the previous latest report intact when writing %s fails', async (_what, failing) => {
    const h = reportHarness();
    await runComplianceReport(h.deps, h.options);
    const previous = new Map([...h.store.files].filter(([path]) => path.includes('latest.')));
    h.clock.advance(HOUR);
    h.backup.setItem(h.vault, h.vm('vm-new'));
    h.store.failPut = failing;

    await expect(runComplianceReport(h.deps, h.options)).rejects.toThrow(/socket hang up/);

    expect(new Map([...h.store.files].filter(([path]) => path.includes('latest.')))).toEqual(previous);
    expect(h.publisher.published).toHaveLength(1);
  });

  it('draws the history from the summaries of the last 29 runs before this one, oldest first', async () => {
    const h = reportHarness();
    for (let day = 1; day <= 31; day++) {
      const at = new Date(Date.UTC(2026, 0, day, 6));
      const stamp = at
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
      const path = `reports-test/${at.toISOString().slice(0, 10).replace(/-/g, '/')}/summary-${stamp}.json`;
      await h.store.put(path, JSON.stringify(runSummary(at.toISOString(), day)), 'application/json');
    }
    await h.store.put('reports-test/2026/01/31/summary-broken.json', '{', 'application/json');
    await h.store.put('reports-test/2026/01/30/summary-20260130T070000Z.json', '{not json', 'application/json');
    await h.store.put('other/2026/01/31/summary-20260131T070000Z.json', '{}', 'application/json');

    const report = await runComplianceReport(h.deps, h.options);

    expect(report.history).toHaveLength(29);
    expect(report.history.slice(0, 2).map((run) => run.generatedAt)).toEqual([
      '2026-01-04T06:00:00.000Z',
      '2026-01-05T06:00:00.000Z',
    ]);
    expect(report.history.at(-1)).toEqual({
      version: 1,
      generatedAt: report.generatedAt,
      headline: report.headline,
      timeToRestorePoint: report.timeToRestorePoint,
    });
    // The unparseable summary of Jan 30 07:00 took a place in the window and is left out.
    expect(report.history.map((run) => run.generatedAt)).not.toContain('2026-01-30T07:00:00.000Z');
  });

  it('publishes and logs the summary with the headline; a publishing failure does not lose the report', async () => {
    const h = reportHarness();
    await runComplianceReport(h.deps, h.options);
    expect(h.publisher.published).toEqual([
      expect.objectContaining({
        headline: expect.objectContaining({ percent: 100 }),
        totals: expect.objectContaining({ vaults: 2 }),
        latest: ['reports-test/latest.html', 'reports-test/latest.csv', 'reports-test/latest.json'],
      }),
    ]);
    expect(h.logs).toHaveLogged({
      message: 'compliance report written',
      summaryPublished: true,
      summary: { totals: { vaults: 2 } },
    });

    const failing = reportHarness();
    failing.publisher.failWith = new Error('topic down');
    const report = await runComplianceReport(failing.deps, failing.options);
    expect(report.summaryPublished).toBe(false);
    expect(failing.store.files.size).toBe(7);
    expect(failing.logs).toHaveLogged({ level: 'error', message: 'could not publish the report summary event' });
  });

  it('re-enqueues stale and unprotected VMs when enabled, capped and spread in time', async () => {
    const h = reportHarness({ reenqueue: { enabled: true, maxPerRun: 3, perSecond: 2 } });
    for (const name of ['vm-a', 'vm-b', 'vm-c', 'vm-d']) h.backup.setItem(h.vault, h.vm(name));
    h.vms.add({ vm: h.vm('vm-west'), location: 'westus2', tags: {} });
    const report = await runComplianceReport(h.deps, h.options);
    expect(report.reenqueued).toBe(3);
    expect(h.requests.sent.map((sent) => [sent.request.source, sent.request.attempt, sent.delayMs])).toEqual([
      ['report', 1, 0],
      ['report', 1, 0],
      ['report', 1, 1000],
    ]);
    expect(h.requests.sent.map((sent) => sent.request.vmResourceId)).not.toContain(h.vm('vm-west').id);
  });

  it('does not re-enqueue when disabled', async () => {
    const h = reportHarness();
    h.backup.setItem(h.vault, h.vm('vm-a'));
    await runComplianceReport(h.deps, h.options);
    expect(h.requests.sent).toEqual([]);
  });

  it('still writes the report when a vault or the sweep cannot be read, and names the problem', async () => {
    const h = reportHarness();
    h.backup.failNext('listProtectedItems', Object.assign(new Error('vault gone'), { code: 'ResourceNotFound' }));
    h.vms.listVms = async function* () {
      yield* [];
      throw new Error('compute down');
    };
    const report = await runComplianceReport(h.deps, h.options);
    expect(report.problems).toEqual([
      { vaultId: h.vault.vaultId, code: 'ResourceNotFound', message: 'vault gone' },
      { vaultId: 'sweep', code: 'Error', message: 'compute down' },
    ]);
    expect(report.headline).toMatchObject({ watchedVms: 0, inScope: 0 });
    expect(h.store.files.size).toBe(7);
  });
});

describe('runComplianceReport: VMs stuck in the ledger', () => {
  it('lists rows stuck in requested or protecting longer than the stale age, once per VM', async () => {
    const h = reportHarness();
    const rows: Array<[string, 'requested' | 'protecting' | 'backup-triggered', number]> = [
      ['vm-poisoned', 'requested', 30 * HOUR],
      ['vm-recent', 'protecting', 1 * HOUR],
      ['vm-both', 'protecting', 30 * HOUR],
      ['vm-triggered', 'backup-triggered', 30 * HOUR],
    ];
    for (const [name, status, age] of rows)
      await ledgerRow(h, name, age, {
        status,
        reason: 'retrying: throttled',
        errorCode: 'ResourceRequestsThrottled',
      });
    h.backup.setItem(h.vault, h.vm('vm-both'));

    const report = await runComplianceReport(h.deps, h.options);
    expect(report.findings.map((finding) => [finding.vmName, finding.kind, finding.reason])).toEqual([
      ['vm-both', 'stale', 'initial-backup-pending'],
      ['vm-poisoned', 'stale', 'stuck-requested'],
      ['vm-recent', 'pending', 'protection-in-progress'],
      ['vm-triggered', 'pending', 'first-backup-running'],
    ]);
    expect(report.findings[1]).toMatchObject({
      errorCode: 'ResourceRequestsThrottled',
      errorMessage: 'retrying: throttled',
      action: expect.stringMatching(/poison/),
    });
  });
});
