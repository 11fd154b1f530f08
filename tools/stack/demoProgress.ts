import { firstBackupTimeline } from '../../src/lib/ledger/firstBackupTimeline';
import type { LedgerEntry } from '../../src/lib/ledger/ledgerEntry';
import { formatAge } from '../../src/lib/report/renderHtml';
import type { DemoOutcome, DemoVm } from './demoVms';

export type Stage =
  | 'created'
  | 'event-received'
  | 'protection-enabled'
  | 'backup-running'
  | 'backup-retrying'
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

/** The ledger row fields the demo shows. */
export type LedgerView = Pick<
  LedgerEntry,
  | 'vmKey'
  | 'status'
  | 'reason'
  | 'errorCode'
  | 'policyName'
  | 'firstSeen'
  | 'protectionEnabledAt'
  | 'firstBackupTriggeredAt'
  | 'firstBackupCompletedAt'
  | 'backupAttempts'
  | 'rule'
>;

export interface VmProgress {
  vm: DemoVm;
  stage: Stage;
  detail: string;
  terminal: boolean;
  outcome?: DemoOutcome;
  /** Backup jobs of the VM in the simulator. */
  backupJobs: number;
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

/**
 * Where one demo VM stands. The ledger decides (autoprotect follows each first backup to its end, so its row says how
 * it ended); the simulator fills in the steps before autoprotect has written anything.
 */
export function progressOf(vm: DemoVm, id: string, sim: SimStateView, ledger: Map<string, LedgerView>): VmProgress {
  const row = ledger.get(id.toLowerCase());
  const item = sim.protectedItems.find((p) => sameId(p.sourceResourceId, id));
  const backupJobs = sim.jobs.filter((j) => j.operation === 'Backup' && sameId(j.entityFriendlyName, vm.name)).length;
  const base = { vm, backupJobs, policy: item?.policyId?.split('/').pop() };
  const fromLedger = row ? ledgerProgress(row) : undefined;
  if (fromLedger) return { ...base, ...fromLedger };
  if (item)
    return {
      ...base,
      stage: 'protection-enabled',
      detail: `protection enabled (${item.protectionState})`,
      terminal: false,
    };
  if (row) return { ...base, stage: 'event-received', detail: `event received, ${row.status}`, terminal: false };
  return { ...base, stage: 'created', detail: 'VM created, waiting for its event', terminal: false };
}

type LedgerProgress = Pick<VmProgress, 'stage' | 'detail' | 'terminal' | 'outcome'>;

function ledgerProgress(row: LedgerView): LedgerProgress | undefined {
  const timeline = firstBackupTimeline(row);
  const retries = timeline.retries === 0 ? '' : `, after ${plural(timeline.retries, 'retry', 'retries')}`;
  switch (row.status) {
    case 'skipped':
      return { stage: 'skipped', detail: `skipped: ${row.reason ?? 'no reason'}`, terminal: true, outcome: 'skipped' };
    case 'failed':
      return {
        stage: 'failed',
        detail: `failed: ${row.reason ?? ''}${row.errorCode ? ` (${row.errorCode})` : ''}`,
        terminal: true,
        outcome: 'failed',
      };
    case 'first-backup-failed':
      return {
        stage: 'backup-failed',
        detail: `first backup failed: ${row.errorCode ?? 'job failed'} (${row.reason ?? ''}${retries})`,
        terminal: true,
        outcome: 'backup-failed',
      };
    case 'protected': {
      const time =
        timeline.toRestorePointMs === undefined ? '' : ` ${formatAge(timeline.toRestorePointMs)} after the VM was seen`;
      return {
        stage: 'protected',
        detail: `protected: first restore point${time} (${row.policyName ?? 'policy ?'}${policyReason(row)}${retries})`,
        terminal: true,
        outcome: 'protected',
      };
    }
    case 'backup-triggered': {
      const last = row.backupAttempts?.at(-1);
      if (row.reason === 'first-backup-retry-scheduled')
        return {
          stage: 'backup-retrying',
          detail: `first backup failed (${row.errorCode ?? 'job failed'}); retry scheduled`,
          terminal: false,
        };
      const which = last?.trigger === 'retry' ? `retry ${timeline.retries}` : 'first backup';
      return { stage: 'backup-running', detail: `${which} running (${row.policyName ?? ''})`, terminal: false };
    }
    case 'protecting': {
      // An open retry claim: the retry is being sent (the simulator's item alone would say "protection enabled").
      const last = row.backupAttempts?.at(-1);
      if (last?.trigger !== 'retry' || last.jobId !== undefined) return undefined;
      return { stage: 'backup-retrying', detail: `retry ${timeline.retries} starting`, terminal: false };
    }
    default:
      return undefined;
  }
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
