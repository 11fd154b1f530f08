import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) the attribution reads. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a sample's own (self) time went: by the file of the function on top of the stack. */
export interface CpuAttribution {
  /** Sampled CPU time in the window (ms), idle excluded. */
  totalMs: number;
  /** Self time in the app's own compiled code: dist/src/** (its functions and src/lib). */
  appMs: number;
  /** Self time per group (app, runner, @azure/functions, Azure SDK, other packages, node internals, GC, native). */
  byGroup: Record<string, number>;
  /** The app's files with the most self time (ms), at most 8. */
  appFiles: Array<{ file: string; ms: number }>;
  /** Whether the window lay inside the profile (both use the monotonic clock); false: the whole profile was used. */
  windowed: boolean;
}

/** The one `.cpuprofile` in `dir` (a child started with `--cpu-prof --cpu-prof-dir=dir`). */
export function readCpuProfile(dir: string): CpuProfile {
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length !== 1) throw new Error(`expected one .cpuprofile in ${dir}, found ${files.length}`);
  return JSON.parse(readFileSync(join(dir, files[0] as string), 'utf8')) as CpuProfile;
}

/**
 * Self time of the samples taken between `fromUs` and `toUs` (microseconds of the monotonic clock, as
 * `process.hrtime.bigint() / 1000n` reads it in any process on Linux: V8 stamps its samples with the same clock),
 * grouped by where the function on top of the stack lives. `distDir` is the compiled app's root (dist/).
 */
export function attributeCpu(profile: CpuProfile, distDir: string, fromUs: number, toUs: number): CpuAttribution {
  const groupOf = new Map<number, { group: string; file?: string }>();
  const appRoot = `${distDir}${sep}src${sep}`;
  for (const node of profile.nodes) groupOf.set(node.id, classify(node.callFrame, appRoot));
  const windowed = fromUs >= profile.startTime && toUs <= profile.endTime && toUs > fromUs;
  const byGroup: Record<string, number> = {};
  const byAppFile = new Map<string, number>();
  let at = profile.startTime;
  for (const [i, id] of profile.samples.entries()) {
    at += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (windowed && (at < fromUs || at > toUs)) continue;
    const where = groupOf.get(id) ?? { group: 'native' };
    if (where.group === 'idle') continue;
    byGroup[where.group] = (byGroup[where.group] ?? 0) + ms;
    if (where.file) byAppFile.set(where.file, (byAppFile.get(where.file) ?? 0) + ms);
  }
  const totalMs = Object.values(byGroup).reduce((a, b) => a + b, 0);
  return {
    totalMs,
    appMs: byGroup.app ?? 0,
    byGroup,
    appFiles: [...byAppFile.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([file, ms]) => ({ file, ms })),
    windowed,
  };
}

function classify(frame: { functionName: string; url: string }, appRoot: string): { group: string; file?: string } {
  const path = frame.url.startsWith('file://') ? decodeURIComponent(new URL(frame.url).pathname) : frame.url;
  if (path === '') {
    if (frame.functionName === '(idle)') return { group: 'idle' };
    if (frame.functionName === '(garbage collector)') return { group: 'gc' };
    return { group: 'native' };
  }
  if (path.startsWith(appRoot)) return { group: 'app', file: path.slice(appRoot.length) };
  if (path.startsWith('node:')) return { group: 'node internals' };
  if (path.includes(`${sep}dist${sep}tools${sep}`)) return { group: 'local runner' };
  if (path.includes(`node_modules${sep}@azure${sep}functions`)) return { group: '@azure/functions' };
  if (path.includes(`node_modules${sep}@azure${sep}`)) return { group: 'Azure SDK' };
  if (path.includes('node_modules')) return { group: 'other packages' };
  return { group: 'other' };
}
