import { TableClient } from '@azure/data-tables';

import type { LedgerStatus, NewLedgerEntry } from '../../src/lib/ledger/ledgerEntry';
import { TableLedger } from '../../src/lib/ledger/tableLedger';
import { parseVmResourceId } from '../../src/lib/resourceId';
import { testStorageConnectionString, uniqueName } from '../helpers/storage';
import { runCaptured, writeSettingsFile } from './cliHarness';

const SUB = '11111111-1111-1111-1111-111111111111';
const VAULT = `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`;

function entry(
  name: string,
  status: LedgerStatus,
  reason?: string,
  decided: Partial<NewLedgerEntry> = {},
): NewLedgerEntry {
  const vm = parseVmResourceId(
    `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/${name}`,
  );
  return {
    vmKey: vm.key,
    vmResourceId: vm.id,
    subscriptionId: SUB,
    status,
    reason,
    attempts: status === 'failed' ? 3 : 1,
    operationIds: [],
    jobIds: [],
    firstSeen: '2026-11-25T10:00:00.000Z',
    lastChanged: '2026-11-25T10:05:00.000Z',
    leaseOwner: 'worker-1',
    ...decided,
  };
}

describe('autoprotect status', () => {
  const table = uniqueName('clistatus');
  let settings: string;
  let tableClient: TableClient;

  beforeAll(async () => {
    settings = writeSettingsFile({
      AzureWebJobsStorage: testStorageConnectionString(),
      AUTOPROTECT_SUBSCRIPTION_IDS: SUB,
      AUTOPROTECT_VAULTS: JSON.stringify([{ region: 'eastus', vaultId: VAULT }]),
      AUTOPROTECT_LEDGER_TABLE: table,
    });
    tableClient = TableClient.fromConnectionString(testStorageConnectionString(), table, {
      allowInsecureConnection: true,
    });
    const ledger = new TableLedger(tableClient);
    // REGION comes from the deciding rule, or else from the configured route of the row's vault.
    await ledger.create(entry('vm-ok', 'protected', undefined, { vaultId: VAULT, policyName: 'DefaultPolicy' }));
    await ledger.create(
      entry('vm-broken', 'failed', 'UserErrorGuestAgentStatusUnavailable', {
        vaultId: VAULT,
        policyName: 'EnhancedPolicy',
        rule: 'vault-route:eastus->rsv-eastus; policy[0]:backup-tier=gold->EnhancedPolicy',
      }),
    );
    await ledger.create(entry('vm-tagged', 'skipped', 'opted-out', { rule: 'opt-out-tag:autoprotect:skip' }));
    await ledger.create(
      entry('vm-west', 'failed', 'no-vault-for-region', { rule: `vault-route:none-for-westus2/${SUB}` }),
    );
    // First backups: one protected after a retry, one failed for good, one waiting for its retry, one running.
    const attempt = (trigger: 'first' | 'retry') => ({ trigger, at: '2026-11-25T10:01:00.000Z' });
    await ledger.create(
      entry('vm-fb-done', 'protected', 'first-backup-completed', {
        vaultId: VAULT,
        firstBackupCompletedAt: '2026-11-25T10:42:00.000Z',
        backupAttempts: [attempt('first'), attempt('retry')],
      }),
    );
    await ledger.create(
      entry('vm-fb-failed', 'first-backup-failed', 'retries-exhausted', {
        vaultId: VAULT,
        errorCode: 'UserErrorGuestAgentStatusUnavailable',
        backupAttempts: [attempt('first'), attempt('retry'), attempt('retry'), attempt('retry')],
      }),
    );
    await ledger.create(
      entry('vm-fb-retry', 'backup-triggered', 'first-backup-retry-scheduled', {
        vaultId: VAULT,
        errorCode: 'UserErrorGuestAgentStatusUnavailable',
        nextCheckBackAt: '2026-11-25T10:20:00.000Z',
        backupAttempts: [{ ...attempt('first'), jobId: 'j1', status: 'Failed' }],
      }),
    );
    await ledger.create(
      entry('vm-fb-running', 'backup-triggered', 'first-backup-triggered', {
        vaultId: VAULT,
        nextCheckBackAt: '2026-11-25T10:12:00.000Z',
        backupAttempts: [{ ...attempt('first'), jobId: 'j2' }],
      }),
    );
  });

  afterAll(async () => {
    await tableClient.deleteTable().catch(() => undefined);
  });

  it('prints every ledger row as a table with a count line', async () => {
    const run = await runCaptured(['status', '--settings', settings]);

    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^VM\s+RESOURCE GROUP\s+REGION\s+STATUS\s+REASON\s+POLICY\s+FIRST BACKUP\s+ATTEMPTS\s+LAST CHANGED$/,
    );
    expect(lines.find((line) => line.startsWith('vm-broken'))).toMatch(
      /^vm-broken\s+rg-app\s+eastus\s+failed\s+UserErrorGuestAgentStatusUnavailable\s+EnhancedPolicy\s+3\s+2026-11-25T10:05:00.000Z$/,
    );
    expect(lines.find((line) => line.startsWith('vm-ok'))).toMatch(
      /^vm-ok\s+rg-app\s+eastus\s+protected\s+DefaultPolicy\s+1\s/,
    );
    expect(lines.find((line) => line.startsWith('vm-west'))).toMatch(
      /^vm-west\s+rg-app\s+westus2\s+failed\s+no-vault-for-region\s+3\s/,
    );
    expect(lines.find((line) => line.startsWith('vm-tagged'))).toMatch(
      /^vm-tagged\s+rg-app\s+skipped\s+opted-out\s+1\s/,
    );
    expect(lines.filter((line) => /^vm-/.test(line))).toHaveLength(8);
    expect(lines.at(-1)).toBe('8 VMs (2 backup-triggered, 2 protected, 1 skipped, 2 failed, 1 first-backup-failed)');
  });

  it('says where each first backup stands: time to restore point, the retry or check-back coming, how it failed', async () => {
    const run = await runCaptured(['status', '--settings', settings]);
    const line = (name: string) => run.stdout.split('\n').find((candidate) => candidate.startsWith(`${name} `)) ?? '';
    expect(line('vm-fb-done')).toMatch(/\sprotected\s+first-backup-completed\s+restore point after 42 min, 1 retry\s/);
    expect(line('vm-fb-failed')).toMatch(
      /\sfirst-backup-failed\s+retries-exhausted: UserErrorGuestAgentStatusUnavailable\s+failed after 3 retries\s/,
    );
    // Three retries are configured (the default delays); the first one is due at 10:20.
    expect(line('vm-fb-retry')).toMatch(
      /\sbackup-triggered\s+first-backup-retry-scheduled: UserErrorGuestAgentStatus…\s+retry 1 of 3 at 10:20:00Z\s/,
    );
    expect(line('vm-fb-running')).toMatch(
      /\sbackup-triggered\s+first-backup-triggered\s+running, next check 10:12:00Z\s/,
    );
  });

  it('filters by status and prints JSON without etags or leases', async () => {
    const run = await runCaptured(['status', '--settings', settings, '--status', 'failed,skipped', '--json']);

    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((row) => row.status).sort()).toEqual(['failed', 'failed', 'skipped']);
    expect(rows.find((row) => row.status === 'skipped')).toMatchObject({
      reason: 'opted-out',
      vmResourceId: expect.stringMatching(/\/vm-tagged$/),
    });
    expect(rows.every((row) => !('etag' in row) && !('leaseOwner' in row))).toBe(true);
  });

  it('shows one VM by resource id (any case) or by name, and fails with one line for an unknown VM', async () => {
    const byId = await runCaptured([
      'status',
      `/SUBSCRIPTIONS/${SUB}/resourcegroups/RG-APP/providers/microsoft.compute/virtualmachines/VM-OK`,
      '--settings',
      settings,
      '--json',
    ]);
    const byName = await runCaptured(['status', 'VM-Broken', '--settings', settings]);
    const missing = await runCaptured(['status', 'vm-nowhere', '--settings', settings]);

    expect((JSON.parse(byId.stdout) as Array<{ status: string }>).map((row) => row.status)).toEqual(['protected']);
    expect(byName.stdout).toContain('vm-broken');
    expect(byName.stdout).not.toContain('vm-ok');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('autoprotect: no ledger row for vm-nowhere\n');
  });

  it('says so when no row matches the filter', async () => {
    const run = await runCaptured(['status', '--settings', settings, '--status', 'requested']);

    expect(run).toEqual({ code: 0, stdout: 'No ledger rows with status requested.\n', stderr: '' });
  });

  it('refuses an unknown status with exit 2', async () => {
    const run = await runCaptured(['status', '--settings', settings, '--status', 'done']);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^autoprotect: unknown status done \(expected requested, .*\)/);
  });
});
