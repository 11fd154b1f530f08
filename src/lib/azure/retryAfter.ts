/** Header lookup that works for core-rest-pipeline HttpHeaders and plain records. */
export interface HeaderSource {
  get(name: string): string | undefined;
}

/**
 * Server-advised wait in milliseconds from `retry-after-ms`, `x-ms-retry-after-ms` or `Retry-After`
 * (seconds or an HTTP date). Undefined when absent or unparsable.
 */
export function retryAfterMsFrom(headers: HeaderSource | undefined, now: Date = new Date()): number | undefined {
  if (!headers) return undefined;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = headers.get(name);
    if (value !== undefined && value.trim() !== '' && Number.isFinite(Number(value))) return Math.max(0, Number(value));
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter === undefined || retryAfter.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter.trim())) return Number(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}
