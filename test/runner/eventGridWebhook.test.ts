import {
  drainQueue,
  fixtureAppDir,
  fixtureSettings,
  killAllRunners,
  parseLogLines,
  queueClient,
  readRecords,
  startTestRunner,
  type TestRunner,
  waitFor,
} from './runnerTestKit';

function event(id: string, data: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    subject: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${id}`,
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    eventTime: '2026-11-25T10:00:00Z',
    topic: '/subscriptions/s',
    dataVersion: '',
    metadataVersion: '1',
    data: { OperationName: 'Microsoft.Compute/virtualMachines/write', ...data },
  };
}

describe('local runner: Event Grid webhook', () => {
  let runner: TestRunner;
  let settings: Record<string, string>;

  beforeAll(async () => {
    settings = fixtureSettings();
    runner = await startTestRunner({ appDir: fixtureAppDir, settings, functions: ['gridReceiver'] });
  });
  afterAll(killAllRunners);

  const post = (url: string, body: unknown, headers: Record<string, string> = { 'aeg-event-type': 'Notification' }) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const webhook = (query: string) => `${runner.url}/runtime/webhooks/eventgrid?${query}`;

  it('reports the registered function and its trigger', () => {
    expect(runner.functions).toEqual([{ name: 'gridReceiver', trigger: 'eventGridTrigger' }]);
  });

  describe('keys', () => {
    it('answers 401 without a key or with a wrong one', async () => {
      expect((await post(webhook('functionName=gridReceiver'), [event('k1')])).status).toBe(401);
      expect((await post(webhook('functionName=gridReceiver&code=wrong'), [event('k2')])).status).toBe(401);
    });

    it('lets the x-functions-key header win over the code query parameter', async () => {
      const url = webhook(`functionName=gridReceiver&code=${encodeURIComponent(runner.systemKey)}`);
      expect(
        (await post(url, [event('k3')], { 'aeg-event-type': 'Notification', 'x-functions-key': 'wrong' })).status,
      ).toBe(401);
      const headerOnly = webhook('functionName=gridReceiver');
      expect(
        (
          await post(headerOnly, [event('k4')], {
            'aeg-event-type': 'Notification',
            'x-functions-key': runner.systemKey,
          })
        ).status,
      ).toBe(202);
    });

    it('accepts the master key as well as the eventgrid_extension system key', async () => {
      const url = webhook(`functionName=gridReceiver&code=${encodeURIComponent(runner.masterKey)}`);
      expect((await post(url, [event('k5')])).status).toBe(202);
    });
  });

  it('answers 404 for an unknown function name, which is case-sensitive', async () => {
    const response = await post(runner.eventGridWebhookUrl('GridReceiver'), [event('n1')]);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("cannot find function: 'GridReceiver'");
  });

  it('completes the SubscriptionValidation handshake with 200 and the validation code', async () => {
    const validation = [
      { id: 'v1', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: { validationCode: 'code-123' } },
    ];
    const response = await post(runner.eventGridWebhookUrl('gridReceiver'), validation, {
      'aeg-event-type': 'SubscriptionValidation',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ validationResponse: 'code-123' });
  });

  it('answers the CloudEvents OPTIONS handshake with WebHook-Allowed-Origin', async () => {
    const fromGrid = await fetch(runner.eventGridWebhookUrl('gridReceiver'), {
      method: 'OPTIONS',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    expect(fromGrid.status).toBe(200);
    expect(fromGrid.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    const other = await fetch(runner.eventGridWebhookUrl('gridReceiver'), {
      method: 'OPTIONS',
      headers: { 'WebHook-Request-Origin': 'evil.example' },
    });
    expect(other.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  it('answers 400 without aeg-event-type or for SubscriptionDeletion, 202 for Unsubscribe', async () => {
    const url = runner.eventGridWebhookUrl('gridReceiver');
    expect((await post(url, [event('h1')], {})).status).toBe(400);
    expect((await post(url, [event('h2')], { 'aeg-event-type': 'SubscriptionDeletion' })).status).toBe(400);
    expect((await post(url, [event('h3')], { 'aeg-event-type': 'Unsubscribe' })).status).toBe(202);
    const invoked = readRecords(settings.RECORD_FILE!).map((r) => r.event?.id);
    expect(invoked).not.toContain('h1');
    expect(invoked).not.toContain('h2');
    expect(invoked).not.toContain('h3');
  });

  it('invokes once per event of a batch, answers 202, and writes each return value as indented JSON', async () => {
    const response = await post(runner.eventGridWebhookUrl('gridReceiver'), [event('b1'), event('b2'), event('b3')]);
    expect(response.status).toBe(202);
    const records = readRecords(settings.RECORD_FILE!).filter((r) => ['b1', 'b2', 'b3'].includes(r.event?.id ?? ''));
    expect(records.map((r) => r.event?.id).sort()).toEqual(['b1', 'b2', 'b3']);
    expect(new Set(records.map((r) => r.invocationId)).size).toBe(3);
    expect(records[0]?.triggerMetadata).toEqual({ data: { operationName: 'Microsoft.Compute/virtualMachines/write' } });
    const messages = (await drainQueue(queueClient(settings.OUT_QUEUE!))).map((text) =>
      Buffer.from(text, 'base64').toString('utf8'),
    );
    const fromBatch = messages.filter((m) => /"b[123]"/.test(m));
    expect(fromBatch).toHaveLength(3);
    expect(fromBatch).toContain(`{\n  "id": "b2",\n  "subject": "${String(event('b2').subject)}"\n}`);
  });

  it('accepts a single event object that is not wrapped in an array', async () => {
    expect((await post(runner.eventGridWebhookUrl('gridReceiver'), event('single'))).status).toBe(202);
    expect(readRecords(settings.RECORD_FILE!).some((r) => r.event?.id === 'single')).toBe(true);
  });

  it('answers 500 with the error when any event of the batch fails, after invoking all of them', async () => {
    const response = await post(runner.eventGridWebhookUrl('gridReceiver'), [
      event('f1'),
      event('f2', { fail: true }),
      event('f3'),
    ]);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('grid failure for f2');
    const ids = readRecords(settings.RECORD_FILE!).map((r) => r.event?.id);
    expect(ids).toEqual(expect.arrayContaining(['f1', 'f2', 'f3']));
  });

  it('logs one JSON line per context.log call with function name and invocation id, never a key', async () => {
    await post(runner.eventGridWebhookUrl('gridReceiver'), [event('log1')]);
    const record = await waitFor(() => readRecords(settings.RECORD_FILE!).find((r) => r.event?.id === 'log1'));
    const userLine = await waitFor(() =>
      parseLogLines(runner.logs).find((l) => l.category === 'user' && l.message === 'event log1'),
    );
    expect(userLine).toMatchObject({
      functionName: 'gridReceiver',
      invocationId: record.invocationId,
      level: 'information',
    });
    const failed = parseLogLines(runner.logs).find(
      (l) => typeof l.message === 'string' && l.message.startsWith("Executed 'Functions.gridReceiver' (Failed"),
    );
    expect(failed).toMatchObject({ level: 'error', error: { message: 'grid failure for f2' } });
    const allLogs = runner.logs.join('\n');
    expect(allLogs).not.toContain(runner.systemKey);
    expect(allLogs).not.toContain(runner.masterKey);
    expect(allLogs).not.toContain('Eby8vdM02xNOcq');
  });
});
