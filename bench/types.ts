/** One measured figure of a workload; `target` names the limit when the issue sets one. */
export interface Figure {
  label: string;
  value: number | string;
  unit?: string;
  target?: string;
  met?: boolean;
}

/** The workloads by the names the issue gives them (tooling reads them; `--only=` takes them). */
export const WORKLOAD_NAMES = [
  'ingest',
  'latency',
  'burst',
  'report',
  'scale-out',
  'subscriptions',
  'first-backups',
] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

export interface WorkloadResult {
  /** Shown: number and name, e.g. '3 burst', '2 latency (zero durations)'. */
  name: string;
  workload: WorkloadName;
  size: string;
  durationMs: number;
  figures: Figure[];
  notes: string[];
  error?: string;
  /** Why it did not run (a workload not built yet). */
  skipped?: string;
}

export interface BenchRun {
  date: string;
  mode: 'quick' | 'full';
  commit: string;
  dirty: boolean;
  node: string;
  cpus: number;
  cpuModel: string;
  /** The host's 1-minute load average when the run started and ended: a busy machine makes ratios indicative only. */
  loadAverage: { start: number; end: number };
  /** Every figure with a target: how many, how many met, and which were not. */
  targets: { total: number; met: number; missed: string[] };
  workloads: WorkloadResult[];
}

export function figure(
  label: string,
  value: number | string,
  unit?: string,
  target?: { text: string; met: boolean },
): Figure {
  const rounded = typeof value === 'number' ? round(value) : value;
  return target
    ? { label, value: rounded, unit, target: target.text, met: target.met }
    : { label, value: rounded, unit };
}

export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return Number(value.toFixed(digits));
}
