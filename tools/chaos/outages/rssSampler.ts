import { readFileSync } from 'node:fs';

/** A process's resident set from /proc/<pid>/status (Linux): now and its lifetime peak (VmHWM), in KiB. */
export function readRss(pid: number): { rssKb: number; peakKb: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const rssKb = field('VmRSS');
  const peakKb = field('VmHWM');
  return Number.isFinite(rssKb) ? { rssKb, peakKb: Number.isFinite(peakKb) ? peakKb : rssKb } : undefined;
}

/**
 * Samples the resident set of named processes (the runners) every `intervalMs` while it runs and keeps each one's
 * peak: an in-memory backlog that grows during an outage shows up here. `pids` is read at every sample, so a
 * restarted process is followed.
 */
export class RssSampler {
  private readonly peaks = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pids: () => ReadonlyMap<string, number>,
    private readonly intervalMs = 250,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  /** Stops sampling; the peak resident set per process name, in MiB (one decimal). */
  stop(): Record<string, number> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return Object.fromEntries([...this.peaks].map(([name, kb]) => [name, Math.round((kb / 1024) * 10) / 10]));
  }

  private sample(): void {
    for (const [name, pid] of this.pids()) {
      const rss = readRss(pid);
      if (rss) this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, rss.rssKb));
    }
  }
}

/** Each process's lifetime peak resident set (VmHWM), MiB. */
export function lifetimePeaks(pids: ReadonlyMap<string, number>): Record<string, number> {
  const peaks: Record<string, number> = {};
  for (const [name, pid] of pids) {
    const rss = readRss(pid);
    if (rss) peaks[name] = Math.round((rss.peakKb / 1024) * 10) / 10;
  }
  return peaks;
}
