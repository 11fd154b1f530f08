import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

import { SETTING_NAMES } from '../../src/lib/config';
import { CliFailure, CliUsageError } from './errors';
import {
  findLocalStack,
  type LocalStack,
  notRunning,
  requireRunningStack,
  stackFilePath,
  START_STACK_HINT,
} from './localStack';

/** Where the CLI took its settings from (shown by --verbose and in "invalid settings" errors; never the values). */
export type SettingsOrigin = 'settings-file' | 'local-stack' | 'environment';

export interface ResolvedSettings {
  values: Record<string, string>;
  origin: SettingsOrigin;
  /** The file read, when there was one. */
  path?: string;
  /** One phrase naming the source, e.g. "the running local stack (.local/stack.json, started ...)". */
  source: string;
  /** App setting names taken from the environment (over the settings file, or alone). */
  fromEnvironment: string[];
  /** App setting names present in the environment but not used (the local stack's settings are used as they are). */
  ignoredEnvironment: string[];
}

export interface SettingsChoice {
  /** `--settings <file>`: a local.settings.json-format file. */
  settingsFile?: string;
  /** `--local`: the running local stack's app settings, or an error if it is not running. */
  local: boolean;
  /** `--stack-file <file>` (default `<cwd>/.local/stack.json`). */
  stackFile?: string;
}

/**
 * The app settings the CLI uses; exactly one source, never a mix of two files:
 * 1. `--settings <file>` (e.g. `--settings local.settings.json`), with environment variables of the app's setting
 *    names on top;
 * 2. else the running local stack's `appSettings` (`.local/stack.json`, only while that stack runs), as they are: the
 *    exact settings of the app the stack runs (environment variables are not applied, and a note says so);
 * 3. else the environment alone (the app's setting names), when it has any of them.
 * Otherwise it fails, saying why the local stack is not used and how to start it or name a file.
 * `./local.settings.json` is the app's own settings file (`func start`); the CLI reads it only when it is named.
 */
export async function resolveSettings(
  choice: SettingsChoice,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<ResolvedSettings> {
  if (choice.settingsFile !== undefined && choice.local)
    throw new CliUsageError('--settings and --local choose different settings: give one of them');
  const environment = appSettingsIn(env);

  if (choice.settingsFile !== undefined) {
    const path = resolvePath(cwd, choice.settingsFile);
    const fromEnvironment = Object.keys(environment);
    return {
      values: { ...readLocalSettingsFile(path), ...environment },
      origin: 'settings-file',
      path,
      source: `--settings ${path}${fromEnvironment.length > 0 ? ` with ${fromEnvironment.join(', ')} from the environment` : ''}`,
      fromEnvironment,
      ignoredEnvironment: [],
    };
  }

  const stack = await findLocalStack(stackFilePath(cwd, choice.stackFile), cwd);
  if (stack.state === 'running') {
    return {
      values: { ...stack.info.appSettings },
      origin: 'local-stack',
      path: stack.path,
      source: `the running local stack (${stack.shownPath}, started ${stack.info.startedAt})`,
      fromEnvironment: [],
      ignoredEnvironment: Object.keys(environment),
    };
  }
  if (choice.local) requireRunningStack(stack); // throws: it is not running
  if (Object.keys(environment).length > 0) {
    return {
      values: environment,
      origin: 'environment',
      source: `the environment (${Object.keys(environment).join(', ')}; ${noStackPhrase(stack)})`,
      fromEnvironment: Object.keys(environment),
      ignoredEnvironment: [],
    };
  }
  throw new CliFailure(noStack(stack, cwd));
}

/** Why there are no settings, and the two ways out: start the local stack, or name a settings file. */
function noStack(stack: LocalStack, cwd: string): string {
  const localSettings = existsSync(join(cwd, 'local.settings.json'))
    ? ' (./local.settings.json is read only when named: --settings local.settings.json)'
    : '';
  if (stack.state === 'stale')
    return `${notRunning(stack)}: ${START_STACK_HINT}, or name the app's settings with --settings <file>${localSettings}`;
  return `no settings: no local stack is running (${stack.shownPath} does not exist) and no --settings <file> was given: start the stack with \`npm run stack\` or \`npm start\`, or name the app's settings with --settings <file>${localSettings}`;
}

function noStackPhrase(stack: LocalStack): string {
  return stack.state === 'stale' ? `${stack.shownPath} is left from a stopped stack` : 'no local stack is running';
}

function appSettingsIn(env: NodeJS.ProcessEnv): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const value = env[name];
    if (value !== undefined) values[name] = value;
  }
  return values;
}

/** Reads `{ "Values": { ... } }` (string values only; others are turned into strings like the Functions host does). */
export function readLocalSettingsFile(path: string): Record<string, string> {
  const parsed = readJsonFile(path, 'settings file');
  const values = isRecord(parsed) ? parsed.Values : undefined;
  if (!isRecord(values))
    throw new CliFailure(`settings file ${path} has no "Values" object (expected the local.settings.json format)`);
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
}

function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliFailure(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliFailure(`${what} ${path} is not valid JSON`, { cause: error });
  }
}

function resolvePath(cwd: string, path: string): string {
  return isAbsolute(path) ? path : join(cwd, path);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
