import { SERVICE_BUSY_CODES } from '../azure/classifyAzureError';
import { PermanentError, TransientError } from '../errors';

/** A failed or cancelled operation: transient when the service says the item is busy, permanent otherwise. */
export function operationFailure(
  what: string,
  status: string,
  code: string | undefined,
  message: string | undefined,
): TransientError | PermanentError {
  const text = `Could not ${what}: operation ${status}${code ? ` (${code})` : ''}${message ? `: ${message.split(/\r?\n/)[0]}` : ''}`;
  const errorCode = code ?? `operation-${status.toLowerCase()}`;
  return code && SERVICE_BUSY_CODES.has(code)
    ? new TransientError(text, { code: errorCode })
    : new PermanentError(text, { code: errorCode });
}
