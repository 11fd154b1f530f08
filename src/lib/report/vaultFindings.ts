import { itemContainerNameOf } from '../azure/backupNames';
import type { BackupGateway, BackupJobInfo, ProtectedItemInfo } from '../azure/ports';
import type { VaultRoute } from '../config';
import { tryParseVmResourceId } from '../resourceId';
import { remediationFor } from './remediation';
import type { Finding, JobSummary } from './reportTypes';
import { troubleshootingUrlFor } from './troubleshooting';

export interface VaultScan {
  itemCount: number;
  itemsByState: Record<string, number>;
  findings: Finding[];
}

/**
 * Jobs older than this are not listed: an IRPending item without a ConfigureBackup job in the window is stale anyway.
 */
const MIN_JOB_WINDOW_MS = 7 * 24 * 3600_000;

/**
 * Streams a vault's IaaS VM protected items page by page, counting states and reporting each VM key through
 * `onProtectedVm` (with whether it has a restore point); only IRPending items are kept. Then ONE jobs listing for the
 * vault gives each candidate its last ConfigureBackup and Backup job: pending longer than `staleAfterMs` -> a stale
 * finding with the job's error code (attention), else a pending one.
 */
export async function scanVault(
  backup: BackupGateway,
  vault: VaultRoute,
  options: { now: Date; staleAfterMs: number; onProtectedVm: (vmKey: string, hasRestorePoint: boolean) => void },
): Promise<VaultScan> {
  const itemsByState: Record<string, number> = {};
  const pending = new Map<string, ProtectedItemInfo>();
  let itemCount = 0;
  for await (const item of backup.listProtectedItems(vault)) {
    itemCount++;
    itemsByState[item.protectionState] = (itemsByState[item.protectionState] ?? 0) + 1;
    const vm = item.vmResourceId ? tryParseVmResourceId(item.vmResourceId) : undefined;
    if (vm?.ok) options.onProtectedVm(vm.vm.key, hasRestorePoint(item));
    const key = containerKey(item.containerName) ?? (vm?.ok ? itemContainerNameOf(vm.vm) : undefined);
    if (key && item.protectionState.toLowerCase() === 'irpending') pending.set(key, item);
  }
  if (pending.size === 0) return { itemCount, itemsByState, findings: [] };

  const lastJobs = await lastJobsOf(backup, vault, new Set(pending.keys()), options);
  const findings: Finding[] = [];
  for (const [key, item] of pending) {
    const jobs = lastJobs.get(key) ?? {};
    const since = jobs.configure?.startTime;
    const ageMs = since ? options.now.getTime() - since.getTime() : undefined;
    const stale = ageMs === undefined || ageMs > options.staleAfterMs;
    findings.push(irPendingFinding(vault, item, jobs.backup ?? jobs.configure, since, ageMs, stale));
  }
  return { itemCount, itemsByState, findings };
}

/**
 * A restore point exists once a backup completed: the item is Protected, or it reports a last backup (an item whose
 * protection was stopped keeps its data).
 */
export function hasRestorePoint(item: ProtectedItemInfo): boolean {
  return (
    item.protectionState.toLowerCase() === 'protected' ||
    item.lastBackupTime !== undefined ||
    item.lastBackupStatus?.toLowerCase() === 'completed'
  );
}

async function lastJobsOf(
  backup: BackupGateway,
  vault: VaultRoute,
  wanted: Set<string>,
  options: { now: Date; staleAfterMs: number },
): Promise<Map<string, { configure?: BackupJobInfo; backup?: BackupJobInfo }>> {
  const window = Math.max(2 * options.staleAfterMs, MIN_JOB_WINDOW_MS);
  const result = new Map<string, { configure?: BackupJobInfo; backup?: BackupJobInfo }>();
  const jobs = backup.listJobs(vault, {
    from: new Date(options.now.getTime() - window),
    to: new Date(options.now.getTime() + 60_000),
  });
  for await (const job of jobs) {
    const key = containerKey(job.containerName);
    if (!key || !wanted.has(key)) continue;
    const slot = result.get(key) ?? {};
    const operation = job.operation.toLowerCase();
    if (operation === 'configurebackup' && isLater(job, slot.configure)) slot.configure = job;
    if (operation === 'backup' && isLater(job, slot.backup)) slot.backup = job;
    result.set(key, slot);
  }
  return result;
}

function irPendingFinding(
  vault: VaultRoute,
  item: ProtectedItemInfo,
  job: BackupJobInfo | undefined,
  since: Date | undefined,
  ageMs: number | undefined,
  stale: boolean,
): Finding {
  const reason = job
    ? job.operation.toLowerCase() === 'backup'
      ? `initial-backup-${job.status.toLowerCase()}`
      : 'initial-backup-never-started'
    : 'initial-backup-pending';
  const vm = item.vmResourceId ? tryParseVmResourceId(item.vmResourceId) : undefined;
  const kind = stale ? 'stale' : 'pending';
  const context = { region: vault.region, vaultName: vault.vaultName, policyName: item.policyName };
  return {
    kind,
    group: stale ? 'attention' : 'pending',
    vmResourceId: vm?.ok ? vm.vm.id : (item.vmResourceId ?? ''),
    vmName: item.friendlyName ?? (vm?.ok ? vm.vm.name : ''),
    subscriptionId: vm?.ok ? vm.vm.subscriptionId : undefined,
    resourceGroup: vm?.ok ? vm.vm.resourceGroup : undefined,
    region: vault.region,
    reason,
    errorCode: job?.errorCode,
    errorMessage: job?.errorMessage,
    action: remediationFor(kind, reason, job?.errorCode, context),
    troubleshootingUrl: troubleshootingUrlFor(job?.errorCode),
    since: since?.toISOString(),
    ageMs,
    vaultId: vault.vaultId,
    vaultName: vault.vaultName,
    policyName: item.policyName,
    protectionState: item.protectionState,
    lastJob: job ? jobSummary(job) : undefined,
  };
}

function jobSummary(job: BackupJobInfo): JobSummary {
  return {
    jobId: job.jobId,
    operation: job.operation,
    status: job.status,
    startTime: job.startTime?.toISOString(),
    endTime: job.endTime?.toISOString(),
  };
}

function isLater(job: BackupJobInfo, current: BackupJobInfo | undefined): boolean {
  return !current || (job.startTime?.getTime() ?? 0) >= (current.startTime?.getTime() ?? 0);
}

/** `IaasVMContainer;iaasvmcontainerv2;RG;VM` or `iaasvmcontainerv2;rg;vm` -> `iaasvmcontainerv2;rg;vm`. */
export function containerKey(containerName: string | undefined): string | undefined {
  if (!containerName) return undefined;
  const lower = containerName.toLowerCase();
  const start = lower.indexOf('iaasvmcontainerv2;');
  return start >= 0 ? lower.slice(start) : lower;
}
