import { REDUCED_OUTAGES } from '../../tools/chaos/outages/outagePlan';
import { outageTable } from '../../tools/chaos/outages/printOutages';
import { type OutageRunResult, runOutages } from '../../tools/chaos/outages/runOutages';
import { repoRoot } from '../helpers/e2eStack';

/**
 * The reduced outage run (the full one is `npm run chaos -- --outages`, 300 VMs): 50 VMs, storage unreachable for
 * 15 s (refused, then blackholed) while VMs are created and the report's timer run hits it, ARM down for 20 s (503
 * with Retry-After, then dropped connections), and inside it the webhook down until Event Grid dead-letters, followed
 * by the operator's recovery (report, `autoprotect sweep`). Seeded: AUTOPROTECT_CHAOS_SEED reproduces another run.
 */
const SEED = Number(process.env.AUTOPROTECT_CHAOS_SEED ?? 20261205);

describe(`outage run (50 VMs, seed ${SEED})`, () => {
  let result: OutageRunResult;

  beforeAll(async () => {
    result = await runOutages({ repoRoot, seed: SEED, settings: REDUCED_OUTAGES, say: () => undefined });
    console.log(`outage run seed ${SEED}, ${result.durationMs} ms\n${outageTable(result).join('\n')}`);
  }, 240_000);

  it('loses nothing: every VM in its final state with exactly its Backup jobs, no poison, no stuck row', () => {
    expect(result.problems).toEqual([]);
    const { counts } = result.verdict;
    expect(counts.protected + counts.skipped + counts.failed).toBe(50);
    expect(counts.lost).toBe(0);
    expect(counts.duplicateBackups).toBe(0);
    expect(result.jobsPerVm).toMatchObject({ min: 1, max: 1, mismatched: [] });
    expect(counts.poisonLeft).toBe(0);
    expect(counts.requestsLeft).toBe(0);
    expect(result.stuckRows).toBe(0);
  });

  it('really took storage, ARM and the webhook away while VMs were created, and drained each backlog', () => {
    expect(result.windows.map((window) => window.name)).toEqual(['storage', 'arm-503+drop', 'webhook']);
    for (const window of result.windows) {
      expect(window.vms).toBeGreaterThan(0);
      expect(window.hits).toBeGreaterThan(0);
      expect(window.backlogAtEnd).toBeGreaterThan(0);
      expect(window.recoveryMs).toBeDefined();
      expect(Object.keys(window.peakRssMb).sort()).toEqual(['chaos-1', 'chaos-2']);
    }
  });

  it('keeps the previous report when the timer run hits the storage outage, and replaces it on the rerun', () => {
    expect(result.report.duringOutage).toEqual({ outcome: 'failed', latestUnchanged: true });
    expect(result.report.after).toEqual({ outcome: 'succeeded', latestReplaced: true });
  });

  it('recovers the webhook outage the way an operator would: the sweep enqueues exactly the missed VMs', () => {
    const missed = result.windows.find((window) => window.name === 'webhook')?.vms;
    expect(result.webhook).toEqual({
      deadLettered: missed,
      inDeadLetterFiles: missed,
      reportedUnprotected: missed,
      swept: missed,
    });
  });
});
