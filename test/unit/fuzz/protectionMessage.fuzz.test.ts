import fc from 'fast-check';

import { createProtectVmHandler } from '../../../src/functions/protectVm';
import { protectionHarness, protectionRequest } from '../../helpers/factories/protection';
import { TEST_SUBSCRIPTION } from '../../helpers/factories/rules';
import { anyVmId } from './arbitraries';

/**
 * Fuzzing the queue trigger: thousands of `protection-requests` bodies (valid requests with fuzzed ids and fields,
 * arbitrary JSON, text, truncated JSON). No body may throw out of the handler, an invalid one must never reach ARM
 * (the fakes count every call) and must land in the poison queue and the reject store with its reason.
 */
const FIELD_VALUES = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer({ min: -5, max: 2_000 }),
  fc.string({ maxLength: 30 }),
  fc.boolean(),
  fc.object({ maxDepth: 1 }),
);

const fuzzedRequest = fc
  .tuple(
    anyVmId(TEST_SUBSCRIPTION),
    fc.option(
      fc.tuple(
        fc.constantFrom(
          'version',
          'subscriptionId',
          'source',
          'attempt',
          'eventId',
          'eventTime',
          'history',
          'vmResourceId',
        ),
        FIELD_VALUES,
      ),
      { freq: 2, nil: undefined },
    ),
    fc.constantFrom('object', 'json', 'truncated'),
    fc.nat({ max: 300 }),
  )
  .map(([resourceId, change, form, cut]) => {
    const request: Record<string, unknown> = {
      ...protectionRequest({ vmResourceId: resourceId.id, subscriptionId: TEST_SUBSCRIPTION }),
    };
    if (change) request[change[0]] = change[1];
    const json = JSON.stringify(request);
    const body = form === 'object' ? request : form === 'json' ? json : json.slice(0, cut % json.length);
    const idBroken = !resourceId.valid || change?.[0] === 'vmResourceId';
    return {
      body,
      validId: resourceId.valid && change === undefined && form !== 'truncated',
      mustPoison: idBroken || form === 'truncated',
    };
  });

const anyBody = fc
  .oneof(fc.anything(), fc.json(), fc.string({ unit: 'grapheme', maxLength: 200 }))
  .map((body) => ({ body, validId: false, mustPoison: true }));

describe('fuzzing protectVm queue messages', () => {
  it('never throws, never calls ARM for an invalid message, and poisons and records each with a reason', async () => {
    const seen = { reachedArm: 0, poisoned: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ arbitrary: fuzzedRequest, weight: 3 }, { arbitrary: anyBody, weight: 1 }),
        async ({ body, validId, mustPoison }) => {
          const h = protectionHarness();
          await createProtectVmHandler(h.deps)(body, h.context);
          const armCalls = h.vms.getCalls + h.backup.calls.length;
          if (h.poison.sent.length > 0) {
            seen.poisoned += 1;
            expect(armCalls).toBe(0);
            expect(h.poison.sent[0]?.reason.length).toBeGreaterThan(5);
            expect(h.rejects.all()).toHaveLength(1);
            expect(h.rejects.all()[0]).toMatchObject({
              kind: 'message',
              code: expect.stringMatching(/invalid-message/),
            });
          } else {
            seen.reachedArm += 1;
            expect(armCalls).toBeGreaterThan(0);
            // Only an exact VM id reaches ARM, and every ARM call is about that VM.
            for (const call of h.backup.calls)
              if (call.vmKey !== undefined)
                expect(call.vmKey).toMatch(
                  /^\/subscriptions\/[0-9a-f-]{36}\/resourcegroups\/[^/]+\/providers\/microsoft\.compute\/virtualmachines\/[^/]+$/,
                );
          }
          if (validId) expect(h.poison.sent).toHaveLength(0);
          if (mustPoison) expect(h.poison.sent).toHaveLength(1);
        },
      ),
      { numRuns: 2_000 },
    );
    expect(seen.poisoned).toBeGreaterThan(500);
    expect(seen.reachedArm).toBeGreaterThan(100);
  });

  it('poisons an oversized message without an ARM call', async () => {
    const h = protectionHarness();
    const body = {
      ...protectionRequest(),
      history: Array.from({ length: 500 }, (_, attempt) => ({
        attempt: attempt + 1,
        at: '2026-01-01T00:00:00Z',
        code: 'x',
        message: 'y'.repeat(2_000),
      })),
    };
    await createProtectVmHandler(h.deps)(body, h.context);
    expect(h.vms.getCalls + h.backup.calls.length).toBe(0);
    expect(h.poison.sent[0]?.reason).toMatch(/history/);
    expect(h.rejects.all()[0]?.rawLength).toBeGreaterThan(1_000_000);
  });
});
