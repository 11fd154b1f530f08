import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

import { SETTING_NAMES } from '../../src/lib/config';
import type { StackInfo } from '../stack/types';
import { CliFailure } from './errors';

/** Where the CLI found its settings (shown by --verbose; never the values). */
export type SettingsOrigin = 'settings-file' | 'local.settings.json' | 'local-stack' | 'environment';

export interface ResolvedSettings {
  values: Record<string, string>;
  origin: SettingsOrigin;
  /** The file read, when there was one. */
  path?: string;
}

export interface SettingsChoice {
  /** `--settings <file>`: a local.settings.json-format file. */
  settingsFile?: string;
  /** `--local`: use the running local stack's app settings. */
  local: boolean;
  /** `--stack-file <file>` (default `<cwd>/.local/stack.json`). */
  stackFile?: string;
}

export const DEFAULT_STACK_FILE = join('.local', 'stack.json');

/**
 * The app settings the CLI uses: `--settings <file>`, else `./local.settings.json` if it exists, else the running
 * local stack's `appSettings` (`--local` forces that), then overlaid by the environment for the app's setting names.
 */
export function resolveSettings(choice: SettingsChoice, cwd: string, env: NodeJS.ProcessEnv): ResolvedSettings {
  const base = baseSettings(choice, cwd);
  const values = { ...base.values };
  for (const name of SETTING_NAMES) {
    const value = env[name];
    if (value !== undefined) values[name] = value;
  }
  return { ...base, values };
}

function baseSettings(choice: SettingsChoice, cwd: string): ResolvedSettings {
  if (choice.settingsFile !== undefined) {
    const path = resolvePath(cwd, choice.settingsFile);
    return { values: readLocalSettingsFile(path), origin: 'settings-file', path };
  }
  const stackPath = resolvePath(cwd, choice.stackFile ?? DEFAULT_STACK_FILE);
  if (choice.local) return { values: readStackInfo(stackPath).appSettings, origin: 'local-stack', path: stackPath };
  const localSettings = join(cwd, 'local.settings.json');
  if (existsSync(localSettings))
    return { values: readLocalSettingsFile(localSettings), origin: 'local.settings.json', path: localSettings };
  const stack = existsSync(stackPath) ? readStackInfo(stackPath) : undefined;
  if (stack && isRunning(stack)) return { values: stack.appSettings, origin: 'local-stack', path: stackPath };
  return { values: {}, origin: 'environment' };
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

/** `.local/stack.json` written by `npm start` / `npm run stack`. */
export function readStackInfo(path: string): StackInfo {
  if (!existsSync(path))
    throw new CliFailure(`no local stack: ${path} does not exist (start one with \`npm start\` or \`npm run stack\`)`);
  const parsed = readJsonFile(path, 'stack file');
  if (
    !isRecord(parsed) ||
    !isRecord(parsed.appSettings) ||
    typeof parsed.simControlUrl !== 'string' ||
    typeof parsed.caCertPath !== 'string'
  ) {
    throw new CliFailure(
      `stack file ${path} is not a local stack description (appSettings, simControlUrl, caCertPath missing)`,
    );
  }
  return parsed as unknown as StackInfo;
}

function isRunning(info: StackInfo): boolean {
  const pid = info.pids?.stack;
  if (typeof pid !== 'number') return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
