import type { OperationStatusInfo, ProtectedItemInfo } from '../../../../src/lib/azure/ports';
import { OperationPendingError, PermanentError, TransientError } from '../../../../src/lib/errors';
import type { NewLedgerEntry } from '../../../../src/lib/ledger/ledgerEntry';
import { ensureFirstBackup } from '../../../../src/lib/protection/firstBackup';
import { armError } from '../../../helpers/factories/azureErrors';
import { type ProtectionHarness, protectionHarness, protectionRun } from '../../../helpers/factories/protection';

/**
 * ensureFirstBackup (steps 5 and 6) for a VM whose protected item exists. Replays after a crash at any point are in
 * firstBackupReplay.test.ts; the multi-delivery flows around a trigger are in handleProtectionMessage.test.ts.
 */

const IR_PENDING: ProtectedItemInfo = { protectionState: 'IRPending' };
const DAY = 24 * 3600_000;

/** Runs the step for the harness VM with `item`, over a claimed row built from `row`. */
async function ensure(
  h: ProtectionHarness,
  item: ProtectedItemInfo,
  options: { row?: Partial<NewLedgerEntry>; justEnabled?: boolean } = {},
) {
  const { run } = await protectionRun(h, options.row);
  return ensureFirstBackup(run, h.vault, item, { justEnabled: options.justEnabled });
}

const methods = (h: ProtectionHarness) => h.backup.calls.map((call) => call.method);

/** Makes the next trigger's operation end with `final` (the fake's triggers otherwise succeed at once). */
function nextTriggerEndsWith(h: ProtectionHarness, final: OperationStatusInfo): void {
  const trigger = h.backup.triggerBackup.bind(h.backup);
  h.backup.triggerBackup = async (vault, vm, expiry) => {
    const operation = await trigger(vault, vm, expiry);
    h.backup.operations.get(operation.operationId!)!.final = final;
    return operation;
  };
}

/** A trigger recorded on the row whose operation is in the fake vault; its job is created InProgress. */
async function recordedTrigger(h: ProtectionHarness) {
  const { operationId } = await h.backup.triggerBackup(h.vault, h.vm, new Date());
  const job = h.backup.jobs.at(-1)!;
  h.backup.calls.length = 0;
  return { operationId: operationId!, job };
}

describe('ensureFirstBackup', () => {
  describe('a protected item', () => {
    it.each<ProtectedItemInfo>([
      { protectionState: 'Protected' },
      { protectionState: 'protected' },
      { protectionState: 'IRPending', lastBackupStatus: 'Completed' },
      { protectionState: 'ProtectionStopped', lastBackupStatus: 'completed' },
    ])('is already-protected (%o) when autoprotect did nothing to it, without an Azure call', async (item) => {
      const h = protectionHarness();
      const outcome = await ensure(h, item);
      expect(outcome).toMatchObject({ status: 'protected', reason: 'already-protected', jobId: undefined });
      expect(h.backup.calls).toEqual([]);
      const row = await h.ledger.get(h.vm.key);
      expect(row).toMatchObject({ status: 'protected', reason: 'already-protected', jobIds: [] });
      expect(row).not.toHaveProperty('leaseOwner');
    });

    it('completes the first backup the row names, without an Azure call', async () => {
      const h = protectionHarness();
      const outcome = await ensure(
        h,
        { protectionState: 'Protected' },
        { row: { jobIds: ['job-7'], operationIds: ['enable:op-1', 'backup:op-2'] } },
      );
      expect(outcome).toMatchObject({ status: 'protected', reason: 'first-backup-completed' });
      expect(h.backup.calls).toEqual([]);
      expect(await h.ledger.get(h.vm.key)).toMatchObject({ jobIds: ['job-7'] });
    });

    it('records the job of the trigger the row names but whose job it never recorded', async () => {
      const h = protectionHarness();
      const { operationId, job } = await recordedTrigger(h);
      const outcome = await ensure(
        h,
        { protectionState: 'Protected' },
        { row: { operationIds: ['enable:op-0', `backup:${operationId}`] } },
      );
      expect(outcome).toMatchObject({ status: 'protected', reason: 'first-backup-completed', jobId: job.jobId });
      expect(methods(h)).toEqual(['getOperationStatus']);
      expect(await h.ledger.get(h.vm.key)).toMatchObject({ jobIds: [job.jobId] });
    });

    it.each([
      { row: 'a trigger operation that names no job', operationIds: ['enable:op-0', 'backup:op-unknown'] },
      { row: 'only an enable operation', operationIds: ['enable:op-0'] },
    ])('looks the job up by listing when the row has $row', async ({ operationIds }) => {
      const h = protectionHarness();
      const job = h.backup.addJob(h.vault, h.vm, { status: 'Completed' });
      const outcome = await ensure(h, { protectionState: 'Protected' }, { row: { operationIds } });
      expect(outcome).toMatchObject({ status: 'protected', reason: 'first-backup-completed', jobId: job.jobId });
      expect(h.backup.count('listJobs')).toBe(1);
      expect(await h.ledger.get(h.vm.key)).toMatchObject({ jobIds: [job.jobId] });
    });

    it('is already-protected when neither the operation nor a listing names a job', async () => {
      const h = protectionHarness();
      const outcome = await ensure(h, { protectionState: 'Protected' }, { row: { operationIds: ['enable:op-0'] } });
      expect(outcome).toMatchObject({ status: 'protected', reason: 'already-protected' });
      expect(methods(h)).toEqual(['listJobs']);
    });
  });

  it.each(['ProtectionStopped', 'ProtectionPaused', 'BackupsSuspended', 'protectionstopped'])(
    'records a deliberately %s item as skipped, never overriding it',
    async (protectionState) => {
      const h = protectionHarness();
      const outcome = await ensure(h, { protectionState });
      expect(outcome).toMatchObject({ status: 'skipped', reason: `protection-state:${protectionState}` });
      expect(await h.ledger.get(h.vm.key)).toMatchObject({
        status: 'skipped',
        reason: `protection-state:${protectionState}`,
        rule: 'protected-item-state',
      });
      expect(h.backup.calls).toEqual([]);
    },
  );

  it('records an item in ProtectionError as failed, with the state as error code', async () => {
    const h = protectionHarness();
    const outcome = await ensure(h, { protectionState: 'ProtectionError' });
    expect(outcome).toMatchObject({ status: 'failed', reason: 'protection-error' });
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'failed',
      errorCode: 'ProtectionError',
      rule: 'protected-item-state',
    });
    expect(h.backup.calls).toEqual([]);
  });

  it.each(['Invalid', 'ProtectionPending'])(
    'retries an item in the unsettled state %s, writing nothing',
    async (state) => {
      const h = protectionHarness();
      const { run, session } = await protectionRun(h);
      const error = await ensureFirstBackup(run, h.vault, { protectionState: state }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'item-state-unsettled', context: { protectionState: state } });
      expect(await h.ledger.get(h.vm.key)).toEqual(session.entry);
      expect(h.backup.calls).toEqual([]);
    },
  );

  describe('an IRPending item whose row names a backup', () => {
    it.each([
      { job: 'InProgress', status: 'backup-triggered', reason: 'backup-job-recorded' },
      { job: 'Cancelling', status: 'backup-triggered', reason: 'backup-job-recorded' },
      { job: 'Completed', status: 'protected', reason: 'first-backup-completed' },
      { job: 'CompletedWithWarnings', status: 'protected', reason: 'first-backup-completed' },
    ])('records $status ($reason) for its $job job, without triggering', async ({ job: status, ...expected }) => {
      const h = protectionHarness();
      const job = h.backup.addJob(h.vault, h.vm, { status });
      const outcome = await ensure(h, IR_PENDING, { row: { jobIds: [job.jobId] } });
      expect(outcome).toMatchObject({ ...expected, jobId: job.jobId });
      expect(methods(h)).toEqual(['getJob']);
      expect(await h.ledger.get(h.vm.key)).toMatchObject({ ...expected, jobIds: [job.jobId] });
    });

    it.each([
      {
        job: 'a failed job',
        make: (h: ProtectionHarness) => h.backup.addJob(h.vault, h.vm, { status: 'Failed' }).jobId,
      },
      { job: 'a job the vault does not know', make: () => 'job-unknown' },
    ])('triggers a backup when the row names $job', async ({ make }) => {
      const h = protectionHarness();
      const jobId = make(h);
      const outcome = await ensure(h, IR_PENDING, { row: { jobIds: [jobId] } });
      expect(outcome).toMatchObject({ status: 'backup-triggered', reason: 'first-backup-triggered' });
      expect(h.backup.count('triggerBackup')).toBe(1);
      expect((await h.ledger.get(h.vm.key))?.jobIds).toEqual([jobId, h.backup.jobs.at(-1)?.jobId]);
    });

    it('checks back (OperationPendingError) while the trigger the row names is still being processed', async () => {
      const h = protectionHarness({ poll: { minIntervalMs: 100, maxIntervalMs: 8_000 } });
      const { operationId } = await recordedTrigger(h);
      h.backup.operations.get(operationId)!.pollsLeft = 1;
      const error = await ensure(h, IR_PENDING, { row: { operationIds: [`backup:${operationId}`] } }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(OperationPendingError);
      expect(error).toMatchObject({ retryAfterMs: 8_000, context: { operationId } });
      expect(methods(h)).toEqual(['getOperationStatus']);
    });

    it('records the running job of the trigger the row names', async () => {
      const h = protectionHarness();
      const { operationId, job } = await recordedTrigger(h);
      const outcome = await ensure(h, IR_PENDING, { row: { operationIds: [`backup:${operationId}`] } });
      expect(outcome).toMatchObject({ status: 'backup-triggered', reason: 'backup-job-recorded', jobId: job.jobId });
      expect(methods(h)).toEqual(['getOperationStatus', 'getJob']);
      expect(await h.ledger.get(h.vm.key)).toMatchObject({ jobIds: [job.jobId] });
    });

    it('lists jobs, then triggers, when the trigger the row names produced no job', async () => {
      const h = protectionHarness();
      const { operationId } = await recordedTrigger(h);
      h.backup.operations.get(operationId)!.final = { status: 'Failed', errorCode: 'UserErrorX' };
      h.backup.jobs.length = 0;
      await ensure(h, IR_PENDING, { row: { operationIds: [`backup:${operationId}`] } });
      expect(methods(h)).toEqual(['getOperationStatus', 'listJobs', 'triggerBackup', 'getOperationStatus']);
    });
  });

  describe('an IRPending item whose row names no backup', () => {
    it('records a running Backup job of the VM found by listing, without triggering', async () => {
      const h = protectionHarness();
      const job = h.backup.addJob(h.vault, h.vm, { status: 'InProgress' });
      const outcome = await ensure(h, IR_PENDING);
      expect(outcome).toMatchObject({ status: 'backup-triggered', reason: 'backup-job-found', jobId: job.jobId });
      expect(methods(h)).toEqual(['listJobs']);
      expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'backup-triggered', jobIds: [job.jobId] });
    });

    it('records a completed Backup job found by listing as the first backup', async () => {
      const h = protectionHarness();
      const job = h.backup.addJob(h.vault, h.vm, { status: 'Completed' });
      const outcome = await ensure(h, IR_PENDING);
      expect(outcome).toMatchObject({ status: 'protected', reason: 'first-backup-completed', jobId: job.jobId });
    });

    it.each([
      { job: 'a failed job', fields: { status: 'Failed' } },
      {
        job: 'a job started before the VM was first seen',
        fields: { status: 'Completed', startTime: new Date(Date.parse('2026-03-01T10:00:00Z') - 3 * DAY) },
      },
      { job: 'a ConfigureBackup job', fields: { status: 'InProgress', operation: 'ConfigureBackup' } },
    ])('triggers the first backup past $job', async ({ fields }) => {
      const h = protectionHarness();
      h.backup.addJob(h.vault, h.vm, fields);
      const outcome = await ensure(h, IR_PENDING);
      expect(outcome).toMatchObject({ status: 'backup-triggered', reason: 'first-backup-triggered' });
      expect(h.backup.count('triggerBackup')).toBe(1);
    });

    it('does not list jobs for an item this run just enabled (none can be listed yet)', async () => {
      const h = protectionHarness();
      h.backup.addJob(h.vault, h.vm, { status: 'InProgress' });
      await ensure(h, IR_PENDING, { justEnabled: true });
      expect(methods(h)).toEqual(['triggerBackup', 'getOperationStatus']);
    });

    it('records what it would do in dry-run mode, without triggering', async () => {
      const h = protectionHarness({ settings: { dryRun: true } });
      const outcome = await ensure(h, IR_PENDING);
      expect(outcome).toMatchObject({ status: 'skipped', reason: 'dry-run:would-trigger-backup', dryRun: true });
      expect(methods(h)).toEqual(['listJobs']);
      expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'skipped', reason: 'dry-run:would-trigger-backup' });
    });
  });

  describe('triggering the first backup', () => {
    it('marks the row before the POST, asks for the configured expiry, records the operation and the job', async () => {
      const h = protectionHarness({ settings: { backupExpiryDays: 7 } });
      const trigger = h.backup.triggerBackup.bind(h.backup);
      const seen: { row?: unknown; expiry?: Date } = {};
      h.backup.triggerBackup = async (vault, vm, expiry) => {
        seen.row = await h.ledger.get(h.vm.key);
        seen.expiry = expiry;
        return trigger(vault, vm, expiry);
      };

      const outcome = await ensure(h, IR_PENDING);

      expect(seen.row).toMatchObject({ status: 'protecting', reason: 'triggering-first-backup' });
      expect(seen.expiry).toEqual(new Date(h.clock.now().getTime() + 7 * DAY));
      const job = h.backup.jobs.at(-1)!;
      expect(outcome).toMatchObject({ status: 'backup-triggered', reason: 'first-backup-triggered', jobId: job.jobId });
      const row = await h.ledger.get(h.vm.key);
      expect(row).toMatchObject({ status: 'backup-triggered', jobIds: [job.jobId] });
      expect(row?.operationIds).toEqual([expect.stringMatching(/^backup:op-\d+$/)]);
      expect(h.logs).toHaveLogged({
        level: 'info',
        message: 'first backup triggered',
        vmKey: h.vm.key,
        operationId: row?.operationIds[0]?.slice('backup:'.length),
        vaultId: h.vault.vaultId,
      });
    });

    it('counts a trigger without an operation id as done, recording neither operation nor job', async () => {
      const h = protectionHarness();
      const trigger = h.backup.triggerBackup.bind(h.backup);
      h.backup.triggerBackup = async (vault, vm, expiry) => ({
        ...(await trigger(vault, vm, expiry)),
        operationId: undefined,
      });
      const outcome = await ensure(h, IR_PENDING);
      expect(outcome).toMatchObject({ status: 'backup-triggered', reason: 'first-backup-triggered', jobId: undefined });
      expect(await h.ledger.get(h.vm.key)).toMatchObject({ operationIds: [], jobIds: [] });
      expect(h.backup.count('getOperationStatus')).toBe(0);
    });

    it('records the trigger but no job when the operation names none', async () => {
      const h = protectionHarness();
      nextTriggerEndsWith(h, { status: 'Succeeded' });
      const outcome = await ensure(h, IR_PENDING, { row: { jobIds: ['job-old'] } });
      // The row's earlier job (a failed one, else no trigger) stays; no new one is invented.
      expect(outcome).toMatchObject({ status: 'backup-triggered', jobId: undefined });
      expect((await h.ledger.get(h.vm.key))?.jobIds).toEqual(['job-old']);
    });

    it.each([
      {
        final: { status: 'Failed', errorCode: 'UserErrorBackupOperationInProgress' },
        kind: TransientError,
        code: 'UserErrorBackupOperationInProgress',
      },
      {
        final: { status: 'Failed', errorCode: 'UserErrorGuestAgentStatusUnavailable', errorMessage: 'agent\ndetails' },
        kind: PermanentError,
        code: 'UserErrorGuestAgentStatusUnavailable',
      },
      { final: { status: 'Canceled' }, kind: PermanentError, code: 'operation-canceled' },
    ])('throws $kind.name ($code) when the trigger operation ends $final.status', async ({ final, kind, code }) => {
      const h = protectionHarness();
      nextTriggerEndsWith(h, final);
      const error = await ensure(h, IR_PENDING).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(kind);
      expect(error).toMatchObject({ code, message: expect.stringMatching(/^Could not trigger backup: operation /) });
      // The operation stays on the row: the next attempt resolves it instead of triggering blindly.
      expect((await h.ledger.get(h.vm.key))?.operationIds).toEqual([expect.stringMatching(/^backup:/)]);
    });

    it('leaves an operation that outlives the invocation budget running, recorded, for a check-back', async () => {
      const h = protectionHarness({ settings: { invocationBudgetMs: 1_000 } });
      const trigger = h.backup.triggerBackup.bind(h.backup);
      h.backup.triggerBackup = async (vault, vm, expiry) => {
        const operation = await trigger(vault, vm, expiry);
        h.backup.operations.get(operation.operationId!)!.pollsLeft = 100;
        return operation;
      };
      const error = await ensure(h, IR_PENDING).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'operation-in-progress' });
      expect(await h.ledger.get(h.vm.key)).toMatchObject({
        status: 'protecting',
        operationIds: [expect.stringMatching(/^backup:/)],
      });
    });

    it('retries a 404 from the trigger of an item it just enabled (not visible yet)', async () => {
      const h = protectionHarness();
      const notFound = armError(404, 'BMSUserErrorDataSourceObjectNotFound');
      h.backup.failNext('triggerBackup', notFound);
      const error = await ensure(h, IR_PENDING, { justEnabled: true }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'item-not-visible', cause: notFound });
    });

    it.each([
      {
        case: 'a 404 for an item it did not just enable',
        error: armError(404, 'BMSUserErrorDataSourceObjectNotFound'),
        justEnabled: false,
      },
      { case: 'any other refusal', error: armError(400, 'UserErrorBackupOperationInProgress'), justEnabled: true },
    ])('rethrows $case as it is, for the workflow to classify', async ({ error, justEnabled }) => {
      const h = protectionHarness();
      h.backup.failNext('triggerBackup', error);
      await expect(ensure(h, IR_PENDING, { justEnabled })).rejects.toBe(error);
      expect(await h.ledger.get(h.vm.key)).toMatchObject({ status: 'protecting', operationIds: [] });
    });
  });
});
