import {
  base64Json,
  fixtureAppDir,
  type FixtureRecord,
  fixtureSettings,
  killAllRunners,
  parseLogLines,
  queueClient,
  queueLength,
  readRecords,
  startTestRunner,
  waitFor,
} from './runnerTestKit';

const tagOf = (r: FixtureRecord) => (r.entry as { tag?: string } | undefined)?.tag;

describe('local runner: graceful stop, crashes and competing instances', () => {
  afterAll(killAllRunners);

  it('on SIGTERM lets a running invocation finish, completes its message and exits 0', async () => {
    const settings = fixtureSettings();
    await queueClient(settings.WORK_QUEUE!).create();
    const runner = await startTestRunner({
      appDir: fixtureAppDir,
      settings,
      functions: ['queueWorker'],
      stopTimeoutMs: 5_000,
    });
    await queueClient(settings.WORK_QUEUE!).sendMessage(base64Json({ tag: 'finish', sleepMs: 800 }));
    await waitFor(
      () => readRecords(settings.RECORD_FILE!).some((r) => r.phase === 'start'),
      10_000,
      'invocation start',
    );

    expect(await runner.stop()).toBe(0);
    expect(readRecords(settings.RECORD_FILE!).some((r) => r.phase === 'end' && r.tag === 'finish')).toBe(true);
    expect(await queueLength(queueClient(settings.WORK_QUEUE!))).toBe(0);
  });

  it('does not lose a message whose invocation outlives the stop bound: it is redelivered after visibility expiry', async () => {
    const settings = fixtureSettings();
    const work = queueClient(settings.WORK_QUEUE!);
    await work.create();
    const first = await startTestRunner({
      appDir: fixtureAppDir,
      settings: { ...settings, FIXTURE_INSTANCE: 'first' },
      functions: ['queueWorker'],
      stopTimeoutMs: 200,
      queueMessageLeaseMs: 2_000,
    });
    await work.sendMessage(base64Json({ tag: 'slow', sleepMs: 4_000, sleepOnlyOnce: true }));
    await waitFor(() => readRecords(settings.RECORD_FILE!).some((r) => r.phase === 'start'), 10_000, 'first attempt');
    // Visibility is renewed while the invocation runs: past the first lease the message is still invisible.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await work.peekMessages()).peekedMessageItems).toHaveLength(0);

    expect(await first.stop()).toBe(0);
    expect(parseLogLines(first.logs).some((l) => l.abandoned === 1)).toBe(true);

    const second = await startTestRunner({
      appDir: fixtureAppDir,
      settings: { ...settings, FIXTURE_INSTANCE: 'second' },
      functions: ['queueWorker'],
    });
    const redelivered = await waitFor(
      () => readRecords(settings.RECORD_FILE!).find((r) => r.phase === 'end' && r.tag === 'slow'),
      10_000,
      'redelivery',
    );
    expect(redelivered.instance).toBe('second');
    const attempts = readRecords(settings.RECORD_FILE!)
      .filter((r) => r.phase === 'start')
      .map((r) => [r.instance, r.triggerMetadata?.dequeueCount]);
    expect(attempts).toEqual([
      ['first', 1],
      ['second', 2],
    ]);
    await second.stop();
  });

  it('after SIGKILL the in-flight message comes back once its lease expires', async () => {
    const settings = fixtureSettings();
    const work = queueClient(settings.WORK_QUEUE!);
    await work.create();
    const doomed = await startTestRunner({
      appDir: fixtureAppDir,
      settings: { ...settings, FIXTURE_INSTANCE: 'doomed' },
      functions: ['queueWorker'],
      queueMessageLeaseMs: 1_000,
    });
    await work.sendMessage(base64Json({ tag: 'crash', sleepMs: 10_000, sleepOnlyOnce: true }));
    await waitFor(() => readRecords(settings.RECORD_FILE!).some((r) => r.phase === 'start'), 10_000, 'first attempt');
    await doomed.kill();
    expect(await doomed.exited).toBeNull();

    await startTestRunner({
      appDir: fixtureAppDir,
      settings: { ...settings, FIXTURE_INSTANCE: 'survivor' },
      functions: ['queueWorker'],
    });
    const done = await waitFor(
      () => readRecords(settings.RECORD_FILE!).find((r) => r.phase === 'end'),
      10_000,
      'redelivery',
    );
    expect(done.instance).toBe('survivor');
  });

  it('two runner processes on one queue process every successful message exactly once', async () => {
    const settings = fixtureSettings();
    const work = queueClient(settings.WORK_QUEUE!);
    await work.create();
    await Promise.all([
      startTestRunner({
        appDir: fixtureAppDir,
        settings: { ...settings, FIXTURE_INSTANCE: 'a' },
        functions: ['queueWorker'],
        instanceId: 'a',
      }),
      startTestRunner({
        appDir: fixtureAppDir,
        settings: { ...settings, FIXTURE_INSTANCE: 'b' },
        functions: ['queueWorker'],
        instanceId: 'b',
      }),
    ]);
    const tags = Array.from({ length: 24 }, (_, i) => `m${i}`);
    await Promise.all(tags.map((tag) => work.sendMessage(base64Json({ tag, sleepMs: 100 }))));

    await waitFor(
      () => readRecords(settings.RECORD_FILE!).filter((r) => r.phase === 'end').length >= tags.length,
      20_000,
      'all messages',
    );
    await waitFor(async () => (await queueLength(work)) === 0, 5_000, 'empty queue');
    await new Promise((resolve) => setTimeout(resolve, 500)); // a duplicate delivery would show up here
    const starts = readRecords(settings.RECORD_FILE!).filter((r) => r.phase === 'start');
    expect(starts.map(tagOf).sort()).toEqual([...tags].sort());
    expect(new Set(starts.map((r) => r.instance))).toEqual(new Set(['a', 'b']));
  });
});
