import type { LedgerStatus, NewLedgerEntry } from '../../../../src/lib/ledger/ledgerEntry';
import { ledgerFindings } from '../../../../src/lib/report/ledgerFindings';
import { remediationFor } from '../../../../src/lib/report/remediation';
import { parseVmResourceId } from '../../../../src/lib/resourceId';
import { HOUR } from '../../../helpers/factories/report';
import { vaultRoute, vmId } from '../../../helpers/factories/rules';
import { InMemoryLedger } from '../../../helpers/fakes/inMemoryLedger';

const now = new Date('2026-03-02T12:00:00Z');
const STALE_AFTER = 24 * HOUR;
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

/** A ledger row for the VM `name`, changed `ageMs` ago. */
function row(name: string, status: LedgerStatus, ageMs: number, extra: Partial<NewLedgerEntry> = {}): NewLedgerEntry {
  const vm = parseVmResourceId(vmId(name));
  return {
    vmKey: vm.key,
    vmResourceId: vm.id,
    subscriptionId: vm.subscriptionId,
    status,
    attempts: 1,
    operationIds: [],
    jobIds: [],
    firstSeen: ago(ageMs + HOUR),
    lastChanged: ago(ageMs),
    ...extra,
  };
}

async function findingsOf(...rows: NewLedgerEntry[]) {
  const ledger = new InMemoryLedger();
  for (const entry of rows) await ledger.create(entry);
  return ledgerFindings(ledger, now, STALE_AFTER);
}

describe('ledgerFindings', () => {
  it('lists a failed VM with its reason, error code, vault and the action for the code', async () => {
    const vault = vaultRoute('eastus');
    const [finding, ...rest] = await findingsOf(
      row('vm-failed', 'failed', HOUR, {
        reason: 'protection-error',
        errorCode: 'UserErrorProtectionQuotaExceeded',
        vaultId: vault.vaultId,
        policyName: 'DefaultPolicy',
        rule: 'default',
      }),
    );
    expect(rest).toEqual([]);
    expect(finding).toEqual({
      kind: 'failed',
      vmResourceId: vmId('vm-failed'),
      vmName: 'vm-failed',
      subscriptionId: parseVmResourceId(vmId('vm-failed')).subscriptionId,
      reason: 'protection-error',
      errorCode: 'UserErrorProtectionQuotaExceeded',
      errorMessage: undefined,
      action: remediationFor('failed', 'protection-error', 'UserErrorProtectionQuotaExceeded'),
      since: ago(HOUR),
      ageMs: HOUR,
      vaultId: vault.vaultId,
      vaultName: 'rsv-eastus',
      policyName: 'DefaultPolicy',
      rule: 'default',
    });
  });

  it('lists failed and skipped VMs whatever their age, with the status as reason when none was recorded', async () => {
    const findings = await findingsOf(
      row('vm-new-failure', 'failed', 0),
      row('vm-skipped', 'skipped', 1000 * HOUR, { reason: 'opted-out', rule: 'opt-out-tag:autoprotect:skip' }),
    );
    expect(findings.map((finding) => [finding.vmName, finding.kind, finding.reason, finding.ageMs])).toEqual([
      ['vm-new-failure', 'failed', 'failed', 0],
      ['vm-skipped', 'skipped', 'opted-out', 1000 * HOUR],
    ]);
    expect(findings[1]?.action).toBe(remediationFor('skipped', 'opted-out'));
  });

  it('lists requested and protecting rows only once they are older than the stale age', async () => {
    const findings = await findingsOf(
      row('vm-requested-young', 'requested', STALE_AFTER),
      row('vm-protecting-young', 'protecting', HOUR),
      row('vm-requested-old', 'requested', STALE_AFTER + 1),
      row('vm-protecting-old', 'protecting', 3 * STALE_AFTER, { reason: 'backup-running', errorCode: 'E1' }),
    );
    expect(findings.map((finding) => [finding.vmName, finding.kind, finding.reason])).toEqual([
      ['vm-requested-old', 'stale', 'stuck-requested'],
      ['vm-protecting-old', 'stale', 'stuck-protecting'],
    ]);
    expect(findings[0]?.errorMessage).toBeUndefined();
    expect(findings[1]).toMatchObject({ errorMessage: 'backup-running', errorCode: 'E1' });
    expect(findings[1]?.action).toBe(remediationFor('stale', 'stuck-protecting', 'E1'));
  });

  it('leaves out VMs that are protected or whose backup was triggered', async () => {
    const findings = await findingsOf(
      row('vm-protected', 'protected', 1000 * HOUR),
      row('vm-triggered', 'backup-triggered', 1000 * HOUR),
    );
    expect(findings).toEqual([]);
  });

  it('asks the ledger only for the statuses it reports', async () => {
    const ledger = new InMemoryLedger();
    const list = jest.spyOn(ledger, 'list');
    await ledgerFindings(ledger, now, STALE_AFTER);
    expect(list).toHaveBeenCalledWith({ statuses: ['failed', 'skipped', 'requested', 'protecting'] });
  });

  it('measures the age from the last change, else from first seen', async () => {
    const findings = await findingsOf(
      row('vm-changed', 'failed', HOUR, { firstSeen: ago(50 * HOUR) }),
      row('vm-first-seen', 'failed', 0, { lastChanged: '', firstSeen: ago(5 * HOUR) }),
    );
    expect(findings.map((finding) => [finding.since, finding.ageMs])).toEqual([
      [ago(HOUR), HOUR],
      [ago(5 * HOUR), 5 * HOUR],
    ]);
  });

  it('treats a row without any timestamp as stale, with no age', async () => {
    const [finding] = await findingsOf(row('vm-undated', 'requested', 0, { lastChanged: '', firstSeen: '' }));
    expect(finding).toMatchObject({ kind: 'stale', reason: 'stuck-requested', since: undefined, ageMs: undefined });
  });

  it('never reports a negative age for a timestamp in the future (clock skew)', async () => {
    const [finding] = await findingsOf(row('vm-future', 'failed', -HOUR));
    expect(finding?.ageMs).toBe(0);
  });

  it('has no vault name when the row has no vault', async () => {
    const [finding] = await findingsOf(row('vm-no-vault', 'failed', 0));
    expect(finding?.vaultId).toBeUndefined();
    expect(finding?.vaultName).toBeUndefined();
  });
});
