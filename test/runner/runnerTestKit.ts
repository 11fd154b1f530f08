import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { QueueClient } from '@azure/storage-queue';

import { type RunnerHandle, type RunnerOptions, startRunner } from '../../tools/local-runner';
import { testStorageConnectionString, uniqueName } from '../helpers/storage';
import { tempDir } from '../helpers/tempDir';

export const fixtureAppDir = join(__dirname, '..', 'fixtures', 'runner-app');
/** Same functions, host.json with messageEncoding none, maxDequeueCount 2, maxPollingInterval 2 s. */
export const plainFixtureAppDir = join(__dirname, '..', 'fixtures', 'runner-app-plain');

export interface FixtureRecord {
  instance?: string;
  at: number;
  fn: string;
  phase?: 'start' | 'end';
  invocationId: string;
  tag?: unknown;
  entry?: unknown;
  event?: { id?: string; data?: unknown };
  timer?: { isPastDue: boolean; scheduleStatus: unknown; schedule: unknown };
  triggerMetadata?: Record<string, unknown>;
}

/** Settings of the fixture app with unique queue and record-file names for one test. */
export function fixtureSettings(overrides: Record<string, string> = {}): Record<string, string> {
  const storage = testStorageConnectionString();
  return {
    AzureWebJobsStorage: storage,
    FixtureStorage: storage,
    RECORD_FILE: join(tempDir('runner-record-'), 'record.jsonl'),
    WORK_QUEUE: uniqueName('work'),
    OUT_QUEUE: uniqueName('out'),
    TICK_SCHEDULE: '0 0 0 1 1 *',
    FIXTURE_INSTANCE: 'a',
    AzureFunctionsWebHost__hostid: uniqueName('host'),
    ...overrides,
  };
}

/** A started runner plus every log line it printed. */
export interface TestRunner extends RunnerHandle {
  logs: string[];
}

const started: RunnerHandle[] = [];

export async function startTestRunner(options: Omit<RunnerOptions, 'port'> & { port?: number }): Promise<TestRunner> {
  const logs: string[] = [];
  const runner = await startRunner({ port: 0, stopTimeoutMs: 3_000, ...options, onLog: (line) => logs.push(line) });
  started.push(runner);
  return Object.assign(runner, { logs });
}

/** Kills every runner a test file started (call in afterAll). */
export async function killAllRunners(): Promise<void> {
  await Promise.all(started.splice(0).map((runner) => runner.kill()));
}

export function readRecords(file: string): FixtureRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as FixtureRecord);
}

/** Polls `probe` until it returns a value other than undefined/false. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function queueClient(name: string): QueueClient {
  return new QueueClient(testStorageConnectionString(), name);
}

export function base64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

/** Receives (and deletes) every visible message of a queue; returns the raw message texts. */
export async function drainQueue(queue: QueueClient): Promise<string[]> {
  const texts: string[] = [];
  if (!(await queue.exists())) return texts;
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 });
    if (receivedMessageItems.length === 0) return texts;
    for (const message of receivedMessageItems) {
      texts.push(message.messageText);
      await queue.deleteMessage(message.messageId, message.popReceipt);
    }
  }
}

/** Drains a queue until at least `count` messages arrived (or times out); returns the raw texts in arrival order. */
export async function collectMessages(queue: QueueClient, count: number, timeoutMs = 10_000): Promise<string[]> {
  const texts: string[] = [];
  await waitFor(
    async () => {
      texts.push(...(await drainQueue(queue)));
      return texts.length >= count;
    },
    timeoutMs,
    `${count} message(s) in ${queue.name}`,
  );
  return texts;
}

/** Number of messages in a queue, visible or not (approximate, as the service reports it). */
export async function queueLength(queue: QueueClient): Promise<number> {
  if (!(await queue.exists())) return 0;
  return (await queue.getProperties()).approximateMessagesCount ?? 0;
}

export function parseLogLines(lines: string[]): Array<Record<string, unknown>> {
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
