import type { TableClient, TableEntityResult } from '@azure/data-tables';

import { statusCodeOf } from '../errors';
import { onceUntilFailure } from '../onceUntilFailure';
import { type Ledger, LedgerConflictError, type LedgerField } from './ledger';
import {
  type BackupAttempt,
  LEDGER_STATUSES,
  type LedgerChanges,
  type LedgerEntry,
  type LedgerStatus,
  type NewLedgerEntry,
} from './ledgerEntry';
import { ledgerPartitionKey, ledgerRowKey } from './ledgerKeys';
import { VAULT_REFRESH_PARTITION } from './tableVaultRefreshStore';

/** How many operation/job ids a row keeps (the most recent ones). */
const MAX_IDS = 20;

type LedgerRow = Record<string, string | number>;

/** The ledger in Azure Table storage (Azurite locally): one entity per VM, ETag-conditional writes. */
export class TableLedger implements Ledger {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = onceUntilFailure(() => table.createTable());
  }

  async get(vmKey: string): Promise<LedgerEntry | null> {
    await this.ensureTable();
    try {
      const row = await this.table.getEntity<LedgerRow>(ledgerPartitionKey(vmKey), ledgerRowKey(vmKey));
      return fromRow(row);
    } catch (error) {
      if (statusCodeOf(error) === 404) return null;
      throw error;
    }
  }

  async create(entry: NewLedgerEntry): Promise<LedgerEntry> {
    await this.ensureTable();
    const row = ledgerRowOf(entry);
    try {
      const response = await this.table.createEntity(row);
      return { ...normalise(entry), etag: response.etag ?? '' };
    } catch (error) {
      if (statusCodeOf(error) === 409) throw new LedgerConflictError(entry.vmKey, { cause: error });
      throw error;
    }
  }

  async update(entry: LedgerEntry, changes: LedgerChanges): Promise<LedgerEntry> {
    await this.ensureTable();
    const next: NewLedgerEntry = { ...withoutEtag(entry), ...changes };
    try {
      const response = await this.table.updateEntity(ledgerRowOf(next), 'Replace', { etag: entry.etag });
      return { ...normalise(next), etag: response.etag ?? '' };
    } catch (error) {
      const status = statusCodeOf(error);
      if (status === 412 || status === 404) throw new LedgerConflictError(entry.vmKey, { cause: error });
      throw error;
    }
  }

  async *list(
    options: { statuses?: readonly LedgerStatus[]; fields?: readonly LedgerField[] } = {},
  ): AsyncIterable<LedgerEntry> {
    await this.ensureTable();
    const statuses = options.statuses ?? [];
    // The table also holds the vaults' refresh claims (tableVaultRefreshStore.ts): VM rows only.
    const vmRows = `PartitionKey ne '${VAULT_REFRESH_PARTITION}'`;
    const filter =
      statuses.length > 0
        ? `${vmRows} and (${statuses.map((status) => `status eq '${status}'`).join(' or ')})`
        : vmRows;
    // $select: 50,000 whole rows peaked a process only listing them at 242 MB, 16 columns at 164 MB (bench "report").
    const select = options.fields ? [...options.fields] : undefined;
    const entities = this.table.listEntities<LedgerRow>({ queryOptions: { filter, select } });
    for await (const row of entities) yield fromRow(row);
  }
}

/** The stored entity of a row; exported for writers that batch rows in table transactions (bench seeding). */
export function ledgerRowOf(entry: NewLedgerEntry): LedgerRow & { partitionKey: string; rowKey: string } {
  const row: LedgerRow & { partitionKey: string; rowKey: string } = {
    partitionKey: ledgerPartitionKey(entry.vmKey),
    rowKey: ledgerRowKey(entry.vmKey),
    vmKey: entry.vmKey,
    vmResourceId: entry.vmResourceId,
    subscriptionId: entry.subscriptionId,
    status: entry.status,
    attempts: entry.attempts,
    operationIds: JSON.stringify(entry.operationIds.slice(-MAX_IDS)),
    jobIds: JSON.stringify(entry.jobIds.slice(-MAX_IDS)),
    firstSeen: entry.firstSeen,
    lastChanged: entry.lastChanged,
  };
  const optional = [
    'reason',
    'errorCode',
    'rule',
    'vaultId',
    'policyName',
    'lastEventId',
    'lastCorrelationId',
    'leaseOwner',
    'leaseExpiresAt',
    'errorMessage',
    'protectionEnabledAt',
    'firstBackupTriggeredAt',
    'firstBackupCompletedAt',
    'firstBackupJobId',
    'checkBackToken',
    'nextCheckBackAt',
  ] as const;
  for (const field of optional) {
    const value = entry[field];
    if (value !== undefined && value !== '') row[field] = value.slice(0, 30_000);
  }
  if (entry.backupAttempts !== undefined && entry.backupAttempts.length > 0)
    row.backupAttempts = JSON.stringify(entry.backupAttempts.slice(-MAX_IDS));
  if (entry.firstBackupReads !== undefined) row.firstBackupReads = entry.firstBackupReads;
  return row;
}

function fromRow(row: TableEntityResult<LedgerRow>): LedgerEntry {
  const text = (field: string): string | undefined =>
    typeof row[field] === 'string' && row[field] !== '' ? String(row[field]) : undefined;
  const status = text('status');
  return {
    vmKey: text('vmKey') ?? '',
    vmResourceId: text('vmResourceId') ?? '',
    subscriptionId: text('subscriptionId') ?? '',
    status: LEDGER_STATUSES.find((known) => known === status) ?? 'requested',
    reason: text('reason'),
    errorCode: text('errorCode'),
    rule: text('rule'),
    vaultId: text('vaultId'),
    policyName: text('policyName'),
    attempts: typeof row.attempts === 'number' ? row.attempts : Number(row.attempts ?? 0),
    operationIds: parseIds(text('operationIds')),
    jobIds: parseIds(text('jobIds')),
    firstSeen: text('firstSeen') ?? '',
    lastChanged: text('lastChanged') ?? '',
    lastEventId: text('lastEventId'),
    lastCorrelationId: text('lastCorrelationId'),
    leaseOwner: text('leaseOwner'),
    leaseExpiresAt: text('leaseExpiresAt'),
    ...withoutUndefined({
      errorMessage: text('errorMessage'),
      protectionEnabledAt: text('protectionEnabledAt'),
      firstBackupTriggeredAt: text('firstBackupTriggeredAt'),
      firstBackupCompletedAt: text('firstBackupCompletedAt'),
      firstBackupJobId: text('firstBackupJobId'),
      backupAttempts: parseAttempts(text('backupAttempts')),
      firstBackupReads: typeof row.firstBackupReads === 'number' ? row.firstBackupReads : undefined,
      checkBackToken: text('checkBackToken'),
      nextCheckBackAt: text('nextCheckBackAt'),
    }),
    etag: row.etag,
  };
}

/** The attempts as written (ledgerRowOf); anything else in the column reads as none. */
function parseAttempts(value: string | undefined): BackupAttempt[] | undefined {
  if (!value) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (!Array.isArray(parsed)) return undefined;
    return parsed.filter(
      (attempt): attempt is BackupAttempt =>
        typeof attempt === 'object' &&
        attempt !== null &&
        typeof (attempt as BackupAttempt).trigger === 'string' &&
        typeof (attempt as BackupAttempt).at === 'string',
    );
  } catch {
    return undefined;
  }
}

/** The new optional fields only when set, so a row written before them reads exactly as it did. */
function withoutUndefined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function parseIds(value: string | undefined): string[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

function normalise(entry: NewLedgerEntry): NewLedgerEntry {
  const normalised = {
    ...entry,
    operationIds: entry.operationIds.slice(-MAX_IDS),
    jobIds: entry.jobIds.slice(-MAX_IDS),
  };
  if (entry.backupAttempts !== undefined) normalised.backupAttempts = entry.backupAttempts.slice(-MAX_IDS);
  return normalised;
}

function withoutEtag(entry: LedgerEntry): NewLedgerEntry {
  const { etag: _etag, ...rest } = entry;
  return rest;
}
