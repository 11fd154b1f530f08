import { vmIdOf } from '../../../simulator/src/store/model';
import type { LedgerEntry } from '../../../src/lib/ledger/ledgerEntry';
import type { PlannedVm } from '../../../tools/chaos/chaosPlan';
import { jobsPerVm, outageProblems, stuckRows, windowCounts } from '../../../tools/chaos/outages/verifyOutages';

const SUB = '11111111-1111-1111-1111-111111111111';
const NOW = new Date('2026-12-05T12:00:00Z');

function planned(name: string, status: PlannedVm['expected']['status']): PlannedVm {
  return {
    name,
    resourceGroup: 'rg-1',
    location: 'eastus',
    tags: {},
    securityType: 'Standard',
    chaosCase: status === 'protected' ? 'protect' : 'opt-out',
    expected: status === 'protected' ? { status } : { status, reason: 'opted-out' },
  };
}

function row(name: string, changes: Partial<LedgerEntry>): LedgerEntry {
  const id = vmIdOf(SUB, 'rg-1', name);
  return {
    vmKey: id.toLowerCase(),
    vmResourceId: id,
    subscriptionId: SUB,
    status: 'protecting',
    attempts: 1,
    operationIds: [],
    jobIds: [],
    firstSeen: 't',
    lastChanged: 't',
    etag: 'e',
    ...changes,
  };
}

const backup = (vm: string) => ({
  name: `job-${vm}`,
  vaultId: 'v',
  operation: 'Backup',
  status: 'Completed',
  entityFriendlyName: vm,
});

describe('outage checks', () => {
  it('finds rows left in progress whose claim expired or that have none, and leaves held and final rows alone', () => {
    const rows = [
      row('expired', { leaseOwner: 'inv-1', leaseExpiresAt: '2026-12-05T11:59:00Z' }),
      row('unclaimed', { status: 'requested' }),
      row('held', { leaseOwner: 'inv-2', leaseExpiresAt: '2026-12-05T12:05:00Z' }),
      row('done', { status: 'backup-triggered' }),
    ];
    expect(stuckRows(rows, NOW).map((entry) => entry.vmResourceId.split('/').pop())).toEqual(['expired', 'unclaimed']);
  });

  it('counts Backup jobs per VM against what each VM must have', () => {
    const plan = [planned('a', 'protected'), planned('b', 'protected'), planned('c', 'skipped')];
    const jobs = [backup('a'), backup('B'), backup('b'), { ...backup('a'), operation: 'ConfigureBackup' }];
    expect(jobsPerVm(plan, jobs)).toEqual({
      min: 1,
      max: 2,
      mismatched: [{ name: 'b', jobs: 2, expected: 1 }],
    });
    expect(jobsPerVm([planned('c', 'skipped')], [backup('c')]).mismatched).toEqual([
      { name: 'c', jobs: 1, expected: 0 },
    ]);
  });

  it('makes a problem of a report run that succeeded or changed latest during the outage, and of a missed rerun', () => {
    const clean = {
      stuck: [],
      jobs: { min: 1, max: 1, mismatched: [] },
      reportDuringOutage: { outcome: 'failed', latestUnchanged: true },
      reportAfter: { outcome: 'succeeded', latestReplaced: true },
      webhook: [],
    };
    expect(outageProblems(clean)).toEqual([]);
    const text = outageProblems({
      ...clean,
      reportDuringOutage: { outcome: 'succeeded', latestUnchanged: false },
      reportAfter: undefined,
      webhook: ['enqueued by autoprotect sweep: 1 missing (vm-x), 0 unexpected ()'],
    }).join('\n');
    expect(text).toMatch(/during the storage outage succeeded/);
    expect(text).toMatch(/changed the latest report/);
    expect(text).toMatch(/rerun after the storage outage did not replace latest/);
    expect(text).toMatch(/enqueued by autoprotect sweep: 1 missing/);
  });

  it("counts one outage's own VMs: protected, without a final row, Backup jobs per protected VM", () => {
    const vms = [planned('a', 'protected'), planned('b', 'protected'), planned('c', 'skipped')];
    const ledger = [
      row('a', { status: 'backup-triggered' }),
      row('b', { status: 'protecting' }),
      row('c', { status: 'skipped' }),
    ];
    expect(windowCounts(vms, SUB, ledger, [backup('a')])).toEqual({
      vms: 3,
      protected: 1,
      lost: 1,
      jobsPerVm: { min: 0, max: 1 },
    });
  });
});
