import { enqueueProtectionForEvent } from '../../../../src/lib/enqueue/enqueueProtectionForEvent';
import { TransientError } from '../../../../src/lib/errors';
import { createLogger } from '../../../../src/lib/logger';
import { eventGridVmWrite, vmId, WATCHED_SUBSCRIPTION, without } from '../../../helpers/factories/events';
import { InMemoryRejectStore } from '../../../helpers/fakes/inMemoryRejectStore';
import { capturingContext } from '../../../helpers/logCapture';

function setup() {
  const { context, logs } = capturingContext('enqueueProtection');
  const rejects = new InMemoryRejectStore();
  const deps = { watchedSubscriptionIds: [WATCHED_SUBSCRIPTION], rejects, logger: createLogger(context) };
  return { deps, rejects, logs };
}

describe('enqueueProtectionForEvent', () => {
  it('turns an accepted VM write into a first-attempt request from an event, and logs it', async () => {
    const { deps, rejects, logs } = setup();
    const result = await enqueueProtectionForEvent(eventGridVmWrite({ id: 'evt-1', correlationId: 'corr-1' }), deps);
    expect(result).toEqual({
      outcome: 'enqueued',
      request: {
        version: 1,
        vmResourceId: vmId(),
        subscriptionId: WATCHED_SUBSCRIPTION,
        eventId: 'evt-1',
        eventTime: '2024-05-01T10:15:30.1234567Z',
        correlationId: 'corr-1',
        source: 'event',
        attempt: 1,
      },
    });
    expect(rejects.all()).toEqual([]);
    expect(logs.map((log) => log.entry)).toEqual([
      expect.objectContaining({
        level: 'info',
        outcome: 'enqueued',
        eventId: 'evt-1',
        correlationId: 'corr-1',
        vmKey: vmId().toLowerCase(),
        eventSchema: 'eventgrid',
      }),
    ]);
  });

  it('ignores without recording', async () => {
    const { deps, rejects, logs } = setup();
    const result = await enqueueProtectionForEvent(
      eventGridVmWrite({
        operationName: 'Microsoft.Compute/virtualMachines/extensions/write',
        resourceUri: `${vmId()}/extensions/x`,
      }),
      deps,
    );
    expect(result).toMatchObject({ outcome: 'ignored', code: 'not-a-vm-write' });
    expect(rejects.all()).toEqual([]);
    expect(logs).toHaveLogged({ level: 'info', outcome: 'ignored', code: 'not-a-vm-write' });
  });

  it('records a rejected event with its reason and raw payload', async () => {
    const { deps, rejects, logs } = setup();
    const event = without(eventGridVmWrite({ id: 'evt-bad' }), 'eventTime');
    const result = await enqueueProtectionForEvent(event, deps);
    expect(result).toMatchObject({ outcome: 'rejected', code: 'invalid-envelope' });
    const [record] = rejects.all();
    expect(record).toMatchObject({ kind: 'event', code: 'invalid-envelope', context: { eventId: 'evt-bad' } });
    expect(record?.reason).toContain('eventTime');
    expect(JSON.parse(record?.raw ?? '')).toEqual(event);
    expect(logs).toHaveLogged({ level: 'warn', outcome: 'rejected', code: 'invalid-envelope' });
  });

  it('fails with a TransientError when the reject cannot be recorded', async () => {
    const { deps, rejects, logs } = setup();
    rejects.failWith = new Error('table unavailable');
    const failure = enqueueProtectionForEvent({ not: 'an event' }, deps);
    await expect(failure).rejects.toBeInstanceOf(TransientError);
    await expect(failure).rejects.toMatchObject({ code: 'reject-store-unavailable', cause: rejects.failWith });
    expect(logs).toHaveLogged({ level: 'error', outcome: 'reject-failed' });
  });
});
