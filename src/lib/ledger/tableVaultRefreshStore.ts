import type { TableClient, TableEntityResult } from '@azure/data-tables';

import { statusCodeOf } from '../errors';
import { onceUntilFailure } from '../onceUntilFailure';
import { LedgerConflictError } from './ledger';
import { ledgerRowKey } from './ledgerKeys';
import type { NewVaultRefresh, VaultRefresh, VaultRefreshStore } from './vaultRefresh';

/**
 * The partition of the refresh claims in the ledger table. VM rows are partitioned by subscription GUID, so the two
 * never meet; TableLedger.list leaves this partition out.
 */
export const VAULT_REFRESH_PARTITION = 'vault-refresh';

type RefreshRow = Record<string, string>;

/** Refresh claims as rows of the ledger table (one per vault, row key: the vault id in base64url), ETag-conditional. */
export class TableVaultRefreshStore implements VaultRefreshStore {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = onceUntilFailure(() => table.createTable());
  }

  async get(vaultId: string): Promise<VaultRefresh | null> {
    await this.ensureTable();
    try {
      return fromRow(await this.table.getEntity<RefreshRow>(VAULT_REFRESH_PARTITION, rowKeyOf(vaultId)));
    } catch (error) {
      if (statusCodeOf(error) === 404) return null;
      throw error;
    }
  }

  async create(refresh: NewVaultRefresh): Promise<VaultRefresh> {
    await this.ensureTable();
    try {
      const response = await this.table.createEntity(toRow(refresh));
      return { ...refresh, etag: response.etag ?? '' };
    } catch (error) {
      if (statusCodeOf(error) === 409) throw new LedgerConflictError(refresh.vaultId, { cause: error });
      throw error;
    }
  }

  async replace(current: VaultRefresh, next: NewVaultRefresh): Promise<VaultRefresh> {
    await this.ensureTable();
    try {
      const response = await this.table.updateEntity(toRow(next), 'Replace', { etag: current.etag });
      return { ...next, etag: response.etag ?? '' };
    } catch (error) {
      const status = statusCodeOf(error);
      if (status === 412 || status === 404) throw new LedgerConflictError(current.vaultId, { cause: error });
      throw error;
    }
  }
}

function rowKeyOf(vaultId: string): string {
  return ledgerRowKey(vaultId.toLowerCase());
}

function toRow(refresh: NewVaultRefresh): RefreshRow & { partitionKey: string; rowKey: string } {
  return {
    partitionKey: VAULT_REFRESH_PARTITION,
    rowKey: rowKeyOf(refresh.vaultId),
    vaultId: refresh.vaultId,
    refreshState: refresh.state,
    owner: refresh.owner,
    startedAt: refresh.startedAt,
    leaseExpiresAt: refresh.leaseExpiresAt,
    ...(refresh.operationId === undefined ? {} : { operationId: refresh.operationId }),
    ...(refresh.endedAt === undefined ? {} : { endedAt: refresh.endedAt }),
  };
}

function fromRow(row: TableEntityResult<RefreshRow>): VaultRefresh {
  const text = (field: string): string | undefined =>
    typeof row[field] === 'string' && row[field] !== '' ? String(row[field]) : undefined;
  return {
    vaultId: text('vaultId') ?? '',
    state: text('refreshState') === 'ended' ? 'ended' : 'running',
    owner: text('owner') ?? '',
    startedAt: text('startedAt') ?? '',
    leaseExpiresAt: text('leaseExpiresAt') ?? '',
    ...(text('operationId') === undefined ? {} : { operationId: text('operationId') }),
    ...(text('endedAt') === undefined ? {} : { endedAt: text('endedAt') }),
    etag: row.etag,
  };
}
