import type { DemoOutcome, DemoVm } from './demoVms';

export type Stage =
  | 'created'
  | 'event-received'
  | 'protection-enabled'
  | 'backup-running'
  | 'protected'
  | 'skipped'
  | 'failed'
  | 'backup-failed';

export interface SimStateView {
  vms: Array<{ id: string; location: string }>;
  protectedItems: Array<{
    sourceResourceId: string;
    protectionState: string;
    lastBackupStatus?: string;
    policyId?: string;
  }>;
  jobs: Array<{ operation: string; status: string; entityFriendlyName: string; errorCode?: string; vaultId?: string }>;
}

export interface LedgerView {
  vmKey: string;
  status: string;
  reason?: string;
  errorCode?: string;
  policyName?: string;
  rule?: string;
}

export interface VmProgress {
  vm: DemoVm;
  stage: Stage;
  detail: string;
  terminal: boolean;
  outcome?: DemoOutcome;
  /** The policy of the VM's protected item, once it has one. */
  policy?: string;
}

const CAUSES: Record<string, string> = {
  'trusted-launch': 'Trusted Launch',
  'confidential-vm': 'Confidential VM',
  'premium-ssd-v2': 'Premium SSD v2 disk',
  'ultra-disk': 'Ultra disk',
};

/** Why the VM got its policy, when its configuration decided it (the ledger rule's `enhanced-required:` part). */
function policyReason(row: LedgerView | undefined): string {
  const causes = /enhanced-required:([a-z0-9+-]+)->/.exec(row?.rule ?? '')?.[1];
  if (!causes) return '';
  return `: ${causes
    .split('+')
    .map((cause) => CAUSES[cause] ?? cause)
    .join(' + ')} needs an Enhanced policy`;
}

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Derives where one demo VM stands from what the simulator and the ledger say. */
export function progressOf(vm: DemoVm, id: string, sim: SimStateView, ledger: Map<string, LedgerView>): VmProgress {
  const row = ledger.get(id.toLowerCase());
  const item = sim.protectedItems.find((p) => sameId(p.sourceResourceId, id));
  const backupJobs = sim.jobs.filter((j) => j.operation === 'Backup' && sameId(j.entityFriendlyName, vm.name));
  const policy = item?.policyId?.split('/').pop();
  const why = policyReason(row);

  if (row?.status === 'skipped')
    return {
      vm,
      stage: 'skipped',
      detail: `skipped: ${row.reason ?? 'no reason'}`,
      terminal: true,
      outcome: 'skipped',
    };
  if (row?.status === 'failed')
    return {
      vm,
      stage: 'failed',
      detail: `failed: ${row.reason ?? ''}${row.errorCode ? ` (${row.errorCode})` : ''}`,
      terminal: true,
      outcome: 'failed',
    };
  if (item?.protectionState === 'Protected')
    return {
      vm,
      stage: 'protected',
      detail: `protected, first backup completed (${policy ?? 'policy ?'}${why})`,
      terminal: true,
      outcome: 'protected',
      policy,
    };
  const failedJob = backupJobs.find((j) => j.status === 'Failed');
  if (failedJob) {
    return {
      vm,
      stage: 'backup-failed',
      detail: `first backup failed: ${failedJob.errorCode ?? 'job Failed'}; stays IRPending, listed by the report`,
      terminal: true,
      outcome: 'backup-failed',
      policy,
    };
  }
  if (backupJobs.some((j) => j.status === 'InProgress'))
    return { vm, stage: 'backup-running', detail: `first backup running (${policy ?? ''}${why})`, terminal: false };
  if (item)
    return { vm, stage: 'protection-enabled', detail: `protection enabled (${item.protectionState})`, terminal: false };
  if (row) return { vm, stage: 'event-received', detail: `event received, ${row.status}`, terminal: false };
  return { vm, stage: 'created', detail: 'VM created, waiting for its event', terminal: false };
}
