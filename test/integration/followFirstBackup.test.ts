import type { LedgerEntry } from '../../src/lib/ledger/ledgerEntry';
import { createProtectionRequest } from '../../src/lib/messages/protectionRequest';
import { type RunnerHandle, startRunner } from '../../tools/local-runner/index';
import { simPatch } from '../../tools/stack/simControl';
import { appQueue, stackRuntime } from '../../tools/stack/stackRuntime';
import type { Stack } from '../../tools/stack/startStack';
import {
  backupJobsOf,
  createSimVm,
  ledgerRow,
  repoRoot,
  simPost,
  simState,
  startE2eStack,
  waitFor,
} from '../helpers/e2eStack';

/**
 * Following the first backup to its end through the real runner and the simulator: the simulator fails a Backup job
 * with UserErrorGuestAgentStatusUnavailable while the VM's guest agent is unavailable
 * (simulator/src/store/lifecycle.ts), and PATCH /_sim/vms/... makes it ready without an event. Check-backs every
 * second of job time (1.5 s jobs), two retries 3 s apart: long enough for a test to make the agent ready first.
 */
const AGENT = 'UserErrorGuestAgentStatusUnavailable';
const RG = 'rg-follow';

describe('following the first backup to its end (runner + simulator)', () => {
  let stack: Stack;
  const extraRunners: RunnerHandle[] = [];

  beforeAll(async () => {
    ({ stack } = await startE2eStack({
      extraSettings: {
        AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: 'PT1S',
        AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: 'PT3S,PT3S',
      },
    }));
  }, 60_000);

  afterAll(async () => {
    for (const runner of extraRunners) await runner.stop().catch(() => undefined);
    await stack?.stop();
  }, 60_000);

  const subscriptionId = () => stack.info.subscriptionIds[0] ?? '';
  const makeAgentReady = (name: string) =>
    simPatch(stack, `vms/${subscriptionId()}/${RG}/${name}`, { guestAgent: 'ready' });
  const rowWhen = (what: string, id: string, test: (row: LedgerEntry) => boolean, timeoutMs = 30_000) =>
    waitFor(
      what,
      async () => {
        const row = await ledgerRow(stack, id);
        return row && test(row) ? row : undefined;
      },
      timeoutMs,
    );
  /** A VM whose guest agent is not ready (its first Backup job fails with AGENT). */
  const createAgentlessVm = (name: string) =>
    createSimVm(stack, { resourceGroup: RG, name, location: 'eastus', guestAgent: 'unavailable' });
  const retryScheduled = (id: string) =>
    rowWhen('a retry to be scheduled', id, (row) => row.reason === 'first-backup-retry-scheduled');

  it('retries a first backup that failed on the guest agent once it is ready: protected, exactly two Backup jobs', async () => {
    const id = await createAgentlessVm('vm-late-agent');
    const scheduled = await retryScheduled(id);
    expect(scheduled).toMatchObject({ status: 'backup-triggered', errorCode: AGENT });
    await makeAgentReady('vm-late-agent');

    const row = await rowWhen('the VM to be protected', id, (r) => r.status === 'protected');
    const jobs = backupJobsOf(await simState(stack), 'vm-late-agent');
    expect(jobs.map((job) => job.status).sort()).toEqual(['Completed', 'Failed']);
    const completed = (jobs as Array<{ name?: string; status: string }>).find((job) => job.status === 'Completed');
    expect(row).toMatchObject({
      reason: 'first-backup-completed',
      firstBackupJobId: completed?.name,
      backupAttempts: [
        { trigger: 'first', status: 'Failed', errorCode: AGENT },
        { trigger: 'retry', after: AGENT, status: 'Completed' },
      ],
    });
    for (const field of ['protectionEnabledAt', 'firstBackupTriggeredAt', 'firstBackupCompletedAt'] as const)
      expect(Date.parse(row[field] ?? '')).toBeGreaterThanOrEqual(Date.parse(row.firstSeen));
    expect(row.checkBackToken).toBeUndefined();
  }, 60_000);

  it('records first-backup-failed with the last code after the configured retries when the agent never comes up', async () => {
    const id = await createAgentlessVm('vm-no-agent');
    const row = await rowWhen('first-backup-failed', id, (r) => r.status === 'first-backup-failed', 45_000);
    expect(row).toMatchObject({
      reason: 'retries-exhausted',
      errorCode: AGENT,
      errorMessage: expect.stringMatching(/agent/i),
    });
    expect(row.backupAttempts?.map((attempt) => attempt.trigger)).toEqual(['first', 'retry', 'retry']);
    expect(backupJobsOf(await simState(stack), 'vm-no-agent')).toHaveLength(3);
  }, 60_000);

  it('a redelivered check-back triggers nothing extra', async () => {
    const id = await createAgentlessVm('vm-redelivered');
    const scheduled = await retryScheduled(id);
    await makeAgentReady('vm-redelivered');
    // The retry's check-back, delivered three more times at once (the host redelivers; Event Grid duplicates).
    const requests = stackRuntime(stack).adapters.requests;
    const copy = {
      ...createProtectionRequest({ vmResourceId: id, source: 'event' }),
      checkBackToken: scheduled.checkBackToken,
    };
    await Promise.all([1, 2, 3].map(() => requests.send(copy, { delayMs: 0 })));

    await rowWhen('the VM to be protected', id, (row) => row.status === 'protected');
    await waitFor(
      'the request queue to drain',
      async () => (await appQueue(stack, 'requests').getProperties()).approximateMessagesCount === 0,
      20_000,
    );
    expect(backupJobsOf(await simState(stack), 'vm-redelivered')).toHaveLength(2);
  }, 60_000);

  it('a runner SIGKILLed while a first backup is followed: the next runner finishes the story', async () => {
    await simPost(stack, 'timing', { backupJobMs: 6_000 });
    try {
      const id = await createSimVm(stack, { resourceGroup: RG, name: 'vm-killed', location: 'eastus' });
      // Followed, and its next check-back waiting in the queue (not held by the runner about to die).
      await rowWhen(
        'the first backup to be followed',
        id,
        (row) =>
          row.reason === 'first-backup-triggered' &&
          Date.parse(row.nextCheckBackAt ?? '') - Date.now() > 400 &&
          row.leaseOwner === undefined,
        20_000,
      );
      await stack.runner.kill();

      const runner = await startRunner({
        appDir: repoRoot,
        settings: stack.info.appSettings,
        port: 0,
        onLog: () => undefined,
      });
      extraRunners.push(runner);
      const row = await rowWhen('the VM to be protected', id, (r) => r.status === 'protected', 45_000);
      expect(row.reason).toBe('first-backup-completed');
      expect(backupJobsOf(await simState(stack), 'vm-killed')).toHaveLength(1);
    } finally {
      await simPost(stack, 'timing', { backupJobMs: 1_500 });
    }
  }, 90_000);
});
