/** The ledger: one row per VM saying what autoprotect did about it and why. */
export const LEDGER_STATUSES = [
  'requested',
  'protecting',
  'backup-triggered',
  'protected',
  'skipped',
  'failed',
] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

export interface LedgerEntry {
  /** VM key (lower-cased canonical id): the idempotency key. */
  vmKey: string;
  /** Canonical VM id (original case). */
  vmResourceId: string;
  subscriptionId: string;
  status: LedgerStatus;
  /** Why the VM is in this status, e.g. 'vm-deleted', 'no-vault-for-region', 'backup-running'. */
  reason?: string;
  /** Machine code of the last error (ARM error code or an autoprotect code). */
  errorCode?: string;
  /** The rule that made the decision, e.g. 'opt-out-tag:autoprotect:skip'. */
  rule?: string;
  vaultId?: string;
  policyName?: string;
  attempts: number;
  operationIds: string[];
  jobIds: string[];
  /** ISO timestamps. */
  firstSeen: string;
  lastChanged: string;
  lastEventId?: string;
  lastCorrelationId?: string;
  /** Claim: who holds the VM and until when (ISO). Empty when released. */
  leaseOwner?: string;
  leaseExpiresAt?: string;
  /** Opaque concurrency token of the stored row. */
  etag: string;
}

/** Fields a writer may change (everything but the identity and the etag). */
export type LedgerChanges = Partial<
  Omit<LedgerEntry, 'vmKey' | 'vmResourceId' | 'subscriptionId' | 'etag' | 'firstSeen'>
>;

/** A new row, before it has an etag. */
export type NewLedgerEntry = Omit<LedgerEntry, 'etag'>;
