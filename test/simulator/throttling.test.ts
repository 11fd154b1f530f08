import { backupClient, BEARER, control, EAST_VAULT, rawRequest, SUB, useTestSimulator, VAULT_RG } from './helpers';

const JOBS = `/subscriptions/${SUB}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${EAST_VAULT}/backupJobs?api-version=2023-06-01`;

describe('simulator: ARM token buckets', () => {
  const sim = useTestSimulator({ throttling: { reads: { size: 3, refillPerSecond: 1 } } });

  it('counts down x-ms-ratelimit-remaining-subscription-reads, then answers 429 ResourceRequestsThrottled with Retry-After', async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await rawRequest(sim(), 'GET', JOBS, undefined, BEARER);
      expect(res.status).toBe(200);
      remaining.push(String(res.headers['x-ms-ratelimit-remaining-subscription-reads']));
    }
    expect(remaining.map(Number)).toEqual([2, 1, 0]);
    const throttled = await rawRequest(sim(), 'GET', JOBS, undefined, BEARER);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(throttled.json).toMatchObject({ error: { code: 'ResourceRequestsThrottled' } });
    const state = await control<{
      requests: { total: number; throttled: number; byOperation: Record<string, number> };
    }>(sim(), 'GET', 'state');
    expect(state.body.requests.throttled).toBe(1);
    expect(state.body.requests.byOperation.BackupJobs_List).toBe(4);
  });

  it('lets the SDK retry policy honour Retry-After and succeed once the bucket refills', async () => {
    await control(sim(), 'POST', 'reset');
    const client = backupClient(sim(), { maxRetries: 3, retryDelayInMs: 10 });
    const started = Date.now();
    for (let i = 0; i < 4; i += 1) await client.backupJobs.list(EAST_VAULT, VAULT_RG).next();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const log = await control<{ entries: Array<{ status: number; operationId: string }> }>(sim(), 'GET', 'requests');
    expect(log.body.entries.map((e) => e.status)).toEqual([200, 200, 200, 429, 200]);
  });

  it("keeps each subscription's buckets apart, as ARM does (arm-throttling.md: per subscription and principal)", async () => {
    await control(sim(), 'POST', 'reset');
    const other = 'abcde000-0000-4000-8000-000000000001';
    await control(sim(), 'POST', 'seed', {
      subscriptionId: other,
      tenantId: (await control<{ tenantId: string }>(sim(), 'GET', 'state')).body.tenantId,
      vaults: [{ resourceGroup: VAULT_RG, name: EAST_VAULT, location: 'eastus' }],
    });
    for (let i = 0; i < 3; i += 1) await rawRequest(sim(), 'GET', JOBS, undefined, BEARER);
    expect((await rawRequest(sim(), 'GET', JOBS, undefined, BEARER)).status).toBe(429);
    const elsewhere = await rawRequest(sim(), 'GET', JOBS.replace(SUB, other), undefined, BEARER);
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('2');
  });

  it('changes bucket sizes at run time through POST /_sim/throttling', async () => {
    await control(sim(), 'POST', 'throttling', { reads: { size: 1000, refillPerSecond: 100 } });
    const res = await rawRequest(sim(), 'GET', JOBS, undefined, BEARER);
    expect(Number(res.headers['x-ms-ratelimit-remaining-subscription-reads'])).toBe(999);
  });
});

describe('simulator: injected faults', () => {
  const sim = useTestSimulator();
  afterEach(async () => {
    await control(sim(), 'POST', 'faults', { faults: [] });
  });

  it('answers 503 then lets the SDK retry through to success', async () => {
    await control(sim(), 'POST', 'faults', { faults: [{ operationId: 'BackupJobs_List', kind: '503', times: 1 }] });
    const client = backupClient(sim(), { maxRetries: 2, retryDelayInMs: 5 });
    await expect(client.backupJobs.list(EAST_VAULT, VAULT_RG).next()).resolves.toBeDefined();
    const faults = await control<{ faults: Array<{ hits: number }> }>(sim(), 'GET', 'faults');
    expect(faults.body.faults[0]?.hits).toBe(1);
  });

  it('injects 429 with Retry-After, 500, BMSUserErrorObjectLocked and dropped connections per operation', async () => {
    const client = backupClient(sim());
    await control(sim(), 'POST', 'faults', {
      faults: [{ operationId: 'BackupJobs_List', kind: '429', retryAfterSeconds: 7 }],
    });
    const throttled = await rawRequest(sim(), 'GET', JOBS, undefined, BEARER);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('7');
    await control(sim(), 'POST', 'faults', { faults: [{ operationId: 'ProtectionPolicies_Get', kind: '500' }] });
    await expect(client.protectionPolicies.get(EAST_VAULT, VAULT_RG, 'DefaultPolicy')).rejects.toMatchObject({
      statusCode: 500,
    });
    await expect(client.backupJobs.list(EAST_VAULT, VAULT_RG).next()).resolves.toBeDefined();
    await control(sim(), 'POST', 'faults', {
      faults: [{ operationId: 'ProtectionPolicies_Get', kind: 'objectLocked' }],
    });
    await expect(client.protectionPolicies.get(EAST_VAULT, VAULT_RG, 'DefaultPolicy')).rejects.toMatchObject({
      statusCode: 409,
      code: 'BMSUserErrorObjectLocked',
    });
    await control(sim(), 'POST', 'faults', { faults: [{ operationId: '*', kind: 'drop' }] });
    await expect(rawRequest(sim(), 'GET', JOBS, undefined, BEARER)).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('adds latency', async () => {
    await control(sim(), 'POST', 'faults', { faults: [{ kind: 'latency', latencyMs: 150 }] });
    const started = Date.now();
    const res = await rawRequest(sim(), 'GET', JOBS, undefined, BEARER);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('refuses malformed fault rules with 400', async () => {
    const res = await control(sim(), 'POST', 'faults', { faults: [{ kind: '418' }] });
    expect(res.status).toBe(400);
  });
});
