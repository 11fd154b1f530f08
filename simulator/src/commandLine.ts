/**
 * The command lines of the standalone simulator and of the tools (`npm start`, `npm run stack`, `npm run bench`,
 * `npm run chaos`, `npm run host`), read with node:util parseArgs in strict mode: an unknown option, a missing value
 * or a stray word is a usage error, and `--help` lists the options. The simulator owns this module because it imports
 * nothing from tools/; the tools and the benchmarks import it from here. (The `autoprotect` CLI, with its commands,
 * calls parseArgs itself: tools/cli/main.ts.)
 */
import { parseArgs } from 'node:util';

/** One option: how parseArgs reads it, and its line in `--help`. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** A string option given any number of times (`--setting A=1 --setting B=2`): its value is the list. */
  multiple?: boolean;
  /** A string option's value as `--help` names it, e.g. `<seconds>` (default `<value>`). */
  value?: string;
  help: string;
}

export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K]['multiple'] extends true ? string[] : string;
};

/** A tool's command line: its options and how their values become the tool's arguments. */
export interface CommandLine<O extends Record<string, OptionSpec>, T> {
  /** Prefixes a usage error, e.g. `npm run sim`. */
  name: string;
  /** The usage line(s) `--help` starts with. */
  usage: string;
  /** What the tool does, in a sentence or two. */
  summary: string;
  /** Without `help`: every command line gets `-h, --help`. */
  options: O;
  /** The tool's arguments from the parsed values; throws CommandLineError for a value it cannot use. */
  read(values: OptionValues<O>): T;
}

/** A command line that cannot be used: an unknown option, a missing or wrong value, a positional argument. */
export class CommandLineError extends Error {
  override name = 'CommandLineError';
}

const HELP_OPTION = { type: 'boolean', short: 'h', help: 'print this help and exit' } as const satisfies OptionSpec;

/** Declares a command line (the identity: it lets TypeScript infer the options' value types for `read`). */
export function commandLine<O extends Record<string, OptionSpec>, T>(spec: CommandLine<O, T>): CommandLine<O, T> {
  return spec;
}

/** Parses `argv` into the tool's arguments; throws CommandLineError with one line. `--help` is accepted and ignored. */
export function parseCommandLine<O extends Record<string, OptionSpec>, T>(
  argv: readonly string[],
  spec: CommandLine<O, T>,
): T {
  return spec.read(parseValues(argv, spec).values);
}

/** `--help`: the usage, the summary and one line per option. */
export function commandLineHelp<O extends Record<string, OptionSpec>>(spec: CommandLine<O, unknown>): string {
  const rows = Object.entries<OptionSpec>({ ...spec.options, help: HELP_OPTION }).map(([name, option]) => {
    const value =
      option.type === 'string' ? ` ${option.value ?? '<value>'}${option.multiple ? ' (repeatable)' : ''}` : '';
    return [`${option.short ? `-${option.short}, ` : ''}--${name}${value}`, option.help] as const;
  });
  const width = Math.max(...rows.map(([flags]) => flags.length));
  const lines = rows.map(([flags, help]) => `  ${flags.padEnd(width)}  ${help}`);
  return `${spec.usage}\n\n${spec.summary}\n\nOptions:\n${lines.join('\n')}`;
}

/**
 * What a tool's entry point calls: the tool's arguments, or (and the process exits) the help on stdout with exit
 * code 0 for `--help`, one line on stderr with exit code 2 for a command line it cannot use.
 */
export function readCommandLine<O extends Record<string, OptionSpec>, T>(
  argv: readonly string[],
  spec: CommandLine<O, T>,
): T {
  try {
    const { values, help } = parseValues(argv, spec);
    if (help) {
      process.stdout.write(`${commandLineHelp(spec)}\n`);
      process.exit(0);
    }
    return spec.read(values);
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    process.stderr.write(`${spec.name}: ${error.message} (see --help)\n`);
    process.exit(2);
  }
}

/** A number option's value: `fallback` when absent, else a number within `range` (CommandLineError otherwise). */
export function numberOption(
  name: string,
  text: string | undefined,
  fallback: number,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number {
  if (text === undefined) return fallback;
  const { min = 0, max = Number.MAX_SAFE_INTEGER, integer = false } = range;
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
    throw new CommandLineError(
      `--${name} needs ${integer ? 'a whole number' : 'a number'} from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}, got '${text}'`,
    );
  return value;
}

function parseValues<O extends Record<string, OptionSpec>>(
  argv: readonly string[],
  spec: CommandLine<O, unknown>,
): { values: OptionValues<O>; help: boolean } {
  const options = Object.fromEntries(
    Object.entries<OptionSpec>({ ...spec.options, help: HELP_OPTION }).map(([name, { type, short, multiple }]) => [
      name,
      { type, ...(short ? { short } : {}), ...(multiple ? { multiple } : {}) },
    ]),
  );
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    const { help, ...rest } = values;
    return { values: rest as OptionValues<O>, help: help === true };
  } catch (error) {
    // parseArgs explains at length; its first sentence is the useful part. (Duck-typed: under a test VM, node's own
    // errors are not instances of that realm's Error.)
    const { message } = error as { message?: unknown };
    const text = typeof message === 'string' ? message : String(error);
    throw new CommandLineError(text.split(/\.\s|\n/)[0] ?? text, { cause: error });
  }
}
