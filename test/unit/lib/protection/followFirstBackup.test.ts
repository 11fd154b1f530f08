import type { BackupJobInfo } from '../../../../src/lib/azure/ports';
import type { LedgerEntry } from '../../../../src/lib/ledger/ledgerEntry';
import type { ProtectionRequest } from '../../../../src/lib/messages/protectionRequest';
import { CHAIN_GRACE_MS } from '../../../../src/lib/protection/followFirstBackup';
import { handleProtectionMessage, type MessageOutcome } from '../../../../src/lib/protection/handleProtectionMessage';
import { armError, connectionReset } from '../../../helpers/factories/azureErrors';
import { type ProtectionHarness, protectionHarness, protectionRequest } from '../../../helpers/factories/protection';

/**
 * Following the first backup to its end (followFirstBackup.ts, retryFirstBackup.ts, followBackupJob.ts), driven like
 * the queue drives it: each check-back is the last message the run sent, handled after its visibility delay on a fake
 * clock. Defaults: check-backs at 2, 7, 17, 27... min of job time; retries after 5, 15, 45 min.
 */

const MIN = 60_000;
const AGENT = 'UserErrorGuestAgentStatusUnavailable';

const handle = (h: ProtectionHarness, body: unknown): Promise<MessageOutcome> =>
  handleProtectionMessage(h.deps(), body);
const row = async (h: ProtectionHarness): Promise<LedgerEntry> => (await h.ledger.get(h.vm.key))!;
const backupJobs = (h: ProtectionHarness) => h.backup.jobs.filter((job) => job.operation === 'Backup');
const lastSent = (h: ProtectionHarness) => h.requests.sent.at(-1)!;

/** The first request: protection enabled, the first backup triggered and followed. */
async function protectNewVm(h: ProtectionHarness): Promise<void> {
  await handle(h, protectionRequest());
  expect(backupJobs(h)).toHaveLength(1);
}

/** Delivers the last message sent, after its delay; returns the ARM calls it made. */
async function checkBack(h: ProtectionHarness): Promise<string[]> {
  const { request, delayMs } = lastSent(h);
  h.clock.advance(delayMs);
  const before = h.backup.calls.length;
  await handle(h, request);
  return h.backup.calls.slice(before).map((call) => call.method);
}

/** The job ends now. */
function endJob(h: ProtectionHarness, job: BackupJobInfo | undefined, status: string, errorCode?: string): void {
  Object.assign(job!, {
    status,
    endTime: h.clock.now(),
    errorCode,
    errorMessage: errorCode ? `${errorCode}: why` : undefined,
  });
}

/** Every Backup job the fake creates from now on ends at once with `status`/`errorCode` (a VM whose agent is down). */
function jobsEndWith(h: ProtectionHarness, status: string, errorCode?: string): void {
  const trigger = h.backup.triggerBackup.bind(h.backup);
  h.backup.triggerBackup = async (vault, vm, expiry) => {
    const operation = await trigger(vault, vm, expiry);
    endJob(h, backupJobs(h).at(-1), status, errorCode);
    return operation;
  };
}

/** Delivers check-backs until none is left (bounded). */
async function followToTheEnd(h: ProtectionHarness): Promise<void> {
  for (let step = 0; step < 40; step++) {
    const sent = h.requests.sent.length;
    await checkBack(h);
    if (h.requests.sent.length === sent) return;
  }
  throw new Error('still following after 40 check-backs');
}

describe('following the first backup', () => {
  it('reads the job once per check-back, on the schedule of its age, and nothing else', async () => {
    const h = protectionHarness();
    await protectNewVm(h);
    expect(lastSent(h).delayMs).toBe(2 * MIN);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      expect(await checkBack(h)).toEqual(['getJob']);
      delays.push(lastSent(h).delayMs);
    }
    expect(delays).toEqual([5 * MIN, 10 * MIN, 10 * MIN, 10 * MIN]);
    expect(await row(h)).toMatchObject({
      status: 'backup-triggered',
      reason: 'first-backup-triggered',
      firstBackupReads: 4,
      checkBackToken: lastSent(h).request.checkBackToken,
      nextCheckBackAt: new Date(h.clock.now().getTime() + 10 * MIN).toISOString(),
    });
    expect(h.vms.getCalls).toBe(1);
    expect(h.logs).toHaveLogged({ message: 'first backup checked', jobStatus: 'InProgress', step: 'check-back' });
  });

  it('records the first restore point with its timeline, and stops', async () => {
    const h = protectionHarness();
    await protectNewVm(h);
    await checkBack(h);
    endJob(h, backupJobs(h)[0], 'Completed');
    const endedAt = h.clock.now().toISOString(); // the job's own end, not the moment the check-back saw it
    const sent = h.requests.sent.length;
    expect(await checkBack(h)).toEqual(['getJob']);
    expect(h.requests.sent).toHaveLength(sent);
    const entry = await row(h);
    expect(entry).toMatchObject({
      status: 'protected',
      reason: 'first-backup-completed',
      firstBackupJobId: backupJobs(h)[0]?.jobId,
      firstBackupCompletedAt: endedAt,
      firstBackupReads: 2,
      backupAttempts: [{ trigger: 'first', jobId: backupJobs(h)[0]?.jobId, status: 'Completed' }],
    });
    expect(entry.checkBackToken).toBeUndefined();
    const times = [
      entry.firstSeen,
      entry.protectionEnabledAt,
      entry.firstBackupTriggeredAt,
      entry.firstBackupCompletedAt,
    ];
    expect(times.every((time) => typeof time === 'string')).toBe(true);
    expect([...times].sort()).toEqual(times);
  });

  it('retries a first backup that failed on the guest agent, and is protected once the agent is ready', async () => {
    const h = protectionHarness();
    await protectNewVm(h);
    endJob(h, backupJobs(h)[0], 'Failed', AGENT);
    expect(await checkBack(h)).toEqual(['getJob']);
    expect(lastSent(h).delayMs).toBe(5 * MIN);
    expect(await row(h)).toMatchObject({
      status: 'backup-triggered',
      reason: 'first-backup-retry-scheduled',
      errorCode: AGENT,
      errorMessage: `${AGENT}: why`,
    });
    expect(h.logs).toHaveLogged({ message: 'first backup failed; retrying later', code: AGENT, retry: 1, retries: 3 });

    // The retry: one listing (no other Backup job of the VM runs), then a trigger claimed on the row first.
    expect(await checkBack(h)).toEqual(['listJobs', 'triggerBackup', 'getOperationStatus']);
    expect(backupJobs(h)).toHaveLength(2);
    expect(await row(h)).toMatchObject({
      status: 'backup-triggered',
      reason: 'first-backup-retried',
      errorCode: AGENT,
    });
    endJob(h, backupJobs(h)[1], 'Completed');
    await followToTheEnd(h);

    expect(backupJobs(h)).toHaveLength(2);
    expect(await row(h)).toMatchObject({
      status: 'protected',
      reason: 'first-backup-completed',
      firstBackupJobId: backupJobs(h)[1]?.jobId,
      jobIds: backupJobs(h).map((job) => job.jobId),
      backupAttempts: [
        { trigger: 'first', status: 'Failed', errorCode: AGENT },
        { trigger: 'retry', after: AGENT, status: 'Completed' },
      ],
    });
    expect((await row(h)).errorCode).toBeUndefined();
  });

  it('records first-backup-failed with the last code after the configured retries, one Backup job each', async () => {
    const h = protectionHarness();
    jobsEndWith(h, 'Failed', AGENT);
    await protectNewVm(h);
    await followToTheEnd(h);
    expect(backupJobs(h)).toHaveLength(4); // the first and 3 retries (PT5M, PT15M, PT45M)
    const entry = await row(h);
    expect(entry).toMatchObject({
      status: 'first-backup-failed',
      reason: 'retries-exhausted',
      errorCode: AGENT,
      errorMessage: `${AGENT}: why`,
    });
    expect(entry.backupAttempts?.map((attempt) => attempt.trigger)).toEqual(['first', 'retry', 'retry', 'retry']);
    expect(entry.checkBackToken).toBeUndefined();
    expect(h.logs).toHaveLogged({ message: 'first backup failed', reason: 'retries-exhausted', retries: 3 });
  });

  it('records a failure that does not go away at once, without a retry', async () => {
    const h = protectionHarness();
    jobsEndWith(h, 'Failed', 'UserErrorVmNotFoundV2');
    await protectNewVm(h);
    await followToTheEnd(h);
    expect(backupJobs(h)).toHaveLength(1);
    expect(await row(h)).toMatchObject({
      status: 'first-backup-failed',
      reason: 'not-retryable',
      errorCode: 'UserErrorVmNotFoundV2',
    });
  });

  it('records a job a person cancelled without retrying it', async () => {
    const h = protectionHarness();
    jobsEndWith(h, 'Cancelled');
    await protectNewVm(h);
    await followToTheEnd(h);
    expect(backupJobs(h)).toHaveLength(1);
    expect(await row(h)).toMatchObject({
      status: 'first-backup-failed',
      reason: 'job-cancelled',
      errorCode: 'BackupJobCancelled',
    });
  });

  it('follows a Backup job someone else started instead of retrying', async () => {
    const h = protectionHarness();
    jobsEndWith(h, 'Failed', AGENT);
    await protectNewVm(h);
    await checkBack(h);
    h.backup.addJob(h.vault, h.vm, { status: 'InProgress' }); // "Backup now" in the portal
    expect(await checkBack(h)).toEqual(['listJobs']);
    expect(h.backup.count('triggerBackup')).toBe(1);
    expect(await row(h)).toMatchObject({ status: 'backup-triggered', reason: 'backup-job-found' });
    expect((await row(h)).backupAttempts?.at(-1)).toMatchObject({ trigger: 'found', jobId: backupJobs(h)[1]?.jobId });
  });

  it('records the restore point of a Backup job that completed meanwhile instead of retrying', async () => {
    const h = protectionHarness();
    jobsEndWith(h, 'Failed', AGENT);
    await protectNewVm(h);
    await checkBack(h);
    h.backup.addJob(h.vault, h.vm, { status: 'Completed', endTime: h.clock.now() });
    await checkBack(h);
    expect(h.backup.count('triggerBackup')).toBe(1);
    expect(await row(h)).toMatchObject({ status: 'protected', firstBackupJobId: backupJobs(h)[1]?.jobId });
  });

  it('stops following a job that runs for more than a week (the report lists it as stale)', async () => {
    const h = protectionHarness();
    await protectNewVm(h);
    backupJobs(h)[0]!.durationMs = 8 * 24 * 60 * MIN;
    const sent = h.requests.sent.length;
    await checkBack(h);
    expect(h.requests.sent).toHaveLength(sent);
    const entry = await row(h);
    expect(entry).toMatchObject({ status: 'backup-triggered', reason: 'first-backup-still-running' });
    expect(entry.checkBackToken).toBeUndefined();
  });
});

describe('following the first backup, delivered more than once', () => {
  it('a redelivered check-back reads nothing and writes nothing', async () => {
    const h = protectionHarness();
    await protectNewVm(h);
    const first = lastSent(h);
    await checkBack(h);
    const before = await row(h);
    const calls = h.backup.calls.length;
    const sent = h.requests.sent.length;
    const outcome = await handle(h, first.request);
    expect(outcome).toMatchObject({ kind: 'done', outcome: { reason: 'check-back-superseded' } });
    expect(h.backup.calls.length).toBe(calls);
    expect(h.requests.sent).toHaveLength(sent);
    expect((await row(h)).etag).toBe(before.etag);
  });

  it('a redelivered retry triggers one Backup job, not two', async () => {
    const h = protectionHarness();
    jobsEndWith(h, 'Failed', AGENT);
    await protectNewVm(h);
    await checkBack(h);
    const retry = lastSent(h).request;
    await checkBack(h);
    await handle(h, retry);
    await handle(h, retry);
    expect(backupJobs(h)).toHaveLength(2);
  });

  it('a crash after the retry was sent is replayed without a second job', async () => {
    const h = protectionHarness();
    jobsEndWith(h, 'Failed', AGENT);
    await protectNewVm(h);
    await checkBack(h);
    h.backup.failNext('getOperationStatus', connectionReset()); // the retry's POST went out; then the run died
    jobsEndWith(h, 'InProgress');
    await checkBack(h);
    expect(backupJobs(h)).toHaveLength(2);
    expect(await row(h)).toMatchObject({ status: 'protecting', reason: expect.stringMatching(/^retrying: /) });

    // The request comes back (attempt 2, same token): the claim is open, so the job of the retry's operation is
    // looked up, found running, and followed.
    await checkBack(h);
    expect(backupJobs(h)).toHaveLength(2);
    expect(await row(h)).toMatchObject({ status: 'backup-triggered', reason: 'backup-job-recorded' });
    expect((await row(h)).backupAttempts).toMatchObject([
      { trigger: 'first', status: 'Failed' },
      { trigger: 'retry', after: AGENT, jobId: backupJobs(h)[1]?.jobId },
    ]);
  });

  it('a plain request leaves a live chain alone; once the chain is an hour overdue it takes over', async () => {
    const h = protectionHarness();
    await protectNewVm(h);
    const chain = lastSent(h).request;
    const calls = h.backup.calls.length;
    await handle(h, protectionRequest({ eventId: 'update-1', source: 'sweep' }));
    expect(h.backup.calls.length).toBe(calls);

    h.clock.advance(2 * MIN + CHAIN_GRACE_MS + 1);
    await handle(h, protectionRequest({ eventId: 'update-2' }));
    expect(h.backup.calls.slice(calls).map((call) => call.method)).toEqual(['getJob']);
    const taken = await row(h);
    expect(taken.checkBackToken).not.toBe(chain.checkBackToken);
    // The lost chain's message, should it come back, is superseded.
    await expect(handle(h, chain)).resolves.toMatchObject({ outcome: { reason: 'check-back-superseded' } });
  });

  it('goes back to the full workflow when Azure no longer knows the job', async () => {
    const h = protectionHarness();
    await protectNewVm(h);
    h.backup.jobs.length = 0;
    await checkBack(h);
    // Not found: the workflow re-reads the item and, with no Backup job listed, triggers again.
    expect(h.backup.calls.map((call) => call.method)).toContain('listJobs');
    expect(await row(h)).toMatchObject({ status: 'backup-triggered' });
  });

  it('finds the job by listing when the trigger operation named none', async () => {
    const h = protectionHarness();
    const trigger = h.backup.triggerBackup.bind(h.backup);
    h.backup.triggerBackup = async (vault, vm, expiry) => {
      const operation = await trigger(vault, vm, expiry);
      h.backup.operations.get(operation.operationId!)!.final = { status: 'Succeeded' };
      return operation;
    };
    await protectNewVm(h);
    expect(await row(h)).toMatchObject({ status: 'backup-triggered', jobIds: [] });
    await checkBack(h);
    expect(await row(h)).toMatchObject({
      status: 'backup-triggered',
      reason: 'backup-job-found',
      jobIds: [backupJobs(h)[0]?.jobId],
    });
    expect((await row(h)).backupAttempts).toMatchObject([{ trigger: 'first', jobId: backupJobs(h)[0]?.jobId }]);
    expect(h.backup.count('triggerBackup')).toBe(1);
  });

  it('records a permanent error while following as failed, like any other step', async () => {
    const h = protectionHarness();
    await protectNewVm(h);
    h.backup.failNext('getJob', armError(403, 'AuthorizationFailed'));
    await checkBack(h);
    expect(await row(h)).toMatchObject({ status: 'failed', errorCode: 'AuthorizationFailed' });
  });
});

describe('check-back messages', () => {
  it('carry the VM, the correlation and the token, restart the attempt count and drop the history', async () => {
    const h = protectionHarness();
    const request: ProtectionRequest = protectionRequest({
      attempt: 3,
      history: [{ attempt: 2, at: '2026-03-01T09:00:00Z', code: 'x', message: 'y' }],
    });
    await handle(h, request);
    const { history: _history, ...rest } = request;
    expect(lastSent(h).request).toEqual({ ...rest, attempt: 1, checkBackToken: (await row(h)).checkBackToken });
  });
});
