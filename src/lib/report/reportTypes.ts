/** What the compliance report finds and writes. */
export type FindingKind = 'stale' | 'failed' | 'skipped' | 'unprotected';

export interface JobSummary {
  jobId: string;
  operation: string;
  status: string;
  startTime?: string;
  endTime?: string;
}

export interface Finding {
  kind: FindingKind;
  vmResourceId: string;
  vmName: string;
  subscriptionId?: string;
  /** Why the VM is listed, e.g. 'initial-backup-pending', 'no-vault-for-region'. */
  reason: string;
  errorCode?: string;
  errorMessage?: string;
  /** What a person should do about it. */
  action: string;
  /** ISO time the condition started (ConfigureBackup job start, ledger first seen or last change). */
  since?: string;
  ageMs?: number;
  vaultId?: string;
  vaultName?: string;
  policyName?: string;
  protectionState?: string;
  rule?: string;
  lastJob?: JobSummary;
}

export interface VaultProblem {
  vaultId: string;
  code: string;
  message: string;
}

export interface ReportTotals {
  vaults: number;
  protectedItems: number;
  /** Protected items by protectionState. */
  itemsByState: Record<string, number>;
  stale: number;
  failed: number;
  skipped: number;
  unprotected: number;
  watchedVms: number;
}

export interface ComplianceReport {
  version: 1;
  generatedAt: string;
  staleAfterMs: number;
  totals: ReportTotals;
  findings: Finding[];
  problems: VaultProblem[];
  reenqueued: number;
  /** Blob paths written (empty until written). */
  blobs: string[];
  summaryPublished: boolean;
}

/** The short summary that is logged and published as an event. */
export interface ReportSummary {
  generatedAt: string;
  totals: ReportTotals;
  problems: number;
  reenqueued: number;
  latest: string[];
}
