/** The ledger: one row per VM saying what autoprotect did about it and why. */

/**
 * One Backup job of the first backup: the first trigger, each retry, or a job autoprotect found running. Written
 * before the trigger is sent (the claim: `at`, no job yet), completed with the job id, then with how the job ended.
 */
export interface BackupAttempt {
  /**
   * `first`: the first trigger; `retry`: an automatic retry after a failure (at most one per retry delay);
   * `request`: a later request (event, sweep, report) after a failed first backup; `found`: a job autoprotect did not
   * trigger (someone pressed "Backup now").
   */
  trigger: 'first' | 'retry' | 'request' | 'found';
  /** When the trigger was claimed (or the job found), ISO. */
  at: string;
  /** The error code of the failure a retry follows. */
  after?: string;
  jobId?: string;
  /** How the job ended: Completed, CompletedWithWarnings, Failed, Cancelled. */
  status?: string;
  endedAt?: string;
  errorCode?: string;
}
export const LEDGER_STATUSES = [
  'requested',
  'protecting',
  'backup-triggered',
  'protected',
  'skipped',
  'failed',
  'first-backup-failed',
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
  /** Azure's message for `errorCode` when the first backup failed (`first-backup-failed`). */
  errorMessage?: string;
  /** ISO: protection enabled (ConfigureBackup succeeded), first Backup job triggered, first backup completed. */
  protectionEnabledAt?: string;
  firstBackupTriggeredAt?: string;
  firstBackupCompletedAt?: string;
  /** The Backup job that made the first restore point. */
  firstBackupJobId?: string;
  /** Every Backup job of the first backup, in order (retries included). */
  backupAttempts?: BackupAttempt[];
  /** ARM reads spent following the first backup (job GETs, and the job listing before a retry). */
  firstBackupReads?: number;
  /**
   * The check-back chain following the first backup: only the queue message carrying this token may act on it (a
   * redelivered or superseded check-back carries another), and when it is due (ISO).
   */
  checkBackToken?: string;
  nextCheckBackAt?: string;
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
