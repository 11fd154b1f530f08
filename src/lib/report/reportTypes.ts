/** What the compliance report finds and writes (docs/report.md). */
export type FindingKind = 'stale' | 'failed' | 'first-backup-failed' | 'skipped' | 'unprotected' | 'pending';

/**
 * How a finding counts in the headline: `attention` (a person must act), `pending` (autoprotect is on it, within the
 * stale age), `not-counted` (opted out, excluded, protected elsewhere, deleted: listed, never counted as a problem).
 */
export type FindingGroup = 'attention' | 'pending' | 'not-counted';

export interface JobSummary {
  jobId: string;
  operation: string;
  status: string;
  startTime?: string;
  endTime?: string;
}

export interface Finding {
  kind: FindingKind;
  group: FindingGroup;
  vmResourceId: string;
  vmName: string;
  subscriptionId?: string;
  resourceGroup?: string;
  /** The VM's region (its vault route's, or the region that has none). */
  region?: string;
  /** Why the VM is listed, e.g. 'initial-backup-pending', 'no-vault-for-region', 'retries-exhausted'. */
  reason: string;
  errorCode?: string;
  errorMessage?: string;
  /** What a person should do about it, in words that can be followed. */
  action: string;
  /** Microsoft's troubleshooting page for `errorCode`, when it is an Azure Backup code. */
  troubleshootingUrl?: string;
  /** ISO time the condition started (ConfigureBackup job start, ledger first seen or last change). */
  since?: string;
  ageMs?: number;
  /** How long the VM has waited for its first restore point so far (from when autoprotect first saw it). */
  waitingMs?: number;
  /** Backup jobs after the first one (automatic retries and later requests). */
  retries?: number;
  vaultId?: string;
  vaultName?: string;
  policyName?: string;
  protectionState?: string;
  rule?: string;
  lastJob?: JobSummary;
}

/** A VM that got its first restore point through autoprotect, and how long it took. */
export interface RestorePoint {
  vmResourceId: string;
  vmName: string;
  subscriptionId: string;
  resourceGroup: string;
  region?: string;
  vaultName?: string;
  policyName?: string;
  /** ISO. */
  firstBackupCompletedAt: string;
  /** From first seen to the first restore point. */
  timeToRestorePointMs: number;
  retries: number;
}

export interface VaultProblem {
  vaultId: string;
  code: string;
  message: string;
}

/** The line a manager reads first: "N of M watched VMs have a restore point (x %)", then what is left. */
export interface ReportHeadline {
  /** VMs listed in the watched subscriptions. */
  watchedVms: number;
  /** Watched VMs that should be protected (M): not opted out, excluded, or protected by another vault. */
  inScope: number;
  /** Of those, VMs with a restore point in a configured vault (N). */
  withRestorePoint: number;
  /** N / M in percent, one decimal; 100 when nothing is in scope. */
  percent: number;
  /** Findings by group. */
  pending: number;
  attention: number;
  notCounted: number;
}

/** Time to first restore point over the VMs whose first backup completed in the window. */
export interface RestorePointTimes {
  /** The window, ending at the report's time. */
  windowMs: number;
  count: number;
  medianMs?: number;
  p95Ms?: number;
}

export interface ReportTotals {
  vaults: number;
  protectedItems: number;
  /** Protected items by protectionState. */
  itemsByState: Record<string, number>;
  stale: number;
  failed: number;
  firstBackupFailed: number;
  pending: number;
  skipped: number;
  unprotected: number;
  watchedVms: number;
}

/** One run, as the dated summary next to the report keeps it: what the history chart draws. */
export interface RunSummary {
  version: 1;
  generatedAt: string;
  headline: ReportHeadline;
  timeToRestorePoint: RestorePointTimes;
}

export interface ComplianceReport {
  version: 2;
  generatedAt: string;
  staleAfterMs: number;
  headline: ReportHeadline;
  timeToRestorePoint: RestorePointTimes;
  totals: ReportTotals;
  findings: Finding[];
  /** VMs whose first restore point came in the window, newest first (at most 50). */
  restorePoints: RestorePoint[];
  /** This run and the ones before it (at most 30), oldest first: the history chart. */
  history: RunSummary[];
  problems: VaultProblem[];
  reenqueued: number;
  /** Blob paths written (empty until written). */
  blobs: string[];
  summaryPublished: boolean;
}

/** The short summary that is logged and published as an event. */
export interface ReportSummary {
  generatedAt: string;
  headline: ReportHeadline;
  timeToRestorePoint: RestorePointTimes;
  totals: ReportTotals;
  problems: number;
  reenqueued: number;
  latest: string[];
}
