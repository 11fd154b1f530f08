import {
  collectMessages,
  fixtureSettings,
  killAllRunners,
  plainFixtureAppDir,
  queueClient,
  readRecords,
  startTestRunner,
  waitFor,
} from './runnerTestKit';

// Fixture host.json: messageEncoding none, maxDequeueCount 2, maxPollingInterval 10 s (default batch settings).
describe('local runner: storage queue trigger (messageEncoding none)', () => {
  let settings: Record<string, string>;
  let preDequeuedId: string;
  const work = () => queueClient(settings.WORK_QUEUE!);
  const starts = () => readRecords(settings.RECORD_FILE!).filter((r) => r.phase === 'start');

  beforeAll(async () => {
    // Outputs go back to the trigger queue, so a write by the function must wake its own listener.
    const queue = `plain${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    settings = fixtureSettings({ WORK_QUEUE: queue, OUT_QUEUE: queue });
    await work().create();
    // A message that was already received twice (as if two hosts crashed on it) before this host starts.
    const sent = await work().sendMessage('{"tag":"crashed-twice"}');
    preDequeuedId = sent.messageId;
    for (let i = 0; i < 2; i += 1) {
      const [message] = (await work().receiveMessages({ numberOfMessages: 1, visibilityTimeout: 30 }))
        .receivedMessageItems;
      if (!message) throw new Error('seed message not received');
      await work().updateMessage(message.messageId, message.popReceipt, undefined, 0);
    }
    await startTestRunner({ appDir: plainFixtureAppDir, settings, functions: ['queueWorker'] });
  });
  afterAll(killAllRunners);

  it('moves a message whose dequeueCount already exceeds maxDequeueCount to poison without invoking', async () => {
    const poisoned = await collectMessages(queueClient(`${settings.WORK_QUEUE}-poison`), 1);
    expect(poisoned).toEqual(['{"tag":"crashed-twice"}']);
    expect(readRecords(settings.RECORD_FILE!).some((r) => r.triggerMetadata?.id === preDequeuedId)).toBe(false);
  });

  it('passes the stored text as is (no base64) and parses JSON-looking text', async () => {
    await work().sendMessage('hello plain');
    await work().sendMessage('{"tag":"plain-json"}');
    await waitFor(() => starts().length >= 2 && starts(), 10_000, 'two invocations');
    const entries = starts().map((r) => r.entry);
    expect(entries).toEqual(expect.arrayContaining(['hello plain', { tag: 'plain-json' }]));
  });

  it('poisons after maxDequeueCount (2) attempts, keeping the plain body', async () => {
    await work().sendMessage('{"tag":"plain-fail","fail":true}');
    const poisoned = await collectMessages(queueClient(`${settings.WORK_QUEUE}-poison`), 1);
    expect(poisoned).toEqual(['{"tag":"plain-fail","fail":true}']);
    const attempts = starts()
      .filter((r) => (r.entry as { tag?: string }).tag === 'plain-fail')
      .map((r) => r.triggerMetadata?.dequeueCount);
    expect(attempts).toEqual([1, 2]);
  });

  it("wakes the queue's listener at once when an output binding of the same host writes to it", async () => {
    // While c1 runs 5 s the listener keeps polling with backoff: at 5 s it is in its 6th wait, which ends 0.66 s
    // later at the earliest. c2, written by c1's output, must be picked up without waiting for it.
    await work().sendMessage(JSON.stringify({ tag: 'c1', sleepMs: 5000, out: { tag: 'c2' } }));
    const c1End = await waitFor(
      () => readRecords(settings.RECORD_FILE!).find((r) => r.phase === 'end' && r.tag === 'c1'),
      10_000,
      'c1 end',
    );
    const c2Start = await waitFor(
      () => starts().find((r) => (r.entry as { tag?: string }).tag === 'c2'),
      10_000,
      'c2 start',
    );
    expect(c2Start.at - c1End.at).toBeLessThan(500);
  });
});
