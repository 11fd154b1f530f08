import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

import { connectProblem } from '../../simulator/src/ports';
import type { StackInfo } from '../stack/types';
import { CliFailure } from './errors';

export const DEFAULT_STACK_FILE = join('.local', 'stack.json');

export const START_STACK_HINT = 'start it with `npm run stack` or `npm start`';

/**
 * What `.local/stack.json` (written by `npm start` / `npm run stack`) says about the local stack, checked against
 * the machine: the file can outlive the stack (Ctrl-C of a killed terminal, a reboot), so it counts only while the
 * processes it records live and its endpoints answer on 127.0.0.1.
 */
export type LocalStack =
  | { state: 'missing'; path: string; shownPath: string }
  | { state: 'running'; path: string; shownPath: string; info: StackInfo }
  | { state: 'stale'; path: string; shownPath: string; info: StackInfo; why: string; since: string };

/** How long an endpoint probe waits for a TCP connect (127.0.0.1 answers or refuses at once). */
const PROBE_TIMEOUT_MS = 1_000;

export function stackFilePath(cwd: string, stackFile: string | undefined): string {
  const path = stackFile ?? DEFAULT_STACK_FILE;
  return isAbsolute(path) ? path : join(cwd, path);
}

/** Reads the stack file (if any) and tells whether that stack is still running. */
export async function findLocalStack(path: string, cwd: string): Promise<LocalStack> {
  const shownPath = showPath(path, cwd);
  if (!existsSync(path)) return { state: 'missing', path, shownPath };
  const info = readStackInfo(path);
  const why = deadProcesses(info) ?? (await silentEndpoints(info));
  if (why === undefined) return { state: 'running', path, shownPath, info };
  return { state: 'stale', path, shownPath, info, why, since: startedAt(info, path) };
}

/** The running stack's description, or a CliFailure that says the stack is not running and how to start it. */
export function requireRunningStack(stack: LocalStack): StackInfo {
  if (stack.state === 'running') return stack.info;
  if (stack.state === 'missing')
    throw new CliFailure(
      `no local stack: ${stack.path} does not exist (start one with \`npm start\` or \`npm run stack\`)`,
    );
  throw new CliFailure(`${notRunning(stack)}: ${START_STACK_HINT}`);
}

/** "the local stack is not running (found .local/stack.json from <time>, <why>)". */
export function notRunning(stack: Extract<LocalStack, { state: 'stale' }>): string {
  return `the local stack is not running (found ${stack.shownPath} from ${stack.since}, ${stack.why})`;
}

/** `.local/stack.json`, checked for the fields the CLI uses. */
export function readStackInfo(path: string): StackInfo {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliFailure(`cannot read stack file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliFailure(`stack file ${path} is not valid JSON`, { cause: error });
  }
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

/** "its processes are gone" when a recorded process no longer exists (pids.stack is required). */
function deadProcesses(info: StackInfo): string | undefined {
  const pids = isRecord(info.pids) ? info.pids : {};
  const recorded = Object.entries(pids).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
  if (!recorded.some(([name]) => name === 'stack')) return 'it records no stack process';
  const gone = recorded.filter(([, pid]) => !isAlive(pid));
  return gone.length > 0 ? 'its processes are gone' : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A recorded pid may have been reused by another program: the endpoints must also accept a connection. */
async function silentEndpoints(info: StackInfo): Promise<string | undefined> {
  const urls = [...new Set([info.simControlUrl, info.armEndpoint, info.hostUrl].filter(isString))];
  for (const url of urls) {
    const problem = await probe(url);
    if (problem !== undefined) return `its endpoint ${origin(url)} does not answer: ${problem}`;
  }
  return undefined;
}

/** Connects to the URL's port on 127.0.0.1 (other hosts are not probed: the local stack only listens there). */
function probe(url: string): Promise<string | undefined> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve('not a URL');
  }
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') return Promise.resolve(undefined);
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  return connectProblem(target.hostname, port, PROBE_TIMEOUT_MS);
}

function startedAt(info: StackInfo, path: string): string {
  if (typeof info.startedAt === 'string' && info.startedAt !== '') return info.startedAt;
  try {
    return statSync(path).mtime.toISOString();
  } catch {
    return 'an unknown time';
  }
}

function showPath(path: string, cwd: string): string {
  const shown = relative(cwd, path);
  return shown !== '' && !shown.startsWith('..') && !isAbsolute(shown) ? shown : path;
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function isString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
