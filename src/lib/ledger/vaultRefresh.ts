/**
 * The claim on a vault's container refresh (discovery), shared by every runner process: one row per vault, written
 * only with conditional writes, so one refresh runs per vault at a time and the VMs waiting on it share it
 * (protection/containerRefresh.ts).
 */
export interface VaultRefresh {
  /** The vault's ARM id as configured. */
  vaultId: string;
  /** `running` from the claim until someone sees the refresh operation end; `ended` after. */
  state: 'running' | 'ended';
  /** The invocation that claimed it. */
  owner: string;
  /** ISO time of the claim, before the refresh was sent: it covers the VMs the vault could not resolve before then. */
  startedAt: string;
  /** ISO: after this a `running` refresh whose end nobody saw may be claimed again (its claimer crashed). */
  leaseExpiresAt: string;
  /** The refresh operation, once sent. */
  operationId?: string;
  endedAt?: string;
  /** Opaque concurrency token of the stored row. */
  etag: string;
}

export type NewVaultRefresh = Omit<VaultRefresh, 'etag'>;

/**
 * Storage of the refresh claims. `create` fails when the vault's row exists, `replace` when it changed since it was
 * read: both with LedgerConflictError (another writer won).
 */
export interface VaultRefreshStore {
  get(vaultId: string): Promise<VaultRefresh | null>;
  create(refresh: NewVaultRefresh): Promise<VaultRefresh>;
  replace(current: VaultRefresh, next: NewVaultRefresh): Promise<VaultRefresh>;
}
