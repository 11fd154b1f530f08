import type { ParseArgsConfig } from 'node:util';

import type { AppRuntime } from '../../src/lib/appRuntime';
import type { AppConfig } from '../../src/lib/config';
import type { StackInfo } from '../stack/types';
import { CliUsageError } from './errors';
import type { CliIo } from './io';
import type { ResolvedSettings } from './settings';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** One `autoprotect` command, e.g. words ['poison', 'replay']. */
export interface Command {
  words: readonly string[];
  /** One line for the tool's help. */
  summary: string;
  /** The command's `--help` text (usage, arguments, options, an example). */
  help: string;
  options: OptionSpec;
  run(context: CommandContext): Promise<number>;
}

/**
 * What a command gets: its parsed options and positionals, and lazily built settings, config, runtime (clients and
 * adapters), stack.
 */
export interface CommandContext {
  io: CliIo;
  options: OptionValues;
  positionals: readonly string[];
  verbose: boolean;
  /** Where the settings came from, once settings() has resolved (for error messages). */
  readonly settingsSource: string | undefined;
  settings(): Promise<ResolvedSettings>;
  config(): Promise<AppConfig>;
  runtime(): Promise<AppRuntime>;
  /** The running local stack; a CliFailure when there is none or its stack.json is left from a stopped one. */
  stack(): Promise<StackInfo>;
}

export function stringOption(context: CommandContext, name: string): string | undefined {
  const value = context.options[name];
  return typeof value === 'string' ? value : undefined;
}

export function booleanOption(context: CommandContext, name: string): boolean {
  return context.options[name] === true;
}

/** A repeatable string option's values in order: `--tag a=1 --tag b=2`. */
export function repeatedOption(context: CommandContext, name: string): string[] {
  const value = context.options[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((item): item is string => typeof item === 'string');
}

/** A repeatable string option, each value also split on commas: `--status failed,skipped --status requested`. */
export function listOption(context: CommandContext, name: string): string[] {
  return repeatedOption(context, name)
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * A positive number option (e.g. `--rate 5`), or the fallback when absent; a usage error when not a positive number.
 */
export function positiveNumberOption(context: CommandContext, name: string, fallback: number): number {
  const text = stringOption(context, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new CliUsageError(`--${name} must be a positive number, got '${text}'`);
  return value;
}
