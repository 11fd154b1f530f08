import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';
import fc from 'fast-check';

import { createProtectVmHandler } from '../../../src/functions/protectVm';
import type { ProtectionRequest } from '../../../src/lib/messages/protectionRequest';
import { protectionHarness, protectionRequest } from '../../helpers/factories/protection';

/**
 * "A transient Azure error never ends in the poison queue while retries remain; a permanent one never retries
 * forever", as a property over ARM failures. The oracle below is written from arm-throttling.md and the ARM error
 * conventions, not from classifyAzureError.
 */
const BUSY_CODES = ['BMSUserErrorObjectLocked', 'ResourceRequestsThrottled', 'OperationInProgress'];

interface Failure {
  error: unknown;
  transient: boolean;
  label: string;
}

const statusFailure: fc.Arbitrary<Failure> = fc
  .tuple(
    fc.constantFrom(400, 401, 403, 404, 405, 408, 409, 412, 422, 429, 500, 501, 502, 503, 504, 505),
    fc.option(fc.constantFrom(...BUSY_CODES, 'InvalidParameter', 'AuthorizationFailed', 'BMSUserErrorInvalidInput'), {
      nil: undefined,
    }),
    fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
  )
  .map(([status, code, retryAfter]) => {
    const request = createPipelineRequest({ url: 'https://127.0.0.1/arm' });
    const headers = createHttpHeaders(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) });
    const error = new RestError(`ARM said ${status}`, {
      statusCode: status,
      code,
      request,
      response: { status, headers, request },
    });
    const transient =
      status === 429 ||
      status === 408 ||
      (status >= 500 && status !== 501 && status !== 505) ||
      (code !== undefined && BUSY_CODES.includes(code));
    return { error, transient, label: `${status} ${code ?? ''}` };
  });

const connectionFailure: fc.Arbitrary<Failure> = fc
  .constantFrom('ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT')
  .map((code) => ({ error: Object.assign(new Error('socket hang up'), { code }), transient: true, label: code }));

describe('retry bounds', () => {
  it('re-enqueues a transient failure while attempts remain, poisons it at the last attempt, never retries a permanent one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(statusFailure, connectionFailure),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 10 }),
        async (failure, maxAttempts, attemptSeed) => {
          const attempt = ((attemptSeed - 1) % maxAttempts) + 1;
          const h = protectionHarness({ maxAttempts });
          h.vms.failures.push(failure.error);
          await createProtectVmHandler(h.deps)(protectionRequest({ attempt }), h.context);
          const row = await h.ledger.get(h.vm.key);
          if (!failure.transient) {
            expect(h.requests.sent).toEqual([]);
            expect(h.poison.sent).toEqual([]);
            expect(row).toMatchObject({ status: 'failed' });
          } else if (attempt < maxAttempts) {
            expect(h.poison.sent).toEqual([]);
            expect(h.requests.sent).toHaveLength(1);
            expect(h.requests.sent[0]?.request.attempt).toBe(attempt + 1);
            expect(row?.status).not.toBe('failed');
          } else {
            expect(h.requests.sent).toEqual([]);
            expect(h.poison.sent).toHaveLength(1);
            expect(h.poison.sent[0]).toMatchObject({ code: 'max-attempts-exceeded' });
            expect(row).toMatchObject({ status: 'failed', reason: 'max-attempts-exceeded' });
          }
        },
      ),
      { numRuns: 1_500 },
    );
  });

  it('ends a request that always fails transiently after exactly maxAttempts runs, with its whole history', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            statusFailure.filter((failure) => failure.transient),
            connectionFailure,
          ),
          { minLength: 10, maxLength: 10 },
        ),
        fc.integer({ min: 1, max: 10 }),
        async (failures, maxAttempts) => {
          const h = protectionHarness({ maxAttempts });
          const handler = createProtectVmHandler(h.deps);
          let request: ProtectionRequest | undefined = protectionRequest();
          let runs = 0;
          while (request) {
            h.vms.failures.push(failures[runs % failures.length]?.error);
            const before = h.requests.sent.length;
            await handler(request, h.context);
            runs += 1;
            request = h.requests.sent.length > before ? h.requests.sent.at(-1)?.request : undefined;
            if (runs > maxAttempts) break;
          }
          expect(runs).toBe(maxAttempts);
          expect(h.poison.sent).toHaveLength(1);
          expect(h.poison.sent[0]?.request?.history).toHaveLength(maxAttempts);
        },
      ),
      { numRuns: 300 },
    );
  });
});
