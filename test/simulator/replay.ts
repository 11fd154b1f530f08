import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SimulatorHandle } from '../../simulator/src/index';
import { BEARER, rawRequest, type RawResponse } from './helpers';

/** One entry of a .NET HttpRecorder session file (Azure PowerShell SessionRecords). */
export interface RecordedEntry {
  RequestUri: string;
  RequestMethod: string;
  RequestBody: string;
  ResponseHeaders: Record<string, string[]>;
  ResponseBody: string;
  StatusCode: number;
}

export function loadRecording(file: string): RecordedEntry[] {
  return (
    JSON.parse(readFileSync(join(__dirname, 'fixtures', 'recordings', file), 'utf8')) as { Entries: RecordedEntry[] }
  ).Entries;
}

/** Keys that exist only in an older api-version than the 2023-06-01 the simulator renders. */
const VERSION_SPECIFIC_KEYS = new Set(['kpisHealths']);

/**
 * Lists every path in `recorded` whose key is missing in `actual` or whose JSON type differs.
 * Arrays are compared through their first element; `null` in the recording matches anything.
 */
export function shapeDifferences(recorded: unknown, actual: unknown, path = '$'): string[] {
  if (recorded === null) return [];
  if (Array.isArray(recorded)) {
    if (!Array.isArray(actual)) return [`${path}: expected array`];
    if (recorded.length === 0) return [];
    if (actual.length === 0) return [`${path}: expected a non-empty array`];
    return shapeDifferences(recorded[0], actual[0], `${path}[0]`);
  }
  if (typeof recorded === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: expected object`];
    return Object.entries(recorded as Record<string, unknown>).flatMap(([key, value]) => {
      if (VERSION_SPECIFIC_KEYS.has(key)) return [];
      if (!(key in (actual as Record<string, unknown>))) return [`${path}.${key}: missing`];
      return shapeDifferences(value, (actual as Record<string, unknown>)[key], `${path}.${key}`);
    });
  }
  return typeof recorded === typeof actual ? [] : [`${path}: expected ${typeof recorded}, got ${typeof actual}`];
}

/**
 * Replays recorded entries in order against the simulator. Operation and job ids the real service minted are
 * mapped onto the ids the simulator returned; status polls are repeated until the simulator reaches the recorded
 * status.
 */
export class Replayer {
  private readonly ids = new Map<string, string>();

  constructor(private readonly sim: SimulatorHandle) {}

  async replay(entry: RecordedEntry): Promise<RawResponse> {
    const uri = this.mapIds(entry.RequestUri);
    const body = entry.RequestBody ? JSON.parse(entry.RequestBody) : undefined;
    const recordedBody = entry.ResponseBody
      ? (JSON.parse(entry.ResponseBody) as { status?: string; properties?: { status?: string; jobId?: string } })
      : undefined;
    const wantedStatus = recordedBody?.status ?? recordedBody?.properties?.status;
    const deadline = Date.now() + 5000;
    for (;;) {
      const res = await rawRequest(this.sim, entry.RequestMethod, uri, body, BEARER);
      this.learnIds(entry, res);
      const got = res.json as { status?: string; properties?: { status?: string } } | undefined;
      const gotStatus = got?.status ?? got?.properties?.status;
      if (
        entry.RequestMethod !== 'GET' ||
        wantedStatus === undefined ||
        gotStatus === wantedStatus ||
        Date.now() > deadline
      )
        return res;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The recorded header URL path with the recorded operation id, for comparison with ours. */
  static headerPath(value: string | undefined): string {
    if (!value) return '';
    const url = new URL(value);
    return url.pathname
      .replace(/%3B/gi, ';')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, '{op}')
      .toLowerCase();
  }

  private learnIds(entry: RecordedEntry, res: RawResponse): void {
    for (const header of ['Azure-AsyncOperation', 'Location']) {
      const recorded = entry.ResponseHeaders[header]?.[0];
      const ours = res.headers[header.toLowerCase()];
      if (recorded && typeof ours === 'string') this.ids.set(lastSegment(recorded), lastSegment(ours));
    }
    const recordedJob = entry.ResponseBody
      ? (JSON.parse(entry.ResponseBody) as { properties?: { jobId?: string } }).properties?.jobId
      : undefined;
    const ourJob = (res.json as { properties?: { jobId?: string } } | undefined)?.properties?.jobId;
    if (recordedJob && ourJob) this.ids.set(recordedJob, ourJob);
  }

  private mapIds(uri: string): string {
    let mapped = uri;
    for (const [recorded, ours] of this.ids) mapped = mapped.split(recorded).join(ours);
    return mapped;
  }
}

function lastSegment(url: string): string {
  return new URL(url).pathname.split('/').pop() ?? '';
}
