import fc from 'fast-check';

import { classifyEvent, type EventOutcome } from '../../../../src/lib/events/classifyEvent';
import {
  cloudEventVmWrite,
  eventFixture,
  eventGridVmWrite,
  UNWATCHED_SUBSCRIPTION,
  vmId,
  WATCHED_SUBSCRIPTION,
  without,
} from '../../../helpers/factories/events';

const options = { watchedSubscriptionIds: [WATCHED_SUBSCRIPTION] };
const classify = (event: unknown): EventOutcome => classifyEvent(event, options);

function summary(outcome: EventOutcome): string {
  return outcome.outcome === 'accepted' ? `accepted ${outcome.vm.key}` : `${outcome.outcome}: ${outcome.code}`;
}

describe('classifyEvent on the reference samples', () => {
  const vmKey = vmId().toLowerCase();
  it.each<[string, string[]]>([
    ['derived-vm-create.eventgrid.json', [`accepted ${vmKey}`]],
    ['derived-vm-create.cloudevent.json', [`accepted ${vmKey}`]],
    ['derived-vm-update.eventgrid.json', [`accepted ${vmKey}`]],
    ['derived-vm-extension-write.eventgrid.json', ['ignored: not-a-vm-write']],
    ['derived-vm-batch-of-3.eventgrid.json', [`accepted ${vmKey}`, 'ignored: not-a-vm-write', `accepted ${vmKey}`]],
    ['docs-subscriptions-ResourceWriteSuccess.eventgrid.json', ['ignored: not-a-vm-write']],
    ['docs-subscriptions-ResourceDeleteSuccess.eventgrid.json', ['ignored: not-a-resource-write']],
    ['restspecs-ResourceWriteSuccess.cloudevent.json', ['ignored: not-a-vm-write']],
    ['docs-SubscriptionValidationEvent.eventgrid.json', ['ignored: subscription-validation']],
  ])('%s -> %j', (file, expected) => {
    expect(eventFixture(file).map(classify).map(summary)).toEqual(expected);
  });

  it('an accepted create carries event id, time, correlation id and the schema it came in', () => {
    const [create] = eventFixture('derived-vm-create.eventgrid.json');
    expect(classify(create)).toMatchObject({
      outcome: 'accepted',
      schema: 'eventgrid',
      eventId: '7f8c6c3e-2d0e-4a8b-9a51-0b7f0b3f1a01',
      eventTime: '2024-05-01T10:15:30.1234567Z',
      correlationId: '5f0a7a53-3b4a-4a39-9a64-6b9d6f1c0d11',
      vm: { subscriptionId: WATCHED_SUBSCRIPTION, resourceGroup: 'rg-prod', name: 'vm-web-01' },
    });
    const [cloud] = eventFixture('derived-vm-create.cloudevent.json');
    expect(classify(cloud)).toMatchObject({
      outcome: 'accepted',
      schema: 'cloudevents',
      eventTime: '2024-05-01T10:15:30.1234567Z',
    });
  });

  it('the same VM sample is ignored when its subscription is not watched', () => {
    const [create] = eventFixture('derived-vm-create.eventgrid.json');
    expect(classifyEvent(create, { watchedSubscriptionIds: [UNWATCHED_SUBSCRIPTION] })).toMatchObject({
      outcome: 'ignored',
      code: 'subscription-not-watched',
    });
  });
});

describe('classifyEvent decisions', () => {
  it('compares operation names and ids case-insensitively', () => {
    const event = eventGridVmWrite({
      operationName: 'MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE',
      resourceUri: vmId().toUpperCase(),
      subject: vmId().toLowerCase(),
    });
    const outcome = classify(event);
    expect(outcome).toMatchObject({ outcome: 'accepted' });
    if (outcome.outcome === 'accepted') expect(outcome.vm.key).toBe(vmId().toLowerCase());
  });

  it('treats both schemas alike', () => {
    for (const build of [eventGridVmWrite, cloudEventVmWrite]) {
      expect(summary(classify(build()))).toBe(`accepted ${vmId().toLowerCase()}`);
      expect(summary(classify(build({ subscriptionId: UNWATCHED_SUBSCRIPTION })))).toBe(
        'ignored: subscription-not-watched',
      );
      expect(
        summary(
          classify(build({ operationName: 'Microsoft.Compute/disks/write', resourceUri: '/subscriptions/x/disk' })),
        ),
      ).toBe('ignored: not-a-vm-write');
    }
  });

  it.each<[string, unknown, string]>([
    [
      'a VM write whose id is an extension',
      eventGridVmWrite({ resourceUri: `${vmId()}/extensions/x` }),
      'rejected: invalid-vm-resource-id',
    ],
    [
      'a VM write whose id is a disk',
      eventGridVmWrite({ resourceUri: vmId().replace('virtualMachines', 'disks') }),
      'rejected: invalid-vm-resource-id',
    ],
    [
      'a VM write whose subject names another VM',
      eventGridVmWrite({ subject: vmId(WATCHED_SUBSCRIPTION, 'rg-prod', 'other') }),
      'rejected: resource-id-mismatch',
    ],
    [
      'a VM write whose data.subscriptionId disagrees',
      {
        ...eventGridVmWrite(),
        data: { ...(eventGridVmWrite().data as object), subscriptionId: UNWATCHED_SUBSCRIPTION },
      },
      'rejected: resource-id-mismatch',
    ],
    [
      'a VM write without operationName',
      without(eventGridVmWrite(), 'data.operationName'),
      'rejected: invalid-event-data',
    ],
    ['an event without data', without(eventGridVmWrite(), 'data'), 'rejected: invalid-envelope'],
    ['an event without id', without(eventGridVmWrite(), 'id'), 'rejected: invalid-envelope'],
    ['an event without eventTime', without(eventGridVmWrite(), 'eventTime'), 'rejected: invalid-envelope'],
    ['an event with a bad eventTime', { ...eventGridVmWrite(), eventTime: 'yesterday' }, 'rejected: invalid-envelope'],
    [
      'a CloudEvent of another spec version',
      { ...cloudEventVmWrite(), specversion: '0.3' },
      'rejected: invalid-envelope',
    ],
    ['a CloudEvent without source', without(cloudEventVmWrite(), 'source'), 'rejected: invalid-envelope'],
    [
      'an event of an unknown type',
      eventGridVmWrite({ eventType: 'Contoso.Items.ItemReceived' }),
      'rejected: unexpected-event-type',
    ],
    ['an object of no known schema', { hello: 'world' }, 'rejected: unknown-event-schema'],
    ['an array (a batch the host should have split)', [eventGridVmWrite()], 'rejected: malformed-event'],
    ['a string that is not JSON', 'not json', 'rejected: malformed-event'],
    ['null', null, 'rejected: malformed-event'],
    ['a number', 7, 'rejected: malformed-event'],
  ])('%s', (_label, event, expected) => {
    expect(summary(classify(event))).toBe(expected);
  });

  it.each<[string, unknown]>([
    [
      'a VM delete',
      eventGridVmWrite({
        eventType: 'Microsoft.Resources.ResourceDeleteSuccess',
        operationName: 'Microsoft.Compute/virtualMachines/delete',
      }),
    ],
    ['a VM write failure', eventGridVmWrite({ eventType: 'Microsoft.Resources.ResourceWriteFailure' })],
    [
      'a VM start action',
      cloudEventVmWrite({
        eventType: 'Microsoft.Resources.ResourceActionSuccess',
        operationName: 'Microsoft.Compute/virtualMachines/start/action',
      }),
    ],
  ])('ignores %s', (_label, event) => {
    expect(summary(classify(event))).toBe('ignored: not-a-resource-write');
  });

  it('accepts a JSON string holding an event (as some hosts hand it over)', () => {
    expect(classify(JSON.stringify(eventGridVmWrite())).outcome).toBe('accepted');
  });

  it('uses the subject when data.resourceUri is absent', () => {
    expect(classify(without(eventGridVmWrite(), 'data.resourceUri')).outcome).toBe('accepted');
    expect(summary(classify(without(without(cloudEventVmWrite(), 'data.resourceUri'), 'subject')))).toBe(
      'rejected: invalid-event-data',
    );
  });

  it('keeps the event id on rejects when there is one, for the record', () => {
    expect(classify({ ...without(eventGridVmWrite(), 'eventTime'), id: 'evt-x' })).toMatchObject({
      outcome: 'rejected',
      eventId: 'evt-x',
    });
  });
});

describe('classifyEvent properties', () => {
  const mutatedEvent = fc
    .record({
      base: fc.constantFrom(eventGridVmWrite(), cloudEventVmWrite()),
      key: fc.constantFrom(
        'id',
        'eventType',
        'type',
        'subject',
        'eventTime',
        'time',
        'specversion',
        'data',
        'dataVersion',
      ),
      value: fc.jsonValue(),
    })
    .map(({ base, key, value }) => ({ ...base, [key]: value }));
  const mutatedData = fc
    .record({
      base: fc.constantFrom(eventGridVmWrite(), cloudEventVmWrite()),
      key: fc.constantFrom('operationName', 'resourceUri', 'subscriptionId', 'correlationId'),
      value: fc.oneof(fc.jsonValue(), fc.string()),
    })
    .map(({ base, key, value }) => ({ ...base, data: { ...(base.data as object), [key]: value } }));

  it('never throws, always gives an outcome, and accepts only exactly-VM ids of watched subscriptions', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), mutatedEvent, mutatedData), (event) => {
        const outcome = classify(event);
        expect(['accepted', 'ignored', 'rejected']).toContain(outcome.outcome);
        if (outcome.outcome === 'accepted') {
          expect(options.watchedSubscriptionIds).toContain(outcome.vm.subscriptionId);
          expect(outcome.vm.key.split('/')).toHaveLength(9);
        } else {
          expect(outcome.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
