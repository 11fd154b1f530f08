import { itemContainerNameOf } from '../azure/backupNames';
import { type BackupGateway, type BackupJobInfo, isJobRunning, isJobSucceeded } from '../azure/ports';
import type { VaultRoute } from '../config';
import type { VmResourceId } from '../resourceId';

/** How far back the workflow looks for a Backup job of the VM, at most. */
export const BACKUP_JOB_LOOKBACK_MS = 48 * 3600_000;
/** Slack before the VM's first sighting (clock skew, a backup started just before the event). */
const FIRST_SEEN_SLACK_MS = 3600_000;

/**
 * Start of the job window: an hour before autoprotect first saw the VM, never more than 48 h back. A new VM's window
 * is short, so the listing stays small even in a busy vault.
 */
export function backupJobWindowStart(firstSeen: string | undefined, now: Date): Date {
  const earliest = now.getTime() - BACKUP_JOB_LOOKBACK_MS;
  const seen = firstSeen ? Date.parse(firstSeen) : Number.NaN;
  return new Date(
    Number.isNaN(seen) ? earliest : Math.max(earliest, Math.min(now.getTime(), seen) - FIRST_SEEN_SLACK_MS),
  );
}

/** True when a job's container (`iaasvmcontainerv2;{rg};{vm}`, any case, any prefix) or friendly name is the VM's. */
export function jobBelongsToVm(job: BackupJobInfo, vm: VmResourceId): boolean {
  if (job.containerName) {
    const container = job.containerName.toLowerCase();
    return container.endsWith(itemContainerNameOf(vm));
  }
  return job.entityFriendlyName?.toLowerCase() === vm.name.toLowerCase();
}

/** What one listing of the VM's Backup jobs in a window shows. */
export interface VmBackupJobs {
  /** A job still running. */
  running?: BackupJobInfo;
  /** The latest job that completed: a restore point. */
  completed?: BackupJobInfo;
  /** The job that started last, whatever its status. */
  latest?: BackupJobInfo;
}

/** One listing of the vault's Backup jobs in the window, kept to the VM's. */
export async function listVmBackupJobs(
  gateway: BackupGateway,
  vault: VaultRoute,
  vm: VmResourceId,
  window: { from: Date; now: Date },
): Promise<VmBackupJobs> {
  const found: VmBackupJobs = {};
  const jobs = gateway.listJobs(vault, {
    operation: 'Backup',
    from: window.from,
    to: new Date(window.now.getTime() + 60_000),
  });
  for await (const job of jobs) {
    if (job.operation.toLowerCase() !== 'backup' || !jobBelongsToVm(job, vm)) continue;
    if (isJobRunning(job.status)) found.running ??= job;
    if (isJobSucceeded(job.status) && startedAfter(job, found.completed)) found.completed = job;
    if (startedAfter(job, found.latest)) found.latest = job;
  }
  return found;
}

/** A Backup job of the VM that is running or completed in the window (running preferred), or undefined. */
export async function findRunningOrCompletedBackupJob(
  gateway: BackupGateway,
  vault: VaultRoute,
  vm: VmResourceId,
  window: { from: Date; now: Date },
): Promise<BackupJobInfo | undefined> {
  const jobs = await listVmBackupJobs(gateway, vault, vm, window);
  return jobs.running ?? jobs.completed;
}

function startedAfter(job: BackupJobInfo, current: BackupJobInfo | undefined): boolean {
  return current === undefined || (job.startTime?.getTime() ?? 0) > (current.startTime?.getTime() ?? 0);
}
