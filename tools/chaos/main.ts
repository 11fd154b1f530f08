import { resolve } from 'node:path';

import { type ChaosResult, runChaos } from './runChaos';

/**
 * `npm run chaos [-- --vms 1000 --seed 42 --kills 25]`: the full chaos run. Prints the seed and the counts; exit code 1
 * on any loss, duplicate, wrong final state, leftover message or leaked secret.
 */
async function main(argv: readonly string[]): Promise<number> {
  const vmCount = numberArg(argv, '--vms', 1_000);
  const seed = numberArg(argv, '--seed', Date.now() % 1_000_000);
  const maxKills = numberArg(argv, '--kills', Math.max(6, Math.round(vmCount / 40)));
  const settleTimeoutMs = numberArg(argv, '--settle-seconds', Math.max(120, vmCount / 2)) * 1000;
  const createPerSecond = numberArg(argv, '--create-per-second', 10);
  console.log(`chaos run: seed ${seed} (reproduce with --seed ${seed}), ${vmCount} VMs, up to ${maxKills} SIGKILLs`);
  const result = await runChaos({
    repoRoot: resolve(__dirname, '..', '..', '..'),
    vmCount,
    seed,
    maxKills,
    settleTimeoutMs,
    createPerSecond,
    say: (line) => console.log(line),
  });
  printResult(result);
  return result.verdict.problems.length === 0 && result.secretFindings.length === 0 ? 0 : 1;
}

export function printResult(result: ChaosResult): void {
  const { counts } = result.verdict;
  console.log(
    JSON.stringify(
      {
        seed: result.seed,
        durationMs: result.durationMs,
        kills: result.kills,
        restarts: result.restarts,
        counts,
        events: result.events,
        requests: { total: result.requests.total, throttled: result.requests.throttled },
        faultHits: result.faultHits,
        rejects: result.rejects,
        secretFindings: result.secretFindings.length,
      },
      null,
      2,
    ),
  );
  console.log('ARM requests by operation:', JSON.stringify(result.requests.byOperation));
  for (const problem of result.verdict.problems.slice(0, 50)) console.log(`PROBLEM ${problem}`);
  for (const finding of result.secretFindings)
    console.log(`SECRET ${finding.what} in ${finding.source}: ${finding.excerpt}`);
  console.log(
    result.verdict.problems.length === 0 && result.secretFindings.length === 0
      ? 'chaos run PASSED'
      : 'chaos run FAILED',
  );
}

function numberArg(argv: readonly string[], name: string, fallback: number): number {
  const index = argv.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} needs a number, got '${argv[index + 1]}'`);
  return value;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error('chaos run could not run:', error);
      process.exit(2);
    },
  );
}
