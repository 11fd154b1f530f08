import { SERVICE_BUSY_CODES } from '../../../../src/lib/azure/classifyAzureError';
import { PermanentError, TransientError } from '../../../../src/lib/errors';
import { operationFailure } from '../../../../src/lib/protection/operationFailure';

describe('operationFailure', () => {
  type Args = Parameters<typeof operationFailure>;
  it.each<{ args: Args; message: string; code: string }>([
    {
      args: ['enable protection', 'Failed', 'UserErrorX', 'first line\r\nsecond line'],
      message: 'Could not enable protection: operation Failed (UserErrorX): first line',
      code: 'UserErrorX',
    },
    {
      args: ['trigger backup', 'Failed', 'UserErrorX', undefined],
      message: 'Could not trigger backup: operation Failed (UserErrorX)',
      code: 'UserErrorX',
    },
    {
      args: ['trigger backup', 'Canceled', undefined, 'stopped by a person'],
      message: 'Could not trigger backup: operation Canceled: stopped by a person',
      code: 'operation-canceled',
    },
    {
      args: ['trigger backup', 'Invalid', undefined, undefined],
      message: 'Could not trigger backup: operation Invalid',
      code: 'operation-invalid',
    },
  ])('is permanent, "$message" ($code)', ({ args, message, code }) => {
    const error = operationFailure(...args);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ message, code });
  });

  it.each([...SERVICE_BUSY_CODES])('is transient when the service reports %s (busy)', (code) => {
    const error = operationFailure('enable protection', 'Failed', code, undefined);
    expect(error).toBeInstanceOf(TransientError);
    expect(error.code).toBe(code);
  });
});
