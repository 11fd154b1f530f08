import {
  AutoprotectError,
  ConfigError,
  ensureError,
  PermanentError,
  statusCodeOf,
  TransientError,
  ValidationError,
} from '../../../src/lib/errors';

describe('errors', () => {
  it('TransientError keeps name, kind, code, context, cause and retryAfterMs', () => {
    const cause = new Error('socket hang up');
    const error = new TransientError('ARM throttled', {
      cause,
      code: 'ResourceRequestsThrottled',
      context: { vm: 'a' },
      retryAfterMs: 1500,
    });
    expect(error).toBeInstanceOf(AutoprotectError);
    expect(error.name).toBe('TransientError');
    expect(error.kind).toBe('transient');
    expect(error.code).toBe('ResourceRequestsThrottled');
    expect(error.context).toEqual({ vm: 'a' });
    expect(error.cause).toBe(cause);
    expect(error.retryAfterMs).toBe(1500);
  });

  it('ignores a negative or non-finite retryAfterMs', () => {
    expect(new TransientError('x', { retryAfterMs: -1 }).retryAfterMs).toBeUndefined();
    expect(new TransientError('x', { retryAfterMs: Number.NaN }).retryAfterMs).toBeUndefined();
  });

  it('ValidationError is a permanent error with a derived default code', () => {
    const error = new ValidationError('bad event');
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.kind).toBe('permanent');
    expect(error.name).toBe('ValidationError');
    expect(error.code).toBe('validation-error');
    expect(error.cause).toBeUndefined();
  });

  it('ConfigError lists every problem in its message', () => {
    const error = new ConfigError(['A is required', 'B must be a number']);
    expect(error.problems).toEqual(['A is required', 'B must be a number']);
    expect(error.message).toContain('2 problems');
    expect(error.message).toContain('- A is required');
    expect(error.message).toContain('- B must be a number');
    expect(error.name).toBe('ConfigError');
  });

  it('ensureError returns errors as they are and wraps anything else with the value as cause', () => {
    const original = new RangeError('r');
    expect(ensureError(original)).toBe(original);
    const wrapped = ensureError({ status: 500 });
    expect(wrapped).toBeInstanceOf(Error);
    expect(wrapped.message).toContain('{"status":500}');
    expect(wrapped.cause).toEqual({ status: 500 });
    expect(ensureError('text').message).toContain('text');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(ensureError(circular).message).toContain('[object Object]');
  });
});

describe('statusCodeOf', () => {
  it('reads the status of an SDK error, of a classified one, and nothing else', () => {
    expect(statusCodeOf(Object.assign(new Error('not found'), { statusCode: 404 }))).toBe(404);
    expect(statusCodeOf(new TransientError('throttled', { context: { statusCode: 429 } }))).toBe(429);
    expect(statusCodeOf(new PermanentError('bad', { context: { statusCode: '400' } }))).toBeUndefined();
    expect(statusCodeOf(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(statusCodeOf('404')).toBeUndefined();
  });
});
