import fc from 'fast-check';

import { TransientError } from '../../../src/lib/errors';
import { createLogger, errorFields } from '../../../src/lib/logger';
import { capturingContext } from '../../helpers/logCapture';

describe('createLogger', () => {
  it('writes one JSON object per entry with the stable keys, through the matching context method', () => {
    const { context, logs } = capturingContext('enqueueProtection', 'inv-1');
    const logger = createLogger(context, { component: 'enqueue' });
    logger.info('hello', { vmKey: 'k' });
    logger.warn('careful');
    logger.error('broken');
    expect(logs.map((log) => log.level)).toEqual(['information', 'warning', 'error']);
    const [first] = logs;
    expect(first?.entry).toEqual({
      component: 'enqueue',
      vmKey: 'k',
      level: 'info',
      message: 'hello',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      service: 'autoprotect',
      functionName: 'enqueueProtection',
      invocationId: 'inv-1',
    });
    expect(logs.map((log) => log.entry.level)).toEqual(['info', 'warn', 'error']);
  });

  it('child loggers add their fields; entry fields cannot override the stable keys', () => {
    const { context, logs } = capturingContext('f');
    createLogger(context)
      .child({ correlationId: 'c1' })
      .child({ eventId: 'e1' })
      .info('m', { level: 'fake', service: 'other' });
    expect(logs[0]?.entry).toMatchObject({ correlationId: 'c1', eventId: 'e1', level: 'info', service: 'autoprotect' });
  });

  it('never logs connection strings, keys or tokens', () => {
    const { context, logs } = capturingContext('f');
    const connection =
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0a2V5;EndpointSuffix=core.windows.net';
    createLogger(context).error(`failed with ${connection}`, {
      storageConnection: connection,
      nested: {
        accessToken: 'abc',
        note: 'Authorization: Bearer eyJhbGciOi.abc.def',
        url: 'https://x.blob.core.windows.net/c?sv=1&sig=SECRETSIG',
      },
      vmKey: '/subscriptions/x/vm',
    });
    const text = JSON.stringify(logs);
    expect(text).not.toContain('c2VjcmV0a2V5');
    expect(text).not.toContain('SECRETSIG');
    expect(text).not.toContain('eyJhbGciOi');
    expect(text).not.toContain('"abc"');
    expect(logs[0]?.entry.vmKey).toBe('/subscriptions/x/vm');
    expect(logs[0]?.entry.storageConnection).toBe('[redacted]');
  });

  it('redacts a secret after any label, in any letter case, wherever it sits in a string', () => {
    const labels = ['AccountKey=', 'SharedAccessSignature=', '?sig=', '&sig=', 'Bearer '];
    const randomCase = (text: string, flips: boolean[]) =>
      [...text].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c.toLowerCase())).join('');
    fc.assert(
      fc.property(
        fc.constantFrom(...labels),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.stringMatching(/^[A-Za-z0-9]{12,40}$/),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        (label, flips, secret, before, after) => {
          const { context, logs } = capturingContext('f');
          const text = `${before} ${randomCase(label, flips)}${secret};${after}`;
          createLogger(context).info(text, { field: text });
          expect(JSON.stringify(logs)).not.toContain(secret);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('serialises errors with their code, kind and cause chain', () => {
    const error = new TransientError('throttled', {
      code: 'ResourceRequestsThrottled',
      cause: new Error('429'),
      retryAfterMs: 10,
    });
    expect(errorFields(error)).toEqual({
      name: 'TransientError',
      message: 'throttled',
      code: 'ResourceRequestsThrottled',
      kind: 'transient',
      context: {},
      cause: { name: 'Error', message: '429' },
    });
    const { context, logs } = capturingContext('f');
    createLogger(context).error('x', { error, when: new Date(0), big: 10n });
    expect(logs[0]?.entry.error).toMatchObject({ name: 'TransientError', code: 'ResourceRequestsThrottled' });
    expect(logs[0]?.entry.when).toBe('1970-01-01T00:00:00.000Z');
    expect(logs[0]?.entry.big).toBe('10');
  });

  it('survives cyclic fields by truncating depth', () => {
    const { context, logs } = capturingContext('f');
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    createLogger(context).info('cyclic', { cyclic });
    expect(JSON.stringify(logs[0]?.entry)).toContain('[truncated]');
  });
});
