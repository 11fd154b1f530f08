import type { BackupGateway, BackupPolicyInfo } from '../azure/ports';
import type { VaultRoute } from '../config';
import type { BackupRequirement } from '../rules/backupRequirement';
import { type EnhancedOption, fitPolicy, type PolicyFit } from '../rules/policyFit';

/** The policy the rules chose, in the vault they routed the VM to. */
export interface RulesChoice {
  vault: VaultRoute;
  policyName: string;
  /** The whole decision, e.g. `vault-route:eastus->rsv-eastus; default-policy->DefaultPolicy`. */
  rule: string;
  /** The policy part alone, recorded when the policy does not exist. */
  policyRule: string;
}

/**
 * The policy to protect the VM with: the rules' choice, checked against what the VM's configuration needs. A VM that
 * needs nothing special costs one cached `policyExists` as before; one that needs Enhanced reads the vault's policy
 * listing (cached per vault, backupPolicies.list), which gives the chosen policy's type and the vault's V2 policies
 * in one read. The listing is asked again, once it is a few seconds old, before concluding that a policy is missing.
 */
export async function choosePolicy(
  backup: BackupGateway,
  choice: RulesChoice,
  requirement: BackupRequirement,
): Promise<PolicyFit> {
  const unknownPolicy: PolicyFit = { action: 'fail', reason: 'unknown-policy', rule: choice.policyRule };
  if (requirement.kind !== 'enhanced') {
    if (requirement.kind === 'any' && !(await backup.policyExists(choice.vault, choice.policyName)))
      return unknownPolicy;
    return fitPolicy({ ...fitInput(choice, requirement), chosen: { name: choice.policyName, policyType: 'V1' } });
  }
  let policies = await backup.listPolicies(choice.vault);
  if (!lookUp(policies, choice, requirement)) policies = await backup.listPolicies(choice.vault, { fresh: true });
  const chosen = findPolicy(policies, choice.policyName);
  if (!chosen) return unknownPolicy;
  return fitPolicy({
    ...fitInput(choice, requirement),
    chosen: { name: chosen.name, policyType: chosen.policyType },
    enhanced: enhancedOption(policies, choice.vault),
  });
}

function fitInput(choice: RulesChoice, requirement: BackupRequirement) {
  return {
    requirement,
    enhanced: { kind: 'none' } as EnhancedOption,
    vaultName: choice.vault.vaultName,
    rule: choice.rule,
  };
}

/** True when the listing holds the chosen policy and, if that one is V1, the Enhanced policy to use instead. */
function lookUp(policies: readonly BackupPolicyInfo[], choice: RulesChoice, requirement: BackupRequirement): boolean {
  const chosen = findPolicy(policies, choice.policyName);
  if (!chosen) return false;
  if (requirement.kind !== 'enhanced' || chosen.policyType === 'V2') return true;
  const option = enhancedOption(policies, choice.vault);
  return option.kind === 'configured' || option.kind === 'listed';
}

/** The route's `enhancedPolicy` when configured (it must exist and be V2), else the vault's first V2 policy by name. */
function enhancedOption(policies: readonly BackupPolicyInfo[], vault: VaultRoute): EnhancedOption {
  if (vault.enhancedPolicy !== undefined) {
    const configured = findPolicy(policies, vault.enhancedPolicy);
    if (!configured) return { kind: 'configured-missing', name: vault.enhancedPolicy };
    return configured.policyType === 'V2'
      ? { kind: 'configured', name: configured.name }
      : { kind: 'configured-not-v2', name: configured.name };
  }
  const v2 = policies
    .filter((policy) => policy.policyType === 'V2')
    .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  const first = v2[0];
  return first ? { kind: 'listed', name: first.name, count: v2.length } : { kind: 'none' };
}

/** ARM names are case-insensitive. */
function findPolicy(policies: readonly BackupPolicyInfo[], name: string): BackupPolicyInfo | undefined {
  const wanted = name.toLowerCase();
  return policies.find((policy) => policy.name.toLowerCase() === wanted);
}
