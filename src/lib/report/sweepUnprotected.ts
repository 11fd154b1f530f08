import type { BackupGateway, VmReader } from '../azure/ports';
import type { RulesConfig, VaultRoute } from '../config';
import type { Ledger } from '../ledger/ledger';
import { backupRequirementOf } from '../rules/backupRequirement';
import { evaluateVm, normaliseRegion } from '../rules/evaluateVm';
import { remediationFor } from './remediation';
import type { Finding } from './reportTypes';

export interface SweepResult {
  watchedVms: number;
  findings: Finding[];
}

/**
 * Watched VMs (listed from Compute) that have no protected item in a configured vault and no ledger row, and that
 * the rules would protect. A VM that backupStatus reports protected by another vault is left out.
 */
export async function sweepUnprotected(
  deps: { vms: VmReader; ledger: Ledger; backup: BackupGateway },
  options: {
    subscriptionIds: readonly string[];
    rules: RulesConfig;
    vaults: readonly VaultRoute[];
    isProtected: (vmKey: string) => boolean;
  },
): Promise<SweepResult> {
  let watchedVms = 0;
  const findings: Finding[] = [];
  for (const subscriptionId of options.subscriptionIds) {
    for await (const details of deps.vms.listVms(subscriptionId)) {
      watchedVms++;
      if (options.isProtected(details.vm.key)) continue;
      const decision = evaluateVm(details, options.rules, options.vaults);
      if (decision.action === 'skip') continue;
      if (await deps.ledger.get(details.vm.key)) continue;
      const status = await deps.backup.getBackupStatus(details.vm, normaliseRegion(details.location));
      if (status.protected) continue;
      // A VM Azure Backup cannot protect is listed with that reason, not as a missed event.
      const requirement = backupRequirementOf(details);
      const reason =
        decision.action === 'fail'
          ? decision.reason
          : requirement.kind === 'unsupported'
            ? requirement.reason
            : 'no-protected-item-and-no-ledger-row';
      findings.push({
        kind: 'unprotected',
        vmResourceId: details.vm.id,
        vmName: details.vm.name,
        subscriptionId: details.vm.subscriptionId,
        reason,
        action: remediationFor('unprotected', reason),
        vaultId: decision.action === 'protect' ? decision.vault.vaultId : undefined,
        vaultName: decision.action === 'protect' ? decision.vault.vaultName : undefined,
        policyName: decision.action === 'protect' ? decision.policyName : undefined,
        rule: decision.rule,
      });
    }
  }
  return { watchedVms, findings };
}
