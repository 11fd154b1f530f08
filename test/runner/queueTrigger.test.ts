import {
  base64Json, collectMessages, fixtureAppDir, fixtureSettings, killAllRunners, parseLogLines, queueClient, queueLength,
  readRecords, startTestRunner, waitFor, type FixtureRecord, type TestRunner,
} from './runnerTestKit';

// Fixture host.json: batchSize 4, maxPollingInterval 200 ms, visibilityTimeout 0, maxDequeueCount 3, base64.
describe('local runner: storage queue trigger (base64)', () => {
  let runner: TestRunner;
  let settings: Record<string, string>;
  const work = () => queueClient(settings.WORK_QUEUE!);
  const records = (tag: string): FixtureRecord[] =>
    readRecords(settings.RECORD_FILE!).filter((r) => r.phase === 'start' && (r.entry as { tag?: string } | undefined)?.tag === tag);

  beforeAll(async () => {
    settings = fixtureSettings();
    await work().create();
    runner = await startTestRunner({ appDir: fixtureAppDir, settings, functions: ['queueWorker'] });
  });
  afterAll(killAllRunners);

  it('invokes with the decoded JSON body and the host trigger metadata, then deletes the message', async () => {
    const sent = await work().sendMessage(base64Json({ tag: 'meta', note: 42 }));
    const [record] = await waitFor(() => records('meta').length > 0 && records('meta'), 10_000, 'invocation');
    expect(record?.entry).toEqual({ tag: 'meta', note: 42 });
    const metadata = record?.triggerMetadata ?? {};
    // The host sends body properties as strings; the library JSON-parses strings, so 42 arrives as a number.
    expect(metadata).toMatchObject({ id: sent.messageId, dequeueCount: 1, tag: 'meta', note: 42 });
    for (const key of ['insertionTime', 'expirationTime', 'nextVisibleTime']) {
      expect(metadata[key]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    }
    expect(typeof metadata.popReceipt).toBe('string');
    await waitFor(async () => (await queueLength(work())) === 0, 5_000, 'message deletion');
  });

  it('writes extraOutputs after success with the host serialisation: one base64 message per array element', async () => {
    await work().sendMessage(base64Json({ tag: 'out', out: [{ vm: 'vm1' }, 'plain', 7] }));
    const out = queueClient(settings.OUT_QUEUE!);
    const texts = await collectMessages(out, 3);
    expect(texts.map((t) => Buffer.from(t, 'base64').toString('utf8'))).toEqual(['{\n  "vm": "vm1"\n}', 'plain', '7']);
  });

  it('retries a failing message until maxDequeueCount, then moves the same body to <queue>-poison', async () => {
    const body = base64Json({ tag: 'poison', fail: true });
    await work().sendMessage(body);
    const poison = queueClient(`${settings.WORK_QUEUE}-poison`);
    const poisoned = await collectMessages(poison, 1, 15_000);
    expect(poisoned).toEqual([body]);
    expect(records('poison').map((r) => r.triggerMetadata?.dequeueCount)).toEqual([1, 2, 3]);
    expect(readRecords(settings.RECORD_FILE!).some((r) => r.phase === 'end' && r.tag === 'poison')).toBe(false);
    expect(parseLogLines(runner.logs).some((l) => String(l.message).includes(`Message has reached MaxDequeueCount of 3. Moving message to queue '${settings.WORK_QUEUE}-poison'`))).toBe(true);
  });

  it('moves a message that is not valid base64 to poison without invoking the function', async () => {
    const invalid = '{"tag":"not-base64"}';
    await work().sendMessage(invalid);
    const poisoned = await collectMessages(queueClient(`${settings.WORK_QUEUE}-poison`), 1);
    expect(poisoned).toEqual([invalid]);
    expect(readRecords(settings.RECORD_FILE!).some((r) => JSON.stringify(r.entry ?? '').includes('not-base64'))).toBe(false);
    expect(parseLogLines(runner.logs).some((l) => l.message === 'Message decoding has failed! Check MessageEncoding settings.')).toBe(true);
  });

  it('invokes without queueTrigger data when the decoded bytes are not UTF-8, with a warning', async () => {
    const sent = await work().sendMessage(Buffer.from([0xff, 0xfe, 0xfd]).toString('base64'));
    const record = await waitFor(() => readRecords(settings.RECORD_FILE!).find((r) => r.triggerMetadata?.id === sent.messageId), 10_000, 'invocation');
    expect(record.entry).toBeUndefined();
    expect(record.triggerMetadata?.queueTrigger).toBeUndefined();
    // The function's record (a file) can be read before the runner's warning (its stdout) has reached runner.logs.
    await waitFor(() => parseLogLines(runner.logs).some((l) => l.level === 'warning' && String(l.message).includes('not valid UTF-8')), 10_000, 'the not-UTF-8 warning');
  });
});
