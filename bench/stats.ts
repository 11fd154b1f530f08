import { readFileSync } from 'node:fs';

/** The p-th percentile (0-100, nearest rank) of the values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); undefined elsewhere. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\)\s/, '')
      .split(' ');
    // after "pid (comm) ": state=0 ... utime=11, stime=12 (clock ticks, 100 per second on Linux)
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Polls `check` until it returns a value (not undefined), failing after `timeoutMs`: no bench wait is unbounded. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Busy and total CPU time of the whole host (all cores, ms), from /proc/stat; undefined off Linux. */
function hostCpuMs(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    // "cpu user nice system idle iowait irq softirq steal ..." in clock ticks (100 per second)
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (total - idle) * 10, total: total * 10 };
  } catch {
    return undefined;
  }
}

export interface CpuWatch {
  /** Stops sampling; what the host and the watched processes spent meanwhile. */
  stop(): CpuUse;
}

export interface CpuUse {
  wallMs: number;
  /** The host's busy share over the run (0..1; 1 = every core busy), and of its busiest second. */
  hostBusy: number;
  hostBusyPeak: number;
  /** Seconds in which the host's cores were at least 95 % busy. */
  saturatedSeconds: number;
  /** CPU ms each watched process used meanwhile (by the name given). */
  processMs: Record<string, number>;
}

/**
 * Watches the host's CPU (every second) and the CPU time of some processes, to show with a measurement whether the
 * machine, not the code, limits a run: a host at 100 % for most of it, with processes whose CPU time adds up to the
 * cores' capacity, is the machine's limit.
 */
export function watchCpu(processes: Record<string, number>): CpuWatch {
  const startedAt = Date.now();
  const first = hostCpuMs();
  const before = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, processCpuMs(pid)]));
  const selfBefore = process.cpuUsage();
  let last = first;
  const perSecond: number[] = [];
  const timer = setInterval(() => {
    const now = hostCpuMs();
    if (now && last && now.total > last.total) perSecond.push((now.busy - last.busy) / (now.total - last.total));
    last = now;
  }, 1000);
  timer.unref();
  return {
    stop(): CpuUse {
      clearInterval(timer);
      const end = hostCpuMs();
      const self = process.cpuUsage(selfBefore);
      const processMs: Record<string, number> = { 'bench + simulator': (self.user + self.system) / 1000 };
      for (const [name, pid] of Object.entries(processes)) {
        const after = processCpuMs(pid);
        const was = before[name];
        processMs[name] = after !== undefined && was !== undefined ? after - was : Number.NaN;
      }
      return {
        wallMs: Date.now() - startedAt,
        hostBusy: end && first && end.total > first.total ? (end.busy - first.busy) / (end.total - first.total) : NaN,
        hostBusyPeak: perSecond.length > 0 ? Math.max(...perSecond) : Number.NaN,
        saturatedSeconds: perSecond.filter((busy) => busy >= 0.95).length,
        processMs,
      };
    },
  };
}
