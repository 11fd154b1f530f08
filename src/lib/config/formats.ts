/** Parsers and checks for the text formats settings use: URLs, durations, NCRONTAB. Pure functions. */

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** True when the URL's host is the local machine (the simulator), the only case a static token is used. */
export function isLoopbackUrl(url: string): boolean {
  try {
    return LOOPBACK_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** The URL, or the problem with it: not absolute, or carrying credentials (settings name endpoints, not secrets). */
export function parseEndpointUrl(value: string): URL | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be an absolute URL, got '${value}'`;
  }
  if (url.username !== '' || url.password !== '') return 'must not carry credentials in the URL';
  return url;
}

/** https for anything; http only towards loopback (local simulator / local Event Grid). */
export function httpsUrlProblem(value: string): string | undefined {
  const url = parseEndpointUrl(value);
  if (typeof url === 'string') return url;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return `must be an https URL (http only for 127.0.0.1/localhost), got '${url.protocol}//${url.host}'`;
}

/** ISO-8601 duration (PnW, PnDTnHnMnS; years/months refused: their length varies) or a bare number of minutes. */
export function parseDurationMs(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 60_000);
  const weeks = /^P(\d+(?:\.\d+)?)W$/i.exec(text);
  if (weeks) return Math.round(Number(weeks[1]) * 7 * 86_400_000);
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
    text,
  );
  if (!match || text.toUpperCase() === 'P' || text.toUpperCase().endsWith('T')) return undefined;
  const [, days, hours, minutes, seconds] = match;
  return Math.round(
    Number(days ?? 0) * 86_400_000 +
      Number(hours ?? 0) * 3_600_000 +
      Number(minutes ?? 0) * 60_000 +
      Number(seconds ?? 0) * 1000,
  );
}

/** An ISO-8601 duration only (`PT5M`, `P1D`; not a bare number of minutes), in ms; undefined when it is not one. */
export function isoDurationMs(text: string): number | undefined {
  return /^P/i.test(text) ? parseDurationMs(text) : undefined;
}

/** NCRONTAB: 6 fields (second first) or 5 (minute-level), as the timer trigger accepts. */
export function ncrontabProblem(text: string): string | undefined {
  const fields = text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6)
    return `must be an NCRONTAB expression with 6 fields ({second} {minute} {hour} {day} {month} {day-of-week})`;
  const names = '(?:[A-Za-z]{3,9})';
  const atom = `(?:\\*|\\d{1,2}|${names})(?:-(?:\\d{1,2}|${names}))?(?:\\/\\d{1,2})?`;
  const field = new RegExp(`^${atom}(?:,${atom})*$`);
  const bad = fields.filter((part) => !field.test(part));
  return bad.length === 0 ? undefined : `has invalid NCRONTAB field(s) ${bad.map((part) => `'${part}'`).join(', ')}`;
}
