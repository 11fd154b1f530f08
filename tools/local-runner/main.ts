import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { commandLine, CommandLineError, numberOption, readCommandLine } from '../../simulator/src/commandLine';
import { type RunningHost, startHost } from './host';
import { type ChildMessage, isStartMessage, type StartMessage } from './ipc';
import { createLineWriter, createLogger } from './logger';

/**
 * The local Functions runner process. Foreground (`npm run host`): the options of RUNNER_COMMAND_LINE. As a child of
 * startRunner (`--ipc`): options arrive over the IPC channel and readiness is reported back on it.
 */
async function main(): Promise<void> {
  const args = readCommandLine(process.argv.slice(2), RUNNER_COMMAND_LINE);
  const options: ProcessOptions = args.ipc ? await receiveStartMessage() : foregroundOptions(args);
  // Lines are batched per event-loop turn (one pipe write instead of several per invocation) and flushed before
  // every HTTP response, every IPC message and on exit, so the parent sees the same lines, in the same order, no later
  // than the outcome they describe.
  const out = createLineWriter(process.stdout);
  process.on('exit', () => out.flush());
  const logger = createLogger(
    options.instanceId,
    (line) => out.write(line),
    () => out.flush(),
  );
  logger.redact(options.masterKey);
  logger.redact(options.systemKey);

  let host: RunningHost;
  try {
    host = await startHost({
      appDir: options.appDir,
      settings: options.settings,
      readLocalSettings: options.readLocalSettings,
      port: options.port,
      keys: { masterKey: options.masterKey, systemKey: options.systemKey },
      functions: options.functions,
      logger,
      queueLeaseMs: options.queueMessageLeaseMs,
    });
  } catch (error) {
    const message = (error as Error).message;
    logger.log({ level: 'error', category: 'host', message: `Host start failed: ${message}` });
    logger.flush();
    if (args.ipc) await send({ type: 'failed', message });
    process.exit(1);
  }

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.log({
      level: 'information',
      category: 'host',
      message: `${signal} received: stopping, waiting up to ${options.stopTimeoutMs} ms for running invocations`,
    });
    const abandoned = await host.stop(options.stopTimeoutMs);
    logger.log({
      level: 'information',
      category: 'host',
      message: `Host stopped (${abandoned} invocation(s) abandoned)`,
      abandoned,
    });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (args.ipc) {
    process.on('disconnect', () => void stop('disconnect'));
    logger.flush();
    await send({ type: 'ready', port: host.port, functions: host.functions });
  } else {
    logger.flush();
    printFunctions(host, options.keysFile);
  }
}

export interface RunnerArgs {
  ipc: boolean;
  appDir: string | undefined;
  port: number;
  functions: string[] | undefined;
}

/** docs/local-runner.md: `node dist/tools/local-runner/main.js --app-dir <dir> --port 7071 --functions a,b`. */
export const RUNNER_COMMAND_LINE = commandLine({
  name: 'npm run host',
  usage: 'Usage: npm run host [-- options]   (node dist/tools/local-runner/main.js [options])',
  summary: 'The local Functions runner in the foreground: prints the functions and their URLs, serves until Ctrl-C.',
  options: {
    'app-dir': { type: 'string', value: '<dir>', help: 'the built Functions app (default: the current folder)' },
    port: { type: 'string', value: '<n>', help: 'the HTTP port (default 7071; 0 = any free port)' },
    functions: { type: 'string', value: '<a,b>', help: 'only these functions (default: all)' },
    ipc: { type: 'boolean', help: 'run as the child of startRunner: options and readiness over the IPC channel' },
  },
  read: (values): RunnerArgs => {
    const functions = values.functions
      ?.split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    if (functions?.length === 0) throw new CommandLineError('--functions needs at least one function name');
    return {
      ipc: values.ipc === true,
      appDir: values['app-dir'],
      port: numberOption('port', values.port, 7071, { integer: true, max: 65535 }),
      functions,
    };
  },
});

type ProcessOptions = StartMessage & { keysFile?: string };

function foregroundOptions(args: RunnerArgs): ProcessOptions {
  const appDir = resolve(args.appDir ?? process.cwd());
  const masterKey = process.env.LOCAL_RUNNER_MASTER_KEY ?? randomKey();
  const systemKey = process.env.LOCAL_RUNNER_SYSTEM_KEY ?? randomKey();
  const keysDir = join(appDir, '.local');
  mkdirSync(keysDir, { recursive: true });
  const keysFile = join(keysDir, 'local-runner-keys.json');
  writeFileSync(keysFile, JSON.stringify({ masterKey, systemKeys: { eventgrid_extension: systemKey } }, null, 2), {
    mode: 0o600,
  });
  return {
    type: 'start',
    appDir,
    settings: {},
    port: args.port,
    masterKey,
    systemKey,
    functions: args.functions,
    instanceId: process.env.LOCAL_RUNNER_INSTANCE_ID ?? `pid${process.pid}`,
    stopTimeoutMs: 30_000,
    keysFile,
  };
}

function printFunctions(host: RunningHost, keysFile: string | undefined): void {
  const lines = ['', 'Functions:', ''];
  for (const fn of host.functions) {
    lines.push(`\t${fn.name}: ${fn.trigger}`);
    if (fn.trigger === 'eventGridTrigger') {
      lines.push(
        `\t\thttp://127.0.0.1:${host.port}/runtime/webhooks/eventgrid?functionName=${fn.name}&code=<eventgrid_extension key>`,
      );
    }
  }
  lines.push(
    '',
    `Admin API: POST http://127.0.0.1:${host.port}/admin/functions/<name> with header x-functions-key: <master key>`,
  );
  if (keysFile) lines.push(`Keys: ${keysFile}`);
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

function randomKey(): string {
  return randomBytes(32).toString('base64url');
}

function receiveStartMessage(): Promise<StartMessage> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error('No start message from the parent within 30 s')), 30_000);
    process.once('message', (message: unknown) => {
      clearTimeout(timer);
      if (isStartMessage(message)) resolvePromise(message);
      else reject(new Error('Unexpected first IPC message'));
    });
  });
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolvePromise) => {
    if (!process.send) return resolvePromise();
    process.send(message, undefined, undefined, () => resolvePromise());
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`local-runner: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
