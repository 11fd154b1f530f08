import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import { RunnerStartError } from './errors';
import { isChildMessage, type ReadyMessage, type StartMessage } from './ipc';

export { AppLoadError, InvocationError, LocalRunnerError, RunnerConfigError, RunnerStartError } from './errors';

export interface RunnerOptions {
  /** Folder with package.json (its `main`, globs allowed) and host.json. */
  appDir: string;
  /** App settings; merged OVER local.settings.json Values (if the file exists in appDir) and process.env. */
  settings?: Record<string, string>;
  /**
   * false: `settings` replace local.settings.json entirely (it is not read), as for the local stack, which decides
   * each setting itself (tools/stack/localSettings.ts). Default true, like `func start`.
   */
  readLocalSettings?: boolean;
  /** HTTP port on 127.0.0.1; 0 = free port; default 7071. */
  port?: number;
  /** Default: random per start. */
  masterKey?: string;
  /** The `eventgrid_extension` system key; default: random per start. */
  systemKey?: string;
  /** Optional allow-list of function names to run (like `func start --functions`). */
  functions?: string[];
  /** Shows in logs; distinguishes competing runner processes. */
  instanceId?: string;
  /** Each log line of the child (default: written to this process's stdout with a prefix, or silent if quiet). */
  onLog?: (line: string) => void;
  quiet?: boolean;
  /** Bound for graceful stop (default 30000). */
  stopTimeoutMs?: number;
  /** Visibility a received queue message gets, renewed at half-time while it runs (host: 10 minutes). For tests. */
  queueMessageLeaseMs?: number;
  /** How long to wait for the child to report readiness (default 30000). */
  startTimeoutMs?: number;
  /** Node options for the child process, e.g. `--cpu-prof` (the benchmark profiles the app's CPU per event). */
  execArgv?: string[];
}

export interface RunnerHandle {
  url: string;
  port: number;
  pid: number;
  masterKey: string;
  systemKey: string;
  functions: Array<{ name: string; trigger: string }>;
  /** Full URL with ?functionName=...&code=<systemKey>. */
  eventGridWebhookUrl(functionName: string): string;
  /** POST /admin/functions/<name> with the master key; resolves once the host accepted it (202). */
  invoke(functionName: string, input?: string): Promise<void>;
  /** SIGTERM, graceful; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (for crash tests). */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

/** The app setting the Functions host starts the Node worker with (App settings reference). */
const WORKER_ARGUMENTS_SETTING = 'languageWorkers__node__arguments';

/** Starts the local Functions runner as a child process (needs `npx tsc -p tsconfig.build.json` first). */
export async function startRunner(options: RunnerOptions): Promise<RunnerHandle> {
  const appDir = resolve(options.appDir);
  const masterKey = options.masterKey ?? randomBytes(32).toString('base64url');
  const systemKey = options.systemKey ?? randomBytes(32).toString('base64url');
  const instanceId = options.instanceId ?? `${basename(appDir)}-${randomBytes(3).toString('hex')}`;
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  // The host starts its Node worker with this app setting's options (e.g. the deployed heap limit).
  const workerArguments = options.settings?.[WORKER_ARGUMENTS_SETTING]?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...workerArguments, ...(options.execArgv ?? []), runnerMainPath(), '--ipc'], {
    cwd: appDir,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: process.env,
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  forwardLines(child, options, instanceId);

  const start: StartMessage = {
    type: 'start',
    appDir,
    settings: options.settings ?? {},
    readLocalSettings: options.readLocalSettings,
    port: options.port ?? 7071,
    masterKey,
    systemKey,
    functions: options.functions,
    instanceId,
    stopTimeoutMs,
    queueMessageLeaseMs: options.queueMessageLeaseMs,
  };
  child.send(start);
  const ready = await waitForReady(child, exited, options.startTimeoutMs ?? 30_000);
  const url = `http://127.0.0.1:${ready.port}`;

  return {
    url,
    port: ready.port,
    pid: child.pid ?? -1,
    masterKey,
    systemKey,
    functions: ready.functions,
    eventGridWebhookUrl: (functionName) =>
      `${url}/runtime/webhooks/eventgrid?functionName=${encodeURIComponent(functionName)}&code=${encodeURIComponent(systemKey)}`,
    async invoke(functionName: string, input = ''): Promise<void> {
      const response = await fetch(`${url}/admin/functions/${encodeURIComponent(functionName)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-functions-key': masterKey },
        body: JSON.stringify({ input }),
      });
      if (response.status !== 202)
        throw new RunnerStartError(
          `Admin invocation of '${functionName}' answered ${response.status}: ${await response.text()}`,
        );
    },
    async stop(): Promise<number | null> {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const guard = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs + 10_000);
        await exited;
        clearTimeout(guard);
      }
      return exited;
    },
    async kill(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    exited,
  };
}

/** dist/tools/local-runner/main.js, also when this module runs from source (tests through SWC). */
function runnerMainPath(): string {
  const beside = join(__dirname, 'main.js');
  const path = existsSync(beside) ? beside : resolve(__dirname, '..', '..', 'dist', 'tools', 'local-runner', 'main.js');
  if (!existsSync(path))
    throw new RunnerStartError(`${path} does not exist: run \`npx tsc -p tsconfig.build.json\` first`);
  return path;
}

function forwardLines(child: ChildProcess, options: RunnerOptions, instanceId: string): void {
  const sink =
    options.onLog ??
    (options.quiet ? undefined : (line: string) => process.stdout.write(`[runner ${instanceId}] ${line}\n`));
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    if (!sink) {
      stream.resume();
      continue;
    }
    createInterface({ input: stream }).on('line', sink);
  }
}

function waitForReady(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<ReadyMessage> {
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new RunnerStartError(`The runner did not report readiness within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', (message: unknown) => {
      if (!isChildMessage(message)) return;
      clearTimeout(timer);
      if (message.type === 'ready') resolveReady(message);
      else reject(new RunnerStartError(`The runner failed to start: ${message.message}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new RunnerStartError(`The runner exited with code ${code} before it was ready`));
    });
  });
}
