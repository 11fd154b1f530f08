import type { LedgerStatus, NewLedgerEntry } from '../../../../src/lib/ledger/ledgerEntry';
import { scanLedger } from '../../../../src/lib/report/ledgerFindings';
import { remediationFor } from '../../../../src/lib/report/remediation';
import { parseVmResourceId } from '../../../../src/lib/resourceId';
import { HOUR } from '../../../helpers/factories/report';
import { vaultRoute, vmId } from '../../../helpers/factories/rules';
import { InMemoryLedger } from '../../../helpers/fakes/inMemoryLedger';

const now = new Date('2026-03-02T12:00:00Z');
const STALE_AFTER = 24 * HOUR;
const VAULTS = [vaultRoute('eastus'), vaultRoute('westeurope')];
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

/** A ledger row for the VM `name`, changed `ageMs` ago, first seen an hour before that. */
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

async function scanOf(...rows: NewLedgerEntry[]) {
  const ledger = new InMemoryLedger();
  for (const entry of rows) await ledger.create(entry);
  return scanLedger(ledger, { now, staleAfterMs: STALE_AFTER, vaults: VAULTS });
}
const findingsOf = async (...rows: NewLedgerEntry[]) => (await scanOf(...rows)).findings;

describe('scanLedger', () => {
  it('lists a failed VM with its place, reason, error code, vault and the action naming its region', async () => {
    const vault = vaultRoute('eastus');
    const [finding, ...rest] = await findingsOf(
      row('vm-failed', 'failed', HOUR, {
        reason: 'no-vault-for-region',
        errorCode: 'no-vault-for-region',
        rule: 'vault-route:none-for-westus2/11111111-1111-1111-1111-111111111111',
      }),
      row('vm-quota', 'failed', HOUR, {
        reason: 'protection-error',
        errorCode: 'UserErrorProtectionQuotaExceeded',
        vaultId: vault.vaultId,
        policyName: 'DefaultPolicy',
      }),
    );
    expect(finding).toEqual({
      kind: 'failed',
      group: 'attention',
      vmResourceId: vmId('vm-failed'),
      vmName: 'vm-failed',
      subscriptionId: parseVmResourceId(vmId('vm-failed')).subscriptionId,
      resourceGroup: 'rg-app',
      region: 'westus2',
      reason: 'no-vault-for-region',
      errorCode: 'no-vault-for-region',
      errorMessage: undefined,
      action: remediationFor('failed', 'no-vault-for-region', undefined, { region: 'westus2' }),
      troubleshootingUrl: undefined,
      since: ago(HOUR),
      ageMs: HOUR,
      waitingMs: 2 * HOUR,
      retries: undefined,
      vaultId: undefined,
      vaultName: undefined,
      policyName: undefined,
      rule: 'vault-route:none-for-westus2/11111111-1111-1111-1111-111111111111',
    });
    expect(rest[0]).toMatchObject({
      region: 'eastus',
      vaultName: 'rsv-eastus',
      troubleshootingUrl: 'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot',
      action: expect.stringMatching(/add another vault for eastus/),
    });
  });

  it('lists a first backup that failed for good as needing attention, with Azure code, message and retries', async () => {
    const [finding] = await findingsOf(
      row('vm-agent', 'first-backup-failed', HOUR, {
        reason: 'retries-exhausted',
        errorCode: 'UserErrorGuestAgentStatusUnavailable',
        errorMessage: 'VM Agent unable to communicate with Azure Backup.',
        backupAttempts: [
          { trigger: 'first', at: ago(2 * HOUR) },
          { trigger: 'retry', at: ago(HOUR) },
        ],
      }),
    );
    expect(finding).toMatchObject({
      kind: 'first-backup-failed',
      group: 'attention',
      reason: 'retries-exhausted',
      errorMessage: 'VM Agent unable to communicate with Azure Backup.',
      retries: 1,
      troubleshootingUrl:
        'https://learn.microsoft.com/azure/backup/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout',
      action: expect.stringMatching(/VM agent is running and Ready.*autoprotect sweep/),
    });
  });

  it('lists what autoprotect is still working on as pending, and as stale once stuck past the stale age', async () => {
    const findings = await findingsOf(
      row('vm-requested-young', 'requested', STALE_AFTER),
      row('vm-protecting-young', 'protecting', HOUR),
      row('vm-requested-old', 'requested', STALE_AFTER + 1),
      row('vm-protecting-old', 'protecting', 3 * STALE_AFTER, { reason: 'backup-running', errorCode: 'E1' }),
      row('vm-following', 'backup-triggered', 5 * STALE_AFTER, { reason: 'first-backup-triggered' }),
      row('vm-retrying', 'backup-triggered', HOUR, { reason: 'first-backup-retry-scheduled', errorCode: 'X' }),
      row('vm-forever', 'backup-triggered', HOUR, { reason: 'first-backup-still-running' }),
    );
    expect(findings.map((finding) => [finding.vmName, finding.group, finding.kind, finding.reason])).toEqual([
      ['vm-requested-young', 'pending', 'pending', 'requested'],
      ['vm-protecting-young', 'pending', 'pending', 'protection-in-progress'],
      ['vm-requested-old', 'attention', 'stale', 'stuck-requested'],
      ['vm-protecting-old', 'attention', 'stale', 'stuck-protecting'],
      ['vm-following', 'pending', 'pending', 'first-backup-running'],
      ['vm-retrying', 'pending', 'pending', 'first-backup-retry-scheduled'],
      ['vm-forever', 'attention', 'stale', 'first-backup-still-running'],
    ]);
    expect(findings[3]).toMatchObject({ errorMessage: 'backup-running', errorCode: 'E1' });
    expect(findings[4]?.waitingMs).toBe(5 * STALE_AFTER + HOUR);
  });

  it('lists skipped VMs as not counted, and knows them for the headline', async () => {
    const scan = await scanOf(row('vm-skipped', 'skipped', 1000 * HOUR, { reason: 'opted-out' }));
    expect(scan.findings).toEqual([
      expect.objectContaining({ kind: 'skipped', group: 'not-counted', reason: 'opted-out', waitingMs: undefined }),
    ]);
    expect([...scan.notCounted]).toEqual([parseVmResourceId(vmId('vm-skipped')).key]);
  });

  it('measures the time to first restore point of the VMs protected in the last 7 days, newest first', async () => {
    const protectedRow = (name: string, seenAgo: number, minutes: number, extra: Partial<NewLedgerEntry> = {}) =>
      row(name, 'protected', 0, {
        firstSeen: ago(seenAgo),
        firstBackupCompletedAt: new Date(now.getTime() - seenAgo + minutes * 60_000).toISOString(),
        policyName: 'DefaultPolicy',
        vaultId: vaultRoute('westeurope').vaultId,
        ...extra,
      });
    const scan = await scanOf(
      protectedRow('vm-a', 3 * HOUR, 30),
      protectedRow('vm-b', 2 * HOUR, 90, {
        backupAttempts: [
          { trigger: 'first', at: 'x' },
          { trigger: 'retry', at: 'y' },
        ],
      }),
      protectedRow('vm-old', 8 * 24 * HOUR, 20),
      row('vm-before', 'protected', 0, { reason: 'already-protected' }),
    );
    expect(scan.findings).toEqual([]);
    expect(scan.restorePointTimesMs.sort()).toEqual([30 * 60_000, 90 * 60_000]);
    expect(scan.restorePoints).toEqual([
      expect.objectContaining({ vmName: 'vm-b', timeToRestorePointMs: 90 * 60_000, retries: 1, region: 'westeurope' }),
      expect.objectContaining({
        vmName: 'vm-a',
        resourceGroup: 'rg-app',
        vaultName: 'rsv-westeurope',
        policyName: 'DefaultPolicy',
        retries: 0,
      }),
    ]);
  });

  it('keeps the 50 latest restore points by name and every duration', async () => {
    const rows = Array.from({ length: 130 }, (_, index) =>
      row(`vm-${index}`, 'protected', 0, {
        firstSeen: ago(10 * HOUR),
        firstBackupCompletedAt: ago(10 * HOUR - index * 60_000),
      }),
    );
    const scan = await scanOf(...rows);
    expect(scan.restorePointTimesMs).toHaveLength(130);
    expect(scan.restorePoints.slice(0, 50).map((point) => point.vmName)).toEqual(
      Array.from({ length: 50 }, (_, index) => `vm-${129 - index}`),
    );
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
});
