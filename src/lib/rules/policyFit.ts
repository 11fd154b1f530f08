import type { BackupRequirement, UnsupportedReason } from './backupRequirement';

/** Standard (V1) or Enhanced (V2), as vm-backup-support.md §4 recognises them. */
export type PolicyType = 'V1' | 'V2';

/** The Enhanced policy a vault offers a VM that needs one (policyLookup.ts finds it). */
export type EnhancedOption =
  /** The route's `enhancedPolicy` (AUTOPROTECT_VAULTS): exists and is V2. */
  | { kind: 'configured'; name: string }
  /** None configured: the vault's V2 policy found by listing its policies (`count` V2 policies; the first by name). */
  | { kind: 'listed'; name: string; count: number }
  | { kind: 'configured-missing'; name: string }
  | { kind: 'configured-not-v2'; name: string }
  /** None configured and the vault lists no V2 policy. */
  | { kind: 'none' };

export type PolicyFit =
  | { action: 'protect'; policyName: string; rule: string; switched: boolean }
  | { action: 'skip'; reason: UnsupportedReason; rule: string }
  | { action: 'fail'; reason: 'enhanced-policy-required' | 'unknown-policy'; rule: string };

/**
 * Checks the policy the rules chose against what the VM needs. Pure. A VM that needs Enhanced and got a Standard
 * policy gets the vault's Enhanced policy instead, and the rule says so (`...; enhanced-required:trusted-launch->
 * EnhancedPolicy (listed V2 policy)`); without one it fails `enhanced-policy-required` (a Confidential VM is skipped:
 * its Enhanced support is a limited preview, vm-backup-support.md §2). A chosen V2 policy always fits.
 */
export function fitPolicy(input: {
  requirement: BackupRequirement;
  chosen: { name: string; policyType: PolicyType };
  enhanced: EnhancedOption;
  vaultName: string;
  /** The rules' decision, e.g. `vault-route:eastus->rsv-eastus; default-policy->DefaultPolicy`. */
  rule: string;
}): PolicyFit {
  const { requirement, chosen, enhanced, vaultName, rule } = input;
  if (requirement.kind === 'unsupported') return { action: 'skip', reason: requirement.reason, rule: requirement.rule };
  if (requirement.kind === 'any' || chosen.policyType === 'V2')
    return { action: 'protect', policyName: chosen.name, rule, switched: false };
  const needs = `enhanced-required:${requirement.causes.join('+')}`;
  switch (enhanced.kind) {
    case 'configured':
      return {
        action: 'protect',
        policyName: enhanced.name,
        rule: `${rule}; ${needs}->${enhanced.name} (enhancedPolicy of the vault route)`,
        switched: true,
      };
    case 'listed':
      return {
        action: 'protect',
        policyName: enhanced.name,
        rule: `${rule}; ${needs}->${enhanced.name} (${enhanced.count > 1 ? `first of ${enhanced.count} V2 policies` : 'the V2 policy'} of ${vaultName})`,
        switched: true,
      };
    case 'configured-missing':
      return {
        action: 'fail',
        reason: 'unknown-policy',
        rule: `${rule}; ${needs}->${enhanced.name} (enhancedPolicy of the vault route: not in ${vaultName})`,
      };
    case 'configured-not-v2':
      return {
        action: 'fail',
        reason: 'enhanced-policy-required',
        rule: `${rule}; ${needs}->${enhanced.name} (enhancedPolicy of the vault route: a Standard policy)`,
      };
    case 'none':
      return requirement.causes.includes('confidential-vm')
        ? {
            action: 'skip',
            reason: 'unsupported:confidential-vm-without-enhanced-policy',
            rule: `${rule}; ${needs}->none in ${vaultName}`,
          }
        : { action: 'fail', reason: 'enhanced-policy-required', rule: `${rule}; ${needs}->none in ${vaultName}` };
  }
}
