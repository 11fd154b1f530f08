import { waitForOperation } from '../../../../src/lib/protection/waitForOperation';
import { TransientError } from '../../../../src/lib/errors';
import { vaultRoute, vmFacts } from '../../../helpers/factories/rules';
import { FakeBackupGateway } from '../../../helpers/fakes/fakeAzure';
import { FakeClock } from '../../../helpers/fakes/fakeQueues';

describe('waitForOperation', () => {
  const vault = vaultRoute('eastus');
  const poll = { minIntervalMs: 100, maxIntervalMs: 2_000 };

  it('polls until the operation leaves InProgress, honouring Retry-After within bounds', async () => {
    const gateway = new FakeBackupGateway();
    gateway.enablePolls = 2;
    const clock = new FakeClock();
    const operation = await gateway.enableProtection(vault, vmFacts().vm, 'DefaultPolicy');
    const result = await waitForOperation(gateway, vault, { ...operation, retryAfterMs: 60_000 }, { clock, deadline: clock.now().getTime() + 30_000, poll });
    expect(result.status).toBe('Succeeded');
    expect(clock.sleeps).toEqual([2_000, 2_000]);
  });

  it('gives up with operation-in-progress when the budget would be passed', async () => {
    const gateway = new FakeBackupGateway();
    gateway.operationsComplete = false;
    const clock = new FakeClock();
    const operation = await gateway.enableProtection(vault, vmFacts().vm, 'DefaultPolicy');
    const waiting = waitForOperation(gateway, vault, operation, { clock, deadline: clock.now().getTime() + 450, poll });
    await expect(waiting).rejects.toBeInstanceOf(TransientError);
    await expect(waitForOperation(gateway, vault, operation, { clock, deadline: clock.now().getTime() + 50, poll })).rejects.toMatchObject({ code: 'operation-in-progress' });
    expect(clock.sleeps).toEqual([100, 100, 100, 100]);
  });

  it('treats an operation without id as done', async () => {
    const gateway = new FakeBackupGateway();
    const clock = new FakeClock();
    await expect(waitForOperation(gateway, vault, {}, { clock, deadline: 0, poll })).resolves.toEqual({ status: 'Succeeded' });
    expect(gateway.count('getOperationStatus')).toBe(0);
  });
});
