import { randomUUID } from 'node:crypto';

import type { TableClient } from '@azure/data-tables';

import { vmIdOf } from '../../simulator/src/store/model';
import type { BackupAttempt, LedgerStatus, NewLedgerEntry } from '../../src/lib/ledger/ledgerEntry';
import { ledgerRowOf } from '../../src/lib/ledger/tableLedger';
import { mapLimit } from '../../tools/shared/mapLimit';

/** The share of each status in the seeded ledger; what is left after the others is `protected`. */
const LEDGER_MIX: ReadonlyArray<[Exclude<LedgerStatus, 'protected'>, number]> = [
  ['protecting', 0.03],
  ['failed', 0.03],
  ['skipped', 0.02],
  ['first-backup-failed', 0.02],
];
/** A table transaction holds at most 100 operations, all in one partition (here: the subscription). */
const ROWS_PER_TRANSACTION = 100;
/** Protected rows' first backups completed over the last 10 days: about 70 % fall in the report's 7-day window. */
const PROTECTED_SPREAD_MINUTES = 10 * 24 * 60;
const STUCK_HOURS = 48;

export interface SeededVault {
  name: string;
  region: string;
  vaultId: string;
}

/**
 * Seeds `rows` ledger rows, as autoprotect writes them (ledgerRowOf), in table transactions of 100. Each row is for a
 * VM the report also meets in the simulator where the report joins them: `protected` rows are the vaults' Protected
 * items (`vm-<vault>-<n>`, n from `stalePerVault` on, as bulkProtectedItems names them), `first-backup-failed` rows
 * the IRPending items with a failed Backup job (odd n below `stalePerVault`), `protecting` rows the other IRPending
 * items (even n); what does not fit there, and the `failed` and `skipped` rows, are VMs of no vault.
 */
export async function seedReportLedger(
  table: TableClient,
  at: { rows: number; subscriptionId: string; vaults: readonly SeededVault[]; perVault: number; stalePerVault: number },
): Promise<Record<LedgerStatus, number>> {
  const now = Date.now();
  const counts = Object.fromEntries(LEDGER_MIX.map(([status, share]) => [status, Math.round(at.rows * share)]));
  const protectedRows = at.rows - Object.values(counts).reduce((sum, n) => sum + n, 0);
  if (Math.ceil(protectedRows / at.vaults.length) > at.perVault - at.stalePerVault)
    throw new Error(`${protectedRows} protected ledger rows do not fit the vaults' Protected items`);
  const entries: NewLedgerEntry[] = [];
  const vmOf = (status: string, i: number, stuckParity?: 0 | 1): { vault?: SeededVault; id: string } => {
    const vault = at.vaults[i % at.vaults.length];
    const k = Math.floor(i / at.vaults.length);
    if (vault && stuckParity === undefined)
      return {
        vault,
        id: vmIdOf(at.subscriptionId, `rg-bulk-${vault.name}`, `vm-${vault.name}-${at.stalePerVault + k}`),
      };
    const n = 2 * k + (stuckParity ?? 0);
    if (vault && n < at.stalePerVault)
      return { vault, id: vmIdOf(at.subscriptionId, `rg-bulk-${vault.name}`, `vm-${vault.name}-${n}`) };
    return { id: vmIdOf(at.subscriptionId, `rg-ledger-${status}`, `vm-${status}-${i}`) };
  };
  for (let i = 0; i < protectedRows; i++) entries.push(protectedEntry(vmOf('protected', i), i, now));
  for (const [status] of LEDGER_MIX)
    for (let i = 0; i < (counts[status] ?? 0); i++) {
      const parity = status === 'first-backup-failed' ? 1 : status === 'protecting' ? 0 : undefined;
      const vm =
        parity === undefined
          ? { id: vmIdOf(at.subscriptionId, `rg-ledger-${status}`, `vm-${status}-${i}`) }
          : vmOf(status, i, parity);
      entries.push(unfinishedEntry(status, vm, i, now));
    }

  await table.createTable();
  const transactions: NewLedgerEntry[][] = [];
  for (let start = 0; start < entries.length; start += ROWS_PER_TRANSACTION)
    transactions.push(entries.slice(start, start + ROWS_PER_TRANSACTION));
  await mapLimit(transactions, 4, async (batch) => {
    await table.submitTransaction(batch.map((entry) => ['create', ledgerRowOf(entry)]));
  });
  return { ...counts, protected: protectedRows } as Record<LedgerStatus, number>;
}

/** A VM protected and backed up: each step of its first backup timed, one in 20 after an automatic retry. */
function protectedEntry(vm: { vault?: SeededVault; id: string }, i: number, now: number): NewLedgerEntry {
  const seen = now - ((i * 7919) % PROTECTED_SPREAD_MINUTES) * 60_000 - 3 * 3600_000;
  const enabled = seen + 41_000 + (i % 20) * 1000;
  const triggered = enabled + 1_500;
  const completed = triggered + (20 + (i % 41)) * 60_000;
  const retried = i % 20 === 0;
  const firstJob = randomUUID();
  const lastJob = retried ? randomUUID() : firstJob;
  const attempts: BackupAttempt[] = [
    retried
      ? {
          trigger: 'first',
          at: iso(triggered),
          jobId: firstJob,
          status: 'Failed',
          endedAt: iso(triggered + 120_000),
          errorCode: 'UserErrorGuestAgentStatusUnavailable',
        }
      : { trigger: 'first', at: iso(triggered), jobId: firstJob, status: 'Completed', endedAt: iso(completed) },
  ];
  if (retried)
    attempts.push({
      trigger: 'retry',
      at: iso(triggered + 600_000),
      after: 'UserErrorGuestAgentStatusUnavailable',
      jobId: lastJob,
      status: 'Completed',
      endedAt: iso(completed),
    });
  return {
    ...common(vm, 'protected', seen),
    reason: 'first-backup-completed',
    operationIds: [randomUUID()],
    jobIds: attempts.map((attempt) => attempt.jobId ?? ''),
    lastChanged: iso(completed),
    protectionEnabledAt: iso(enabled),
    firstBackupTriggeredAt: iso(triggered),
    firstBackupCompletedAt: iso(completed),
    firstBackupJobId: lastJob,
    backupAttempts: attempts,
    firstBackupReads: retried ? 9 : 4,
  };
}

/** A row autoprotect has not finished with: stuck, failed for good, or skipped. */
function unfinishedEntry(
  status: Exclude<LedgerStatus, 'protected'>,
  vm: { vault?: SeededVault; id: string },
  i: number,
  now: number,
): NewLedgerEntry {
  const seen = now - STUCK_HOURS * 3600_000 - (i % 600) * 60_000;
  const entry = common(vm, status, seen);
  switch (status) {
    case 'protecting':
      return { ...entry, operationIds: [randomUUID()] };
    case 'first-backup-failed': {
      const triggered = seen + 43_000;
      const jobs = [randomUUID(), randomUUID()];
      return {
        ...entry,
        reason: 'retries-exhausted',
        errorCode: 'UserErrorGuestAgentStatusUnavailable',
        errorMessage: 'VM Agent unable to communicate with Azure Backup.',
        operationIds: [randomUUID()],
        jobIds: jobs,
        protectionEnabledAt: iso(seen + 41_000),
        firstBackupTriggeredAt: iso(triggered),
        backupAttempts: jobs.map((jobId, n) => ({
          trigger: n === 0 ? 'first' : 'retry',
          at: iso(triggered + n * 600_000),
          jobId,
          status: 'Failed',
          endedAt: iso(triggered + n * 600_000 + 120_000),
          errorCode: 'UserErrorGuestAgentStatusUnavailable',
        })),
        firstBackupReads: 9,
      };
    }
    case 'failed':
      return i % 2 === 0
        ? {
            ...entry,
            reason: 'no-vault-for-region',
            errorCode: 'no-vault-for-region',
            rule: `vault-route:none-for-brazilsoutheast/${entry.subscriptionId}`,
          }
        : { ...entry, reason: 'max-attempts-exceeded', errorCode: 'UserErrorGuestAgentStatusUnavailable', attempts: 5 };
    case 'skipped':
      return { ...entry, reason: 'opted-out', rule: 'opt-out-tag:autoprotect:skip' };
    default:
      return entry;
  }
}

function common(vm: { vault?: SeededVault; id: string }, status: LedgerStatus, seen: number): NewLedgerEntry {
  const subscriptionId = /^\/subscriptions\/([^/]+)\//.exec(vm.id)?.[1] ?? '';
  return {
    vmKey: vm.id.toLowerCase(),
    vmResourceId: vm.id,
    subscriptionId,
    status,
    attempts: 1,
    operationIds: [],
    jobIds: [],
    firstSeen: iso(seen),
    lastChanged: iso(seen),
    lastEventId: randomUUID(),
    lastCorrelationId: randomUUID(),
    ...(vm.vault
      ? {
          vaultId: vm.vault.vaultId,
          policyName: 'DefaultPolicy',
          rule: `vault-route:${vm.vault.region}->${vm.vault.name}`,
        }
      : {}),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
