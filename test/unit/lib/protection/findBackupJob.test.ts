import {
  backupJobWindowStart,
  findRunningOrCompletedBackupJob,
  jobBelongsToVm,
} from '../../../../src/lib/protection/findBackupJob';
import { vaultRoute, vmFacts } from '../../../helpers/factories/rules';
import { FakeBackupGateway } from '../../../helpers/fakes/fakeAzure';

describe('findRunningOrCompletedBackupJob', () => {
  const vault = vaultRoute('eastus');
  const vm = vmFacts({ name: 'VM-Web-1', resourceGroup: 'RG-App' }).vm;
  const other = vmFacts({ name: 'vm-other', resourceGroup: 'RG-App' }).vm;
  const now = new Date();
  const window = { from: new Date(now.getTime() - 3600_000), now };

  it('matches jobs to the VM by container name, case-insensitively, with or without prefix', () => {
    expect(
      jobBelongsToVm(
        { jobId: 'j', operation: 'Backup', status: 'InProgress', containerName: 'iaasvmcontainerv2;rg-app;vm-web-1' },
        vm,
      ),
    ).toBe(true);
    expect(
      jobBelongsToVm(
        {
          jobId: 'j',
          operation: 'Backup',
          status: 'InProgress',
          containerName: 'IaasVMContainer;iaasvmcontainerv2;RG-APP;VM-WEB-1',
        },
        vm,
      ),
    ).toBe(true);
    expect(
      jobBelongsToVm(
        { jobId: 'j', operation: 'Backup', status: 'InProgress', containerName: 'iaasvmcontainerv2;rg-app;vm-web-10' },
        vm,
      ),
    ).toBe(false);
    expect(
      jobBelongsToVm({ jobId: 'j', operation: 'Backup', status: 'InProgress', entityFriendlyName: 'vm-web-1' }, vm),
    ).toBe(true);
  });

  it('ignores failed jobs and jobs of other VMs, prefers a running job', async () => {
    const gateway = new FakeBackupGateway();
    gateway.addJob(vault, vm, { status: 'Failed' });
    gateway.addJob(vault, other, { status: 'InProgress' });
    expect(await findRunningOrCompletedBackupJob(gateway, vault, vm, window)).toBeUndefined();
    const completed = gateway.addJob(vault, vm, { status: 'Completed' });
    expect((await findRunningOrCompletedBackupJob(gateway, vault, vm, window))?.jobId).toBe(completed.jobId);
    const running = gateway.addJob(vault, vm, { status: 'Cancelling' });
    expect((await findRunningOrCompletedBackupJob(gateway, vault, vm, window))?.jobId).toBe(running.jobId);
  });
});

describe('backupJobWindowStart', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  it('starts an hour before the VM was first seen', () => {
    expect(backupJobWindowStart('2026-03-01T11:30:00Z', now).toISOString()).toBe('2026-03-01T10:30:00.000Z');
  });

  it('never looks back more than 48 hours, nor starts in the future', () => {
    expect(backupJobWindowStart('2026-01-01T00:00:00Z', now).toISOString()).toBe('2026-02-27T12:00:00.000Z');
    expect(backupJobWindowStart('2026-03-02T00:00:00Z', now).toISOString()).toBe('2026-03-01T11:00:00.000Z');
    expect(backupJobWindowStart(undefined, now).toISOString()).toBe('2026-02-27T12:00:00.000Z');
  });
});
