import { createProgress } from '../../tools/cli/format/progress';
import { createRateLimiter, type LimiterClock } from '../../tools/cli/format/rateLimiter';
import { renderTable } from '../../tools/cli/format/table';
import { parsePoisonBody } from '../../tools/cli/poison/poisonMessages';
import { captureStream } from './cliHarness';

function fakeClock(): LimiterClock & { sleeps: number[] } {
  let now = 1_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    nowMs: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('createRateLimiter', () => {
  it('spaces starts 1000/rate ms apart and lets the first one through at once', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter(4, clock);

    for (let i = 0; i < 4; i++) await limiter.acquire();

    expect(clock.sleeps).toEqual([250, 250, 250]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => createRateLimiter(0)).toThrow(RangeError);
  });
});

describe('createProgress', () => {
  it('redraws a bar in place on a TTY and ends the line', () => {
    const stream = captureStream(true);
    const progress = createProgress(stream, 'checking', 4, { width: 4 });

    progress.tick('vm-1');
    progress.tick('vm-2');
    progress.done();

    expect(stream.text()).toBe(
      '\r\x1b[2Kchecking [#...] 1/4 vm-1\r\x1b[2Kchecking [##..] 2/4 vm-2\r\x1b[2Kchecking [##..] 2/4\n',
    );
  });

  it('without a TTY prints a line at most every interval, and the final count', () => {
    let now = 0;
    const stream = captureStream(false);
    const progress = createProgress(stream, 'enqueueing', 5, { intervalMs: 1000, nowMs: () => now });

    progress.tick();
    now = 1200;
    progress.tick();
    progress.tick();
    progress.tick();
    progress.tick();
    progress.done();

    expect(stream.text()).toBe('enqueueing: 2/5\nenqueueing: 5/5\n');
  });
});

describe('renderTable', () => {
  it('pads columns to the widest cell', () => {
    expect(
      renderTable(
        ['VM', 'STATUS'],
        [
          ['vm-long-name', 'ok'],
          ['x', 'failed'],
        ],
      ),
    ).toBe('VM            STATUS\n------------  ------\nvm-long-name  ok\nx             failed');
  });
});

describe('parsePoisonBody', () => {
  const request = {
    version: 1,
    vmResourceId:
      '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm',
    subscriptionId: '11111111-1111-1111-1111-111111111111',
    source: 'event',
    attempt: 3,
  };

  it('reads the app shape, a bare request (base64 or plain JSON), and keeps anything else as unreadable', () => {
    const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

    expect(parsePoisonBody(base64({ code: 'c', reason: 'r', at: '2026-11-25T00:00:00Z', request }))).toMatchObject({
      shape: 'app',
      code: 'c',
      request: { attempt: 3 },
    });
    expect(parsePoisonBody(base64(request))).toMatchObject({
      shape: 'host',
      request: { vmResourceId: request.vmResourceId },
    });
    expect(parsePoisonBody(JSON.stringify(request))).toMatchObject({ shape: 'host' });
    expect(parsePoisonBody('%%% garbage')).toEqual({ shape: 'unreadable', raw: '%%% garbage' });
  });
});
