import { OperationPendingError, PermanentError } from '../../../../src/lib/errors';
import { handleProtectionMessage } from '../../../../src/lib/protection/handleProtectionMessage';
import { runProtectionWorkflow } from '../../../../src/lib/protection/runProtectionWorkflow';
import { armError } from '../../../helpers/factories/azureErrors';
import {
  HOLDING_POLL,
  type ProtectionHarness,
  protectionHarness,
  protectionRequest,
} from '../../../helpers/factories/protection';

/**
 * The discovery fallback: a PUT the vault cannot resolve -> one refresh of the vault's containers, shared through its
 * refresh row by every invocation, then the PUT once more (recovery-services-api.md §3, vm-backup-support.md §6).
 */

const UNRESOLVABLE = 'BMSUserErrorInvalidConfigureProtectionRequest';
const unresolvable = () => armError(400, UNRESOLVABLE, {}, 'Configure protection request is invalid.');

const run = (h: ProtectionHarness) => runProtectionWorkflow(h.deps(), protectionRequest());
const failureOf = (h: ProtectionHarness) =>
  run(h).then(
    () => new Error('expected a failure'),
    (error: unknown) => error,
  );
const row = (h: ProtectionHarness) => h.ledger.get(h.vm.key);

/** Another invocation's refresh of the harness vault, started `ageMs` ago and still running. */
async function refreshOfAnother(h: ProtectionHarness, options: { ageMs?: number; leaseLeftMs?: number } = {}) {
  h.backup.refreshPolls = 1_000;
  const operation = await h.backup.refreshContainers(h.vault);
  h.backup.calls.length = 0;
  const now = h.clock.now().getTime();
  return h.refreshes.create({
    vaultId: h.vault.vaultId,
    state: 'running',
    owner: 'inv-other',
    startedAt: new Date(now - (options.ageMs ?? 0)).toISOString(),
    leaseExpiresAt: new Date(now + (options.leaseLeftMs ?? 300_000)).toISOString(),
    operationId: operation.operationId,
  });
}

describe('container refresh when the vault cannot resolve the VM', () => {
  it('refreshes the vault containers, follows the refresh, and sends the PUT once more', async () => {
    const h = protectionHarness();
    h.backup.refreshPolls = 2;
    h.backup.failNext('enableProtection', unresolvable());
    expect(await run(h)).toMatchObject({ status: 'backup-triggered' });
    expect(h.backup.count('enableProtection')).toBe(2);
    expect(h.backup.count('refreshContainers')).toBe(1);
    expect(h.backup.count('getRefreshStatus')).toBe(3);
    expect(await h.refreshes.get(h.vault.vaultId)).toMatchObject({
      state: 'ended',
      owner: expect.stringMatching(/^owner-/),
      operationId: expect.any(String),
      endedAt: expect.any(String),
    });
    expect(h.logs).toHaveLogged({ message: 'container refresh started', vaultId: h.vault.vaultId });
  });

  it('fails with the service code when the VM is still unresolvable after the refresh', async () => {
    const h = protectionHarness();
    h.backup.failNext('enableProtection', unresolvable(), unresolvable());
    const error = await failureOf(h);
    expect(error).toBeInstanceOf(PermanentError);
    expect(await row(h)).toMatchObject({
      status: 'failed',
      errorCode: UNRESOLVABLE,
      reason: expect.stringMatching(/^The vault could not resolve the VM, also after a container refresh: /),
    });
    expect(h.backup.count('refreshContainers')).toBe(1);
  });

  it('does not refresh for any other refusal', async () => {
    const h = protectionHarness();
    h.backup.failNext('enableProtection', armError(400, 'UserErrorProtectionQuotaExceeded'));
    await failureOf(h);
    expect(h.backup.count('refreshContainers')).toBe(0);
  });

  it('waits for the refresh another invocation runs, without sending one, then checks back on it alone', async () => {
    const h = protectionHarness();
    await refreshOfAnother(h);
    h.backup.failNext('enableProtection', unresolvable());

    const waiting = await handleProtectionMessage(h.deps(), protectionRequest({ attempt: 1 }));
    expect(waiting).toMatchObject({ kind: 'requeued', nextAttempt: 1, code: 'operation-in-progress' });
    expect(h.backup.count('refreshContainers')).toBe(0);
    expect(await row(h)).toMatchObject({
      status: 'protecting',
      errorCode: 'operation-in-progress',
      operationIds: [`refresh:${h.clock.now().getTime()}`],
    });

    // Checking back while the refresh still runs: one poll of the refresh, nothing else read or sent.
    const readsBefore = h.vms.getCalls;
    const again = await handleProtectionMessage(h.deps(), h.requests.sent.shift()!.request);
    expect(again).toMatchObject({ kind: 'requeued', nextAttempt: 1 });
    expect(h.vms.getCalls).toBe(readsBefore);
    expect(h.backup.count('enableProtection')).toBe(1);

    // Once it has ended, the check-back marks it ended and sends the PUT once more.
    h.backup.endRefreshes();
    h.clock.advance(1_000);
    const done = await handleProtectionMessage(h.deps(), h.requests.sent.shift()!.request);
    expect(done).toMatchObject({ kind: 'done', outcome: { status: 'backup-triggered' } });
    expect(h.backup.count('enableProtection')).toBe(2);
    expect(h.backup.count('refreshContainers')).toBe(0);
    expect(await h.refreshes.get(h.vault.vaultId)).toMatchObject({ state: 'ended', owner: 'inv-other' });
  });

  it('sends the PUT once more, without a refresh of its own, when a running refresh ends after the PUT went out', async () => {
    const h = protectionHarness();
    await refreshOfAnother(h, { ageMs: 2_000 });
    h.backup.endRefreshes();
    const getRefreshStatus = h.backup.getRefreshStatus.bind(h.backup);
    h.backup.getRefreshStatus = async (vault, operationId) => {
      h.clock.advance(100);
      return getRefreshStatus(vault, operationId);
    };
    h.backup.failNext('enableProtection', unresolvable());
    expect(await run(h)).toMatchObject({ status: 'backup-triggered' });
    expect(h.backup.count('refreshContainers')).toBe(0);
    expect(h.backup.count('enableProtection')).toBe(2);
  });

  it('claims a new refresh when the last one started before the vault refused this VM', async () => {
    const h = protectionHarness();
    const old = await refreshOfAnother(h, { ageMs: 60_000 });
    await h.refreshes.replace(old, {
      ...old,
      state: 'ended',
      endedAt: new Date(h.clock.now().getTime() - 50_000).toISOString(),
    });
    h.backup.refreshPolls = 0;
    h.backup.failNext('enableProtection', unresolvable());
    expect(await run(h)).toMatchObject({ status: 'backup-triggered' });
    expect(h.backup.count('refreshContainers')).toBe(1);
  });

  it('fails at once when a refresh that covers the VM had ended before the PUT was sent', async () => {
    const h = protectionHarness();
    h.backup.failNext('enableProtection', unresolvable());
    // The VM was refused before (its row is marked), and a refresh started after that has ended since.
    const since = h.clock.now().getTime();
    await h.ledger.create({
      vmKey: h.vm.key,
      vmResourceId: h.vm.id,
      subscriptionId: h.vm.subscriptionId,
      status: 'protecting',
      errorCode: 'operation-in-progress',
      attempts: 1,
      operationIds: [`refresh:${since}`],
      jobIds: [],
      firstSeen: new Date(since).toISOString(),
      lastChanged: new Date(since).toISOString(),
    });
    const refresh = await refreshOfAnother(h);
    await h.refreshes.replace(refresh, { ...refresh, state: 'ended', endedAt: new Date(since + 500).toISOString() });
    h.clock.advance(1_000);
    expect(await failureOf(h)).toBeInstanceOf(PermanentError);
    expect(h.backup.count('refreshContainers')).toBe(0);
    expect(h.backup.count('enableProtection')).toBe(1);
  });

  it('takes over a refresh whose claimer crashed (lease expired) and runs it again', async () => {
    const h = protectionHarness();
    await refreshOfAnother(h, { leaseLeftMs: -1 });
    h.backup.refreshPolls = 0;
    h.backup.failNext('enableProtection', unresolvable());
    expect(await run(h)).toMatchObject({ status: 'backup-triggered' });
    expect(h.backup.count('refreshContainers')).toBe(1);
  });

  it('waits when another invocation claims the refresh first', async () => {
    const h = protectionHarness();
    h.backup.failNext('enableProtection', unresolvable());
    const create = h.refreshes.create.bind(h.refreshes);
    h.refreshes.create = async (refresh) => {
      await create({ ...refresh, owner: 'inv-other' });
      return create(refresh);
    };
    expect(await failureOf(h)).toBeInstanceOf(OperationPendingError);
    expect(h.backup.count('refreshContainers')).toBe(0);
  });

  it('hands a long refresh to the queue (Retry-After above the hold limit) and completes it on the check-back', async () => {
    const h = protectionHarness({ poll: HOLDING_POLL });
    h.backup.refreshPolls = 1;
    h.backup.failNext('enableProtection', unresolvable());
    const refreshContainers = h.backup.refreshContainers.bind(h.backup);
    h.backup.refreshContainers = async (vault) => ({ ...(await refreshContainers(vault)), retryAfterMs: 60_000 });

    const first = await handleProtectionMessage(h.deps(), protectionRequest());
    expect(first).toMatchObject({ kind: 'requeued', code: 'operation-in-progress', delayMs: 10_000 });
    expect(await h.refreshes.get(h.vault.vaultId)).toMatchObject({ state: 'running' });

    h.clock.advance(10_000);
    const second = await handleProtectionMessage(h.deps(), h.requests.sent.shift()!.request);
    expect(second).toMatchObject({ kind: 'requeued' });
    h.clock.advance(10_000);
    const third = await handleProtectionMessage(h.deps(), h.requests.sent.shift()!.request);
    expect(third).toMatchObject({ kind: 'done', outcome: { status: 'backup-triggered' } });
    expect(h.backup.count('refreshContainers')).toBe(1);
    expect(await h.refreshes.get(h.vault.vaultId)).toMatchObject({ state: 'ended' });
  });

  it('takes a refresh Azure no longer knows as ended, with a warning', async () => {
    const h = protectionHarness();
    await refreshOfAnother(h, { ageMs: 5_000 });
    h.backup.failNext('getRefreshStatus', armError(404, 'BMSUserErrorOperationNotFound'));
    h.backup.failNext('enableProtection', unresolvable());
    h.backup.refreshPolls = 0;
    // It started before the vault refused this VM, so a new one runs once it is taken as ended.
    expect(await run(h)).toMatchObject({ status: 'backup-triggered' });
    expect(h.backup.count('refreshContainers')).toBe(1);
    expect(h.logs).toHaveLogged({ level: 'warn', message: 'container refresh could not be read; taking it as ended' });
  });
});
