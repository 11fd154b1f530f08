import { ensureError, PermanentError, statusCodeOf, TransientError } from '../errors';
import { type HeaderSource, retryAfterMsFrom } from './retryAfter';

/**
 * ARM/Recovery Services error codes that mean "busy, try again later", whatever their HTTP status and whether a call
 * refuses with them or a failed operation reports them.
 */
export const SERVICE_BUSY_CODES: ReadonlySet<string> = new Set([
  'BMSUserErrorObjectLocked',
  'BMSUserErrorConflictingProtectionOperation',
  'UserErrorBackupOperationInProgress',
  'ResourceRequestsThrottled',
  'OperationInProgress',
]);
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'REQUEST_SEND_ERROR',
  'UND_ERR_SOCKET',
]);
const CONNECTION_MESSAGES = /socket hang up|network|timed? ?out|aborted/i;

/**
 * Maps anything an SDK call threw to TransientError (retry through the queue) or PermanentError (record, stop).
 * 429, 408, 5xx but 501/505, connection errors and "object locked" are transient; other 4xx are permanent with the
 * ARM error code kept. Errors of unknown shape are transient, so they end in the poison queue with history, never lost.
 */
export function classifyAzureError(error: unknown): TransientError | PermanentError {
  if (error instanceof TransientError || error instanceof PermanentError) return error;
  const cause = ensureError(error);
  const status = statusCodeOf(error);
  const code = stringField(error, 'code');
  const context = { statusCode: status, armCode: code };
  const label = `${status ?? 'no status'}${code ? ` ${code}` : ''}`;
  const message = `Azure call failed (${label}): ${firstLine(cause.message)}`;

  if (code && SERVICE_BUSY_CODES.has(code)) {
    return new TransientError(message, { cause, code, context, retryAfterMs: retryAfterOf(error) });
  }
  if (status === 429 || status === 408 || (status !== undefined && status >= 500 && status !== 501 && status !== 505)) {
    return new TransientError(message, {
      cause,
      code: code ?? `http-${status}`,
      context,
      retryAfterMs: retryAfterOf(error),
    });
  }
  if (status !== undefined && status >= 400) {
    return new PermanentError(message, { cause, code: code ?? `http-${status}`, context });
  }
  if (status !== undefined) {
    // A status the SDK did not expect (e.g. 200 to a 202-only call, 501): the service and client disagree.
    return new PermanentError(message, { cause, code: code ?? `unexpected-status-${status}`, context });
  }
  if ((code && CONNECTION_CODES.has(code)) || CONNECTION_MESSAGES.test(cause.message) || cause.name === 'AbortError') {
    return new TransientError(message, { cause, code: code ?? 'connection-error', context });
  }
  return new TransientError(message, { cause, code: code ?? 'unexpected-error', context });
}

function retryAfterOf(error: unknown): number | undefined {
  const response = objectField(error, 'response');
  const headers = objectField(response, 'headers');
  if (headers && typeof (headers as { get?: unknown }).get === 'function')
    return retryAfterMsFrom(headers as HeaderSource);
  return undefined;
}

function objectField(value: unknown, field: string): object | undefined {
  if (typeof value !== 'object' || value === null || !(field in value)) return undefined;
  const inner = (value as Record<string, unknown>)[field];
  return typeof inner === 'object' && inner !== null ? inner : undefined;
}

function stringField(value: unknown, field: string): string | undefined {
  if (typeof value !== 'object' || value === null || !(field in value)) return undefined;
  const inner = (value as Record<string, unknown>)[field];
  return typeof inner === 'string' && inner !== '' ? inner : undefined;
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0]?.slice(0, 500) ?? '';
}
