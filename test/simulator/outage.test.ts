import { createRecoveryServicesGateway } from '../../src/lib/azure/recoveryServicesGateway';
import { ARM_RETRY_OPTIONS } from '../../src/lib/clients';
import { TransientError } from '../../src/lib/errors';
import { parseVmResourceId } from '../../src/lib/resourceId';
import { vaultRoute, vmId } from '../helpers/factories/rules';
import {
  backupClient,
  BEARER,
  control,
  createVm,
  EAST_VAULT,
  rawRequest,
  SUB,
  useTestSimulator,
  VAULT_RG,
} from './helpers';

const JOBS = `/subscriptions/${SUB}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${EAST_VAULT}/backupJobs?api-version=2023-06-01`;
const VM_GET = (name: string) =>
  `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/${name}?api-version=2024-07-01`;

interface OutageStatusBody {
  active: boolean;
  kind?: string;
  refused: number;
  refusedTotal: number;
  endsAt?: string;
}

async function waitInactive(sim: Parameters<typeof control>[0]): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if (!(await control<OutageStatusBody>(sim, 'GET', 'outage')).body.active) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the outage did not end by itself');
}

describe('simulator: ARM outage (POST /_sim/outage)', () => {
  const sim = useTestSimulator();
  afterEach(async () => {
    await control(sim(), 'POST', 'outage', { kind: 'none' });
  });

  it('answers every request 503 ServiceUnavailable with Retry-After, spends no token, and recovers by itself', async () => {
    const before = await rawRequest(sim(), 'GET', JOBS, undefined, BEARER);
    const remaining = Number(before.headers['x-ms-ratelimit-remaining-subscription-reads']);
    const started = await control<OutageStatusBody>(sim(), 'POST', 'outage', {
      kind: '503',
      seconds: 0.4,
      retryAfterSeconds: 7,
    });
    expect(started.body).toMatchObject({ active: true, kind: '503' });

    const refused = await rawRequest(sim(), 'GET', JOBS, undefined, BEARER);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('7');
    expect(refused.json).toMatchObject({ error: { code: 'ServiceUnavailable', message: expect.any(String) } });
    // The front door is down: even a request without a token gets the 503, not a 401.
    expect((await rawRequest(sim(), 'GET', JOBS)).status).toBe(503);
    expect((await control<OutageStatusBody>(sim(), 'GET', 'outage')).body.refused).toBe(2);

    await waitInactive(sim());
    const after = await rawRequest(sim(), 'GET', JOBS, undefined, BEARER);
    expect(after.status).toBe(200);
    // The refused requests spent no read token: one more read than before, not three.
    expect(Number(after.headers['x-ms-ratelimit-remaining-subscription-reads'])).toBeGreaterThanOrEqual(remaining - 1);
  });

  it('drops connections in the second variant, and kind none ends an outage at once', async () => {
    await control(sim(), 'POST', 'outage', { kind: 'drop', seconds: 600 });
    await expect(rawRequest(sim(), 'GET', JOBS, undefined, BEARER)).rejects.toThrow(/socket hang up|ECONNRESET/);
    const ended = await control<OutageStatusBody>(sim(), 'POST', 'outage', { kind: 'none' });
    expect(ended.body).toMatchObject({ active: false, kind: 'drop', refused: 1 });
    expect((await rawRequest(sim(), 'GET', JOBS, undefined, BEARER)).status).toBe(200);
    const log = await control<{ entries: Array<{ operationId: string; status: number }> }>(sim(), 'GET', 'requests');
    expect(log.body.entries.filter((entry) => entry.status === 0).map((entry) => entry.operationId)).toContain(
      'BackupJobs_List',
    );
  });

  it('can fail Recovery Services alone while Compute answers', async () => {
    await createVm(sim(), 'vm-outage-scope');
    await control(sim(), 'POST', 'outage', { kind: '503', seconds: 600, scope: 'recoveryServices' });
    expect((await rawRequest(sim(), 'GET', VM_GET('vm-outage-scope'), undefined, BEARER)).status).toBe(200);
    expect((await rawRequest(sim(), 'GET', JOBS, undefined, BEARER)).status).toBe(503);
  });

  it('refuses an outage without an end, or longer than an hour', async () => {
    expect((await control(sim(), 'POST', 'outage', { kind: '503' })).status).toBe(400);
    expect((await control(sim(), 'POST', 'outage', { kind: 'drop', seconds: 3_601 })).status).toBe(400);
  });

  // autoprotect's own gateway, with the app's SDK retry options: both variants surface as transient errors, the 503
  // one carrying the server's wait, so the request goes back to the queue (handleProtectionMessage), not to poison.
  it.each([
    ['503', { code: 'ServiceUnavailable', retryAfterMs: 1_000 }],
    ['drop', { code: expect.stringMatching(/ECONNRESET|connection-error/) }],
  ])('reaches autoprotect as a transient error (%s)', async (kind, expected) => {
    await createVm(sim(), 'vm-outage-gateway');
    const gateway = createRecoveryServicesGateway(() =>
      backupClient(sim(), { ...ARM_RETRY_OPTIONS, retryDelayInMs: 10 }),
    );
    await control(sim(), 'POST', 'outage', { kind, seconds: 600, retryAfterSeconds: 1 });
    const failure = await gateway
      .getProtectedItem(vaultRoute('eastus'), parseVmResourceId(vmId('vm-outage-gateway')))
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(TransientError);
    expect(failure).toMatchObject(expected);
    // The SDK retried in-process first (ARM_RETRY_OPTIONS.maxRetries), then gave up.
    expect((await control<OutageStatusBody>(sim(), 'GET', 'outage')).body.refused).toBe(
      ARM_RETRY_OPTIONS.maxRetries + 1,
    );
  });
});
