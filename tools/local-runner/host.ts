import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';

import { loadEntryPoints, readPackageName, resolveEntryPoints } from './appLoader';
import { installCoreShim } from './coreShim';
import type { HookCallback } from './coreTypes';
import { AppLoadError, RunnerConfigError } from './errors';
import { type HostedFunction, indexFunctions, queueFor } from './functionIndex';
import { readHostJson } from './hostJson';
import { createHostServer, type HostKeys } from './httpServer';
import { createInvoker } from './invoke';
import type { RunnerLogger } from './logger';
import { QueueOutputWriter } from './outputs';
import { type AppSettings, loadAppSettings, resolveSettingTokens, resolveStorageConnection } from './settings';
import { StorageClients } from './storage';
import { parseSchedule } from './triggers/ncrontab';
import { QueueListener } from './triggers/queueListener';
import { settlesWithin } from './triggers/sleeper';
import { TimerListener } from './triggers/timer';
import { blobTimerStatusStore, hostIdFor } from './triggers/timerStatus';

export interface HostStartOptions {
  appDir: string;
  settings: Record<string, string>;
  /** false: local.settings.json is not read (default true). */
  readLocalSettings?: boolean;
  port: number;
  keys: HostKeys;
  functions?: string[];
  logger: RunnerLogger;
  /** Visibility a queue message gets on receive, renewed at half-time (host: 10 minutes). */
  queueLeaseMs?: number;
}

export interface FunctionSummary {
  name: string;
  trigger: string;
}

export interface RunningHost {
  port: number;
  functions: FunctionSummary[];
  /** Stops taking work, waits up to `timeoutMs` for running invocations; resolves with how many were abandoned. */
  stop(timeoutMs: number): Promise<number>;
}

const HOST_QUEUE_LEASE_MS = 10 * 60_000;

/** Runs the app in this process the way the Functions host + Node worker would. */
export async function startHost(o: HostStartOptions): Promise<RunningHost> {
  const settings = loadAppSettings(o.appDir, o.settings, process.env, { readLocalSettings: o.readLocalSettings });
  Object.assign(process.env, settings);
  const hostOptions = readHostJson(o.appDir);
  const registry = installCoreShim((level, category, message) =>
    o.logger.log({ level, category: category === 'user' ? 'user' : 'system', message }),
  );
  loadEntryPoints(resolveEntryPoints(o.appDir));
  const model = registry.programmingModel();
  if (!model || registry.registrations.length === 0) {
    throw new AppLoadError('The app registered no functions (was "@azure/functions" loaded in test mode?)');
  }
  await model.getCapabilities?.({});
  await runAppStartHooks(registry.hooks, o.appDir);
  const unsupportedHooks = [...registry.hooks.keys()].filter((name) => name !== 'appStart');
  if (unsupportedHooks.length > 0)
    o.logger.log({
      level: 'warning',
      category: 'host',
      message: `App hooks are registered but not run by the local runner: ${unsupportedHooks.join(', ')}`,
    });

  const storage = new StorageClients();
  const functions = indexFunctions(registry.registrations, settings, storage, o.functions);
  const writer = new QueueOutputWriter(hostOptions.queues.messageEncoding);
  const invoker = createInvoker(() => registry.programmingModel(), writer, o.logger);
  const background = new Set<Promise<unknown>>();
  let stopping = false;

  const queueListeners: QueueListener[] = [];
  const timers: TimerListener[] = [];
  for (const fn of functions) {
    for (const output of fn.unsupportedOutputs)
      o.logger.log({
        level: 'warning',
        category: 'host',
        functionName: fn.name,
        message: `Output binding ${output} is not written by the local runner`,
      });
    if (fn.trigger === 'queueTrigger')
      queueListeners.push(createQueueListener(fn, settings, storage, writer, hostOptions, invoker, o));
    else if (fn.trigger === 'timerTrigger') timers.push(createTimer(fn, settings, invoker, o));
    else if (fn.trigger !== 'eventGridTrigger')
      o.logger.log({
        level: 'warning',
        category: 'host',
        functionName: fn.name,
        message: `Trigger '${fn.trigger}' is not supported by the local runner: function not started`,
      });
  }

  const server = createHostServer({
    keys: o.keys,
    functions,
    invoker,
    logger: o.logger,
    isStopping: () => stopping,
    track: (task) => {
      background.add(task);
      void task.finally(() => background.delete(task));
    },
  });
  const port = await listen(server, o.port);
  queueListeners.forEach((l) => l.start());
  timers.forEach((t) => t.start());

  return {
    port,
    functions: functions.map((f) => ({ name: f.name, trigger: f.trigger })),
    async stop(timeoutMs: number): Promise<number> {
      stopping = true;
      const deadline = Date.now() + timeoutMs;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const abandoned = await Promise.all([
        ...queueListeners.map((l) => l.stop(timeoutMs)),
        ...timers.map((t) => t.stop(timeoutMs)),
        waitFor([...background], deadline),
      ]);
      server.closeAllConnections();
      await closed;
      return abandoned.reduce((sum, n) => sum + n, 0);
    },
  };
}

function createQueueListener(
  fn: HostedFunction,
  settings: AppSettings,
  storage: StorageClients,
  writer: QueueOutputWriter,
  hostOptions: ReturnType<typeof readHostJson>,
  invoker: ReturnType<typeof createInvoker>,
  o: HostStartOptions,
): QueueListener {
  const queue = queueFor(fn.triggerBinding, settings, storage, fn.name);
  const poisonName = `${queue.name}-poison`;
  const poisonQueue =
    queue.name.endsWith('-poison') || poisonName.length > 63
      ? undefined
      : queueFor({ ...fn.triggerBinding, queueName: poisonName }, settings, storage, fn.name);
  const listener = new QueueListener({
    fn,
    queue,
    poisonQueue,
    options: hostOptions.queues,
    leaseMs: o.queueLeaseMs ?? HOST_QUEUE_LEASE_MS,
    invoker,
    logger: o.logger,
  });
  writer.onWrite(queue.url, () => listener.wake());
  return listener;
}

function createTimer(
  fn: HostedFunction,
  settings: AppSettings,
  invoker: ReturnType<typeof createInvoker>,
  o: HostStartOptions,
): TimerListener {
  const raw = fn.triggerBinding.schedule;
  if (typeof raw !== 'string') throw new RunnerConfigError(`Function '${fn.name}': timer trigger without schedule`);
  const schedule = parseSchedule(
    resolveSettingTokens(raw, settings),
    settings.WEBSITE_TIME_ZONE ?? settings.TZ ?? 'UTC',
  );
  const monitored = fn.triggerBinding.useMonitor !== false && !schedule.firesMoreThanOncePerMinute;
  const monitor = monitored
    ? blobTimerStatusStore(
        resolveStorageConnection(undefined, settings),
        hostIdFor(settings, readPackageName(o.appDir) ?? basename(o.appDir)),
        fn.name,
      )
    : undefined;
  return new TimerListener({
    fn,
    schedule,
    runOnStartup: fn.triggerBinding.runOnStartup === true,
    monitor,
    invoker,
    logger: o.logger,
  });
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** How many of `tasks` were abandoned: all of them if they have not all settled by `deadline`, else none. */
async function waitFor(tasks: Promise<unknown>[], deadline: number): Promise<number> {
  return (await settlesWithin(Promise.allSettled(tasks), deadline - Date.now())) ? 0 : tasks.length;
}

/**
 * Runs the app's `app.hook.appStart` hooks once, after the entry points are loaded and before any trigger starts, as
 * the Node worker does. A hook that throws stops the start-up: the app would not run in Azure either.
 */
async function runAppStartHooks(hooks: ReadonlyMap<string, readonly HookCallback[]>, appDir: string): Promise<void> {
  for (const hook of hooks.get('appStart') ?? []) {
    try {
      await hook({ hookData: {}, appHookData: {}, functionAppDirectory: appDir });
    } catch (error) {
      throw new AppLoadError(
        `The app's appStart hook failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
}
