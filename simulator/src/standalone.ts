import { readFileSync } from 'node:fs';

import { DEFAULT_SEED, REALISTIC_TIMING, type SeedConfig } from './config';
import { isFree } from './ports';
import { type SimulatorHandle, startSimulator } from './simulator';

export interface StandaloneArgs {
  port: number;
  seedFile: string | undefined;
  realistic: boolean;
  dataDir: string | undefined;
  verbose: boolean;
}

/** Parses `--port N --seed file.json --realistic --data-dir dir --verbose`. */
export function parseArgs(argv: string[]): StandaloneArgs {
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const port = Number(flag('--port') ?? 8443);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got '${flag('--port')}'`);
  return {
    port,
    seedFile: flag('--seed'),
    realistic: argv.includes('--realistic'),
    dataDir: flag('--data-dir'),
    verbose: argv.includes('--verbose'),
  };
}

/** Starts the simulator for `npm run sim` and prints its endpoint and CA path (8443, or a free port if taken). */
export async function runStandalone(argv: string[], print: (line: string) => void): Promise<SimulatorHandle> {
  const args = parseArgs(argv);
  const port = args.port !== 0 && (await isFree(args.port)) ? args.port : 0;
  const seed = args.seedFile ? (JSON.parse(readFileSync(args.seedFile, 'utf8')) as SeedConfig) : DEFAULT_SEED;
  const sim = await startSimulator({
    port,
    seed,
    dataDir: args.dataDir,
    timing: args.realistic ? REALISTIC_TIMING : undefined,
    quiet: true,
    logRequests: args.verbose,
  });
  print(`ARM simulator listening on ${sim.url}`);
  print(`CA certificate: ${sim.caCertPath}`);
  print(
    `Seed: ${args.seedFile ?? 'default'} (subscription ${seed.subscriptionId}; vaults ${seed.vaults.map((v) => `${v.name}@${v.location}`).join(', ')})`,
  );
  print(`Timing: ${args.realistic ? 'realistic' : 'default'}; control API: ${sim.url}/_sim/state`);
  return sim;
}
