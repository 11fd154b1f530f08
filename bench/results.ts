import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

import type { BenchRun, WorkloadResult } from './types';

export function runInfo(mode: BenchRun['mode'], repoRoot: string, workloads: WorkloadResult[]): BenchRun {
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
    workloads,
  };
}

/** The results table as Markdown: one row per figure, with its target and whether it is met. */
export function renderTable(run: BenchRun): string {
  const lines = [
    `Run ${run.date} (${run.mode}), commit ${run.commit.slice(0, 12)}${run.dirty ? ' + uncommitted changes' : ''}, node ${run.node}, ${run.cpus} CPUs (${run.cpuModel})`,
    '',
    '| workload | figure | value | target | met |',
    '|---|---|---|---|---|',
  ];
  for (const workload of run.workloads) {
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
