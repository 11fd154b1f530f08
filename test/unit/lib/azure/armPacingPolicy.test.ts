import {
  createHttpHeaders,
  createPipelineRequest,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';

import {
  ARM_PACING_POLICY_NAME,
  bucketOf,
  createArmPacingPolicy,
  subscriptionOf,
} from '../../../../src/lib/azure/armPacingPolicy';
import { ArmRequestPacer, type PacerClock } from '../../../../src/lib/azure/armRequestPacer';

const SUB = '11111111-1111-1111-1111-111111111111';
const BASE = 'https://127.0.0.1:1';

const limits = {
  reads: { size: 5, refillPerSecond: 5 },
  writes: { size: 2, refillPerSecond: 10 },
  deletes: { size: 2, refillPerSecond: 10 },
};

/** A clock whose sleeps return at once and are recorded. */
function fakeClock(): PacerClock & { sleeps: number[] } {
  const clock = {
    sleeps: [] as number[],
    now: () => 0,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
    },
  };
  return clock;
}

function request(method: string, path = `/subscriptions/${SUB}/resourceGroups/rg/x`): PipelineRequest {
  return createPipelineRequest({ url: `${BASE}${path}?api-version=1`, method: method as 'GET' });
}

const respond =
  (status: number, headers: Record<string, string> = {}) =>
  async (sent: PipelineRequest): Promise<PipelineResponse> => ({
    request: sent,
    status,
    headers: createHttpHeaders(headers),
  });

/** A real pacer with its three entry points spied on. */
function spiedPacer(clock = fakeClock()) {
  const pacer = new ArmRequestPacer(limits, clock);
  return {
    pacer,
    clock,
    acquire: jest.spyOn(pacer, 'acquire'),
    release: jest.spyOn(pacer, 'release'),
    observe: jest.spyOn(pacer, 'observe'),
  };
}

describe('bucketOf', () => {
  it.each([
    ['GET', 'reads'],
    ['HEAD', 'reads'],
    ['get', 'reads'],
    ['PUT', 'writes'],
    ['POST', 'writes'],
    ['PATCH', 'writes'],
    ['OPTIONS', 'writes'],
    ['DELETE', 'deletes'],
    ['delete', 'deletes'],
  ])('puts %s in the %s bucket', (method, bucket) => {
    expect(bucketOf(method)).toBe(bucket);
  });
});

describe('subscriptionOf', () => {
  it('reads the subscription from the path, case-insensitively, lower-cased', () => {
    expect(subscriptionOf(`${BASE}/Subscriptions/${SUB.toUpperCase()}/providers/x?api-version=1`)).toBe(SUB);
  });

  it('decodes a percent-encoded subscription segment', () => {
    expect(subscriptionOf(`${BASE}/subscriptions/ab%2Dcd/resourceGroups/rg`)).toBe('ab-cd');
  });

  it('ignores a subscription that appears only in the query string or fragment', () => {
    expect(subscriptionOf(`${BASE}/providers/x?next=/subscriptions/${SUB}`)).toBeUndefined();
    expect(subscriptionOf(`${BASE}/providers/x#/subscriptions/${SUB}`)).toBeUndefined();
  });

  it('gives undefined for tenant-level paths and an empty subscription segment', () => {
    expect(subscriptionOf(`${BASE}/providers/Microsoft.Compute/operations`)).toBeUndefined();
    expect(subscriptionOf(`${BASE}/subscriptions/`)).toBeUndefined();
    expect(subscriptionOf(`${BASE}/subscriptions`)).toBeUndefined();
  });

  it('throws on a URL that cannot be parsed', () => {
    expect(() => subscriptionOf('not a url')).toThrow('Invalid URL');
  });
});

describe('createArmPacingPolicy', () => {
  it('is named so it can be found (and not added twice) in a pipeline', () => {
    expect(createArmPacingPolicy(new ArmRequestPacer(limits, fakeClock())).name).toBe(ARM_PACING_POLICY_NAME);
  });

  it('waits for a write token and feeds the remaining-writes header and a 429 Retry-After back', async () => {
    const { pacer, clock } = spiedPacer();
    const policy = createArmPacingPolicy(pacer);

    const response = await policy.sendRequest(
      request('PUT'),
      respond(202, { 'x-ms-ratelimit-remaining-subscription-writes': '0' }),
    );
    expect(response.status).toBe(202);
    expect(pacer.tokens(SUB, 'writes')).toBe(0);

    await policy.sendRequest(
      request('PUT'),
      respond(429, { 'retry-after': '2', 'x-ms-ratelimit-remaining-subscription-writes': '0' }),
    );
    expect(clock.sleeps).toEqual([100]);
    await policy.sendRequest(request('PUT'), respond(202));
    expect(clock.sleeps).toEqual([100, 2100]);
  });

  it('acquires and observes in the bucket of the method, reading that bucket’s own header', async () => {
    const { pacer, acquire, observe } = spiedPacer();
    const policy = createArmPacingPolicy(pacer);
    await policy.sendRequest(
      request('DELETE'),
      respond(202, {
        'x-ms-ratelimit-remaining-subscription-deletes': '7',
        'x-ms-ratelimit-remaining-subscription-writes': '1',
      }),
    );
    await policy.sendRequest(request('GET'), respond(200, { 'x-ms-ratelimit-remaining-subscription-reads': '42' }));
    expect(acquire.mock.calls).toEqual([
      [SUB, 'deletes'],
      [SUB, 'reads'],
    ]);
    expect(observe.mock.calls).toEqual([
      [SUB, 'deletes', { status: 202, remaining: 7, retryAfterMs: undefined }],
      [SUB, 'reads', { status: 200, remaining: 42, retryAfterMs: undefined }],
    ]);
  });

  it('reports no remaining budget when the header is absent or blank', async () => {
    const { pacer, observe } = spiedPacer();
    const policy = createArmPacingPolicy(pacer);
    await policy.sendRequest(request('GET'), respond(200));
    await policy.sendRequest(request('GET'), respond(200, { 'x-ms-ratelimit-remaining-subscription-reads': '  ' }));
    expect(observe.mock.calls.map(([, , seen]) => seen.remaining)).toEqual([undefined, undefined]);
  });

  it('passes Retry-After to the pacer only for a 429', async () => {
    const { pacer, observe } = spiedPacer();
    const policy = createArmPacingPolicy(pacer);
    await policy.sendRequest(request('PUT'), respond(202, { 'retry-after': '60' }));
    await policy.sendRequest(request('PUT'), respond(429, { 'retry-after-ms': '1500' }));
    expect(observe.mock.calls.map(([, , seen]) => seen.retryAfterMs)).toEqual([undefined, 1500]);
  });

  it('releases the token and rethrows when the request fails without a response', async () => {
    const { pacer, release, observe } = spiedPacer();
    const policy = createArmPacingPolicy(pacer);
    const failure = new Error('socket hang up');
    await expect(
      policy.sendRequest(request('PUT'), async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(release).toHaveBeenCalledWith(SUB, 'writes');
    expect(observe).not.toHaveBeenCalled();
  });

  it('passes requests without a subscription through unpaced', async () => {
    const { pacer, clock, acquire, observe } = spiedPacer();
    const policy = createArmPacingPolicy(pacer);
    const response = await policy.sendRequest(request('GET', '/providers/x'), respond(200));
    expect(response.status).toBe(200);
    expect(acquire).not.toHaveBeenCalled();
    expect(observe).not.toHaveBeenCalled();
    expect(clock.sleeps).toEqual([]);
  });
});
