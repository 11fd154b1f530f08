import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

import { scrubString } from '../../src/lib/logger';
import type { Command, OptionSpec, OptionValues } from './command';
import { poisonListCommand, poisonReplayCommand } from './commands/poison';
import { rejectsListCommand } from './commands/rejects';
import { reportCommand } from './commands/report';
import { simVmCreateCommand } from './commands/simVmCreate';
import { statusCommand } from './commands/status';
import { sweepCommand } from './commands/sweep';
import { createCommandContext } from './context';
import { CliFailure, CliUsageError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, oneLineMessage } from './errors';
import { type CliIo, processIo, writeLine } from './io';

export const COMMANDS: readonly Command[] = [
  statusCommand,
  reportCommand,
  sweepCommand,
  poisonListCommand,
  poisonReplayCommand,
  rejectsListCommand,
  simVmCreateCommand,
];

export const GLOBAL_OPTIONS: OptionSpec = {
  settings: { type: 'string' },
  local: { type: 'boolean' },
  'stack-file': { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

/** Runs one `autoprotect` command line and returns its exit code (0 ok, 1 failure, 2 usage). Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const verbose = argv.includes('--verbose');
  try {
    return await dispatch(argv, io);
  } catch (error) {
    const usage = error instanceof CliUsageError;
    writeLine(io.stderr, `autoprotect: ${oneLineMessage(error)}${usage ? ' (see autoprotect --help)' : ''}`);
    if (verbose) writeStacks(io, error);
    return usage ? EXIT_USAGE : EXIT_FAILURE;
  }
}

/** The error's stack trace, then its causes' ("Caused by: ..."), scrubbed of key material. */
function writeStacks(io: CliIo, error: unknown): void {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof (current as { stack?: unknown } | null)?.stack === 'string'; depth += 1) {
    writeLine(io.stderr, `${depth > 0 ? 'Caused by: ' : ''}${scrubString((current as { stack: string }).stack)}`);
    current = (current as { cause?: unknown }).cause;
  }
}

/** The bin entry: runs process.argv and exits with the command's code. */
export function main(): void {
  void runCli(process.argv.slice(2), processIo()).then((code) => process.exit(code));
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const loose = parseArgs({ args: [...argv], options: GLOBAL_OPTIONS, strict: false, allowPositionals: true });
  const words = loose.positionals;
  const command = findCommand(words);
  if (command === undefined) {
    if (words.length === 0) {
      if (loose.values.help === true) {
        writeLine(io.stdout, toolHelp());
        return EXIT_OK;
      }
      if (loose.values.version === true) {
        writeLine(io.stdout, `autoprotect ${toolVersion()}`);
        return EXIT_OK;
      }
      throw new CliUsageError('no command given');
    }
    // A command group on its own (`autoprotect poison`, `autoprotect sim vm`): its commands, as with --help.
    const group = COMMANDS.filter((candidate) => startsWith(candidate.words, words));
    if (group.length > 0) {
      writeLine(io.stdout, commandList(group));
      return EXIT_OK;
    }
    throw new CliUsageError(`unknown command '${words.join(' ')}'${nearestGroup(words)}`);
  }

  const parsed = strictParse(argv, command);
  if (parsed.values.help === true) {
    writeLine(io.stdout, `${command.help}\n\n${GLOBAL_HELP}`);
    return EXIT_OK;
  }
  if (parsed.values.version === true) {
    writeLine(io.stdout, `autoprotect ${toolVersion()}`);
    return EXIT_OK;
  }
  const positionals = parsed.positionals.slice(command.words.length);
  const context = createCommandContext(io, parsed.values, positionals);
  try {
    return await command.run(context);
  } catch (error) {
    throw withConnectionHint(error, context.settingsSource);
  }
}

/**
 * `connect ECONNREFUSED 127.0.0.1:10002` alone does not say why: name the settings that pointed there (an Azurite
 * or simulator of a stopped stack, usually).
 */
function withConnectionHint(error: unknown, source: string | undefined): unknown {
  const message = oneLineMessage(error);
  const refused = /ECONNREFUSED (127\.0\.0\.1|localhost|\[::1\]):(\d+)/.exec(message);
  if (!refused || source === undefined) return error;
  return new CliFailure(
    `${message} (nothing listens on ${refused[1]}:${refused[2]}; the settings came from ${source}: is the local stack or Azurite running?)`,
    { cause: error },
  );
}

/** For `poison bogus`: ": poison commands are poison list, poison replay". */
function nearestGroup(words: readonly string[]): string {
  for (let length = words.length - 1; length > 0; length -= 1) {
    const prefix = words.slice(0, length);
    const group = COMMANDS.filter((candidate) => startsWith(candidate.words, prefix));
    if (group.length > 0)
      return `: ${prefix.join(' ')} commands are ${group.map((candidate) => candidate.words.join(' ')).join(', ')}`;
  }
  return '';
}

/** The version in package.json (found upwards from this file, so it works from tools/ and from dist/tools/). */
export function toolVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (!existsSync(path)) continue;
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
    if (parsed.name === 'autoprotect' && typeof parsed.version === 'string') return parsed.version;
  }
  return 'unknown';
}

function findCommand(words: readonly string[]): Command | undefined {
  return COMMANDS.filter((command) => startsWith(words, command.words)).sort(
    (a, b) => b.words.length - a.words.length,
  )[0];
}

function startsWith(words: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= words.length && prefix.every((word, index) => words[index] === word);
}

function strictParse(argv: readonly string[], command: Command): { values: OptionValues; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: { ...GLOBAL_OPTIONS, ...command.options },
      strict: true,
      allowPositionals: true,
    });
    if (!startsWith(parsed.positionals, command.words))
      throw new CliUsageError(`options must follow '${command.words.join(' ')}'`);
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    // node:util parseArgs explains at length; its first sentence is the useful part.
    throw new CliUsageError(`${command.words.join(' ')}: ${oneLineMessage(error).split(/\.\s/)[0]}`, { cause: error });
  }
}

const GLOBAL_HELP = `Global options:
  --settings <file>     app settings in local.settings.json format ({ "Values": { ... } }),
                        e.g. --settings local.settings.json; the environment's app settings go on top
  --local               only the running local stack's app settings (fail if it is not running)
  --stack-file <file>   where the local stack is described (default .local/stack.json)
  --verbose             say which settings were used; print the stack trace of an error
  -h, --help            help for the tool, a command group or a command
  --version             the tool's version`;

function commandList(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.words.join(' ').length));
  return `Commands:\n${commands.map((command) => `  ${command.words.join(' ').padEnd(width)}  ${command.summary}`).join('\n')}`;
}

export function toolHelp(): string {
  return `autoprotect: operate autoprotect against Azure or the local stack

Usage: autoprotect <command> [options]      (autoprotect <command> --help for details)

${commandList(COMMANDS)}

Settings (one source, never a mix): --settings <file> if given (environment variables with the app's setting
names on top); else the running local stack's app settings, as the app it runs has them; else the environment.
./local.settings.json is read only when named (--settings local.settings.json). --verbose says which source.
The same names as the app (docs/configuration.md); against Azure, ARM calls use DefaultAzureCredential.

${GLOBAL_HELP}

Exit codes: 0 ok, 1 failure, 2 usage error.`;
}
