import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';

import { classifyAzureError } from '../../../../src/lib/azure/classifyAzureError';
import { PermanentError, TransientError } from '../../../../src/lib/errors';

function restError(statusCode: number | undefined, code?: string, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: 'https://127.0.0.1/x' });
  return new RestError(`failed ${code ?? ''}\r\nsecond line`, {
    statusCode,
    code,
    request,
    response:
      statusCode === undefined ? undefined : { status: statusCode, headers: createHttpHeaders(headers), request },
  });
}

describe('classifyAzureError', () => {
  it('makes 429 transient and honours Retry-After in seconds', () => {
    const error = classifyAzureError(restError(429, 'ResourceRequestsThrottled', { 'retry-after': '7' }));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: 'ResourceRequestsThrottled', retryAfterMs: 7000 });
    expect(error.message).toBe('Azure call failed (429 ResourceRequestsThrottled): failed ResourceRequestsThrottled');
  });

  it('prefers retry-after-ms', () => {
    expect(
      classifyAzureError(restError(429, undefined, { 'retry-after-ms': '250', 'retry-after': '9' })),
    ).toMatchObject({ retryAfterMs: 250, code: 'http-429' });
  });

  it.each([408, 500, 502, 503, 504])('makes %i transient', (status) => {
    expect(classifyAzureError(restError(status))).toBeInstanceOf(TransientError);
  });

  it.each([501, 505])('makes %i permanent', (status) => {
    expect(classifyAzureError(restError(status))).toBeInstanceOf(PermanentError);
  });

  it.each([
    'BMSUserErrorObjectLocked',
    'BMSUserErrorConflictingProtectionOperation',
    'UserErrorBackupOperationInProgress',
    'OperationInProgress',
  ])('makes %s transient whatever the status', (code) => {
    expect(classifyAzureError(restError(400, code))).toMatchObject({ kind: 'transient', code });
  });

  it('makes other 4xx permanent and keeps the ARM code and cause', () => {
    const original = restError(400, 'BMSUserErrorInvalidConfigureProtectionRequest');
    const error = classifyAzureError(original);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.code).toBe('BMSUserErrorInvalidConfigureProtectionRequest');
    expect(error.cause).toBe(original);
    expect(error.context).toMatchObject({ statusCode: 400 });
  });

  it('makes an unexpected success status permanent', () => {
    expect(classifyAzureError(restError(200))).toMatchObject({ kind: 'permanent', code: 'unexpected-status-200' });
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT'])('makes connection error %s transient', (code) => {
    const error = Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
    expect(classifyAzureError(error)).toMatchObject({ kind: 'transient', code });
  });

  it('makes socket hang up transient', () => {
    expect(classifyAzureError(new Error('socket hang up'))).toMatchObject({
      kind: 'transient',
      code: 'connection-error',
    });
  });

  // The two ways an ARM outage reaches the app (simulator/src/outage.ts): ARM's 503 ServiceUnavailable with
  // Retry-After, and a front door that drops the connection. Both must retry through the queue.
  it('makes an outage answer (503 ServiceUnavailable, Retry-After 10) transient and keeps the wait', () => {
    expect(classifyAzureError(restError(503, 'ServiceUnavailable', { 'retry-after': '10' }))).toMatchObject({
      kind: 'transient',
      code: 'ServiceUnavailable',
      retryAfterMs: 10_000,
    });
  });

  it('makes a dropped connection as the SDK reports it (RestError without a status) transient', () => {
    expect(classifyAzureError(restError(undefined, 'ECONNRESET'))).toMatchObject({
      kind: 'transient',
      code: 'ECONNRESET',
    });
  });

  it('returns autoprotect errors unchanged', () => {
    const permanent = new PermanentError('no', { code: 'x' });
    expect(classifyAzureError(permanent)).toBe(permanent);
  });

  it('wraps non-errors', () => {
    expect(classifyAzureError('boom')).toMatchObject({ kind: 'transient', code: 'unexpected-error' });
  });
});
