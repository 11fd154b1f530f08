import { resolve } from 'node:path';

import { SETTING_NAMES } from '../../src/lib/config';
import { deployedWorkerArguments, WORKER_ARGUMENTS_SETTING } from '../infra/workerArguments';
import type { RulesConfigInput } from './types';

export const SIM_SUBSCRIPTION_ID = '11111111-1111-1111-1111-111111111111';
export const SIM_VAULT_RG = 'rg-backup';

export interface LocalVault {
  region: string;
  vaultId: string;
}

export function simVaults(subscriptionId = SIM_SUBSCRIPTION_ID): LocalVault[] {
  const vault = (name: string) =>
    `/subscriptions/${subscriptionId}/resourceGroups/${SIM_VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${name}`;
  return [
    { region: 'eastus', vaultId: vault('rsv-eastus') },
    { region: 'westeurope', vaultId: vault('rsv-westeurope') },
  ];
}

/**
 * Defaults for a quick local loop, used only when neither local.settings.json nor the environment sets them.
 * (The app's own defaults are in docs/configuration.md.)
 */
export const STACK_DEFAULTS: Readonly<Record<string, string>> = {
  AUTOPROTECT_REPORT_SCHEDULE: '0 0 6 * * *',
  AUTOPROTECT_STALE_AFTER: 'PT24H',
  AUTOPROTECT_RETRY_BASE_SECONDS: '1',
  AUTOPROTECT_RETRY_MAX_SECONDS: '30',
  AUTOPROTECT_REENQUEUE_STALE: 'false',
};

/**
 * The settings the stack always sets itself, because they wire the app to the stack's own services; a value in
 * local.settings.json (or the environment) for them is overridden, with a line saying so.
 */
export const STACK_OWNED_SETTINGS = [
  'AzureWebJobsStorage',
  'AUTOPROTECT_SUBSCRIPTION_IDS',
  'AUTOPROTECT_VAULTS',
  'AUTOPROTECT_ARM_ENDPOINT',
  'AUTOPROTECT_ARM_CA_CERT',
] as const;

export interface LocalSettingsInput {
  storageConnectionString: string;
  /** Shown in the reason for overriding AzureWebJobsStorage (the connection string itself is never printed). */
  storageDescription?: string;
  armEndpoint: string;
  caCertPath: string;
  subscriptionIds: string[];
  vaults: LocalVault[];
  /** The stack's caller sets the rules (the demo does): they win over local.settings.json. */
  rules?: RulesConfigInput;
  rulesReason?: string;
  /** The stack's caller sets AUTOPROTECT_STALE_AFTER (the demo does): it wins over local.settings.json. */
  staleAfter?: string;
  staleAfterReason?: string;
  /** Settings the caller forces (tests, chaos, bench, the demo, `--setting`): they win over everything. */
  extra?: Record<string, string>;
  /** Why, per extra setting (default: the caller of startStack sets it). */
  extraReasons?: Record<string, string>;
  /** `Values` of local.settings.json (undefined: no file, or not read). */
  localSettings?: Record<string, string>;
  /** Where the app setting names may also come from, under local.settings.json (like `func start`). */
  env?: NodeJS.ProcessEnv;
  /** The app's folder: a relative AUTOPROTECT_ARM_CA_CERT in local.settings.json is relative to it. */
  appDir?: string;
}

/** Where one app setting of the local stack's app came from. */
export type SettingSource = 'stack-default' | 'environment' | 'local.settings.json' | 'stack' | 'caller';

export interface SettingOverride {
  name: string;
  /** What it replaced: a value from local.settings.json or the environment. */
  replaced: 'local.settings.json' | 'environment';
  reason: string;
}

export interface LocalAppSettings {
  /** Every app setting of the runner (and of `.local/stack.json` appSettings): exactly what the app reads. */
  settings: Record<string, string>;
  sources: Record<string, SettingSource>;
  /** App settings the app gets from local.settings.json as they are (not overridden). */
  taken: string[];
  /** Names in local.settings.json that are not app settings (docs/configuration.md): not passed to the app. */
  ignored: string[];
  /** One entry per setting the stack set over a value of local.settings.json or the environment, with the reason. */
  overridden: SettingOverride[];
}

/**
 * The app settings of the local stack. local.settings.json is the app's settings file (what `func start` reads);
 * the stack takes from it only the app's documented settings (SETTING_NAMES), in this order, later wins:
 * 1. STACK_DEFAULTS; 2. the environment; 3. local.settings.json; 4. the STACK_OWNED_SETTINGS, pointing at the stack's
 * Azurite and simulator; 5. the caller's rules / stale-after / extra settings.
 * Every value of (2) or (3) that (4) or (5) replaces is listed in `overridden` with its reason.
 */
export function localAppSettings(input: LocalSettingsInput): LocalAppSettings {
  // The worker's Node options as deployed (the host reads them from this app setting).
  const settings: Record<string, string> = {
    FUNCTIONS_WORKER_RUNTIME: 'node',
    [WORKER_ARGUMENTS_SETTING]: deployedWorkerArguments().join(' '),
  };
  const sources: Record<string, SettingSource> = {
    FUNCTIONS_WORKER_RUNTIME: 'stack',
    [WORKER_ARGUMENTS_SETTING]: 'stack',
  };
  const overridden: SettingOverride[] = [];
  const appNames = new Set<string>(SETTING_NAMES);

  const layer = (values: Record<string, string | undefined>, source: SettingSource) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) continue;
      settings[name] = value;
      sources[name] = source;
    }
  };
  const force = (name: string, value: string, source: 'stack' | 'caller', reason: string) => {
    const previous = sources[name];
    if (
      (previous === 'local.settings.json' || previous === 'environment') &&
      !sameValue(name, settings[name] ?? '', value, input.appDir)
    )
      overridden.push({ name, replaced: previous, reason });
    settings[name] = value;
    sources[name] = source;
  };

  layer(STACK_DEFAULTS, 'stack-default');
  const env = input.env ?? {};
  layer(Object.fromEntries(SETTING_NAMES.map((name) => [name, env[name]])), 'environment');
  const file = input.localSettings ?? {};
  const taken = Object.keys(file).filter((name) => appNames.has(name));
  const ignored = Object.keys(file).filter((name) => !appNames.has(name) && name !== 'FUNCTIONS_WORKER_RUNTIME');
  layer(Object.fromEntries(taken.map((name) => [name, file[name]])), 'local.settings.json');

  const vaultNames = input.vaults.map((vault) => `${vault.vaultId.split('/').at(-1) ?? ''} (${vault.region})`);
  force(
    'AzureWebJobsStorage',
    input.storageConnectionString,
    'stack',
    `the app uses the stack's own Azurite${input.storageDescription ? ` (${input.storageDescription})` : ''}`,
  );
  force(
    'AUTOPROTECT_SUBSCRIPTION_IDS',
    input.subscriptionIds.join(','),
    'stack',
    `the app watches the simulator's subscription ${input.subscriptionIds.join(', ')}`,
  );
  force(
    'AUTOPROTECT_VAULTS',
    JSON.stringify(input.vaults),
    'stack',
    `the app routes to the simulator's vaults ${vaultNames.join(', ')}`,
  );
  force(
    'AUTOPROTECT_ARM_ENDPOINT',
    input.armEndpoint,
    'stack',
    `the app calls the stack's ARM simulator at ${input.armEndpoint}`,
  );
  force('AUTOPROTECT_ARM_CA_CERT', input.caCertPath, 'stack', `the simulator's CA certificate is ${input.caCertPath}`);
  if (input.rules)
    force(
      'AUTOPROTECT_RULES',
      JSON.stringify(input.rules),
      'caller',
      input.rulesReason ?? 'the stack was started with its own rules',
    );
  if (input.staleAfter !== undefined)
    force(
      'AUTOPROTECT_STALE_AFTER',
      input.staleAfter,
      'caller',
      input.staleAfterReason ?? `the stack was started with a stale-after of ${input.staleAfter}`,
    );
  for (const [name, value] of Object.entries(input.extra ?? {}))
    force(name, value, 'caller', input.extraReasons?.[name] ?? 'the caller of startStack sets it (extraSettings)');

  return {
    settings,
    sources,
    taken: taken.filter((name) => sources[name] === 'local.settings.json'),
    ignored,
    overridden,
  };
}

/**
 * What the stack prints at start about its settings: which came from local.settings.json, which names there it
 * does not pass on, and one line per setting it overrides with the reason. Nothing when there is no file and no
 * override.
 */
export function describeLocalSettings(result: LocalAppSettings, file: string | undefined): string[] {
  const lines: string[] = [];
  if (file !== undefined) {
    lines.push(`${file}: ${result.taken.length > 0 ? `takes ${result.taken.join(', ')}` : 'takes no app setting'}`);
    if (result.ignored.length > 0)
      lines.push(`${file}: not app settings, not passed to the app: ${result.ignored.join(', ')}`);
  }
  for (const override of result.overridden)
    lines.push(`overrides ${override.name} from ${override.replaced}: ${override.reason}`);
  return lines;
}

/**
 * JSON settings compare by value (whitespace and key order in local.settings.json do not make a difference), the CA
 * path by the file it names.
 */
function sameValue(name: string, a: string, b: string, appDir: string | undefined): boolean {
  if (a === b) return true;
  if (name === 'AUTOPROTECT_ARM_CA_CERT' && appDir !== undefined) return resolve(appDir, a) === resolve(appDir, b);
  if (name !== 'AUTOPROTECT_VAULTS' && name !== 'AUTOPROTECT_RULES') return false;
  try {
    return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
  } catch {
    return false;
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
