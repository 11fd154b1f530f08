import fc from 'fast-check';

import { createEnqueueProtectionHandler, protectionRequestsOutput } from '../../../src/functions/enqueueProtection';
import { createLogger } from '../../../src/lib/logger';
import { parseProtectionRequest } from '../../../src/lib/messages/protectionRequest';
import { tryParseVmResourceId } from '../../../src/lib/resourceId';
import {
  cloudEventVmWrite,
  eventGridVmWrite,
  UNWATCHED_SUBSCRIPTION,
  WATCHED_SUBSCRIPTION,
} from '../../helpers/factories/events';
import { InMemoryRejectStore } from '../../helpers/fakes/inMemoryRejectStore';
import { capturingContext } from '../../helpers/logCapture';
import { anyVmId, type GeneratedId } from './arbitraries';

/**
 * Fuzzing the Event Grid trigger: thousands of event bodies in both schemas, valid and broken. Each must end in
 * exactly one recorded outcome (enqueued / ignored with a reason in the log / rejected with a reason in the reject
 * store), never an exception, and only an exact VM id of a watched subscription may be enqueued.
 */
type Mutation = (event: Record<string, unknown>) => unknown;

const FIELD_VALUES = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.string({ maxLength: 40 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
  fc.boolean(),
);

function mutation(): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { arbitrary: fc.constant<Mutation>((event) => event), weight: 6 },
    fc
      .tuple(
        fc.constantFrom(
          'id',
          'eventType',
          'type',
          'subject',
          'data',
          'eventTime',
          'time',
          'topic',
          'source',
          'specversion',
          'dataVersion',
        ),
        FIELD_VALUES,
      )
      .map(([field, value]): Mutation => (event) => ({ ...event, [field]: value })),
    fc.constantFrom('id', 'eventType', 'type', 'subject', 'data', 'specversion').map((field): Mutation => (event) => {
      const copy = { ...event };
      delete copy[field];
      return copy;
    }),
    fc
      .tuple(fc.constantFrom('resourceUri', 'operationName', 'subscriptionId', 'correlationId', 'status'), FIELD_VALUES)
      .map(([field, value]): Mutation => (event) => ({
        ...event,
        data: { ...(event.data as object), [field]: value },
      })),
    fc.nat({ max: 400 }).map(
      (cut): Mutation =>
        (event) =>
          JSON.stringify(event).slice(0, cut),
    ),
    fc.constant<Mutation>((event) => [event]),
    fc.constant<Mutation>((event) => JSON.stringify(event)),
  );
}

interface Case {
  event: unknown;
  resourceId: GeneratedId;
  watched: boolean;
}

const eventCase: fc.Arbitrary<Case> = fc
  .tuple(
    fc.boolean(),
    fc.constantFrom(true, true, true, false),
    anyVmId(WATCHED_SUBSCRIPTION),
    fc.boolean(),
    fc.constantFrom(
      'Microsoft.Compute/virtualMachines/write',
      'Microsoft.Compute/virtualMachines/extensions/write',
      'microsoft.compute/VIRTUALMACHINES/write',
    ),
    mutation(),
  )
  .map(([cloud, watched, resourceId, subjectToo, operationName, mutate]) => {
    const id = watched ? resourceId.id : resourceId.id.replace(WATCHED_SUBSCRIPTION, UNWATCHED_SUBSCRIPTION);
    const options = {
      resourceUri: id,
      subject: subjectToo ? id : undefined,
      operationName,
      subscriptionId: watched ? WATCHED_SUBSCRIPTION : UNWATCHED_SUBSCRIPTION,
    };
    const event = cloud ? cloudEventVmWrite(options) : eventGridVmWrite(options);
    return { event: mutate(event), resourceId, watched };
  });

const anyBody: fc.Arbitrary<Case> = fc
  .oneof(fc.anything(), fc.json(), fc.string({ unit: 'grapheme', maxLength: 300 }))
  .map((event) => ({ event, resourceId: { id: '', valid: false }, watched: false }));

async function runEnqueue(event: unknown) {
  const rejects = new InMemoryRejectStore();
  const handler = createEnqueueProtectionHandler((context) => ({
    watchedSubscriptionIds: [WATCHED_SUBSCRIPTION],
    rejects,
    logger: createLogger(context),
  }));
  const { context, logs } = capturingContext('enqueueProtection');
  await handler(event, context);
  const output = context.extraOutputs.get(protectionRequestsOutput);
  const outcomes = logs
    .map((log) => log.entry)
    .filter((entry) => ['enqueued', 'ignored', 'rejected'].includes(String(entry.outcome)));
  return { output, outcomes, rejects: rejects.all() };
}

describe('fuzzing enqueueProtection (Event Grid schema and CloudEvents)', () => {
  it('gives every body exactly one recorded outcome and enqueues only exact VM ids of watched subscriptions', async () => {
    const seen = { enqueued: 0, ignored: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ arbitrary: eventCase, weight: 4 }, { arbitrary: anyBody, weight: 1 }),
        async ({ event, resourceId, watched }) => {
          const { output, outcomes, rejects } = await runEnqueue(event);
          expect(outcomes).toHaveLength(1);
          const [outcome] = outcomes;
          seen[outcome?.outcome as keyof typeof seen] += 1;
          if (output !== undefined) {
            expect(outcome?.outcome).toBe('enqueued');
            const request = parseProtectionRequest(output);
            const parsed = tryParseVmResourceId(request.vmResourceId);
            expect(parsed.ok).toBe(true);
            expect(request.subscriptionId).toBe(WATCHED_SUBSCRIPTION);
            // The model agrees: only ids generated as valid, in the watched subscription, get through.
            expect(resourceId.valid && watched).toBe(true);
          } else if (outcome?.outcome === 'rejected') {
            expect(rejects).toHaveLength(1);
            expect(rejects[0]?.reason.length).toBeGreaterThan(5);
            expect(rejects[0]?.kind).toBe('event');
          } else {
            expect(outcome?.outcome).toBe('ignored');
            expect(typeof outcome?.reason === 'string' ? outcome.reason.length : 0).toBeGreaterThan(5);
            expect(rejects).toHaveLength(0);
          }
          if (resourceId.id !== '' && !resourceId.valid) expect(output).toBeUndefined();
        },
      ),
      { numRuns: 3_000 },
    );
    // The generators reach every outcome often, so the property is not vacuous.
    expect(seen).toEqual({ enqueued: expect.any(Number), ignored: expect.any(Number), rejected: expect.any(Number) });
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(150);
  });

  it('records an invalid VM id in a well-formed VM write as a reject with its reason', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyVmId(WATCHED_SUBSCRIPTION).filter((id) => !id.valid),
        fc.boolean(),
        async (resourceId, cloud) => {
          const event = cloud
            ? cloudEventVmWrite({ resourceUri: resourceId.id, subject: '' })
            : eventGridVmWrite({ resourceUri: resourceId.id, subject: '' });
          const { output, rejects } = await runEnqueue(event);
          expect(output).toBeUndefined();
          expect(rejects).toHaveLength(1);
          expect(rejects[0]?.code).toMatch(/invalid-vm-resource-id|invalid-event-data|invalid-envelope/);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it.each([
    ['over 64 KB', 70 * 1024],
    ['over 1 MB', 1_100 * 1024],
  ])(
    'handles a payload %s without crashing: enqueues ids only, or keeps a bounded reject record',
    async (_label, size) => {
      for (const cloud of [false, true]) {
        const base = cloud ? cloudEventVmWrite() : eventGridVmWrite();
        const huge = { ...base, data: { ...(base.data as object), padding: 'x'.repeat(size) } };
        const outcome = await runEnqueue(huge);
        // A huge but otherwise valid VM write is still a VM write: enqueued (the message carries ids only, never the
        // event).
        expect(outcome.output).toBeDefined();
        expect(Buffer.byteLength(JSON.stringify(outcome.output))).toBeLessThan(2_048);
        const broken = await runEnqueue({
          eventType: 'Microsoft.Resources.ResourceWriteSuccess',
          id: 'huge',
          padding: 'y'.repeat(size),
        });
        expect(broken.output).toBeUndefined();
        expect(broken.rejects).toHaveLength(1);
        expect(broken.rejects[0]?.rawLength).toBeGreaterThan(size);
        expect(broken.rejects[0]?.raw.length).toBeLessThanOrEqual(240_000);
      }
    },
  );
});
