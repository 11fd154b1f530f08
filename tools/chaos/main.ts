import { resolve } from 'node:path';

import { commandLine, numberOption, readCommandLine } from '../../simulator/src/commandLine';
import { FULL_OUTAGES, type OutageSettings } from './outages/outagePlan';
import { printOutages } from './outages/printOutages';
import { runOutages } from './outages/runOutages';
import { type ChaosResult, runChaos } from './runChaos';

export interface ChaosArgs {
  vmCount: number;
  seed: number;
  maxKills: number;
  settleTimeoutMs: number;
  createPerSecond: number;
  /** Runs the outage run (docs/guarantees.md "Outages") instead, with these settings. */
  outages?: OutageSettings;
}

/**
 * docs/guarantees.md "The chaos run": `npm run chaos [-- --vms 1000 --seed 8 --kills 25 --create-per-second 10]`;
 * "Outages": `npm run chaos -- --outages [--vms 300 --storage-outage-seconds 60 --arm-outage-seconds 120]`.
 */
export const CHAOS_COMMAND_LINE = commandLine({
  name: 'npm run chaos',
  usage: 'Usage: npm run chaos [-- options]   (node dist/tools/chaos/main.js [options])',
  summary:
    'The chaos run: VMs created against the local stack while runners are killed (or, with --outages, while storage, ARM and the webhook are down); exit code 1 on any loss, duplicate, wrong final state, leftover message or leaked secret.',
  options: {
    vms: { type: 'string', value: '<n>', help: 'how many VMs to create (default 1000)' },
    seed: { type: 'string', value: '<n>', help: 'the seed of the run, printed at its start (default: from the clock)' },
    kills: { type: 'string', value: '<n>', help: 'the most runners to SIGKILL (default vms / 40, at least 6)' },
    'settle-seconds': {
      type: 'string',
      value: '<s>',
      help: 'how long to wait for final states (default vms / 2, at least 120)',
    },
    'create-per-second': { type: 'string', value: '<n>', help: 'VM creation rate (default 10)' },
    outages: {
      type: 'boolean',
      help: 'the outage run instead: storage, ARM (503, then dropped connections) and the webhook down, 300 VMs',
    },
    'storage-outage-seconds': {
      type: 'string',
      value: '<s>',
      help: `with --outages: how long storage is unreachable (default ${FULL_OUTAGES.storage.seconds})`,
    },
    'arm-outage-seconds': {
      type: 'string',
      value: '<s>',
      help: `with --outages: how long each ARM outage lasts (default ${FULL_OUTAGES.arm[0]?.seconds ?? 0})`,
    },
  },
  read: (values): ChaosArgs => {
    const outages = values.outages === true;
    const vmCount = numberOption('vms', values.vms, outages ? FULL_OUTAGES.vmCount : 1_000, { integer: true });
    return {
      vmCount,
      seed: numberOption('seed', values.seed, Date.now() % 1_000_000, { integer: true }),
      maxKills: numberOption('kills', values.kills, Math.max(6, Math.round(vmCount / 40)), { integer: true }),
      settleTimeoutMs: numberOption('settle-seconds', values['settle-seconds'], Math.max(120, vmCount / 2)) * 1000,
      createPerSecond: numberOption('create-per-second', values['create-per-second'], 10),
      ...(outages
        ? { outages: outageSettings(vmCount, values['storage-outage-seconds'], values['arm-outage-seconds']) }
        : {}),
    };
  },
});

function outageSettings(vmCount: number, storageText?: string, armText?: string): OutageSettings {
  const storageSeconds = numberOption('storage-outage-seconds', storageText, FULL_OUTAGES.storage.seconds, { min: 1 });
  const armSeconds = numberOption('arm-outage-seconds', armText, FULL_OUTAGES.arm[0]?.seconds ?? 120, { min: 1 });
  return {
    ...FULL_OUTAGES,
    vmCount,
    storage: { ...FULL_OUTAGES.storage, seconds: storageSeconds },
    arm: FULL_OUTAGES.arm.map((spec) => ({ ...spec, seconds: armSeconds })),
  };
}

/** The outage run; resolves to the exit code. */
async function mainOutages(seed: number, settings: OutageSettings): Promise<number> {
  console.log(`outage run: seed ${seed} (reproduce with --outages --seed ${seed}), ${settings.vmCount} VMs`);
  const result = await runOutages({
    repoRoot: resolve(__dirname, '..', '..', '..'),
    seed,
    settings,
    say: (line) => console.log(line),
  });
  printOutages(result, (line) => console.log(line));
  return result.problems.length === 0 ? 0 : 1;
}

/** The full chaos run; resolves to the exit code. */
async function main({ vmCount, seed, maxKills, settleTimeoutMs, createPerSecond }: ChaosArgs): Promise<number> {
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

if (require.main === module) {
  const args = readCommandLine(process.argv.slice(2), CHAOS_COMMAND_LINE);
  (args.outages ? mainOutages(args.seed, args.outages) : main(args)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error('chaos run could not run:', error);
      process.exit(2);
    },
  );
}
