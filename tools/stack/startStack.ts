import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import {
  type SimulatorHandle,
  type SimulatorOptions,
  type SimulatorTiming,
  startSimulator,
} from '../../simulator/src/index';
import { freePort } from '../../simulator/src/ports';
import { type AzuriteHandle, startAzurite } from '../azurite/startAzurite';
import { type RunnerHandle, startRunner } from '../local-runner/index';
import { readLocalSettingsValues } from '../local-runner/settings';
import { DEMO_RULES } from './demoVms';
import { describeLocalSettings, localAppSettings, SIM_SUBSCRIPTION_ID, simVaults } from './localSettings';
import { simPost } from './simControl';
import type { RulesConfigInput, StackInfo } from './types';

export interface StackOptions {
  repoRoot: string;
  /** Preferred ports (0 = any free port); each falls back to a free port when taken. */
  hostPort?: number;
  simPort?: number;
  azuritePorts?: { blobPort: number; queuePort: number; tablePort: number };
  simTiming?: Partial<SimulatorTiming>;
  /** The simulator's seed (its vault names must stay those of simVaults()) and its Recovery Services settings. */
  simOptions?: Pick<SimulatorOptions, 'seed' | 'backup'>;
  rules?: RulesConfigInput;
  staleAfter?: string;
  /** App settings that win over every other source (tests, chaos, bench, the demo, `--setting`). */
  extraSettings?: Record<string, string>;
  /** Why each extra setting is set, for the line the stack prints when it overrides local.settings.json. */
  extraSettingReasons?: Record<string, string>;
  /**
   * The app's settings file whose documented settings the stack takes (default <repoRoot>/local.settings.json;
   * null = none). See tools/stack/localSettings.ts: the stack owns the wiring settings and says when it overrides.
   */
  localSettingsFile?: string | null;
  /** Where the runner's log lines go: 'console' (like `func start`), a file path, or a callback. */
  hostLog: string | ((line: string) => void);
  /** Where the simulator's Event Grid dead-letters events (default <repoRoot>/.local/deadletter). */
  deadLetterDir?: string;
  /** Where stack.json is written (default <repoRoot>/.local/stack.json); null = not written. */
  stackFile?: string | null;
  say: (line: string) => void;
}

/**
 * A stack for a test, a benchmark or a chaos run: every service on a free port (its own Azurite included), no
 * `.local/stack.json`, no local.settings.json (a developer's file must not change a test), nothing printed.
 */
export const ISOLATED_STACK = {
  hostPort: 0,
  simPort: 0,
  azuritePorts: { blobPort: 0, queuePort: 0, tablePort: 0 },
  stackFile: null,
  localSettingsFile: null,
  say: () => undefined,
} as const satisfies Partial<StackOptions>;

export interface Stack {
  info: StackInfo;
  azurite: AzuriteHandle;
  sim: SimulatorHandle;
  runner: RunnerHandle;
  stop(): Promise<void>;
}

const DEFAULT_SIM_PORT = 8443;
const DEFAULT_HOST_PORT = 7071;

/**
 * The preferred port when it is free, else one the OS picks (another stack, or any program, may hold the default):
 * said in one line, so a person who expected 8443 knows where the service went. 0 means any free port, silently.
 */
async function portFor(service: string, preferred: number, say: (line: string) => void): Promise<number> {
  if (preferred === 0) return 0;
  const port = await freePort(preferred);
  if (port !== preferred) say(`${service.padEnd(13)} port ${preferred} is taken: using ${port}`);
  return port;
}

/**
 * Starts the local stack the README promises: Azurite, the ARM simulator and the local Functions runner with the
 * unmodified app, wires the simulator's Event Grid subscription to the runner's webhook, and writes
 * `.local/stack.json`. Every service is stopped again by `stop()`, also when a later step fails.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const started: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    started.length = 0;
  };
  try {
    const ports = options.azuritePorts ?? { blobPort: 10000, queuePort: 10001, tablePort: 10002 };
    const azurite = await startAzurite(ports);
    started.push(() => azurite.stop());
    options.say(`Azurite       blob :${azurite.blobPort}  queue :${azurite.queuePort}  table :${azurite.tablePort}`);

    const sim = await startSimulator({
      ...options.simOptions,
      port: await portFor('ARM simulator', options.simPort ?? DEFAULT_SIM_PORT, options.say),
      timing: options.simTiming,
      quiet: true,
      dataDir: join(options.repoRoot, '.local', 'simulator'),
    });
    started.push(() => sim.stop());
    options.say(`ARM simulator ${sim.url}  (CA certificate: ${sim.caCertPath})`);

    const subscriptionIds = [SIM_SUBSCRIPTION_ID];
    const vaults = simVaults();
    const settingsFile =
      options.localSettingsFile === undefined
        ? join(options.repoRoot, 'local.settings.json')
        : (options.localSettingsFile ?? undefined);
    const fileValues = settingsFile === undefined ? undefined : readLocalSettingsValues(settingsFile);
    const resolved = localAppSettings({
      storageConnectionString: azurite.connectionString,
      storageDescription: `blob :${azurite.blobPort}, queue :${azurite.queuePort}, table :${azurite.tablePort}`,
      armEndpoint: sim.url,
      caCertPath: sim.caCertPath,
      subscriptionIds,
      vaults,
      rules: options.rules,
      rulesReason:
        options.rules === DEMO_RULES
          ? 'the demo (npm start) needs the rules its VMs are made for (DEMO_RULES, tools/stack/demoVms.ts)'
          : undefined,
      staleAfter: options.staleAfter,
      extra: options.extraSettings,
      extraReasons: options.extraSettingReasons,
      localSettings: fileValues,
      env: process.env,
      appDir: options.repoRoot,
    });
    const shownFile =
      settingsFile === undefined || fileValues === undefined ? undefined : relative(options.repoRoot, settingsFile);
    for (const line of describeLocalSettings(resolved, shownFile)) options.say(`Settings      ${line}`);
    const settings = resolved.settings;

    const logSink = hostLogSink(options.hostLog);
    const runner = await startRunner({
      appDir: options.repoRoot,
      settings,
      // The stack decided every setting above (and printed what it overrode); the runner must not re-read the file.
      readLocalSettings: false,
      port: await portFor('Functions', options.hostPort ?? DEFAULT_HOST_PORT, options.say),
      onLog: logSink.write,
      instanceId: 'local-1',
    });
    started.push(async () => {
      await runner.stop();
      logSink.close();
    });
    options.say(`Functions     ${runner.url}  (${runner.functions.map((f) => `${f.name}: ${f.trigger}`).join(', ')})`);

    const webhook = runner.eventGridWebhookUrl('enqueueProtection');
    await simPost(
      { sim },
      'eventSubscriptions',
      vmWriteSubscription(webhook, options.deadLetterDir ?? join(options.repoRoot, '.local', 'deadletter')),
    );
    options.say('Event Grid    subscription autoprotect-vm-writes -> enqueueProtection (validation handshake passed)');

    const info: StackInfo = {
      armEndpoint: sim.url,
      simControlUrl: `${sim.url}/_sim`,
      hostUrl: runner.url,
      eventGridWebhookUrl: webhook,
      masterKey: runner.masterKey,
      caCertPath: sim.caCertPath,
      storageConnectionString: azurite.connectionString,
      subscriptionIds,
      vaults,
      appSettings: settings,
      pids: { azurite: azurite.pid, runner: runner.pid, stack: process.pid },
      startedAt: new Date().toISOString(),
    };
    const stackFile =
      options.stackFile === undefined ? join(options.repoRoot, '.local', 'stack.json') : options.stackFile;
    if (stackFile) {
      mkdirSync(dirname(stackFile), { recursive: true });
      writeFileSync(stackFile, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
      options.say(`Stack         endpoints written to ${stackFile}`);
    }

    let stopping: Promise<void> | undefined;
    return { info, azurite, sim, runner, stop: () => (stopping ??= stopAll()) };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The stack's Event Grid subscription (infra/modules/eventSubscription.bicep's filter): VM writes to the webhook. */
export const VM_WRITE_SUBSCRIPTION = 'autoprotect-vm-writes';

export function vmWriteSubscription(endpoint: string, deadLetterDir: string): Record<string, unknown> {
  return {
    name: VM_WRITE_SUBSCRIPTION,
    endpoint,
    subscriptionId: SIM_SUBSCRIPTION_ID,
    schema: 'EventGridSchema',
    filter: {
      includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'],
      advancedFilters: [
        { operatorType: 'StringIn', key: 'data.operationName', values: ['Microsoft.Compute/virtualMachines/write'] },
      ],
    },
    deadLetterDir,
  };
}

function hostLogSink(target: StackOptions['hostLog']): { write: (line: string) => void; close: () => void } {
  if (typeof target === 'function') return { write: target, close: () => undefined };
  if (target === 'console') return { write: (line) => console.log(line), close: () => undefined };
  mkdirSync(dirname(target), { recursive: true });
  const stream = createWriteStream(target, { flags: 'w' });
  return { write: (line) => stream.write(`${line}\n`), close: () => stream.end() };
}
