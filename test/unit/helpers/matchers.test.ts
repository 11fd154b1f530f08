import { createLogger } from '../../../src/lib/logger';
import { capturingContext } from '../../helpers/logCapture';

/** Logs two entries the way the app does (JSON lines through a real InvocationContext). */
function someLogs() {
  const { context, logs } = capturingContext('protectVm', 'inv-7');
  const logger = createLogger(context).child({ vmKey: 'vm-1' });
  logger.info('protection request handled', { status: 'protected', error: { code: 'E1', context: { a: 1, b: 2 } } });
  logger.warn('protection request re-enqueued after a transient failure', { code: 'busy', delayMs: 3_750 });
  return logs;
}

/** The failure message jest would print for `assertion`. */
function failureOf(assertion: () => void): string {
  try {
    assertion();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the assertion to fail');
}

describe('toHaveLogged', () => {
  it('passes when one entry holds the expected fields, whatever else it holds', () => {
    const logs = someLogs();
    expect(logs).toHaveLogged({ level: 'warn', message: 'protection request re-enqueued after a transient failure' });
    expect(logs).toHaveLogged({ vmKey: 'vm-1', functionName: 'protectVm', invocationId: 'inv-7', code: 'busy' });
  });

  it('compares nested objects as subsets and accepts asymmetric matchers', () => {
    const logs = someLogs();
    expect(logs).toHaveLogged({ error: { context: { b: 2 } } });
    expect(logs).toHaveLogged({ delayMs: expect.any(Number), timestamp: expect.stringMatching(/^\d{4}-/) });
    expect(logs).toHaveLogged({ message: expect.stringContaining('re-enqueued'), status: undefined });
  });

  it('requires all fields to hold in the same entry', () => {
    const logs = someLogs();
    // `status` is on the info entry, `delayMs` on the warn one.
    expect(logs).not.toHaveLogged({ status: 'protected', delayMs: 3_750 });
    expect(logs).not.toHaveLogged({ level: 'error' });
    expect(logs).not.toHaveLogged({ error: { context: { b: 3 } } });
  });

  it('treats an expected undefined as "not logged"', () => {
    const logs = someLogs();
    expect(logs).toHaveLogged({ level: 'info', delayMs: undefined });
    expect(logs).not.toHaveLogged({ level: 'warn', delayMs: undefined });
  });

  it('reads raw JSON lines too, and lines that are not JSON as { unstructured }', () => {
    const lines = ['{"level":"info","message":"hello","n":1}', 'plain text'];
    expect(lines).toHaveLogged({ message: 'hello', n: 1 });
    expect(lines).toHaveLogged({ unstructured: 'plain text' });
  });

  it('matches arrays element by element, with the same length', () => {
    const lines = ['{"ids":[{"id":"a","x":1},{"id":"b"}]}'];
    expect(lines).toHaveLogged({ ids: [{ id: 'a' }, { id: 'b' }] });
    expect(lines).not.toHaveLogged({ ids: [{ id: 'a' }] });
    expect(lines).not.toHaveLogged({ ids: { id: 'a' } });
  });

  it('fails with the expected fields and every entry it saw', () => {
    const logs = someLogs();
    const message = failureOf(() => expect(logs).toHaveLogged({ level: 'warn', code: 'throttled' }));
    expect(message).toContain('toHaveLogged');
    expect(message).toContain('"code": "throttled"');
    expect(message).toContain('Entries seen (2):');
    expect(message).toContain('1. {');
    expect(message).toContain('"message": "protection request handled"');
    expect(message).toContain('2. {');
    expect(message).toContain('"code": "busy"');
  });

  it('says so when nothing was logged', () => {
    const { logs } = capturingContext('f');
    expect(failureOf(() => expect(logs).toHaveLogged({ level: 'info' }))).toContain('No entries were logged.');
  });

  it('names the entry that matched when negated', () => {
    const logs = someLogs();
    const message = failureOf(() => expect(logs).not.toHaveLogged({ code: 'busy' }));
    expect(message).toContain('Expected no entry matching');
    expect(message).toContain('but entry 2 matched');
  });

  it('refuses something that is not a list of logs', () => {
    expect(failureOf(() => expect({ level: 'info' }).toHaveLogged({ level: 'info' }))).toContain(
      'Expected the logs of capturingContext',
    );
    expect(failureOf(() => expect([]).toHaveLogged('info' as never))).toContain('Expected fields must be an object');
  });
});
