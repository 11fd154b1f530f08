import type { InvocationContext } from '@azure/functions';

import { createProtectVmHandler } from '../../../src/functions/protectVm';
import { TransientError } from '../../../src/lib/errors';
import { createLogger } from '../../../src/lib/logger';
import type { ProtectionMessageDeps } from '../../../src/lib/protection/handleProtectionMessage';
import { armError } from '../../helpers/factories/azureErrors';
import { type ProtectionHarness, protectionHarness, protectionRequest } from '../../helpers/factories/protection';
import { capturingContext } from '../../helpers/logCapture';

/**
 * What the function file does: take the queue entry, build the dependencies for this invocation, call
 * handleProtectionMessage, and map its outcome to a completed message with one summary log, or to a thrown error
 * (logged) so the host redelivers. What happens inside is tested in test/unit/lib/protection/.
 */

/** An invocation of protectVm as the host makes it (dequeue count in the trigger metadata), over the harness fakes. */
function invocation(h: ProtectionHarness, dequeueCount = 1) {
  const { context, logs } = capturingContext('protectVm', 'inv-42', { triggerMetadata: { dequeueCount } });
  const contexts: InvocationContext[] = [];
  const getDeps = (given: InvocationContext): ProtectionMessageDeps => {
    contexts.push(given);
    return { ...h.deps(), logger: createLogger(given) };
  };
  const run = (body: unknown) => createProtectVmHandler(getDeps)(body, context);
  return { context, logs, contexts, run };
}

describe('protectVm', () => {
  it('builds the dependencies from its own invocation context, once per message', async () => {
    const h = protectionHarness();
    const { context, contexts, run, logs } = invocation(h);
    await run(protectionRequest());
    expect(contexts).toEqual([context]);
    // The lib's logs go through the same context: they carry this invocation's id.
    expect(logs).toHaveLogged({ message: 'protection request handled', invocationId: 'inv-42' });
  });

  it.each<{
    outcome: string;
    arrange: (h: ProtectionHarness) => void;
    body?: unknown;
    summary: Record<string, unknown>;
  }>([
    {
      outcome: 'done',
      arrange: () => undefined,
      summary: {
        status: 'backup-triggered',
        reason: 'first-backup-triggered',
        vmKey: expect.stringContaining('vm-web-1'),
      },
    },
    {
      outcome: 'requeued',
      arrange: (h) =>
        h.backup.failNext('getProtectedItem', armError(429, 'ResourceRequestsThrottled', { 'retry-after': '120' })),
      summary: { code: 'ResourceRequestsThrottled', nextAttempt: 2, delayMs: 120_000 },
    },
    {
      outcome: 'failed',
      arrange: (h) => h.backup.failNext('enableProtection', armError(400, 'UserErrorProtectionQuotaExceeded')),
      summary: {
        code: 'UserErrorProtectionQuotaExceeded',
        reason: 'Azure call failed (400 UserErrorProtectionQuotaExceeded): ARM said UserErrorProtectionQuotaExceeded',
      },
    },
    {
      outcome: 'poisoned',
      arrange: () => undefined,
      body: '{"version":1,"vmResourceId":"/subscriptions/x/oops"',
      summary: { code: 'invalid-message', reason: 'Protection request is not JSON' },
    },
  ])('completes the message ($outcome) with one summary log', async ({ outcome, arrange, body, summary }) => {
    const h = protectionHarness();
    arrange(h);
    const { run, logs } = invocation(h, 3);

    await expect(run(body ?? protectionRequest())).resolves.toBeUndefined();

    expect(logs).toHaveLogged({
      level: 'info',
      message: 'protectVm finished',
      outcome,
      dequeueCount: 3,
      functionName: 'protectVm',
      invocationId: 'inv-42',
      ...summary,
    });
    expect(logs.filter((log) => log.entry.message === 'protectVm finished')).toHaveLength(1);
    expect(logs).not.toHaveLogged({ level: 'error' });
  });

  describe('fails the invocation (logged), so the host redelivers, when', () => {
    it('a retry cannot be enqueued', async () => {
      const h = protectionHarness();
      h.vms.failures.push(new TransientError('blip', { code: 'blip' }));
      h.requests.failWith = new Error('queue down');
      const { run, logs } = invocation(h, 4);

      await expect(run(protectionRequest())).rejects.toThrow('queue down');

      expect(logs).toHaveLogged({
        level: 'error',
        message: 'protectVm failed; the host will redeliver the message',
        outcome: 'error',
        dequeueCount: 4,
        error: { name: 'Error', message: 'queue down' },
      });
      expect(logs).not.toHaveLogged({ message: 'protectVm finished' });
    });

    it('its dependencies cannot be built', async () => {
      const broken = new Error('Invalid autoprotect configuration');
      const { context, logs } = capturingContext('protectVm');
      const handler = createProtectVmHandler(() => {
        throw broken;
      });
      await expect(handler(protectionRequest(), context)).rejects.toBe(broken);
      expect(logs).toHaveLogged({ level: 'error', outcome: 'error', error: { message: broken.message } });
    });
  });
});
