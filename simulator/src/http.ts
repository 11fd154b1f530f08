import type { IncomingHttpHeaders } from 'node:http';

/** What a handler sees of one ARM request. Path parameters are already percent-decoded (`%3B` -> `;`). */
export interface ArmRequest {
  method: string;
  url: URL;
  /** Public base of this server, e.g. https://127.0.0.1:8443 (used for absolute Location / nextLink URLs). */
  baseUrl: string;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
  apiVersion: string;
  clientRequestId: string;
  now: number;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Query parameter by case-insensitive name (ARM accepts `$filter`, `$Filter`, `$skipToken`, `$skiptoken`). */
export function queryParam(url: URL, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of url.searchParams) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export function param(req: ArmRequest, name: string): string {
  const value = req.params[name];
  if (value === undefined) throw new Error(`route parameter ${name} missing`);
  return value;
}

export function ok(body: unknown, status = 200): ArmResponse {
  return { status, body };
}

export function accepted(headers: Record<string, string>): ArmResponse {
  return { status: 202, headers };
}

/** ARM timestamps carry a 7-digit fraction (.NET ticks). */
export function armTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** .NET DateTime.MinValue as the service sends it for "not yet" (no `Z`). */
export const DOTNET_MIN_DATE = '0001-01-01T00:00:00';

/** ISO-8601 duration as the service formats it: PT1H11M13.0108008S. */
export function isoDuration(ms: number): string {
  const totalSeconds = Math.max(0, ms) / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = (totalSeconds % 60).toFixed(7).replace(/\.?0+$/, '');
  return `PT${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds}S`;
}
