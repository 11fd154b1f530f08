import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

import type { BenchRun, WorkloadResult } from './types';

/**
 * The run's record: the workloads with their figures, the commit, the machine (CPUs, node version, load average at
 * start and end) and a tally of the targets.
 */
export function runInfo(
  mode: BenchRun['mode'],
  repoRoot: string,
  workloads: WorkloadResult[],
  loadAtStart: number,
): BenchRun {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  return {
    date: new Date().toISOString(),
    mode,
    commit: git('rev-parse', 'HEAD') || 'unknown',
    dirty: git('status', '--porcelain', '--untracked-files=no') !== '',
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverage: { start: loadAtStart, end: loadavg()[0] ?? Number.NaN },
    targets: tallyTargets(workloads),
    workloads,
  };
}

export function tallyTargets(workloads: readonly WorkloadResult[]): BenchRun['targets'] {
  const missed: string[] = [];
  let total = 0;
  for (const workload of workloads) {
    if (workload.error) {
      total++;
      missed.push(`${workload.name}: failed`);
    }
    for (const f of workload.figures) {
      if (f.met === undefined) continue;
      total++;
      if (!f.met) missed.push(`${workload.name}: ${f.label} ${f.value} (target ${f.target ?? ''})`);
    }
  }
  return { total, met: total - missed.length, missed };
}

/** The results table as Markdown: one row per figure, with its target and whether it is met. */
export function renderTable(run: BenchRun): string {
  const lines = [
    `Run ${run.date} (${run.mode}), commit ${run.commit.slice(0, 12)}${run.dirty ? ' + uncommitted changes' : ''}, node ${run.node}, ${run.cpus} CPUs (${run.cpuModel}), load average ${run.loadAverage.start.toFixed(2)} at start, ${run.loadAverage.end.toFixed(2)} at end; targets met: ${run.targets.met} of ${run.targets.total}`,
    '',
    '| workload | figure | value | target | met |',
    '|---|---|---|---|---|',
  ];
  for (const workload of run.workloads) {
    if (workload.skipped) {
      lines.push(`| ${workload.name} | not run | ${workload.skipped.replace(/\|/g, '/')} | | |`);
      continue;
    }
    if (workload.error) {
      lines.push(`| ${workload.name} | **failed** | ${workload.error.replace(/\|/g, '/').split('\n')[0]} | | no |`);
      continue;
    }
    for (const [i, f] of workload.figures.entries()) {
      const name = i === 0 ? `${workload.name} (${workload.size}; ${(workload.durationMs / 1000).toFixed(0)} s)` : '';
      const met = f.met === undefined ? '' : f.met ? 'yes' : '**no**';
      lines.push(`| ${name} | ${f.label} | ${f.value}${f.unit ? ` ${f.unit}` : ''} | ${f.target ?? ''} | ${met} |`);
    }
  }
  return lines.join('\n');
}

/** Writes bench/results/<date>[-quick].json and bench/results/latest.md. */
export function writeResults(run: BenchRun, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const stem = `${run.date.slice(0, 10)}${run.mode === 'quick' ? '-quick' : ''}`;
  const json = join(dir, `${stem}.json`);
  const md = join(dir, 'latest.md');
  writeFileSync(json, `${JSON.stringify(run, null, 2)}\n`);
  const notes = run.workloads.flatMap((w) => w.notes.map((n) => `- ${w.name}: ${n}`));
  writeFileSync(md, `# Benchmark results (latest)\n\n${renderTable(run)}\n\n## Notes\n\n${notes.join('\n')}\n`);
  return [json, md];
}
