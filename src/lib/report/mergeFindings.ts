import type { Finding } from './reportTypes';

/**
 * How urgent each kind of finding is (0 first). Which of two findings about one VM the report keeps: the more urgent
 * group, then the more urgent kind; the HTML lists findings in this order too.
 */
export const KIND_URGENCY: Record<Finding['kind'], number> = {
  'first-backup-failed': 0,
  failed: 1,
  stale: 2,
  unprotected: 3,
  pending: 4,
  skipped: 5,
};
const GROUP_RANK: Record<Finding['group'], number> = { attention: 0, pending: 1, 'not-counted': 2 };

/** Fields the kept finding takes from the other when it has none: what only the vault or only the ledger knows. */
const FILLED = [
  'lastJob',
  'protectionState',
  'vaultId',
  'vaultName',
  'policyName',
  'region',
  'resourceGroup',
  'subscriptionId',
  'retries',
  'waitingMs',
  'since',
  'ageMs',
] as const;

/**
 * One finding per VM. The vault, the ledger and the sweep may each report the same VM (a first backup that failed for
 * good is both a stale IRPending item and a `first-backup-failed` row): the more urgent one is kept (attention before
 * pending before not counted; a failed first backup before a stale item) and takes what it lacks from the other, such
 * as the vault's last job. Order of first appearance is kept.
 */
export function mergeFindings(findings: readonly Finding[]): Finding[] {
  const byVm = new Map<string, Finding>();
  for (const finding of findings) {
    const key = finding.vmResourceId.toLowerCase();
    const current = byVm.get(key);
    if (!current) {
      byVm.set(key, finding);
      continue;
    }
    const [kept, other] = outranks(finding, current) ? [finding, current] : [current, finding];
    const merged: Finding = { ...kept };
    for (const field of FILLED)
      if (merged[field] === undefined && other[field] !== undefined) Object.assign(merged, { [field]: other[field] });
    byVm.set(key, merged);
  }
  return [...byVm.values()];
}

function outranks(a: Finding, b: Finding): boolean {
  return (
    GROUP_RANK[a.group] - GROUP_RANK[b.group] < 0 ||
    (a.group === b.group && KIND_URGENCY[a.kind] < KIND_URGENCY[b.kind])
  );
}
