import { createHttpHeaders, createPipelineRequest, RestError } from '@azure/core-rest-pipeline';

import { createProtectVmHandler } from '../../../src/functions/protectVm';
import { protectionHarness, protectionRequest } from '../../helpers/factories/protection';
import { OTHER_SUBSCRIPTION, vaultRoute } from '../../helpers/factories/rules';

function armError(statusCode: number, code: string, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: 'https://127.0.0.1/arm' });
  return new RestError(`ARM said ${code}`, {
    statusCode,
    code,
    request,
    response: { status: statusCode, headers: createHttpHeaders(headers), request },
  });
}

function finishedLog(logs: ReturnType<typeof protectionHarness>['logs']) {
  return logs.find((log) => log.entry.message === 'protectVm finished')?.entry;
}

/**
 * A harness whose enable answers like Azure (202 with `Retry-After: 60`), with the production poll settings: an
 * invocation releases its queue slot instead of sitting out the wait, and the request checks back in 10 s.
 */
function slowEnableHarness(options: Parameters<typeof protectionHarness>[0] = {}, minIntervalMs = 100) {
  const h = protectionHarness(options);
  const deps = () => ({ ...h.deps(), poll: { minIntervalMs, maxIntervalMs: 10_000, holdLimitMs: 5_000 } });
  const enable = h.backup.enableProtection.bind(h.backup);
  h.backup.enableProtection = async (vault, vm, policyName) => ({
    ...(await enable(vault, vm, policyName)),
    retryAfterMs: 60_000,
  });
  return { h, deps };
}

describe('protectVm', () => {
  it('enables protection and triggers the first backup of a new VM', async () => {
    const h = protectionHarness();
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);

    expect(h.backup.count('enableProtection')).toBe(1);
    expect(h.backup.count('triggerBackup')).toBe(1);
    const row = await h.ledger.get(h.vm.key);
    expect(row).toMatchObject({
      status: 'backup-triggered',
      reason: 'first-backup-triggered',
      vaultId: h.vault.vaultId,
      policyName: 'DefaultPolicy',
      rule: 'vault-route:eastus->rsv-eastus; default-policy->DefaultPolicy',
      jobIds: [h.backup.jobs[0]?.jobId],
      lastEventId: 'event-1',
    });
    expect(row?.operationIds).toHaveLength(2);
    expect(row?.leaseOwner).toBeUndefined();
    expect(finishedLog(h.logs)).toMatchObject({
      outcome: 'done',
      status: 'backup-triggered',
      functionName: 'protectVm',
      level: 'info',
    });
  });

  it('writes the rule decision with the next ledger write, not in a write of its own', async () => {
    const h = protectionHarness();
    const update = h.ledger.update.bind(h.ledger);
    const writes: Array<Record<string, unknown>> = [];
    h.ledger.update = (entry, changes) => {
      writes.push(changes);
      return update(entry, changes);
    };
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(writes[0]).toMatchObject({
      status: 'protecting',
      reason: 'enabling-protection',
      vaultId: h.vault.vaultId,
      policyName: 'DefaultPolicy',
    });
    expect(writes.filter((changes) => 'rule' in changes && !('status' in changes))).toEqual([]);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      rule: 'vault-route:eastus->rsv-eastus; default-policy->DefaultPolicy',
      vaultId: h.vault.vaultId,
    });
  });

  it('records skipped: vm-deleted when the VM is gone', async () => {
    const h = protectionHarness();
    h.vms.vms.clear();
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'skipped', reason: 'vm-deleted' });
    expect(h.backup.calls).toEqual([]);
  });

  it('records an opted-out VM as skipped with the rule, without touching the vault', async () => {
    const h = protectionHarness({ tags: { 'autoprotect:skip': 'true' } });
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'skipped',
      reason: 'opted-out',
      rule: 'opt-out-tag:autoprotect:skip',
    });
    expect(h.backup.calls).toEqual([]);
  });

  it('records failed: no-vault-for-region without a retry', async () => {
    const h = protectionHarness({ location: 'westus2' });
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'failed',
      reason: 'no-vault-for-region',
      errorCode: 'no-vault-for-region',
    });
    expect(h.requests.sent).toEqual([]);
    expect(h.poison.sent).toEqual([]);
  });

  it('records failed: unknown-policy (permanent, not retried)', async () => {
    const h = protectionHarness({
      tags: { tier: 'gold' },
      settings: {
        rules: { ...protectionHarnessRules(), policies: [{ tag: 'tier', values: ['gold'], policy: 'NoSuchPolicy' }] },
      },
    });
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'failed',
      reason: 'unknown-policy',
      rule: 'policy[0]:tier=gold->NoSuchPolicy',
    });
    expect(h.backup.count('enableProtection')).toBe(0);
    expect(h.requests.sent).toEqual([]);
  });

  it('records a permanent ARM error with its code and does not retry', async () => {
    const h = protectionHarness();
    h.backup.failNext('enableProtection', armError(400, 'BMSUserErrorInvalidConfigureProtectionRequest'));
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'failed',
      errorCode: 'BMSUserErrorInvalidConfigureProtectionRequest',
    });
    expect(h.requests.sent).toEqual([]);
    expect(finishedLog(h.logs)).toMatchObject({
      outcome: 'failed',
      code: 'BMSUserErrorInvalidConfigureProtectionRequest',
    });
  });

  it('skips a VM protected by another vault, asking backupStatus only after the service refused the PUT', async () => {
    const h = protectionHarness();
    const elsewhere = vaultRoute('eastus', { vaultName: 'rsv-other', vaultSubscriptionId: OTHER_SUBSCRIPTION });
    h.backup.statuses.set(h.vm.key, { protected: true, vaultId: elsewhere.vaultId, protectionStatus: 'Protected' });
    h.backup.failNext('enableProtection', armError(400, 'UserErrorVmAlreadyProtectedByAnotherVault'));
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'skipped',
      reason: 'protected-elsewhere',
      vaultId: elsewhere.vaultId,
    });
    expect(h.backup.calls.map((call) => call.method)).toEqual([
      'policyExists',
      'getProtectedItem',
      'enableProtection',
      'getBackupStatus',
    ]);
    expect(h.backup.count('triggerBackup')).toBe(0);
  });

  it('spends no backupStatus call (an ARM write) and no job listing on a VM it protects first time', async () => {
    const h = protectionHarness();
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'backup-triggered' });
    expect(h.backup.count('getBackupStatus') + h.backup.count('listJobs')).toBe(0);
    expect(h.backup.count('getProtectedItem')).toBe(1);
  });

  it('retries (does not fail) a trigger that Azure refuses because a backup of the item is already running', async () => {
    const h = protectionHarness();
    h.backup.failNext('triggerBackup', armError(400, 'UserErrorBackupOperationInProgress'));
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(h.requests.sent[0]?.request).toMatchObject({
      attempt: 2,
      history: [{ code: 'UserErrorBackupOperationInProgress' }],
    });
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'protecting',
      errorCode: 'UserErrorBackupOperationInProgress',
    });
  });

  it('retries (does not fail) a trigger that finds the just-enabled item not visible yet', async () => {
    const h = protectionHarness();
    h.backup.failNext('triggerBackup', armError(404, 'BMSUserErrorDataSourceObjectNotFound'));
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(h.requests.sent).toHaveLength(1);
    expect(h.requests.sent[0]?.request).toMatchObject({ attempt: 2, history: [{ code: 'item-not-visible' }] });
    expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'protecting', errorCode: 'item-not-visible' });
  });

  it('releases its queue slot while Azure enables protection, checks back without spending an attempt, then triggers once', async () => {
    const { h, deps } = slowEnableHarness();
    h.backup.enablePolls = 0;
    await createProtectVmHandler(deps)(protectionRequest(), h.context);
    expect(h.requests.sent).toHaveLength(1);
    const [checkBack] = h.requests.sent;
    expect(checkBack?.delayMs).toBe(10_000);
    expect(checkBack?.request).toMatchObject({ attempt: 1, history: [{ attempt: 1, code: 'operation-in-progress' }] });
    expect(h.backup.count('getOperationStatus')).toBe(0);
    expect(h.clock.sleeps).toEqual([]);
    const vmReadsBefore = h.vms.getCalls;
    const itemReadsBefore = h.backup.count('getProtectedItem');

    // The check-back polls the operation it left running, once, and triggers the backup: it reads neither the VM nor
    // the protected item again (the decision is on the row), and lists no jobs (no trigger can have been sent).
    await createProtectVmHandler(deps)(checkBack?.request, h.context);
    expect(h.backup.count('enableProtection')).toBe(1);
    expect(h.backup.count('triggerBackup')).toBe(1);
    expect(h.backup.count('getOperationStatus')).toBe(2);
    expect(h.vms.getCalls - vmReadsBefore).toBe(0);
    expect(h.backup.count('getProtectedItem') - itemReadsBefore).toBe(0);
    expect(h.backup.count('listJobs')).toBe(0);
    expect(h.requests.sent).toHaveLength(1);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'backup-triggered',
      reason: 'first-backup-triggered',
      jobIds: [h.backup.jobs[0]?.jobId],
    });
  });

  it('spends one ARM read per check-back while Azure is still enabling protection', async () => {
    const { h, deps } = slowEnableHarness();
    h.backup.enablePolls = 3;
    await createProtectVmHandler(deps)(protectionRequest(), h.context);
    const vmReads = h.vms.getCalls;
    for (let checkBack = 1; checkBack <= 3; checkBack++) {
      await createProtectVmHandler(deps)(h.requests.sent.at(-1)?.request, h.context);
      expect(h.backup.count('getOperationStatus')).toBe(checkBack);
      expect(h.requests.sent.at(-1)).toMatchObject({ delayMs: 10_000, request: { attempt: 1 } });
    }
    expect(h.vms.getCalls).toBe(vmReads);
    expect(h.clock.sleeps).toEqual([]);
    await createProtectVmHandler(deps)(h.requests.sent.at(-1)?.request, h.context);
    expect(h.backup.count('triggerBackup')).toBe(1);
  });

  it('records the job of a trigger it checked back on, with one poll', async () => {
    const h = protectionHarness();
    const deps = () => ({ ...h.deps(), poll: { minIntervalMs: 100, maxIntervalMs: 10_000, holdLimitMs: 5_000 } });
    const trigger = h.backup.triggerBackup.bind(h.backup);
    h.backup.triggerBackup = async (vault, vm, expiry) => ({
      ...(await trigger(vault, vm, expiry)),
      retryAfterMs: 60_000,
    });
    await createProtectVmHandler(deps)(protectionRequest(), h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'protecting',
      errorCode: 'operation-in-progress',
      jobIds: [],
    });
    const polls = h.backup.count('getOperationStatus');
    const itemReads = h.backup.count('getProtectedItem');
    await createProtectVmHandler(deps)(h.requests.sent.at(-1)?.request, h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'backup-triggered',
      reason: 'first-backup-triggered',
      jobIds: [h.backup.jobs[0]?.jobId],
    });
    expect(h.backup.count('getOperationStatus') - polls).toBe(1);
    expect(h.backup.count('getProtectedItem') - itemReads).toBe(0);
    expect(h.backup.count('getJob') + h.backup.count('listJobs')).toBe(0);
    expect(h.backup.count('triggerBackup')).toBe(1);
  });

  it('lists jobs instead of triggering again after a check-back died between the trigger and recording it', async () => {
    const { h, deps } = slowEnableHarness();
    const handle = (request: unknown) => createProtectVmHandler(deps)(request, h.context);
    h.backup.enablePolls = 0;
    await handle(protectionRequest());
    const checkBack = h.requests.sent.at(-1)?.request;
    // The check-back triggers the backup, then the process dies: no ledger write after the POST lands.
    const trigger = h.backup.triggerBackup.bind(h.backup);
    const update = h.ledger.update.bind(h.ledger);
    h.backup.triggerBackup = async (vault, vm, expiry) => {
      const operation = await trigger(vault, vm, expiry);
      h.ledger.update = () => Promise.reject(new Error('process killed'));
      return operation;
    };
    await handle(checkBack);
    h.ledger.update = update;
    h.backup.triggerBackup = trigger;
    h.clock.advance(600_000);

    // The host redelivers the check-back once the lease has run out.
    await handle(checkBack);
    expect(h.backup.count('triggerBackup')).toBe(1);
    expect(h.backup.count('listJobs')).toBe(1);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'backup-triggered',
      reason: 'backup-job-found',
      jobIds: [h.backup.jobs[0]?.jobId],
    });
  });

  /** Enables protection (202, Retry-After 60), then checks back on the enable, which Azure failed with `errorCode`. */
  async function checkBackOnFailedEnable(errorCode: string) {
    const { h, deps } = slowEnableHarness();
    const handle = (request: unknown) => createProtectVmHandler(deps)(request, h.context);
    h.backup.enablePolls = 0;
    h.backup.enableOutcome = { status: 'Failed', errorCode, errorMessage: `Azure said ${errorCode}` };
    await handle(protectionRequest());
    const sentBefore = h.requests.sent.length;
    h.backup.enableOutcome = { status: 'Succeeded' };
    await handle(h.requests.sent.at(-1)?.request);
    return { h, handle, sentBefore };
  }

  it('starts over with a new PUT when the enable it checked back on failed because the vault was busy', async () => {
    const { h, handle } = await checkBackOnFailedEnable('BMSUserErrorObjectLocked');
    expect(h.requests.sent.at(-1)?.request).toMatchObject({
      attempt: 2,
      history: [{ code: 'operation-in-progress' }, { code: 'BMSUserErrorObjectLocked' }],
    });
    expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'requested', errorCode: 'BMSUserErrorObjectLocked' });
    for (let i = 0; i < 3 && h.backup.count('triggerBackup') === 0; i++) await handle(h.requests.sent.at(-1)?.request);
    expect(h.backup.count('enableProtection')).toBe(2);
    expect(h.backup.count('triggerBackup')).toBe(1);
  });

  it('records failed, and does not retry, when the enable it checked back on failed for good', async () => {
    const { h, sentBefore } = await checkBackOnFailedEnable('UserErrorGuestAgentStatusUnavailable');
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'failed',
      errorCode: 'UserErrorGuestAgentStatusUnavailable',
    });
    expect(h.requests.sent).toHaveLength(sentBefore);
    expect(h.backup.count('enableProtection')).toBe(1);
  });

  it('re-reads the VM when the operation it checked back on is unknown to Azure', async () => {
    const { h, deps } = slowEnableHarness();
    await createProtectVmHandler(deps)(protectionRequest(), h.context);
    h.backup.getOperationStatus = () => Promise.reject(armError(404, 'BMSUserErrorOperationNotFound'));
    h.vms.vms.clear();
    await createProtectVmHandler(deps)(h.requests.sent.at(-1)?.request, h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'skipped', reason: 'vm-deleted' });
  });

  it('checks back again while the operation it follows is still running, never sending a second PUT', async () => {
    const { h, deps } = slowEnableHarness({}, 1_000);
    h.backup.enablePolls = 10;
    await createProtectVmHandler(deps)(protectionRequest(), h.context);
    h.backup.setItem(h.vault, h.vm);
    await createProtectVmHandler(deps)(h.requests.sent[0]?.request, h.context);
    expect(h.requests.sent).toHaveLength(2);
    expect(h.requests.sent[1]?.request).toMatchObject({
      attempt: 1,
      history: [{ code: 'operation-in-progress' }, { code: 'operation-in-progress' }],
    });
    expect(h.backup.count('enableProtection')).toBe(1);
    expect(h.backup.count('triggerBackup')).toBe(0);
  });

  it('counts check-backs as attempts once a request has used its free ones', async () => {
    const { h, deps } = slowEnableHarness({ maxAttempts: 8 });
    const history = Array.from({ length: 40 }, () => ({
      attempt: 1,
      at: '2026-03-01T09:00:00Z',
      code: 'operation-in-progress',
      message: 'still running',
    }));
    await createProtectVmHandler(deps)(protectionRequest({ history }), h.context);
    expect(h.requests.sent[0]?.request).toMatchObject({ attempt: 2 });
  });

  it('keeps the refusal when the backupStatus cross-check fails permanently', async () => {
    const h = protectionHarness();
    h.backup.failNext('enableProtection', armError(400, 'BMSUserErrorInvalidConfigureProtectionRequest'));
    h.backup.failNext('getBackupStatus', armError(400, 'BMSUserErrorInvalidInput'));
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'failed',
      errorCode: 'BMSUserErrorInvalidConfigureProtectionRequest',
    });
    expect(h.logs.some((log) => log.level === 'warning' && log.entry.code === 'BMSUserErrorInvalidInput')).toBe(true);
  });

  it('records already-protected when a backup exists, without writing to Azure', async () => {
    const h = protectionHarness();
    h.backup.statuses.set(h.vm.key, {
      protected: true,
      vaultId: h.vault.vaultId.toUpperCase(),
      protectionStatus: 'Protected',
    });
    h.backup.setItem(h.vault, h.vm, { protectionState: 'Protected', lastBackupStatus: 'Completed' });
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'protected', reason: 'already-protected' });
    expect(h.backup.count('enableProtection') + h.backup.count('triggerBackup')).toBe(0);
  });

  it('triggers the first backup of an IRPending item with no backup job', async () => {
    const h = protectionHarness();
    h.backup.setItem(h.vault, h.vm);
    h.backup.addJob(h.vault, h.vm, { status: 'Failed' });
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(h.backup.count('enableProtection')).toBe(0);
    expect(h.backup.count('triggerBackup')).toBe(1);
  });

  it('does not trigger when a backup job of the IRPending item is running', async () => {
    const h = protectionHarness();
    h.backup.setItem(h.vault, h.vm);
    const job = h.backup.addJob(h.vault, h.vm, { status: 'InProgress' });
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(h.backup.count('triggerBackup')).toBe(0);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'backup-triggered',
      reason: 'backup-job-found',
      jobIds: [job.jobId],
    });
  });

  it('re-enqueues a throttled request with a delay of at least Retry-After and keeps the history', async () => {
    const h = protectionHarness();
    h.backup.failNext('getProtectedItem', armError(429, 'ResourceRequestsThrottled', { 'retry-after': '120' }));
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(h.requests.sent).toHaveLength(1);
    const [sent] = h.requests.sent;
    expect(sent?.delayMs).toBeGreaterThanOrEqual(120_000);
    expect(sent?.request).toMatchObject({
      attempt: 2,
      history: [{ attempt: 1, code: 'ResourceRequestsThrottled' }],
      vmResourceId: h.vm.id,
    });
    const row = await h.ledger.get(h.vm.key);
    expect(row).toMatchObject({ status: 'requested', errorCode: 'ResourceRequestsThrottled' });
    expect(row?.leaseOwner).toBeUndefined();
  });

  it('re-enqueues on a 500 with an exponential delay', async () => {
    const h = protectionHarness({ maxAttempts: 8 });
    h.vms.failures.push(armError(500, 'InternalServerError'));
    await createProtectVmHandler(h.deps)(protectionRequest({ attempt: 3 }), h.context);
    // base 5 s, attempt 4 -> ceiling 20 s, jitter 0.5 -> 15 s
    expect(h.requests.sent[0]).toMatchObject({ delayMs: 15_000, request: { attempt: 4 } });
  });

  it('sends the request with its history to the poison queue after maxAttempts and marks the ledger failed', async () => {
    const h = protectionHarness({ maxAttempts: 3 });
    h.backup.failNext('getProtectedItem', armError(503, 'ServiceUnavailable'));
    const history = [
      { attempt: 1, at: '2026-03-01T09:00:00Z', code: 'ServiceUnavailable', message: 'first' },
      { attempt: 2, at: '2026-03-01T09:05:00Z', code: 'ServiceUnavailable', message: 'second' },
    ];
    await createProtectVmHandler(h.deps)(protectionRequest({ attempt: 3, history }), h.context);
    expect(h.requests.sent).toEqual([]);
    expect(h.poison.sent).toHaveLength(1);
    expect(h.poison.sent[0]).toMatchObject({ code: 'max-attempts-exceeded', request: { attempt: 3 } });
    expect(h.poison.sent[0]?.request?.history?.map((entry) => entry.attempt)).toEqual([1, 2, 3]);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'failed',
      reason: 'max-attempts-exceeded',
      errorCode: 'ServiceUnavailable',
      attempts: 3,
    });
  });

  it('poisons an unparseable message at once, records it as a reject, and completes', async () => {
    const h = protectionHarness();
    await createProtectVmHandler(h.deps)('{"version":1,"vmResourceId":"/subscriptions/x/oops"', h.context);
    expect(h.poison.sent).toHaveLength(1);
    expect(h.poison.sent[0]).toMatchObject({
      code: 'invalid-message',
      raw: '{"version":1,"vmResourceId":"/subscriptions/x/oops"',
    });
    expect(h.rejects.all()).toEqual([expect.objectContaining({ kind: 'message', code: 'invalid-message' })]);
    expect(h.ledger.all()).toEqual([]);
  });

  it('poisons a message whose VM id is not a VM', async () => {
    const h = protectionHarness();
    await createProtectVmHandler(h.deps)(protectionRequest({ vmResourceId: `${h.vm.id}/extensions/ext` }), h.context);
    expect(h.poison.sent[0]?.reason).toMatch(/child of a VM/);
  });

  it('decides and records everything but writes nothing to Azure in dry-run mode', async () => {
    const h = protectionHarness({ settings: { dryRun: true } });
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(h.backup.count('enableProtection') + h.backup.count('triggerBackup')).toBe(0);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'skipped',
      reason: 'dry-run:would-enable-protection',
      vaultId: h.vault.vaultId,
      policyName: 'DefaultPolicy',
    });
  });

  it('checks back soon, without acting or spending an attempt, when another invocation holds the claim', async () => {
    const h = protectionHarness();
    const other = h.deps();
    await h.ledger.create({
      vmKey: h.vm.key,
      vmResourceId: h.vm.id,
      subscriptionId: h.vm.subscriptionId,
      status: 'protecting',
      attempts: 1,
      operationIds: [],
      jobIds: [],
      firstSeen: h.clock.now().toISOString(),
      lastChanged: h.clock.now().toISOString(),
      leaseOwner: other.owner,
      leaseExpiresAt: new Date(h.clock.now().getTime() + 200_000).toISOString(),
    });
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(h.vms.getCalls).toBe(0);
    expect(h.requests.sent[0]).toMatchObject({ request: { attempt: 1 } });
    expect(h.requests.sent[0]?.request.history ?? []).toHaveLength(0);
    // The first retry delay, not the holder's whole 200 s lease: a duplicate finds the finished row soon.
    expect(h.requests.sent[0]?.delayMs).toBeGreaterThan(0);
    expect(h.requests.sent[0]?.delayMs).toBeLessThanOrEqual(h.deps().retry.baseDelayMs);
    expect((await h.ledger.get(h.vm.key))?.leaseOwner).toBe(other.owner);
  });

  it('replays a crash between enable and trigger with exactly one backup', async () => {
    const h = protectionHarness();
    // First attempt: protection enabled, then the trigger call dies (connection reset = crash-like).
    h.backup.failNext('triggerBackup', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const handler = createProtectVmHandler(h.deps);
    await handler(protectionRequest(), h.context);
    expect(h.backup.jobs).toHaveLength(0);
    expect(h.requests.sent).toHaveLength(1);

    // Replay of the original message (host redelivery) and the re-enqueued retry both run.
    await handler(protectionRequest(), h.context);
    await handler(h.requests.sent[0]!.request, h.context);
    expect(h.backup.count('enableProtection')).toBe(1);
    expect(h.backup.jobs.filter((job) => job.operation === 'Backup')).toHaveLength(1);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'backup-triggered' });
  });

  it('replays a crash after the trigger without a second backup (job found by listing)', async () => {
    const h = protectionHarness();
    const handler = createProtectVmHandler(h.deps);
    await handler(protectionRequest(), h.context);
    // Simulate a crash before the outcome was recorded: the row loses its job ids.
    const row = await h.ledger.get(h.vm.key);
    await h.ledger.update(row!, { status: 'protecting', jobIds: [], operationIds: [] });
    await handler(protectionRequest({ eventId: 'event-2' }), h.context);
    expect(h.backup.count('triggerBackup')).toBe(1);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'backup-triggered',
      reason: 'backup-job-found',
      lastEventId: 'event-2',
    });
  });

  it('handles duplicate events: the second sees the running job and does not trigger again', async () => {
    const h = protectionHarness();
    const handler = createProtectVmHandler(h.deps);
    await handler(protectionRequest(), h.context);
    await handler(protectionRequest({ eventId: 'event-dup' }), h.context);
    expect(h.backup.count('enableProtection')).toBe(1);
    expect(h.backup.count('triggerBackup')).toBe(1);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'backup-triggered', reason: 'backup-job-recorded' });
  });

  it('marks the VM protected once the first backup completed', async () => {
    const h = protectionHarness();
    const handler = createProtectVmHandler(h.deps);
    await handler(protectionRequest(), h.context);
    h.backup.setItem(h.vault, h.vm, { protectionState: 'Protected', lastBackupStatus: 'Completed' });
    await handler(protectionRequest({ eventId: 'event-update' }), h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'protected', reason: 'first-backup-completed' });
  });

  it('re-enqueues when the enable operation outlives the invocation budget, then follows it instead of a second PUT', async () => {
    const h = protectionHarness({ settings: { invocationBudgetMs: 1_000 } });
    h.backup.enablePolls = 15;
    const handler = createProtectVmHandler(h.deps);
    await handler(protectionRequest(), h.context);
    expect(h.requests.sent[0]).toMatchObject({ request: { attempt: 2, history: [{ code: 'operation-in-progress' }] } });
    expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'protecting' });
    h.backup.enablePolls = 0;
    // Each check-back polls once (the operation had 15 polls to go when the budget ran out).
    for (let attempt = 0; attempt < 20 && h.backup.count('triggerBackup') === 0; attempt++) {
      await handler(h.requests.sent.at(-1)!.request, h.context);
    }
    expect(h.backup.count('enableProtection')).toBe(1);
    expect(h.backup.count('triggerBackup')).toBe(1);
  });

  it('fails the invocation when a retry cannot be enqueued, so the host redelivers', async () => {
    const h = protectionHarness();
    h.backup.failNext('getProtectedItem', armError(503, 'ServiceUnavailable'));
    h.requests.failWith = new Error('queue down');
    await expect(createProtectVmHandler(h.deps)(protectionRequest(), h.context)).rejects.toThrow('queue down');
    expect(h.logs.some((log) => log.level === 'error' && log.entry.outcome === 'error')).toBe(true);
  });
});

function protectionHarnessRules() {
  return protectionHarness().settings.rules;
}

describe('protectVm job look-up window', () => {
  it('ignores Backup jobs of the VM that ended before it was first seen', async () => {
    const h = protectionHarness();
    h.backup.setItem(h.vault, h.vm);
    h.backup.addJob(h.vault, h.vm, {
      status: 'Completed',
      startTime: new Date(h.clock.now().getTime() - 3 * 24 * 3600_000),
    });
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(h.backup.count('triggerBackup')).toBe(1);
  });
});
