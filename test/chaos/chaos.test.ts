import { type ChaosResult, runChaos } from '../../tools/chaos/runChaos';
import { repoRoot } from '../helpers/e2eStack';

/**
 * The reduced chaos run (the full one is `npm run chaos`, 1,000 VMs): 200 VMs with event noise (update and
 * extension events, 20% duplicate deliveries), ~10% transient ARM faults, 2% permanent cases, 4% guest agents that
 * come up late (first backup retried) or never (first-backup-failed after its retries), 2 competing runner
 * processes SIGKILLed at random moments and restarted. The verdict comes from the simulator's state, the ledger and
 * the queues (tools/chaos/verifyChaos.ts). Seeded: AUTOPROTECT_CHAOS_SEED reproduces another run.
 */
const SEED = Number(process.env.AUTOPROTECT_CHAOS_SEED ?? 20261125);

describe(`chaos run (200 VMs, seed ${SEED})`, () => {
  let result: ChaosResult;

  beforeAll(async () => {
    result = await runChaos({
      repoRoot,
      vmCount: 200,
      seed: SEED,
      maxKills: 6,
      settleTimeoutMs: 150_000,
      createPerSecond: 10,
      say: () => undefined,
    });
    console.log(
      `chaos seed ${SEED}: ${JSON.stringify({ durationMs: result.durationMs, kills: result.kills, counts: result.verdict.counts, faultHits: result.faultHits, events: result.events })}`,
    );
  }, 300_000);

  it('ends every VM in its expected final state: nothing lost, nothing doubled, ledger agreeing with the simulator', () => {
    expect(result.verdict.problems).toEqual([]);
    const { counts } = result.verdict;
    expect(counts.protected + counts.skipped + counts.failed + counts.firstBackupFailed).toBe(200);
    expect(counts.lost).toBe(0);
    expect(counts.duplicateBackups).toBe(0);
    expect(counts.overlappingBackups).toBe(0);
    // One Backup job per protected VM, plus each retry: late agents retried once, missing ones twice.
    expect(counts.backupJobs).toBe(counts.expectedBackupJobs);
    expect(counts.backupJobs).toBeGreaterThan(counts.protected);
    expect(counts.failed).toBeGreaterThanOrEqual(2); // no-vault-for-region and unknown-policy
    expect(counts.firstBackupFailed).toBeGreaterThanOrEqual(1); // a guest agent that never comes up
    expect(counts.requestsLeft).toBe(0);
    expect(counts.poisonLeft).toBe(0);
  });

  it('really injected the chaos it claims', () => {
    expect(result.kills).toBeGreaterThanOrEqual(3);
    expect(result.restarts).toBe(result.kills);
    for (const kind of ['429', '500', '503', 'drop', 'latency']) expect(result.faultHits[kind]).toBeGreaterThan(0);
    expect(result.requests.throttled).toBeGreaterThan(0);
    // Noise: more events than VMs reached the webhook (updates on top of creates).
    expect(result.events.deliveries).toBeGreaterThan(200);
    expect(result.events.lost).toBe(0);
  });

  it('leaves no secret in host logs, ledger rows, rejects, reports or poison messages', () => {
    expect(result.secretFindings).toEqual([]);
    const sources = result.scanned.map((text) => text.source);
    expect(sources).toEqual(
      expect.arrayContaining([
        'host-log',
        'ledger',
        'rejects',
        'poison',
        'report:latest.json',
        'report:latest.html',
        'report:latest.csv',
      ]),
    );
    expect(result.scanned.find((text) => text.source === 'host-log')?.chars).toBeGreaterThan(10_000);
    expect(result.hostLogLines).toBeGreaterThan(1_000);
  });
});
