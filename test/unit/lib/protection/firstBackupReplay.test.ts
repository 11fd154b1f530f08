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

  it('finds the job by listing when the crash came before the trigger operation was recorded', async () => {
    const h = await protectThenLoseJob((ids) => ids.filter((id) => id.startsWith('enable:')));
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
