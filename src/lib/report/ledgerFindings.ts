import type { Ledger } from '../ledger/ledger';
import type { LedgerEntry } from '../ledger/ledgerEntry';
import { remediationFor } from './remediation';
import type { Finding, FindingKind } from './reportTypes';

/**
 * From the ledger (streamed; only findings are kept): every `failed` and `skipped` VM with its reason, and VMs stuck
 * in `requested` or `protecting` for longer than the stale age (e.g. a message the host moved to the poison queue).
 */
export async function ledgerFindings(ledger: Ledger, now: Date, staleAfterMs: number): Promise<Finding[]> {
  const findings: Finding[] = [];
  for await (const row of ledger.list({ statuses: ['failed', 'skipped', 'requested', 'protecting'] })) {
    const since = row.lastChanged || row.firstSeen;
    const ageMs = since ? Math.max(0, now.getTime() - Date.parse(since)) : undefined;
    if (row.status === 'failed' || row.status === 'skipped') {
      findings.push(findingOf(row, row.status, row.reason ?? row.status, since, ageMs));
    } else if (ageMs === undefined || ageMs > staleAfterMs) {
      findings.push(findingOf(row, 'stale', `stuck-${row.status}`, since, ageMs));
    }
  }
  return findings;
}

function findingOf(
  row: LedgerEntry,
  kind: FindingKind,
  reason: string,
  since: string,
  ageMs: number | undefined,
): Finding {
  return {
    kind,
    vmResourceId: row.vmResourceId,
    vmName: row.vmResourceId.split('/').at(-1) ?? row.vmResourceId,
    subscriptionId: row.subscriptionId,
    reason,
    errorCode: row.errorCode,
    errorMessage: kind === 'stale' && row.reason ? row.reason : undefined,
    action: remediationFor(kind, reason, row.errorCode, row.vaultId?.split('/').at(-1)),
    since: since || undefined,
    ageMs,
    vaultId: row.vaultId,
    vaultName: row.vaultId?.split('/').at(-1),
    policyName: row.policyName,
    rule: row.rule,
  };
}
