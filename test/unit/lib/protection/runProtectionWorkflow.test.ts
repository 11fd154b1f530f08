import { PermanentError, TransientError } from '../../../../src/lib/errors';
import { ClaimHeldError } from '../../../../src/lib/ledger/claimVm';
import { LedgerConflictError } from '../../../../src/lib/ledger/ledger';
import type { LedgerChanges, LedgerEntry } from '../../../../src/lib/ledger/ledgerEntry';
import { runProtectionWorkflow } from '../../../../src/lib/protection/runProtectionWorkflow';
import { armError } from '../../../helpers/factories/azureErrors';
import {
  ledgerRow,
  type ProtectionHarness,
  protectionHarness,
  protectionRequest,
} from '../../../helpers/factories/protection';
import { OTHER_SUBSCRIPTION, rulesConfig, vaultRoute } from '../../../helpers/factories/rules';

/**
 * The orchestration of one protectVm run: claim, follow a pending operation, read the VM, apply the rules, read the
 * item, enable, trigger (the steps have their own suites), dry run, VMs gone or protected elsewhere, and what an error
 * leaves on the row. Mapping errors to requeue/poison is handleProtectionMessage's (its own suite).
 */

const DEFAULT_RULE = 'vault-route:eastus->rsv-eastus; default-policy->DefaultPolicy';

const run = (h: ProtectionHarness, request = protectionRequest()) => runProtectionWorkflow(h.deps(), request);
const failureOf = (h: ProtectionHarness, request = protectionRequest()) =>
  run(h, request).then(
    () => {
      throw new Error('expected the workflow to fail');
    },
    (error: unknown) => error,
  );
const methods = (h: ProtectionHarness) => h.backup.calls.map((call) => call.method);
const row = (h: ProtectionHarness) => h.ledger.get(h.vm.key);

/** Records the changes of every ledger update, in order. */
function recordWrites(h: ProtectionHarness): LedgerChanges[] {
  const writes: LedgerChanges[] = [];
  const update = h.ledger.update.bind(h.ledger);
  h.ledger.update = (entry, changes) => {
    writes.push(changes);
    return update(entry, changes);
  };
  return writes;
}

/** A row held by another invocation whose lease runs `leaseLeftMs` more. */
function heldByAnother(h: ProtectionHarness, leaseLeftMs: number) {
  return h.ledger.create(
    ledgerRow(h.vm, {
      status: 'protecting',
      leaseOwner: 'inv-other',
      leaseExpiresAt: new Date(h.clock.now().getTime() + leaseLeftMs).toISOString(),
    }),
  );
}

describe('runProtectionWorkflow', () => {
  describe('claim', () => {
    it('holds the VM for the run (owner, lease, request ids) and releases it at the end', async () => {
      const h = protectionHarness({ settings: { leaseMs: 120_000 } });
      const deps = h.deps();
      const startedAt = h.clock.now().getTime();
      let during: LedgerEntry | null = null;
      const getVm = h.vms.getVm.bind(h.vms);
      h.vms.getVm = async (vm) => {
        during = await row(h);
        return getVm(vm);
      };

      await runProtectionWorkflow(deps, protectionRequest({ attempt: 2, eventId: 'ev-9', correlationId: 'corr-9' }));

      expect(during).toMatchObject({
        leaseOwner: deps.owner,
        leaseExpiresAt: new Date(startedAt + 120_000).toISOString(),
        attempts: 2,
        lastEventId: 'ev-9',
        lastCorrelationId: 'corr-9',
      });
      const after = await row(h);
      expect(after).not.toHaveProperty('leaseOwner');
      expect(after).not.toHaveProperty('leaseExpiresAt');
    });

    it.each([
      { leaseLeftMs: 200_000, retryAfterMs: 200_000 },
      { leaseLeftMs: 200, retryAfterMs: 1_000 },
    ])(
      'refuses a VM another invocation holds ($leaseLeftMs ms left): ClaimHeldError, retry after $retryAfterMs ms, nothing read or written',
      async ({ leaseLeftMs, retryAfterMs }) => {
        const h = protectionHarness();
        const held = await heldByAnother(h, leaseLeftMs);

        const error = await failureOf(h);

        expect(error).toBeInstanceOf(ClaimHeldError);
        expect(error).toMatchObject({ retryAfterMs, context: { vmKey: h.vm.key, heldBy: 'inv-other' } });
        expect(h.vms.getCalls).toBe(0);
        expect(h.backup.calls).toEqual([]);
        expect(await row(h)).toEqual(held);
      },
    );

    it('takes over a VM whose holder crashed (lease expired)', async () => {
      const h = protectionHarness();
      await heldByAnother(h, -1);
      await expect(run(h)).resolves.toMatchObject({ status: 'backup-triggered' });
    });
  });

  describe('decision', () => {
    it('records skipped: vm-deleted when the VM is gone, without asking the vault', async () => {
      const h = protectionHarness();
      h.vms.vms.clear();
      const outcome = await run(h);
      expect(outcome).toEqual({
        vmKey: h.vm.key,
        status: 'skipped',
        reason: 'vm-deleted',
        rule: 'vm-read:not-found',
        dryRun: false,
      });
      expect(await row(h)).toMatchObject({ status: 'skipped', reason: 'vm-deleted', rule: 'vm-read:not-found' });
      expect(h.backup.calls).toEqual([]);
    });

    it('records an opted-out VM as skipped with the rule, without asking the vault', async () => {
      const h = protectionHarness({ tags: { 'autoprotect:skip': 'true' } });
      expect(await run(h)).toMatchObject({
        status: 'skipped',
        reason: 'opted-out',
        rule: 'opt-out-tag:autoprotect:skip',
      });
      expect(await row(h)).toMatchObject({
        status: 'skipped',
        reason: 'opted-out',
        rule: 'opt-out-tag:autoprotect:skip',
      });
      expect(h.backup.calls).toEqual([]);
    });

    it('records failed: no-vault-for-region as an outcome (not an error: nothing to retry)', async () => {
      const h = protectionHarness({ location: 'westus2' });
      expect(await run(h)).toMatchObject({ status: 'failed', reason: 'no-vault-for-region' });
      expect(await row(h)).toMatchObject({
        status: 'failed',
        reason: 'no-vault-for-region',
        errorCode: 'no-vault-for-region',
        rule: `vault-route:none-for-westus2/${h.vm.subscriptionId}`,
      });
      expect(h.backup.calls).toEqual([]);
    });

    it('records failed: unknown-policy with the policy rule and the chosen vault, enabling nothing', async () => {
      const h = protectionHarness({
        tags: { tier: 'gold' },
        settings: { rules: rulesConfig({ policies: [{ tag: 'tier', values: ['gold'], policy: 'NoSuchPolicy' }] }) },
      });
      expect(await run(h)).toMatchObject({ status: 'failed', reason: 'unknown-policy', policyName: 'NoSuchPolicy' });
      expect(await row(h)).toMatchObject({
        status: 'failed',
        reason: 'unknown-policy',
        errorCode: 'unknown-policy',
        rule: 'policy[0]:tier=gold->NoSuchPolicy',
        vaultId: h.vault.vaultId,
        policyName: 'NoSuchPolicy',
      });
      expect(methods(h)).toEqual(['policyExists']);
    });

    it('writes the rule decision with the next ledger write, not in a write of its own', async () => {
      const h = protectionHarness();
      const writes = recordWrites(h);
      await run(h);
      expect(writes[0]).toMatchObject({
        status: 'protecting',
        reason: 'enabling-protection',
        rule: DEFAULT_RULE,
        vaultId: h.vault.vaultId,
        policyName: 'DefaultPolicy',
      });
      expect(writes.filter((changes) => 'rule' in changes && !('status' in changes))).toEqual([]);
      expect(await row(h)).toMatchObject({ rule: DEFAULT_RULE, vaultId: h.vault.vaultId });
    });

    it('uses the vault of the VM region (display names normalised)', async () => {
      const h = protectionHarness({ location: 'West Europe' });
      await run(h);
      expect(await row(h)).toMatchObject({ vaultId: vaultRoute('westeurope').vaultId });
    });
  });

  describe('protecting a new VM', () => {
    it('enables protection and triggers the first backup, spending no backupStatus call and no job listing', async () => {
      const h = protectionHarness();
      const outcome = await run(h);
      const job = h.backup.jobs[0];
      expect(outcome).toEqual({
        vmKey: h.vm.key,
        status: 'backup-triggered',
        reason: 'first-backup-triggered',
        rule: DEFAULT_RULE,
        vaultId: h.vault.vaultId,
        policyName: 'DefaultPolicy',
        jobId: job?.jobId,
        dryRun: false,
        nextCheckBackMs: 120_000,
      });
      expect(methods(h)).toEqual([
        'policyExists',
        'getProtectedItem',
        'enableProtection',
        'getOperationStatus',
        'getOperationStatus',
        'triggerBackup',
        'getOperationStatus',
      ]);
      const stored = await row(h);
      expect(stored).toMatchObject({ status: 'backup-triggered', jobIds: [job?.jobId], lastEventId: 'event-1' });
      expect(stored?.operationIds).toEqual([expect.stringMatching(/^enable:/), expect.stringMatching(/^backup:/)]);
      expect(h.logs).toHaveLogged({
        level: 'info',
        message: 'protection enable requested',
        vmKey: h.vm.key,
        operationId: stored?.operationIds[0]?.slice('enable:'.length),
        vaultId: h.vault.vaultId,
        policyName: 'DefaultPolicy',
      });
    });

    it('marks the row protecting before asking Azure to enable protection', async () => {
      const h = protectionHarness();
      let before: LedgerEntry | null = null;
      const enable = h.backup.enableProtection.bind(h.backup);
      h.backup.enableProtection = async (vault, vm, policyName) => {
        before = await row(h);
        return enable(vault, vm, policyName);
      };
      await run(h);
      expect(before).toMatchObject({ status: 'protecting', reason: 'enabling-protection', operationIds: [] });
    });

    it('goes straight to the first backup of an existing item, enabling nothing', async () => {
      const h = protectionHarness();
      h.backup.setItem(h.vault, h.vm, { protectionState: 'Protected', lastBackupStatus: 'Completed' });
      expect(await run(h)).toMatchObject({ status: 'protected', reason: 'already-protected' });
      expect(h.backup.count('enableProtection') + h.backup.count('triggerBackup')).toBe(0);
    });

    it("names the row's last job in the outcome when the step names none", async () => {
      const h = protectionHarness();
      await h.ledger.create(ledgerRow(h.vm, { status: 'backup-triggered', jobIds: ['job-1', 'job-2'] }));
      h.backup.setItem(h.vault, h.vm, { protectionState: 'Protected' });
      expect(await run(h)).toMatchObject({ status: 'protected', reason: 'first-backup-completed', jobId: 'job-2' });
    });

    it('checks back on an operation left running instead of reading the VM again', async () => {
      const h = protectionHarness();
      h.backup.enablePolls = 0;
      const { operationId } = await h.backup.enableProtection(h.vault, h.vm, 'DefaultPolicy');
      await h.ledger.create(
        ledgerRow(h.vm, {
          status: 'protecting',
          errorCode: 'operation-in-progress',
          vaultId: h.vault.vaultId,
          policyName: 'DefaultPolicy',
          operationIds: [`enable:${operationId}`],
        }),
      );
      expect(await run(h)).toMatchObject({ status: 'backup-triggered', reason: 'first-backup-triggered' });
      expect(h.vms.getCalls).toBe(0);
      expect(h.backup.count('getProtectedItem')).toBe(0);
    });

    it('leaves an enable that outlives the invocation budget running, recorded, for a check-back', async () => {
      const h = protectionHarness({ settings: { invocationBudgetMs: 1_000 } });
      h.backup.enablePolls = 15;
      const error = await failureOf(h);
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'operation-in-progress' });
      expect(h.clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(1_000);
      expect(await row(h)).toMatchObject({
        status: 'protecting',
        errorCode: 'operation-in-progress',
        operationIds: [expect.stringMatching(/^enable:/)],
      });
    });
  });

  describe('dry run', () => {
    it('decides and records everything but writes nothing to Azure', async () => {
      const h = protectionHarness({ settings: { dryRun: true } });
      const outcome = await run(h);
      expect(outcome).toMatchObject({ status: 'skipped', reason: 'dry-run:would-enable-protection', dryRun: true });
      expect(methods(h)).toEqual(['policyExists', 'getProtectedItem', 'getBackupStatus']);
      expect(await row(h)).toMatchObject({
        status: 'skipped',
        reason: 'dry-run:would-enable-protection',
        vaultId: h.vault.vaultId,
        policyName: 'DefaultPolicy',
        rule: DEFAULT_RULE,
      });
    });

    it('records a VM protected by another vault as skipped: protected-elsewhere', async () => {
      const h = protectionHarness({ settings: { dryRun: true } });
      const elsewhere = vaultRoute('eastus', { vaultName: 'rsv-other', vaultSubscriptionId: OTHER_SUBSCRIPTION });
      h.backup.statuses.set(h.vm.key, { protected: true, vaultId: elsewhere.vaultId, policyName: 'TheirPolicy' });
      expect(await run(h)).toMatchObject({ status: 'skipped', reason: 'protected-elsewhere', dryRun: true });
    });

    it('would still enable a VM the chosen vault is reported protecting (any case), its item not visible yet', async () => {
      const h = protectionHarness({ settings: { dryRun: true } });
      h.backup.statuses.set(h.vm.key, { protected: true, vaultId: h.vault.vaultId.toUpperCase() });
      expect(await run(h)).toMatchObject({ status: 'skipped', reason: 'dry-run:would-enable-protection' });
    });
  });

  describe('when Azure refuses to enable protection', () => {
    const elsewhere = vaultRoute('eastus', { vaultName: 'rsv-other', vaultSubscriptionId: OTHER_SUBSCRIPTION });

    it('skips a VM protected by another vault, asking backupStatus only after the refusal', async () => {
      const h = protectionHarness();
      h.backup.statuses.set(h.vm.key, { protected: true, vaultId: elsewhere.vaultId, policyName: 'TheirPolicy' });
      h.backup.failNext('enableProtection', armError(400, 'UserErrorVmAlreadyProtectedByAnotherVault'));
      const outcome = await run(h);
      expect(outcome).toMatchObject({
        status: 'skipped',
        reason: 'protected-elsewhere',
        rule: 'backup-status',
        vaultId: elsewhere.vaultId,
        policyName: 'TheirPolicy',
      });
      expect(methods(h)).toEqual(['policyExists', 'getProtectedItem', 'enableProtection', 'getBackupStatus']);
      expect(await row(h)).toMatchObject({
        status: 'skipped',
        reason: 'protected-elsewhere',
        vaultId: elsewhere.vaultId,
      });
    });

    it('also asks when the enable operation itself failed', async () => {
      const h = protectionHarness();
      h.backup.statuses.set(h.vm.key, { protected: true, vaultId: elsewhere.vaultId });
      h.backup.enableOutcome = { status: 'Failed', errorCode: 'UserErrorVmAlreadyProtectedByAnotherVault' };
      expect(await run(h)).toMatchObject({ status: 'skipped', reason: 'protected-elsewhere' });
    });

    it.each([
      { status: 'not protected', backupStatus: { protected: false } },
      { status: 'protected by the chosen vault (other case)', backupStatus: 'same-vault' as const },
      { status: 'protected, no vault named', backupStatus: { protected: true } },
    ])('keeps the refusal (row failed with its code) when backupStatus says $status', async ({ backupStatus }) => {
      const h = protectionHarness();
      h.backup.statuses.set(
        h.vm.key,
        backupStatus === 'same-vault' ? { protected: true, vaultId: h.vault.vaultId.toUpperCase() } : backupStatus,
      );
      h.backup.failNext('enableProtection', armError(400, 'UserErrorProtectionQuotaExceeded'));
      const error = await failureOf(h);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ code: 'UserErrorProtectionQuotaExceeded' });
      expect(await row(h)).toMatchObject({
        status: 'failed',
        errorCode: 'UserErrorProtectionQuotaExceeded',
      });
    });

    it('keeps the refusal when the backupStatus cross-check fails permanently, with a warning', async () => {
      const h = protectionHarness();
      h.backup.failNext('enableProtection', armError(400, 'UserErrorProtectionQuotaExceeded'));
      h.backup.failNext('getBackupStatus', armError(400, 'BMSUserErrorInvalidInput'));
      await expect(failureOf(h)).resolves.toMatchObject({ code: 'UserErrorProtectionQuotaExceeded' });
      expect(await row(h)).toMatchObject({
        status: 'failed',
        errorCode: 'UserErrorProtectionQuotaExceeded',
      });
      expect(h.logs).toHaveLogged({
        level: 'warn',
        message: 'backupStatus failed; relying on the protected item of the chosen vault',
        vmKey: h.vm.key,
        code: 'BMSUserErrorInvalidInput',
      });
    });

    it('retries when the backupStatus cross-check fails transiently', async () => {
      const h = protectionHarness();
      h.backup.failNext('enableProtection', armError(400, 'UserErrorProtectionQuotaExceeded'));
      h.backup.failNext('getBackupStatus', armError(429, 'ResourceRequestsThrottled'));
      const error = await failureOf(h);
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'ResourceRequestsThrottled' });
      expect(await row(h)).toMatchObject({ status: 'protecting', errorCode: 'ResourceRequestsThrottled' });
    });

    it.each([
      {
        refusal: 'a throttled PUT',
        arrange: (h: ProtectionHarness) =>
          h.backup.failNext('enableProtection', armError(429, 'ResourceRequestsThrottled')),
      },
      {
        refusal: 'an operation failed because the vault was busy',
        arrange: (h: ProtectionHarness) => {
          h.backup.enableOutcome = { status: 'Failed', errorCode: 'BMSUserErrorObjectLocked' };
        },
      },
    ])('retries $refusal without asking backupStatus', async ({ arrange }) => {
      const h = protectionHarness();
      arrange(h);
      await expect(failureOf(h)).resolves.toBeInstanceOf(TransientError);
      expect(h.backup.count('getBackupStatus')).toBe(0);
    });

    it('records a failed enable operation with its code when no other vault protects the VM', async () => {
      const h = protectionHarness();
      h.backup.enableOutcome = {
        status: 'Failed',
        errorCode: 'UserErrorGuestAgentStatusUnavailable',
        errorMessage: 'agent',
      };
      const error = await failureOf(h);
      expect(error).toBeInstanceOf(PermanentError);
      expect(await row(h)).toMatchObject({
        status: 'failed',
        errorCode: 'UserErrorGuestAgentStatusUnavailable',
        reason: 'Could not enable protection: operation Failed (UserErrorGuestAgentStatusUnavailable): agent',
      });
      expect(h.backup.count('triggerBackup')).toBe(0);
    });
  });

  describe('errors', () => {
    it('records a transient error on the row (status kept, claim released) and rethrows it as it is', async () => {
      const h = protectionHarness();
      const throttled = new TransientError('slow down', { code: 'ResourceRequestsThrottled', retryAfterMs: 9_000 });
      h.backup.failNext('getProtectedItem', throttled);
      await expect(failureOf(h)).resolves.toBe(throttled);
      const stored = await row(h);
      expect(stored).toMatchObject({
        status: 'requested',
        reason: 'retrying: slow down',
        errorCode: 'ResourceRequestsThrottled',
      });
      expect(stored).not.toHaveProperty('leaseOwner');
    });

    it('records a permanent error as failed and rethrows it', async () => {
      const h = protectionHarness();
      const refused = new PermanentError('no such vault', { code: 'ResourceNotFound' });
      h.backup.failNext('policyExists', refused);
      await expect(failureOf(h)).resolves.toBe(refused);
      expect(await row(h)).toMatchObject({ status: 'failed', reason: 'no such vault', errorCode: 'ResourceNotFound' });
    });

    it('classifies anything else thrown (here a plain Error) before recording and rethrowing it', async () => {
      const h = protectionHarness();
      const bug = new Error('undefined is not a function');
      h.vms.failures.push(bug);
      const error = await failureOf(h);
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'unexpected-error', cause: bug });
      expect(await row(h)).toMatchObject({ errorCode: 'unexpected-error' });
    });

    it('fails with ledger-write-failed (transient, cause kept) when the error cannot be recorded', async () => {
      const h = protectionHarness();
      h.vms.failures.push(new PermanentError('gone wrong', { code: 'bad' }));
      const down = new Error('table unavailable');
      h.ledger.update = () => Promise.reject(down);
      const error = await failureOf(h);
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({
        code: 'ledger-write-failed',
        message: 'Could not record bad on the ledger',
        cause: down,
        context: { vmKey: h.vm.key, original: 'bad' },
      });
    });

    it('stops at its next write, overwriting nothing, when another invocation took the VM over mid-run', async () => {
      const h = protectionHarness();
      const getVm = h.vms.getVm.bind(h.vms);
      h.vms.getVm = async (vm) => {
        // This run's lease is taken over while it reads the VM (it stalled past its lease).
        const current = (await row(h))!;
        await h.ledger.update(current, { leaseOwner: 'inv-new' });
        return getVm(vm);
      };
      const error = await failureOf(h);
      expect(error).toMatchObject({ code: 'ledger-write-failed' });
      expect((error as Error).cause).toBeInstanceOf(LedgerConflictError);
      expect(await row(h)).toMatchObject({ status: 'requested', leaseOwner: 'inv-new' });
      expect(h.backup.count('enableProtection')).toBe(0);
    });
  });
});
