import { createProtectVmHandler } from '../../../../src/functions/protectVm';
import { protectionHarness, protectionRequest } from '../../../helpers/factories/protection';

/**
 * Found by the chaos run (test/chaos): an invocation that triggered the first backup but died before recording its
 * job left a row that a replay, finding the item Protected, called "already-protected" with no job. The ledger must
 * name the backup autoprotect took.
 */
describe('protectVm replay after the first backup completed', () => {
  async function protectThenLoseJob(keepOperations: (ids: string[]) => string[]) {
    const h = protectionHarness();
    const handler = createProtectVmHandler(h.deps);
    await handler(protectionRequest(), h.context);
    const row = await h.ledger.get(h.vm.key);
    await h.ledger.update(row!, {
      status: 'protecting',
      reason: 'retrying: budget',
      jobIds: [],
      operationIds: keepOperations(row!.operationIds),
      // The trigger was claimed, its job never recorded.
      backupAttempts: row!.backupAttempts?.map(({ trigger, at }) => ({ trigger, at })),
    });
    h.backup.setItem(h.vault, h.vm, { protectionState: 'Protected', lastBackupStatus: 'Completed' });
    await handler(protectionRequest({ eventId: 'event-replay', attempt: 2 }), h.context);
    return h;
  }

  it('records the job of the recorded trigger operation', async () => {
    const h = await protectThenLoseJob((ids) => ids);
    const job = h.backup.jobs[0];
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'protected',
      reason: 'first-backup-completed',
      jobIds: [job?.jobId],
    });
    expect(h.backup.count('triggerBackup')).toBe(1);
  });

  it.each([
    [
      'the crash came before the trigger operation was recorded',
      (ids: string[]) => ids.filter((id) => id.startsWith('enable:')),
    ],
    // Found by the chaos run: killed after the PUT and, in the next invocation, after the trigger's POST.
    ['neither operation was recorded, only the trigger claim', () => []],
  ])('finds the job by listing when %s', async (_case, keepOperations) => {
    const h = await protectThenLoseJob(keepOperations);
    const job = h.backup.jobs[0];
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'protected',
      reason: 'first-backup-completed',
      jobIds: [job?.jobId],
    });
    expect(h.backup.count('listJobs')).toBe(1);
    expect(h.backup.count('triggerBackup')).toBe(1);
  });

  it('still calls a VM protected by someone else already-protected, without listing jobs', async () => {
    const h = protectionHarness();
    h.backup.setItem(h.vault, h.vm, { protectionState: 'Protected', lastBackupStatus: 'Completed' });
    h.backup.addJob(h.vault, h.vm, { status: 'Completed' });
    await createProtectVmHandler(h.deps)(protectionRequest(), h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'protected',
      reason: 'already-protected',
      jobIds: [],
    });
    expect(h.backup.count('listJobs')).toBe(0);
  });
});

/**
 * Found by the chaos run once first backups were followed: a crash after a trigger's POST, whose job then ended before
 * anyone saw it, must neither spend a Backup job outside the retry budget nor name a failed job as the restore point.
 */
describe('protectVm replay after a crash while the first backup was being triggered', () => {
  const AGENT = 'UserErrorGuestAgentStatusUnavailable';

  /** The first request triggers; the run dies before the job is recorded; the job then ends with `status`. */
  async function crashAfterTrigger(status: string, keepOperation: boolean) {
    const h = protectionHarness();
    const handler = createProtectVmHandler(h.deps);
    await handler(protectionRequest(), h.context);
    const row = (await h.ledger.get(h.vm.key))!;
    await h.ledger.update(row, {
      status: 'protecting',
      reason: 'triggering-first-backup',
      jobIds: [],
      operationIds: row.operationIds.filter((id) => keepOperation || id.startsWith('enable:')),
      backupAttempts: [{ trigger: 'first', at: row.backupAttempts![0]!.at }],
      checkBackToken: undefined,
    });
    Object.assign(h.backup.jobs[0]!, { status, errorCode: status === 'Failed' ? AGENT : undefined });
    h.requests.sent.length = 0;
    await handler(protectionRequest({ eventId: 'event-replay', attempt: 2 }), h.context);
    return h;
  }

  it.each([
    ['named by the recorded trigger operation', true],
    ['found by listing (the operation was never recorded)', false],
  ])('schedules a retry for a first job that failed unseen (%s), and triggers nothing', async (_how, keep) => {
    const h = await crashAfterTrigger('Failed', keep);
    expect(h.backup.count('triggerBackup')).toBe(1);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'backup-triggered',
      reason: 'first-backup-retry-scheduled',
      errorCode: AGENT,
      jobIds: [h.backup.jobs[0]?.jobId],
      backupAttempts: [{ trigger: 'first', jobId: h.backup.jobs[0]?.jobId, status: 'Failed' }],
    });
    expect(h.requests.sent.map((sent) => sent.delayMs)).toEqual([300_000]);
  });

  it('names the retry that completed, not the failed first job, when the item is found protected', async () => {
    const h = protectionHarness();
    const handler = createProtectVmHandler(h.deps);
    await handler(protectionRequest(), h.context);
    const first = h.backup.jobs[0]!;
    const row = (await h.ledger.get(h.vm.key))!;
    // The first job failed and was recorded; the retry was claimed and sent, then the run died.
    Object.assign(first, { status: 'Failed', errorCode: AGENT });
    const retry = h.backup.addJob(h.vault, h.vm, { status: 'Completed', endTime: h.clock.now() });
    await h.ledger.update(row, {
      status: 'protecting',
      reason: 'retrying-first-backup',
      backupAttempts: [
        { trigger: 'first', at: row.backupAttempts![0]!.at, jobId: first.jobId, status: 'Failed', errorCode: AGENT },
        { trigger: 'retry', at: h.clock.now().toISOString(), after: AGENT },
      ],
      checkBackToken: undefined,
    });
    h.backup.setItem(h.vault, h.vm, { protectionState: 'Protected', lastBackupStatus: 'Completed' });
    await handler(protectionRequest({ eventId: 'event-replay', attempt: 2 }), h.context);
    expect(await h.ledger.get(h.vm.key)).toMatchObject({
      status: 'protected',
      reason: 'first-backup-completed',
      firstBackupJobId: retry.jobId,
      jobIds: [first.jobId, retry.jobId],
      backupAttempts: [
        { trigger: 'first', status: 'Failed' },
        { trigger: 'retry', jobId: retry.jobId, status: 'Completed' },
      ],
    });
    expect(h.backup.count('triggerBackup')).toBe(1);
  });
});
