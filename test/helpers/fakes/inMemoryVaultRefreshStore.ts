import { randomUUID } from 'node:crypto';

import { LedgerConflictError } from '../../../src/lib/ledger/ledger';
import type { NewVaultRefresh, VaultRefresh, VaultRefreshStore } from '../../../src/lib/ledger/vaultRefresh';

/** Refresh claims in memory with the table store's semantics: create conflicts, ETag-conditional replaces. */
export class InMemoryVaultRefreshStore implements VaultRefreshStore {
  readonly rows = new Map<string, VaultRefresh>();

  async get(vaultId: string): Promise<VaultRefresh | null> {
    const row = this.rows.get(vaultId.toLowerCase());
    return row ? { ...row } : null;
  }

  async create(refresh: NewVaultRefresh): Promise<VaultRefresh> {
    const key = refresh.vaultId.toLowerCase();
    if (this.rows.has(key)) throw new LedgerConflictError(refresh.vaultId);
    return this.store(key, refresh);
  }

  async replace(current: VaultRefresh, next: NewVaultRefresh): Promise<VaultRefresh> {
    const key = current.vaultId.toLowerCase();
    if (this.rows.get(key)?.etag !== current.etag) throw new LedgerConflictError(current.vaultId);
    return this.store(key, next);
  }

  private store(key: string, refresh: NewVaultRefresh): VaultRefresh {
    const stored = { ...refresh, etag: randomUUID() };
    this.rows.set(key, stored);
    return { ...stored };
  }
}
