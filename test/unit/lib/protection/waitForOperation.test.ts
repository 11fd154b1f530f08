import { OperationPendingError, TransientError } from '../../../../src/lib/errors';
import { waitForOperation } from '../../../../src/lib/protection/waitForOperation';
import { vaultRoute, vmFacts } from '../../../helpers/factories/rules';
import { FakeBackupGateway } from '../../../helpers/fakes/fakeAzure';
import { FakeClock } from '../../../helpers/fakes/fakeQueues';

describe('waitForOperation', () => {
  const vault = vaultRoute('eastus');
  const poll = { minIntervalMs: 100, maxIntervalMs: 2_000 };

  it('waits the (bounded) Retry-After before the first poll, then polls until the operation leaves InProgress', async () => {
    const gateway = new FakeBackupGateway();
    gateway.enablePolls = 2;
    const clock = new FakeClock();
    const operation = await gateway.enableProtection(vault, vmFacts().vm, 'DefaultPolicy');
    const result = await waitForOperation(
      gateway,
      vault,
      { ...operation, retryAfterMs: 60_000 },
      { clock, deadline: clock.now().getTime() + 30_000, poll },
    );
    expect(result.status).toBe('Succeeded');
    expect(clock.sleeps).toEqual([2_000, 2_000, 2_000]);
    expect(gateway.count('getOperationStatus')).toBe(3);
  });

  it('follows up an operation from an earlier attempt at growing intervals, releasing the slot past the hold limit', async () => {
    const gateway = new FakeBackupGateway();
    gateway.enablePolls = 3;
    const clock = new FakeClock();
    const { operationId } = await gateway.enableProtection(vault, vmFacts().vm, 'DefaultPolicy');
    await expect(
      waitForOperation(gateway, vault, { operationId }, { clock, deadline: clock.now().getTime() + 30_000, poll }),
    ).resolves.toMatchObject({ status: 'Succeeded' });
    expect(clock.sleeps).toEqual([100, 400, 1_600]);
    gateway.enablePolls = 5;
    const second = await gateway.enableProtection(vault, vmFacts().vm, 'DefaultPolicy');
    const holding = { minIntervalMs: 100, maxIntervalMs: 10_000, holdLimitMs: 5_000 };
    await expect(
      waitForOperation(
        gateway,
        vault,
        { operationId: second.operationId },
        { clock, deadline: clock.now().getTime() + 60_000, poll: holding },
      ),
    ).rejects.toMatchObject({ code: 'operation-in-progress', retryAfterMs: 6_400 });
    expect(clock.sleeps.slice(3)).toEqual([100, 400, 1_600]);
  });

  it('polls an operation followed up from an earlier attempt (no Retry-After) at once', async () => {
    const gateway = new FakeBackupGateway();
    gateway.enablePolls = 0;
    const clock = new FakeClock();
    const { operationId } = await gateway.enableProtection(vault, vmFacts().vm, 'DefaultPolicy');
    await expect(
      waitForOperation(gateway, vault, { operationId }, { clock, deadline: clock.now().getTime() + 30_000, poll }),
    ).resolves.toMatchObject({ status: 'Succeeded' });
    expect(clock.sleeps).toEqual([]);
  });

  it('gives up before the first poll when the Retry-After alone would pass the budget', async () => {
    const gateway = new FakeBackupGateway();
    const clock = new FakeClock();
    const operation = await gateway.enableProtection(vault, vmFacts().vm, 'DefaultPolicy');
    await expect(
      waitForOperation(
        gateway,
        vault,
        { ...operation, retryAfterMs: 1_500 },
        { clock, deadline: clock.now().getTime() + 1_000, poll },
      ),
    ).rejects.toMatchObject({ code: 'operation-in-progress', retryAfterMs: 1_500 });
    expect(gateway.count('getOperationStatus')).toBe(0);
  });

  it('gives up with operation-in-progress when the budget would be passed', async () => {
    const gateway = new FakeBackupGateway();
    gateway.operationsComplete = false;
    const clock = new FakeClock();
    const operation = await gateway.enableProtection(vault, vmFacts().vm, 'DefaultPolicy');
    const waiting = waitForOperation(gateway, vault, operation, { clock, deadline: clock.now().getTime() + 450, poll });
    await expect(waiting).rejects.toBeInstanceOf(TransientError);
    await expect(
      waitForOperation(gateway, vault, operation, { clock, deadline: clock.now().getTime() + 50, poll }),
    ).rejects.toMatchObject({ code: 'operation-in-progress' });
    expect(clock.sleeps).toEqual([100, 100, 100, 100]);
  });

  it('does not sit out a wait longer than holdLimitMs: OperationPendingError with the wait, before any poll', async () => {
    const gateway = new FakeBackupGateway();
    const clock = new FakeClock();
    const operation = await gateway.enableProtection(vault, vmFacts().vm, 'DefaultPolicy');
    const options = {
      clock,
      deadline: clock.now().getTime() + 300_000,
      poll: { minIntervalMs: 100, maxIntervalMs: 10_000, holdLimitMs: 5_000 },
    };
    const waiting = waitForOperation(gateway, vault, { ...operation, retryAfterMs: 60_000 }, options);
    await expect(waiting).rejects.toBeInstanceOf(OperationPendingError);
    await expect(
      waitForOperation(gateway, vault, { ...operation, retryAfterMs: 60_000 }, options),
    ).rejects.toMatchObject({ code: 'operation-in-progress', retryAfterMs: 10_000 });
    expect(gateway.count('getOperationStatus')).toBe(0);
    expect(clock.sleeps).toEqual([]);
    await expect(
      waitForOperation(gateway, vault, { ...operation, retryAfterMs: 1_000 }, options),
    ).resolves.toMatchObject({ status: 'Succeeded' });
  });

  it('treats an operation without id as done', async () => {
    const gateway = new FakeBackupGateway();
    const clock = new FakeClock();
    await expect(waitForOperation(gateway, vault, {}, { clock, deadline: 0, poll })).resolves.toEqual({
      status: 'Succeeded',
    });
    expect(gateway.count('getOperationStatus')).toBe(0);
  });
});
