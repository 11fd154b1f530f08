/** One measured figure of a workload; `target` names the limit when the issue sets one. */
export interface Figure {
  label: string;
  value: number | string;
  unit?: string;
  target?: string;
  met?: boolean;
}

export interface WorkloadResult {
  name: string;
  size: string;
  durationMs: number;
  figures: Figure[];
  notes: string[];
  error?: string;
}

export interface BenchRun {
  date: string;
  mode: 'quick' | 'full';
  commit: string;
  dirty: boolean;
  node: string;
  cpus: number;
  cpuModel: string;
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
