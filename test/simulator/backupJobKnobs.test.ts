import {
  backupClient,
  control,
  createVm,
  EAST_VAULT,
  operationIdOf,
  pollUntil,
  protectAndWait,
  SUB,
  triggerBackup,
  useTestSimulator,
  VAULT_RG,
} from './helpers';

interface JobView {
  name: string;
  status: string;
  startTime: string;
  endTime: string;
  errorCode?: string;
}

describe('simulator: per-VM Backup job test knobs (backupJobMs, failNextBackupJobs)', () => {
  // The global job duration is long, so a job that ends sooner can only have taken the VM's own.
  const sim = useTestSimulator({ timing: { configureBackupMs: 20, backupOperationMs: 10, backupJobMs: 60_000 } });

  /** Triggers a Backup of the VM and waits until its job has ended; the job as GET /_sim/state shows it. */
  async function backupToTheEnd(vm: string): Promise<JobView> {
    const client = backupClient(sim());
    const raw = await triggerBackup(client, 'rg-app', vm);
    const op = await pollUntil(
      () => client.backupOperationStatuses.get(EAST_VAULT, VAULT_RG, operationIdOf(raw)),
      (status) => status.status === 'Succeeded',
    );
    const jobId = (op.properties as { jobId: string }).jobId;
    await pollUntil(
      () => client.jobDetails.get(EAST_VAULT, VAULT_RG, jobId),
      (job) => job.properties?.status !== 'InProgress',
    );
    const state = await control<{ jobs: JobView[] }>(sim(), 'GET', 'state');
    const job = state.body.jobs.find((entry) => entry.name === jobId);
    if (!job) throw new Error(`no job ${jobId} in the state`);
    return job;
  }

  const lastedMs = (job: JobView) => Date.parse(job.endTime) - Date.parse(job.startTime);

  it('runs the Backup jobs of a VM created with backupJobMs for that long, not the timing', async () => {
    await createVm(sim(), 'vm-short-job', { backupJobMs: 150 });
    await protectAndWait(backupClient(sim()), EAST_VAULT, 'rg-app', 'vm-short-job');
    const job = await backupToTheEnd('vm-short-job');
    expect(job.status).toBe('Completed');
    expect(lastedMs(job)).toBe(150);
  });

  it('PATCH sets a VM its own job duration, and null gives it the timing again', async () => {
    await createVm(sim(), 'vm-patched-job');
    const path = `vms/${SUB}/rg-app/vm-patched-job`;
    expect((await control(sim(), 'PATCH', path, { backupJobMs: 120 })).status).toBe(200);
    await protectAndWait(backupClient(sim()), EAST_VAULT, 'rg-app', 'vm-patched-job');
    expect(lastedMs(await backupToTheEnd('vm-patched-job'))).toBe(120);
    expect((await control(sim(), 'PATCH', path, { backupJobMs: null })).status).toBe(200);
    const state = await control<{ vms: Array<{ name: string; backupJobMs?: number }> }>(sim(), 'GET', 'state');
    expect(state.body.vms.find((vm) => vm.name === 'vm-patched-job')?.backupJobMs).toBeUndefined();
  });

  it('fails the next N Backup jobs of a VM whose agent is ready with the agent code, then completes them', async () => {
    await createVm(sim(), 'vm-fails-once', { backupJobMs: 50, failNextBackupJobs: 1 });
    await protectAndWait(backupClient(sim()), EAST_VAULT, 'rg-app', 'vm-fails-once');
    expect(await backupToTheEnd('vm-fails-once')).toMatchObject({
      status: 'Failed',
      errorCode: 'UserErrorGuestAgentStatusUnavailable',
    });
    expect((await backupToTheEnd('vm-fails-once')).status).toBe('Completed');
  });

  it('takes failNextBackupJobs on PATCH too, and refuses a negative count', async () => {
    await createVm(sim(), 'vm-fails-twice', { backupJobMs: 50 });
    const path = `vms/${SUB}/rg-app/vm-fails-twice`;
    expect((await control(sim(), 'PATCH', path, { failNextBackupJobs: -1 })).status).toBe(400);
    expect((await control(sim(), 'PATCH', path, { failNextBackupJobs: 2 })).status).toBe(200);
    await protectAndWait(backupClient(sim()), EAST_VAULT, 'rg-app', 'vm-fails-twice');
    const outcomes = [];
    for (let job = 0; job < 3; job++) outcomes.push((await backupToTheEnd('vm-fails-twice')).status);
    expect(outcomes).toEqual(['Failed', 'Failed', 'Completed']);
  });
});
