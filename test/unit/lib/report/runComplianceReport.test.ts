import type { ProtectedItemInfo } from '../../../../src/lib/azure/ports';
import type { VaultRoute } from '../../../../src/lib/config';
import { claimVm } from '../../../../src/lib/ledger/claimVm';
import { runComplianceReport } from '../../../../src/lib/report/runComplianceReport';
import { HOUR, reportHarness } from '../../../helpers/factories/report';

describe('runComplianceReport', () => {
  it('lists IRPending items older than the stale age with their last job and its error code', async () => {
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
        vmResourceId: stuck.id,
        vmName: 'vm-stuck',
        reason: 'initial-backup-failed',
        errorCode: 'UserErrorGuestAgentStatusUnavailable',
        ageMs: 30 * HOUR,
        vaultName: 'rsv-eastus',
        policyName: 'DefaultPolicy',
        lastJob: expect.objectContaining({ operation: 'Backup', status: 'Failed' }),
        action: expect.stringMatching(/VM agent/),
      }),
    ]);
    expect(report.totals).toMatchObject({
      vaults: 2,
      protectedItems: 3,
      itemsByState: { IRPending: 2, Protected: 1 },
      stale: 1,
    });
  });

  it('treats exactly the stale age as not yet stale and anything older as stale', async () => {
    const h = reportHarness();
    const edge = h.vm('vm-edge');
    const older = h.vm('vm-older');
    h.backup.setItem(h.vault, edge);
    h.backup.addJob(h.vault, edge, { operation: 'ConfigureBackup', status: 'Completed', startTime: h.ago(24 * HOUR) });
    h.backup.setItem(h.vault, older);
    h.backup.addJob(h.vault, older, {
      operation: 'ConfigureBackup',
      status: 'Completed',
      startTime: h.ago(24 * HOUR + 1),
    });
    const report = await runComplianceReport(h.deps, h.options);
    expect(report.findings.map((finding) => finding.vmName)).toEqual(['vm-older']);
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

  it("adds the ledger's failed and skipped VMs with their reasons", async () => {
    const h = reportHarness();
    for (const [name, status, reason] of [
      ['vm-west', 'failed', 'no-vault-for-region'],
      ['vm-optout', 'skipped', 'opted-out'],
      ['vm-ok', 'backup-triggered', 'first-backup-triggered'],
    ] as const) {
      const claim = await claimVm(h.ledger, {
        vm: h.vm(name),
        owner: 'o',
        leaseMs: 1,
        now: h.ago(2 * HOUR),
        attempt: 1,
      });
      if (!claim.claimed) throw new Error('claim expected');
      await h.ledger.update(claim.entry, {
        status,
        reason,
        errorCode: status === 'failed' ? reason : undefined,
        lastChanged: h.ago(HOUR).toISOString(),
      });
    }
    const report = await runComplianceReport(h.deps, h.options);
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'failed',
          vmName: 'vm-west',
          reason: 'no-vault-for-region',
          errorCode: 'no-vault-for-region',
          ageMs: HOUR,
          action: expect.stringMatching(/AUTOPROTECT_VAULTS/),
        }),
        expect.objectContaining({ kind: 'skipped', vmName: 'vm-optout', reason: 'opted-out' }),
      ]),
    );
    expect(report.findings).toHaveLength(2);
    expect(report.totals).toMatchObject({ failed: 1, skipped: 1 });
  });

  it('sweeps watched VMs with no protected item and no ledger row, leaving out protected, known, opted-out and elsewhere-protected VMs', async () => {
    const h = reportHarness();
    const add = (name: string, tags: Record<string, string> = {}, location = 'eastus') => {
      const vm = h.vm(name);
      h.vms.add({ vm, location, tags });
      return vm;
    };
    add('vm-orphan');
    add('vm-nowhere', {}, 'westus2');
    h.backup.setItem(h.vault, add('vm-protected'), { protectionState: 'Protected' });
    await claimVm(h.ledger, { vm: add('vm-known'), owner: 'o', leaseMs: 1, now: h.ago(HOUR), attempt: 1 });
    add('vm-optout', { 'autoprotect:skip': 'yes' });
    const elsewhere = add('vm-elsewhere');
    h.backup.statuses.set(elsewhere.key, {
      protected: true,
      vaultId: '/subscriptions/x/resourceGroups/y/providers/Microsoft.RecoveryServices/vaults/z',
    });

    const report = await runComplianceReport(h.deps, h.options);
    const unprotected = report.findings.filter((finding) => finding.kind === 'unprotected');
    expect(unprotected.map((finding) => [finding.vmName, finding.reason])).toEqual([
      ['vm-orphan', 'no-protected-item-and-no-ledger-row'],
      ['vm-nowhere', 'no-vault-for-region'],
    ]);
    expect(report.totals).toMatchObject({ watchedVms: 6, unprotected: 2 });
  });

  it('writes JSON, CSV and HTML under a date-partitioned path plus latest copies', async () => {
    const h = reportHarness();
    h.backup.setItem(h.vault, h.vm('vm-stuck'));
    const report = await runComplianceReport(h.deps, h.options);
    expect([...h.store.files.keys()].sort()).toEqual([
      'reports-test/2026/03/02/report-20260302T120000Z.csv',
      'reports-test/2026/03/02/report-20260302T120000Z.html',
      'reports-test/2026/03/02/report-20260302T120000Z.json',
      'reports-test/latest.csv',
      'reports-test/latest.html',
      'reports-test/latest.json',
    ]);
    const json = JSON.parse(h.store.text('reports-test/latest.json')) as {
      findings: unknown[];
      totals: { stale: number };
    };
    expect(json.totals.stale).toBe(1);
    expect(json.findings).toHaveLength(1);
    expect(h.store.text('reports-test/latest.csv')).toBe(
      h.store.text('reports-test/2026/03/02/report-20260302T120000Z.csv'),
    );
    expect(h.store.files.get('reports-test/latest.html')?.contentType).toMatch(/^text\/html/);
    expect(report.blobs).toHaveLength(6);
  });

  it('writes every dated file before the first latest copy', async () => {
    const h = reportHarness();
    await runComplianceReport(h.deps, h.options);
    const firstLatest = h.store.writes.findIndex((path) => path.includes('latest.'));
    expect(h.store.writes.slice(0, firstLatest)).toHaveLength(3);
    expect(h.store.writes.slice(firstLatest).every((path) => path.includes('latest.'))).toBe(true);
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

  it('publishes and logs the summary; a publishing failure does not lose the report', async () => {
    const h = reportHarness();
    await runComplianceReport(h.deps, h.options);
    expect(h.publisher.published).toEqual([
      expect.objectContaining({
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
    expect(failing.store.files.size).toBe(6);
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

  it('still writes the report when a vault cannot be read, and names the problem', async () => {
    const h = reportHarness();
    h.backup.failNext('listProtectedItems', Object.assign(new Error('vault gone'), { code: 'ResourceNotFound' }));
    const report = await runComplianceReport(h.deps, h.options);
    expect(report.problems).toEqual([{ vaultId: h.vault.vaultId, code: 'ResourceNotFound', message: 'vault gone' }]);
    expect(h.store.files.size).toBe(6);
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
    for (const [name, status, age] of rows) {
      const claim = await claimVm(h.ledger, { vm: h.vm(name), owner: 'o', leaseMs: 1, now: h.ago(age), attempt: 1 });
      if (!claim.claimed) throw new Error('claim expected');
      await h.ledger.update(claim.entry, {
        status,
        reason: 'retrying: throttled',
        errorCode: 'ResourceRequestsThrottled',
        lastChanged: h.ago(age).toISOString(),
      });
    }
    h.backup.setItem(h.vault, h.vm('vm-both'));

    const report = await runComplianceReport(h.deps, h.options);
    expect(report.findings.map((finding) => [finding.vmName, finding.kind, finding.reason])).toEqual([
      ['vm-both', 'stale', 'initial-backup-pending'],
      ['vm-poisoned', 'stale', 'stuck-requested'],
    ]);
    expect(report.findings[1]).toMatchObject({
      errorCode: 'ResourceRequestsThrottled',
      errorMessage: 'retrying: throttled',
      action: expect.stringMatching(/poison/),
    });
  });
});
