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

/** A Backup job of the VM that is running or completed in the window (running preferred), or undefined. */
export async function findRunningOrCompletedBackupJob(
  gateway: BackupGateway,
  vault: VaultRoute,
  vm: VmResourceId,
  window: { from: Date; now: Date },
): Promise<BackupJobInfo | undefined> {
  let completed: BackupJobInfo | undefined;
  const jobs = gateway.listJobs(vault, {
    operation: 'Backup',
    from: window.from,
    to: new Date(window.now.getTime() + 60_000),
  });
  for await (const job of jobs) {
    if (job.operation.toLowerCase() !== 'backup' || !jobBelongsToVm(job, vm)) continue;
    if (isJobRunning(job.status)) return job;
    if (isJobSucceeded(job.status)) completed ??= job;
  }
  return completed;
}
