import type { PlannedVm } from '../chaosPlan';
import type { SecretFinding } from '../scanSecrets';
import type { ChaosVerdict } from '../verifyChaos';
import type { OutageSettings } from './outagePlan';
import type { RecoveryBound } from './recoveryBounds';
import type { JobsPerVm } from './verifyOutages';

export interface OutageRunOptions {
  repoRoot: string;
  seed: number;
  settings: OutageSettings;
  say: (line: string) => void;
}

/** What the run measured of one outage (the webhook's counts from its sweep). */
export interface WindowResult {
  name: string;
  target: 'storage' | 'arm' | 'webhook';
  variants: string[];
  /** How long the outage lasted. */
  outageMs: number;
  vms: number;
  protected: number;
  lost: number;
  jobsPerVm: { min: number; max: number };
  /** VMs without a final ledger row when the outage ended (the webhook's: when the sweep started). */
  backlogAtEnd: number;
  /** From the end of the outage (for the webhook: from the sweep) until the backlog drained; undefined: never. */
  recoveryMs: number | undefined;
  bound: RecoveryBound;
  /** Peak resident set of each runner during the outage and its recovery, MiB. */
  peakRssMb: Record<string, number>;
  /** Connections (storage, webhook) or requests (ARM) the outage refused or held. */
  hits: number;
}

/** A window as the run measures it, before the final state gives its per-VM counts. */
export type MeasuredWindow = Omit<WindowResult, 'vms' | 'protected' | 'lost' | 'jobsPerVm'> & {
  plan: readonly PlannedVm[];
};

export interface ReportChecks {
  duringOutage?: { outcome: string; latestUnchanged: boolean };
  after?: { outcome: string; latestReplaced: boolean };
}

export interface WebhookCounts {
  deadLettered: number;
  inDeadLetterFiles: number;
  reportedUnprotected: number;
  swept: number;
}

export interface OutageRunResult {
  seed: number;
  vmCount: number;
  durationMs: number;
  verdict: ChaosVerdict;
  windows: WindowResult[];
  stuckRows: number;
  jobsPerVm: JobsPerVm;
  baselineRssMb: Record<string, number>;
  /** VmHWM of each runner at the end of the run, MiB. */
  lifetimePeakRssMb: Record<string, number>;
  report: ReportChecks;
  webhook: WebhookCounts;
  /** Event Grid over the whole run: events published, deliveries, retries, dead-lettered or dropped. */
  events: { published: number; deliveries: number; retried: number; lost: number };
  secretFindings: SecretFinding[];
  /** Every problem: the chaos verdict's and the outage checks'. Empty when the run passed. */
  problems: string[];
}
