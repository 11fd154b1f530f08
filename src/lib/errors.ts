/**
 * The one errors module of autoprotect. Every failure the app raises on purpose is an AutoprotectError,
 * classified as transient (retry through the queue) or permanent (record and stop). `cause` is always kept.
 */

export type ErrorKind = 'transient' | 'permanent';

export interface AutoprotectErrorOptions {
  cause?: unknown;
  /** Stable machine code, e.g. 'vm-deleted', 'ResourceRequestsThrottled'. */
  code?: string;
  context?: Record<string, unknown>;
}

export abstract class AutoprotectError extends Error {
  abstract readonly kind: ErrorKind;
  readonly code: string;
  readonly context: Record<string, unknown>;

  constructor(message: string, options: AutoprotectErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? defaultCodeFor(new.target.name);
    this.context = { ...(options.context ?? {}) };
  }
}

export interface TransientErrorOptions extends AutoprotectErrorOptions {
  /** Server-advised wait (Retry-After), in milliseconds. */
  retryAfterMs?: number;
}

export class TransientError extends AutoprotectError {
  readonly kind = 'transient' as const;
  readonly retryAfterMs?: number;

  constructor(message: string, options: TransientErrorOptions = {}) {
    super(message, options);
    if (options.retryAfterMs !== undefined && Number.isFinite(options.retryAfterMs) && options.retryAfterMs >= 0) {
      this.retryAfterMs = options.retryAfterMs;
    }
  }
}

/** The code of an Azure operation left running: the request checks back on it through the queue. */
export const OPERATION_IN_PROGRESS = 'operation-in-progress';

/**
 * Azure is still working and asked for a longer wait than an invocation should hold its queue slot: the request
 * checks back after `retryAfterMs`, without spending an attempt.
 */
export class OperationPendingError extends TransientError {
  constructor(message: string, options: Omit<TransientErrorOptions, 'code'> & { retryAfterMs: number }) {
    super(message, { ...options, code: OPERATION_IN_PROGRESS });
  }
}

export class PermanentError extends AutoprotectError {
  readonly kind = 'permanent' as const;
}

/** Bad input: an event, a queue message or a resource id that can never be processed as it is. */
export class ValidationError extends PermanentError {}

/** Invalid configuration. The message lists every problem, one per line. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[], options?: { cause?: unknown }) {
    super(
      `Invalid autoprotect configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'ConfigError';
    this.problems = [...problems];
  }
}

/** Normalises any thrown value into an Error (keeping the original as `cause` when it was not one). */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return new Error(`Non-error value thrown: ${text}`, { cause: value });
}

/**
 * The HTTP status of a failed SDK call (`RestError.statusCode`), also after classifyAzureError has wrapped it (the
 * status is kept in `context.statusCode`). Undefined for errors without one (connection errors, bugs).
 */
export function statusCodeOf(error: unknown): number | undefined {
  if (error instanceof AutoprotectError && typeof error.context.statusCode === 'number')
    return error.context.statusCode;
  return typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number'
    ? error.statusCode
    : undefined;
}

function defaultCodeFor(className: string): string {
  // 'ValidationError' -> 'validation-error'
  return className.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
