import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { RunnerConfigError } from './errors';

/** `extensions.queues` of host.json with the host's defaults applied (durations in milliseconds). */
export interface QueueHostOptions {
  batchSize: number;
  newBatchThreshold: number;
  maxPollingIntervalMs: number;
  visibilityTimeoutMs: number;
  maxDequeueCount: number;
  messageEncoding: 'base64' | 'none';
}

export interface HostOptions {
  queues: QueueHostOptions;
}

export function readHostJson(appDir: string): HostOptions {
  const file = join(appDir, 'host.json');
  if (!existsSync(file)) throw new RunnerConfigError(`No host.json in ${appDir}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new RunnerConfigError(`host.json in ${appDir} is not valid JSON`, { cause: error });
  }
  return parseHostOptions(parsed);
}

export function parseHostOptions(hostJson: unknown): HostOptions {
  const root = asObject(hostJson, 'host.json');
  const extensions = root.extensions === undefined ? {} : asObject(root.extensions, 'extensions');
  const queues = extensions.queues === undefined ? {} : asObject(extensions.queues, 'extensions.queues');
  const batchSize = integer(queues.batchSize, 16, 'batchSize');
  if (batchSize < 1 || batchSize > 32)
    throw new RunnerConfigError(`extensions.queues.batchSize must be 1-32, got ${batchSize}`);
  const given = queues.messageEncoding;
  const encoding =
    given === undefined ? 'base64' : typeof given === 'string' ? given.toLowerCase() : JSON.stringify(given);
  if (encoding !== 'base64' && encoding !== 'none')
    throw new RunnerConfigError(`extensions.queues.messageEncoding must be base64 or none, got ${encoding}`);
  return {
    queues: {
      batchSize,
      newBatchThreshold: integer(queues.newBatchThreshold, Math.floor(batchSize / 2), 'newBatchThreshold'),
      maxPollingIntervalMs: Math.max(100, duration(queues.maxPollingInterval, 60_000, 'maxPollingInterval')),
      visibilityTimeoutMs: duration(queues.visibilityTimeout, 0, 'visibilityTimeout'),
      maxDequeueCount: integer(queues.maxDequeueCount, 5, 'maxDequeueCount'),
      messageEncoding: encoding,
    },
  };
}

/** Parses a .NET TimeSpan string `[d.]hh:mm:ss[.fffffff]` into milliseconds. */
export function parseTimeSpan(text: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!match) throw new RunnerConfigError(`'${text}' is not a TimeSpan (expected hh:mm:ss[.fff])`);
  const [, days, hours, minutes, seconds, fraction] = match;
  const ms = fraction ? Math.round(Number(`0.${fraction}`) * 1000) : 0;
  return ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000 + ms;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RunnerConfigError(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function integer(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new RunnerConfigError(`extensions.queues.${name} must be a non-negative integer`);
  return value;
}

function duration(value: unknown, fallbackMs: number, name: string): number {
  if (value === undefined) return fallbackMs;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') throw new RunnerConfigError(`extensions.queues.${name} must be a TimeSpan string`);
  return parseTimeSpan(value);
}
