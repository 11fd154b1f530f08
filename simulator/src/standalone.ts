import { readFileSync } from 'node:fs';

import { commandLine, numberOption, parseCommandLine } from './commandLine';
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

/** `npm run sim -- [--port N] [--seed file.json] [--realistic] [--data-dir dir] [--verbose]` (docs/simulator.md). */
export const SIMULATOR_COMMAND_LINE = commandLine({
  name: 'npm run sim',
  usage: 'Usage: npm run sim -- [options]   (node dist/simulator/src/main.js [options])',
  summary: 'The ARM simulator alone, on https://127.0.0.1: prints its URL and the path of its CA certificate.',
  options: {
    port: {
      type: 'string',
      value: '<n>',
      help: 'the port (default 8443, or a free one if it is taken; 0 = any free port)',
    },
    seed: { type: 'string', value: '<file.json>', help: 'a SeedConfig JSON file instead of DEFAULT_SEED' },
    realistic: { type: 'boolean', help: "Azure's recorded durations (REALISTIC_TIMING) instead of the fast default" },
    'data-dir': { type: 'string', value: '<dir>', help: 'where the CA lives (default <repo>/.local/simulator)' },
    verbose: { type: 'boolean', help: 'one JSON line per ARM request (message "simulator.request")' },
  },
  read: (values): StandaloneArgs => ({
    port: numberOption('port', values.port, 8443, { integer: true, max: 65535 }),
    seedFile: values.seed,
    realistic: values.realistic === true,
    dataDir: values['data-dir'],
    verbose: values.verbose === true,
  }),
});

/** Parses the simulator's command line; throws CommandLineError for one it cannot use. */
export function parseArgs(argv: readonly string[]): StandaloneArgs {
  return parseCommandLine(argv, SIMULATOR_COMMAND_LINE);
}

/** Starts the simulator for `npm run sim` and prints its endpoint and CA path (8443, or a free port if taken). */
export async function runStandalone(args: StandaloneArgs, print: (line: string) => void): Promise<SimulatorHandle> {
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
