import { createEnqueueProtectionHandler, protectionRequestsOutput } from '../../../src/functions/enqueueProtection';
import { ConfigError } from '../../../src/lib/errors';
import { createLogger } from '../../../src/lib/logger';
import { parseProtectionRequest } from '../../../src/lib/messages/protectionRequest';
import {
  cloudEventVmWrite,
  eventFixture,
  eventGridVmWrite,
  UNWATCHED_SUBSCRIPTION,
  vmId,
  WATCHED_SUBSCRIPTION,
} from '../../helpers/factories/events';
import { InMemoryRejectStore } from '../../helpers/fakes/inMemoryRejectStore';
import { capturingContext } from '../../helpers/logCapture';

function handlerWith(rejects = new InMemoryRejectStore()) {
  return {
    rejects,
    handler: createEnqueueProtectionHandler((context) => ({
      watchedSubscriptionIds: [WATCHED_SUBSCRIPTION],
      rejects,
      logger: createLogger(context),
    })),
  };
}

describe('enqueueProtection handler', () => {
  it('declares the protection-requests queue output on AzureWebJobsStorage', () => {
    expect(protectionRequestsOutput).toMatchObject({
      type: 'queue',
      queueName: 'protection-requests',
      connection: 'AzureWebJobsStorage',
    });
  });

  it('processes a mixed batch one event per invocation: outputs for VMs, records for malformed, nothing for the rest', async () => {
    const { rejects, handler } = handlerWith();
    const batch: unknown[] = [
      ...eventFixture('derived-vm-batch-of-3.eventgrid.json'),
      cloudEventVmWrite({ name: 'vm-ce', id: 'ce-1' }),
      eventGridVmWrite({ subscriptionId: UNWATCHED_SUBSCRIPTION }),
      { eventType: 'Microsoft.Resources.ResourceWriteSuccess', subject: 'x' },
      ...eventFixture('docs-SubscriptionValidationEvent.eventgrid.json'),
    ];
    const outputs: unknown[] = [];
    for (const [index, event] of batch.entries()) {
      const { context } = capturingContext('enqueueProtection', `inv-${index}`);
      await handler(event, context);
      outputs.push(context.extraOutputs.get(protectionRequestsOutput));
    }
    const requests = outputs.map((value) => (value === undefined ? undefined : parseProtectionRequest(value)));
    expect(requests.map((request) => request?.vmResourceId)).toEqual([
      vmId(),
      undefined,
      vmId(),
      vmId(WATCHED_SUBSCRIPTION, 'rg-prod', 'vm-ce'),
      undefined,
      undefined,
      undefined,
    ]);
    expect(requests.map((request) => request?.eventId)).toEqual([
      '7f8c6c3e-2d0e-4a8b-9a51-0b7f0b3f1a01',
      undefined,
      '7f8c6c3e-2d0e-4a8b-9a51-0b7f0b3f1a02',
      'ce-1',
      undefined,
      undefined,
      undefined,
    ]);
    expect(rejects.all().map((record) => record.code)).toEqual(['invalid-envelope']);
  });

  it('sets the exact versioned message shape as the output', async () => {
    const { handler } = handlerWith();
    const { context } = capturingContext('enqueueProtection');
    await handler(eventGridVmWrite({ id: 'evt-9', correlationId: 'corr-9' }), context);
    expect(context.extraOutputs.get(protectionRequestsOutput)).toEqual({
      version: 1,
      vmResourceId: vmId(),
      subscriptionId: WATCHED_SUBSCRIPTION,
      eventId: 'evt-9',
      eventTime: '2024-05-01T10:15:30.1234567Z',
      correlationId: 'corr-9',
      source: 'event',
      attempt: 1,
    });
  });

  it('fails the invocation (so Event Grid redelivers) when a reject cannot be recorded, and logs why', async () => {
    const rejects = new InMemoryRejectStore();
    rejects.failWith = new Error('table down');
    const { handler } = handlerWith(rejects);
    const { context, logs } = capturingContext('enqueueProtection');
    await expect(handler({ garbage: true }, context)).rejects.toMatchObject({ code: 'reject-store-unavailable' });
    expect(context.extraOutputs.get(protectionRequestsOutput)).toBeUndefined();
    expect(logs).toHaveLogged({
      level: 'error',
      outcome: 'failed',
      functionName: 'enqueueProtection',
      error: { code: 'reject-store-unavailable' },
    });
  });

  it('fails the invocation on invalid configuration', async () => {
    const handler = createEnqueueProtectionHandler(() => {
      throw new ConfigError(['AUTOPROTECT_SUBSCRIPTION_IDS is required']);
    });
    const { context } = capturingContext('enqueueProtection');
    await expect(handler(eventGridVmWrite(), context)).rejects.toBeInstanceOf(ConfigError);
  });
});
