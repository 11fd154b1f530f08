import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { RunnerConfigError } from './errors';

export type AppSettings = Readonly<Record<string, string>>;

/**
 * App settings as the host sees them: the environment, then `local.settings.json` `Values` (if present and
 * `readLocalSettings` is not false), then explicit `overrides` (later sources win).
 */
export function loadAppSettings(
  appDir: string,
  overrides: Record<string, string> = {},
  env: NodeJS.ProcessEnv = process.env,
  options: { readLocalSettings?: boolean } = {},
): AppSettings {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  const fromFile =
    options.readLocalSettings === false ? {} : readLocalSettingsValues(join(appDir, 'local.settings.json'));
  Object.assign(merged, fromFile ?? {}, overrides);
  return Object.freeze(merged);
}

/** local.settings.json's `Values` as strings (the host's way), or undefined when the file does not exist. */
export function readLocalSettingsValues(file: string): Record<string, string> | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new RunnerConfigError(`${file} is not valid JSON`, { cause: error });
  }
  const values = (parsed as { Values?: unknown } | null)?.Values;
  if (values === undefined) return {};
  if (typeof values !== 'object' || values === null || Array.isArray(values))
    throw new RunnerConfigError(`${file}: "Values" must be an object`);
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) result[name] = String(value);
  return result;
}

/** Replaces every `%NAME%` with the app setting NAME, as the host does for binding properties. */
export function resolveSettingTokens(value: string, settings: AppSettings): string {
  return value.replace(/%([^%]+)%/g, (_match, name: string) => {
    const resolved = settings[name];
    if (resolved === undefined)
      throw new RunnerConfigError(`'%${name}%' does not resolve to a value: app setting '${name}' is missing`);
    return resolved;
  });
}

/**
 * Resolves a binding's `connection` (the NAME of an app setting) the way the host does: `AzureWebJobs<name>`,
 * then `<name>`, each as `ConnectionStrings:<x>` and as a root setting; empty means `AzureWebJobsStorage`.
 */
export function resolveStorageConnection(connection: string | undefined, settings: AppSettings): string {
  const name = connection && connection.length > 0 ? connection : 'Storage';
  const candidates = [`AzureWebJobs${name}`, name];
  for (const candidate of candidates) {
    for (const key of [`ConnectionStrings:${candidate}`, `ConnectionStrings__${candidate}`, candidate]) {
      const value = settings[key];
      if (value !== undefined && value.length > 0) return value;
    }
  }
  throw new RunnerConfigError(
    `Storage account connection string 'AzureWebJobs${name}' does not exist. Make sure that it is a defined App Setting.`,
  );
}

/** Validates a storage queue name after `%SETTING%` resolution and lower-casing, as the host does. */
export function resolveQueueName(queueName: string, settings: AppSettings): string {
  const name = resolveSettingTokens(queueName, settings).toLowerCase();
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(name)) {
    throw new RunnerConfigError(
      `Invalid queue name: '${name}'. A name must be 3-63 characters: lowercase letters, digits and single hyphens, starting and ending with a letter or digit.`,
    );
  }
  return name;
}
