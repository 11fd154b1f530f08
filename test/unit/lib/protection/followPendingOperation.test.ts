import { OperationPendingError, PermanentError, TransientError } from '../../../../src/lib/errors';
import type { NewLedgerEntry } from '../../../../src/lib/ledger/ledgerEntry';
import { followPendingOperation } from '../../../../src/lib/protection/followPendingOperation';
import { OperationTimings } from '../../../../src/lib/protection/operationTimings';
import { armError } from '../../../helpers/factories/azureErrors';
import { type ProtectionHarness, protectionHarness, protectionRun } from '../../../helpers/factories/protection';
import { vaultRoute } from '../../../helpers/factories/rules';

/** Starts an enable operation in the fake vault that stays InProgress for `polls` polls; forgets the calls made. */
async function startedEnable(h: ProtectionHarness, polls = 0): Promise<string> {
  h.backup.enablePolls = polls;
  const { operationId } = await h.backup.enableProtection(h.vault, h.vm, 'DefaultPolicy');
  h.backup.calls.length = 0;
  return operationId!;
}

/** Starts a backup trigger (its job InProgress) in the fake vault; forgets the calls made. */
async function startedTrigger(h: ProtectionHarness): Promise<{ operationId: string; jobId: string }> {
  const { operationId } = await h.backup.triggerBackup(h.vault, h.vm, new Date());
  h.backup.calls.length = 0;
  return { operationId: operationId!, jobId: h.backup.jobs.at(-1)!.jobId };
}

/** The row an attempt leaves when it releases its slot while `operation` runs (`kind:id`). */
function checkingBack(h: ProtectionHarness, operation: string, row: Partial<NewLedgerEntry> = {}) {
  return protectionRun(h, {
    status: 'protecting',
    reason: 'retrying: still running',
    errorCode: 'operation-in-progress',
    vaultId: h.vault.vaultId,
    policyName: 'DefaultPolicy',
    rule: 'vault-route:eastus->rsv-eastus; default-policy->DefaultPolicy',
    operationIds: [operation],
    ...row,
  });
}

describe('followPendingOperation', () => {
  describe('leaves the decision to the full workflow, without an Azure call, when', () => {
    it.each<{ when: string; row: Partial<NewLedgerEntry> }>([
      { when: 'the row is not protecting', row: { status: 'requested' } },
      { when: 'the last error was not a check-back', row: { errorCode: 'ResourceRequestsThrottled' } },
      { when: 'the row has no error code', row: { errorCode: undefined } },
      { when: 'no operation is recorded', row: { operationIds: [] } },
      { when: 'the recorded operation is malformed', row: { operationIds: ['op-1'] } },
      { when: 'the operation is of an unknown kind', row: { operationIds: ['delete:op-1'] } },
      { when: 'the row names no vault', row: { vaultId: undefined } },
      { when: 'the row names no policy', row: { policyName: undefined } },
      { when: 'the vault is no longer configured', row: { vaultId: vaultRoute('westus2').vaultId } },
    ])('$when', async ({ row }) => {
      const h = protectionHarness();
      const operationId = await startedEnable(h);
      const { run, session } = await checkingBack(h, `enable:${operationId}`, row);
      const before = session.entry;

      await expect(followPendingOperation(run)).resolves.toBeUndefined();

      expect(h.backup.calls).toEqual([]);
      expect(await h.ledger.get(h.vm.key)).toEqual(before);
    });
  });

  it('finds the vault of the row whatever its case', async () => {
    const h = protectionHarness();
    const operationId = await startedEnable(h, 1);
    const { run } = await checkingBack(h, `enable:${operationId}`, { vaultId: h.vault.vaultId.toUpperCase() });
    await expect(followPendingOperation(run)).rejects.toBeInstanceOf(OperationPendingError);
    expect(h.backup.count('getOperationStatus')).toBe(1);
  });

  it.each(['enable', 'backup'] as const)(
    'checks back again (one poll, no write) while the %s operation is still running',
    async (kind) => {
      const h = protectionHarness({ poll: { minIntervalMs: 100, maxIntervalMs: 7_000 } });
      const operationId = kind === 'enable' ? await startedEnable(h, 1) : (await startedTrigger(h)).operationId;
      if (kind === 'backup') h.backup.operations.get(operationId)!.pollsLeft = 1;
      const { run, session } = await checkingBack(h, `${kind}:${operationId}`);
      const before = session.entry;

      const error = await followPendingOperation(run).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(OperationPendingError);
      // The longest poll interval: Azure's own Retry-After (60 s) is not worth waiting out in full.
      expect(error).toMatchObject({
        code: 'operation-in-progress',
        retryAfterMs: 7_000,
        context: { operationId, operation: kind },
      });
      expect(h.backup.calls.map((call) => call.method)).toEqual(['getOperationStatus']);
      expect(await h.ledger.get(h.vm.key)).toEqual(before);
    },
  );

  it('checks back when the process expects the operation to end, counting from its start in Azure', async () => {
    const timings = new OperationTimings({ minIntervalMs: 100, maxIntervalMs: 7_000 });
    const h = protectionHarness({ poll: { minIntervalMs: 100, maxIntervalMs: 7_000 }, timings });
    const operationId = await startedEnable(h, 1);
    h.backup.operations.get(operationId)!.startedAt = new Date(h.clock.now().getTime() - 40_000);
    const { run } = await checkingBack(h, `enable:${operationId}`);

    // Expected after 42,025 ms (Azure's recorded 41 s, 2.5 % past): 2,025 ms after this look, not the 7 s cadence.
    await expect(followPendingOperation(run)).rejects.toMatchObject({ retryAfterMs: 2_025 });
    expect(h.backup.count('getOperationStatus')).toBe(1);
  });

  describe('when the operation cannot be read', () => {
    it('leaves the decision to the full workflow on a permanent error, with a warning', async () => {
      const h = protectionHarness();
      const { run } = await checkingBack(h, 'enable:op-gone');
      h.backup.failNext('getOperationStatus', armError(404, 'BMSUserErrorOperationNotFound'));

      await expect(followPendingOperation(run)).resolves.toBeUndefined();

      expect(h.logs).toHaveLogged({
        level: 'warn',
        message: 'pending operation could not be read; re-reading the VM and its protected item',
        vmKey: h.vm.key,
        operationId: 'op-gone',
        code: 'BMSUserErrorOperationNotFound',
      });
      expect(h.backup.count('triggerBackup')).toBe(0);
    });

    it('rethrows a transient error, classified', async () => {
      const h = protectionHarness();
      const { run } = await checkingBack(h, 'enable:op-1');
      h.backup.failNext('getOperationStatus', armError(503, 'ServiceUnavailable', { 'retry-after': '30' }));

      const error = await followPendingOperation(run).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'ServiceUnavailable', retryAfterMs: 30_000 });
      expect(h.logs).not.toHaveLogged({ level: 'warn' });
    });
  });

  describe('an enable operation that finished', () => {
    it('triggers the first backup once it succeeded, without reading the item or listing jobs', async () => {
      const h = protectionHarness();
      const operationId = await startedEnable(h);
      const { run } = await checkingBack(h, `enable:${operationId}`);

      const outcome = await followPendingOperation(run);

      const job = h.backup.jobs.at(-1);
      expect(outcome).toMatchObject({
        status: 'backup-triggered',
        reason: 'first-backup-triggered',
        jobId: job?.jobId,
      });
      expect(h.backup.calls.map((call) => call.method)).toEqual([
        'getOperationStatus',
        'triggerBackup',
        'getOperationStatus',
      ]);
      const row = await h.ledger.get(h.vm.key);
      expect(row).toMatchObject({ status: 'backup-triggered', jobIds: [job?.jobId] });
      expect(row?.operationIds).toEqual([`enable:${operationId}`, expect.stringMatching(/^backup:/)]);
    });

    it('starts over from `requested` when Azure failed it because the vault was busy (worth another PUT)', async () => {
      const h = protectionHarness();
      h.backup.enableOutcome = {
        status: 'Failed',
        errorCode: 'BMSUserErrorObjectLocked',
        errorMessage: 'locked\nmore',
      };
      const operationId = await startedEnable(h);
      const { run } = await checkingBack(h, `enable:${operationId}`);

      const error = await followPendingOperation(run).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({
        code: 'BMSUserErrorObjectLocked',
        message: 'Could not enable protection: operation Failed (BMSUserErrorObjectLocked): locked',
      });
      // The next attempt does not follow this operation again: it enables protection anew.
      expect(await h.ledger.get(h.vm.key)).toMatchObject({
        status: 'requested',
        reason: 'enable-protection-interrupted',
      });
      expect(h.backup.count('triggerBackup')).toBe(0);
    });

    it.each([
      {
        final: { status: 'Failed', errorCode: 'UserErrorGuestAgentStatusUnavailable' },
        code: 'UserErrorGuestAgentStatusUnavailable',
      },
      { final: { status: 'Canceled' }, code: 'operation-canceled' },
    ])(
      'throws a permanent error ($code) when it ended $final.status for good, leaving the row to the caller',
      async ({ final, code }) => {
        const h = protectionHarness();
        h.backup.enableOutcome = final;
        const operationId = await startedEnable(h);
        const { run, session } = await checkingBack(h, `enable:${operationId}`);
        const before = session.entry;

        const error = await followPendingOperation(run).catch((caught: unknown) => caught);

        expect(error).toBeInstanceOf(PermanentError);
        expect(error).toMatchObject({ code });
        expect(await h.ledger.get(h.vm.key)).toEqual(before);
        expect(h.backup.count('triggerBackup')).toBe(0);
      },
    );
  });

  describe('a backup trigger that finished', () => {
    it('records the job of a trigger that succeeded, with one poll', async () => {
      const h = protectionHarness();
      const { operationId, jobId } = await startedTrigger(h);
      const { run } = await checkingBack(h, `backup:${operationId}`, { jobIds: ['job-earlier'] });

      const outcome = await followPendingOperation(run);

      expect(outcome).toMatchObject({ status: 'backup-triggered', reason: 'first-backup-triggered', jobId });
      expect(h.backup.calls.map((call) => call.method)).toEqual(['getOperationStatus']);
      const row = await h.ledger.get(h.vm.key);
      expect(row).toMatchObject({ status: 'backup-triggered', jobIds: ['job-earlier', jobId] });
      expect(row).not.toHaveProperty('errorCode');
      expect(row).not.toHaveProperty('leaseOwner');
    });

    it('does not record a job the row already names twice', async () => {
      const h = protectionHarness();
      const { operationId, jobId } = await startedTrigger(h);
      const { run } = await checkingBack(h, `backup:${operationId}`, { jobIds: [jobId] });
      await followPendingOperation(run);
      expect((await h.ledger.get(h.vm.key))?.jobIds).toEqual([jobId]);
    });

    it.each([
      { case: 'succeeded without naming a job', final: { status: 'Succeeded' } },
      { case: 'failed', final: { status: 'Failed', errorCode: 'UserErrorVmNotFound' } },
    ])('leaves a trigger that $case to the full workflow', async ({ final }) => {
      const h = protectionHarness();
      const { operationId } = await startedTrigger(h);
      h.backup.operations.get(operationId)!.final = final;
      const { run, session } = await checkingBack(h, `backup:${operationId}`);
      const before = session.entry;

      await expect(followPendingOperation(run)).resolves.toBeUndefined();

      expect(await h.ledger.get(h.vm.key)).toEqual(before);
    });
  });
});
