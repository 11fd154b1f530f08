import type { BackupGateway, VmReader } from '../azure/ports';
import type { RulesConfig, VaultRoute } from '../config';
import type { Ledger } from '../ledger/ledger';
import { backupRequirementOf } from '../rules/backupRequirement';
import { evaluateVm, normaliseRegion } from '../rules/evaluateVm';
import { remediationFor } from './remediation';
import type { Finding } from './reportTypes';

export interface SweepResult {
  /** VMs listed in the watched subscriptions. */
  watchedVms: number;
  /** Those that should be protected: not skipped by the rules or the ledger, not protected by another vault. */
  inScope: number;
  /** In-scope VMs with a restore point in a configured vault. */
  withRestorePoint: number;
  /** Unprotected VMs (attention) and the VMs the rules or another vault leave out (listed, not counted). */
  findings: Finding[];
}

/**
 * Lists the watched VMs (Compute) and sorts each into the headline: protected in a configured vault (with or without a
 * restore point yet), left out (the rules skip it, the ledger skipped it, or backupStatus reports another vault:
 * listed, not counted), known to the ledger (its findings come from there), or nobody's: unprotected.
 */
export async function sweepUnprotected(
  deps: { vms: VmReader; ledger: Ledger; backup: BackupGateway },
  options: {
    subscriptionIds: readonly string[];
    rules: RulesConfig;
    vaults: readonly VaultRoute[];
    /** A protected item in a configured vault: undefined when none, else whether it has a restore point. */
    restorePointOf: (vmKey: string) => boolean | undefined;
    /** VMs the ledger skipped. */
    notCounted: ReadonlySet<string>;
  },
): Promise<SweepResult> {
  const result: SweepResult = { watchedVms: 0, inScope: 0, withRestorePoint: 0, findings: [] };
  for (const subscriptionId of options.subscriptionIds) {
    for await (const details of deps.vms.listVms(subscriptionId)) {
      result.watchedVms++;
      const place = {
        vmResourceId: details.vm.id,
        vmName: details.vm.name,
        subscriptionId: details.vm.subscriptionId,
        resourceGroup: details.vm.resourceGroup,
        region: normaliseRegion(details.location),
      };
      const restorePoint = options.restorePointOf(details.vm.key);
      if (restorePoint !== undefined) {
        result.inScope++;
        if (restorePoint) result.withRestorePoint++;
        continue;
      }
      const decision = evaluateVm(details, options.rules, options.vaults);
      if (decision.action === 'skip') {
        result.findings.push({
          kind: 'skipped',
          group: 'not-counted',
          ...place,
          reason: decision.reason,
          action: remediationFor('skipped', decision.reason),
          rule: decision.rule,
        });
        continue;
      }
      if (options.notCounted.has(details.vm.key)) continue;
      // A VM Azure Backup cannot protect (ephemeral OS disk, ...) is listed with that reason, not as a missed event.
      const requirement = backupRequirementOf(details);
      if (decision.action === 'protect' && requirement.kind === 'unsupported') {
        result.findings.push({
          kind: 'skipped',
          group: 'not-counted',
          ...place,
          reason: requirement.reason,
          action: remediationFor('skipped', requirement.reason, undefined, { vaultName: decision.vault.vaultName }),
          rule: decision.rule,
        });
        continue;
      }
      result.inScope++;
      if (await deps.ledger.get(details.vm.key)) continue;
      const status = await deps.backup.getBackupStatus(details.vm, place.region);
      if (status.protected) {
        result.inScope--;
        result.findings.push({
          kind: 'skipped',
          group: 'not-counted',
          ...place,
          reason: 'protected-elsewhere',
          action: remediationFor('skipped', 'protected-elsewhere'),
          vaultId: status.vaultId,
          vaultName: status.vaultId?.split('/').at(-1),
          policyName: status.policyName,
          rule: 'backup-status',
        });
        continue;
      }
      const reason = decision.action === 'fail' ? decision.reason : 'no-protected-item-and-no-ledger-row';
      const vault = decision.action === 'protect' ? decision.vault : undefined;
      const policyName = decision.action === 'protect' ? decision.policyName : undefined;
      result.findings.push({
        kind: 'unprotected',
        group: 'attention',
        ...place,
        reason,
        action: remediationFor('unprotected', reason, undefined, {
          region: place.region,
          policyName,
          vaultName: vault?.vaultName,
        }),
        vaultId: vault?.vaultId,
        vaultName: vault?.vaultName,
        policyName,
        rule: decision.rule,
      });
    }
  }
  return result;
}
