import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';

/** What an ARM call rejects with: a RestError with status, ARM error code, and response headers (e.g. retry-after). */
export function armError(
  statusCode: number,
  code: string,
  headers: Record<string, string> = {},
  message = `ARM said ${code}`,
): RestError {
  const request = createPipelineRequest({ url: 'https://127.0.0.1/arm' });
  return new RestError(message, {
    statusCode,
    code,
    request,
    response: { status: statusCode, headers: createHttpHeaders(headers), request },
  });
}

/** A dropped connection, as Node reports it. */
export function connectionReset(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}
