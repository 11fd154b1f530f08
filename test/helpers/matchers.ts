/**
 * Custom jest matchers, registered for every test file by setupEnv.ts.
 *
 * `toHaveLogged` asserts logs as data, like Powertools' `packages/testing` matcher: it parses each captured line as
 * JSON and passes when one entry holds the expected fields. Fields are compared as a subset (nested objects too, like
 * `toMatchObject`), asymmetric matchers are allowed, and `undefined` means "not logged" (JSON drops undefined fields).
 *
 *   expect(logs).toHaveLogged({ level: 'warn', message: 'protection request failed permanently', code: 'x' });
 */
import type { CapturedLog } from './logCapture';

/** What `toHaveLogged` reads: capturingContext's logs, or raw log lines (JSON text). */
export type LogSource = ReadonlyArray<CapturedLog | string>;

/** Expected fields of one log entry: values, nested subsets, or asymmetric matchers (`expect.any(Number)`). */
export type ExpectedLogEntry = Record<string, unknown>;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- augmenting @types/jest's global namespace
  namespace jest {
    interface Matchers<R> {
      /** Passes when some captured log entry (parsed JSON) matches `expected` as a subset. */
      toHaveLogged(expected: ExpectedLogEntry): R;
    }
  }
}

type Equals = (actual: unknown, expected: unknown) => boolean;

expect.extend({
  toHaveLogged(this: jest.MatcherContext, received: unknown, expected: ExpectedLogEntry) {
    const name = 'toHaveLogged';
    const hint = this.utils.matcherHint(name, 'logs', 'expected', { isNot: this.isNot });
    if (!Array.isArray(received)) {
      throw new TypeError(
        `${hint}\n\nExpected the logs of capturingContext (an array), received ${this.utils.printReceived(received)}`,
      );
    }
    if (!isPlainObject(expected)) {
      throw new TypeError(`${hint}\n\nExpected fields must be an object, got ${this.utils.printExpected(expected)}`);
    }
    const entries = (received as unknown[]).map(entryOf);
    const equals: Equals = (actual, wanted) => this.equals(actual, wanted);
    const index = entries.findIndex((entry) => matchesSubset(entry, expected, equals));
    const pass = index >= 0;
    const listing = () =>
      entries.length === 0
        ? 'No entries were logged.'
        : `Entries seen (${entries.length}):\n${entries.map((entry, i) => `  ${i + 1}. ${this.utils.printReceived(entry)}`).join('\n')}`;
    return {
      pass,
      message: pass
        ? () =>
            `${hint}\n\nExpected no entry matching ${this.utils.printExpected(expected)}\n` +
            `but entry ${index + 1} matched: ${this.utils.printReceived(entries[index])}`
        : () => `${hint}\n\nExpected an entry matching ${this.utils.printExpected(expected)}\n${listing()}`,
    };
  },
});

/** The parsed entry of one captured log (capturingContext already parsed it), or of a raw JSON line. */
function entryOf(log: unknown): unknown {
  if (typeof log === 'string') {
    try {
      return JSON.parse(log) as unknown;
    } catch {
      return { unstructured: log };
    }
  }
  if (isPlainObject(log) && 'entry' in log) return log.entry;
  return log;
}

/**
 * True when `actual` holds every field of `expected`: plain objects recursively, arrays element by element (same
 * length), anything else (asymmetric matchers included) through jest's equality. An expected `undefined` matches an
 * absent field.
 */
function matchesSubset(actual: unknown, expected: unknown, equals: Equals): boolean {
  if (isAsymmetricMatcher(expected)) return equals(actual, expected);
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, i) => matchesSubset(actual[i], item, equals))
    );
  }
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return false;
    return Object.entries(expected).every(([key, value]) =>
      value === undefined ? actual[key] === undefined : key in actual && matchesSubset(actual[key], value, equals),
    );
  }
  return equals(actual, expected);
}

function isAsymmetricMatcher(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { asymmetricMatch?: unknown }).asymmetricMatch === 'function'
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
