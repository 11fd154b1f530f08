import { GUID_PATTERN, httpsUrlProblem, isoDurationMs, ncrontabProblem, parseDurationMs } from './formats';

/** Reads one scalar setting at a time; every problem is appended to `problems` and a safe fallback returned. */
export class SettingReader {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly problems: string[],
  ) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  requiredString(name: string): string {
    const value = this.raw(name);
    if (value === undefined) this.problems.push(`${name} is required`);
    return value ?? '';
  }

  subscriptionList(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) {
      this.problems.push(`${name} is required: a comma-separated list of subscription ids to watch`);
      return [];
    }
    const ids = value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
    const invalid = ids.filter((id) => !GUID_PATTERN.test(id));
    if (invalid.length > 0)
      this.problems.push(`${name} has values that are not subscription GUIDs: ${invalid.join(', ')}`);
    if (ids.length === 0) this.problems.push(`${name} lists no subscription`);
    return [...new Set(ids.filter((id) => GUID_PATTERN.test(id)).map((id) => id.toLowerCase()))];
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.number(name, fallback, min, max);
    if (!Number.isInteger(value)) {
      this.problems.push(`${name} must be a whole number, got '${this.raw(name)}'`);
      return fallback;
    }
    return value;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || !/^-?\d+(\.\d+)?$/.test(text)) {
      this.problems.push(`${name} must be a number, got '${text}'`);
      return fallback;
    }
    if (value < min || value > max) {
      this.problems.push(`${name} must be between ${min} and ${max}, got ${value}`);
      return fallback;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const text = this.raw(name)?.toLowerCase();
    if (text === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(text)) return true;
    if (['false', '0', 'no', 'off'].includes(text)) return false;
    this.problems.push(`${name} must be true or false, got '${text}'`);
    return fallback;
  }

  matching(name: string, fallback: string, pattern: RegExp, description: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!pattern.test(value)) {
      this.problems.push(`${name} must be ${description}, got '${value}'`);
      return fallback;
    }
    return value;
  }

  optionalUrl(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const problem = httpsUrlProblem(value);
    if (problem !== undefined) {
      this.problems.push(`${name} ${problem}`);
      return undefined;
    }
    return value.replace(/\/+$/, '');
  }

  duration(name: string, fallback: number): number {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const value = parseDurationMs(text);
    if (value === undefined || value <= 0) {
      this.problems.push(
        `${name} must be an ISO-8601 duration (e.g. PT24H, P1D, PT30M) or a number of minutes, got '${text}'`,
      );
      return fallback;
    }
    return value;
  }

  /**
   * A comma-separated list of ISO-8601 durations (`PT5M,PT15M`), each above 0 and at most `maxMs`, at most 10 of them;
   * `none` (when allowed) is the empty list. Every bad entry is listed in one problem, and the fallback is returned.
   */
  durationList(name: string, fallback: string, options: { maxMs: number; allowNone: boolean }): number[] {
    const text = this.raw(name);
    if (text === undefined) return parseDurationList(fallback, options).values;
    const { values, problems } = parseDurationList(text, options);
    if (problems.length === 0) return values;
    const example = options.allowNone ? "e.g. 'PT5M,PT15M,PT45M', or 'none'" : "e.g. 'PT2M,PT5M,PT10M'";
    this.problems.push(`${name} ${problems.join('; ')} (${example}), got '${text}'`);
    return parseDurationList(fallback, options).values;
  }

  schedule(name: string, fallback: string): string {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const problem = ncrontabProblem(text);
    if (problem !== undefined) {
      this.problems.push(`${name} ${problem}, got '${text}'`);
      return fallback;
    }
    return text;
  }
}

function parseDurationList(
  text: string,
  options: { maxMs: number; allowNone: boolean },
): { values: number[]; problems: string[] } {
  if (options.allowNone && text.toLowerCase() === 'none') return { values: [], problems: [] };
  const entries = text.split(',').map((entry) => entry.trim());
  const values = entries.map((entry) => isoDurationMs(entry) ?? Number.NaN);
  const bad = entries.filter((_, index) => !((values[index] ?? 0) > 0 && (values[index] ?? 0) <= options.maxMs));
  const problems: string[] = [];
  if (bad.length > 0)
    problems.push(
      `has ${bad.length === 1 ? 'an entry that is not an ISO-8601 duration' : `${bad.length} entries that are not ISO-8601 durations`} above 0 and at most ${options.maxMs / 3600_000} h: ${bad.map((entry) => `'${entry}'`).join(', ')}`,
    );
  if (entries.length > 10) problems.push(`lists ${entries.length} durations, at most 10 are allowed`);
  return { values, problems };
}
