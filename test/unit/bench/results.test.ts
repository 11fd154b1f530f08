import { renderTable, tallyTargets } from '../../../bench/results';
import { type BenchRun, figure, type WorkloadResult } from '../../../bench/types';

function workload(name: string, extra: Partial<WorkloadResult>): WorkloadResult {
  return { name, workload: 'burst', size: 'n', durationMs: 1000, figures: [], notes: [], ...extra };
}

const WORKLOADS = [
  workload('3 burst', {
    figures: [
      figure('makespan', 190, 's'),
      figure('makespan / write bound', 1.05, '', { text: '<= 1.10', met: true }),
      figure('429s', 12, '', { text: '0', met: false }),
    ],
  }),
  workload('4 report', { workload: 'report', error: 'stack did not start' }),
  workload('7 first-backups', { workload: 'first-backups', skipped: 'not built yet' }),
];

describe('bench results', () => {
  it('tallies every figure with a target, and counts a failed workload as a missed one', () => {
    expect(tallyTargets(WORKLOADS)).toEqual({
      total: 3,
      met: 1,
      missed: ['3 burst: 429s 12 (target 0)', '4 report: failed'],
    });
  });

  it('renders each figure with its target and whether it is met, a failed and a skipped workload on one row', () => {
    const run: BenchRun = {
      date: '2026-12-05T00:00:00.000Z',
      mode: 'full',
      commit: '0123456789abcdef',
      dirty: false,
      node: 'v22.0.0',
      cpus: 2,
      cpuModel: 'cpu',
      loadAverage: { start: 0.5, end: 1.25 },
      targets: tallyTargets(WORKLOADS),
      workloads: WORKLOADS,
    };
    const table = renderTable(run);
    expect(table).toContain('commit 0123456789ab, node v22.0.0, 2 CPUs (cpu), load average 0.50 at start, 1.25 at end');
    expect(table).toContain('targets met: 1 of 3');
    expect(table).toContain('| 3 burst (n; 1 s) | makespan | 190 s |  |  |');
    expect(table).toContain('|  | makespan / write bound | 1.05 | <= 1.10 | yes |');
    expect(table).toContain('|  | 429s | 12 | 0 | **no** |');
    expect(table).toContain('| 4 report | **failed** | stack did not start | | no |');
    expect(table).toContain('| 7 first-backups | not run | not built yet | | |');
  });
});
