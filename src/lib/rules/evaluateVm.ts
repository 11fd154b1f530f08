import type { VaultRoute } from '../config/types';
import type { VmResourceId } from '../resourceId';
import type { Decision } from './decision';
import { firstMatchingGlob } from './globPattern';
import type { RulesConfig } from './rulesConfig';
import { describeTagMatch, findTagValue, firstMatchingTagRule, type VmTags } from './tagMatch';
import type { VmConfiguration } from './vmConfiguration';

/** The facts about a VM that the rules look at (its configuration is checked after the rules: policyFit.ts). */
export interface VmFacts extends VmConfiguration {
  vm: VmResourceId;
  /** ARM location, e.g. 'eastus' (display names like 'East US' are normalised). */
  location: string;
  tags: VmTags;
}

/**
 * Applies the rules in a fixed order: opt-out tag, resource-group exclude, resource-group include, tag exclude,
 * tag include, then the vault by region (and subscription) and the policy by ordered tag rules. Pure.
 */
export function evaluateVm(facts: VmFacts, rules: RulesConfig, vaults: readonly VaultRoute[]): Decision {
  const excluded = evaluateExclusions(facts, rules);
  if (excluded) return excluded;

  const region = normaliseRegion(facts.location);
  const vault = findVaultRoute(vaults, region, facts.vm.subscriptionId);
  if (!vault) {
    return {
      action: 'fail',
      reason: 'no-vault-for-region',
      rule: `vault-route:none-for-${region}/${facts.vm.subscriptionId}`,
    };
  }
  const vaultRule = `vault-route:${vault.region}->${vault.vaultName}`;
  const policyIndex = firstMatchingTagRule(facts.tags, rules.policies);
  const policyRule = rules.policies[policyIndex];
  const policyName = policyRule ? policyRule.policy : rules.defaultPolicy;
  const policyRuleName = policyRule
    ? `policy[${policyIndex}]:${describeTagMatch(policyRule)}->${policyRule.policy}`
    : `default-policy->${rules.defaultPolicy}`;
  return {
    action: 'protect',
    vault,
    policyName,
    vaultRule,
    policyRule: policyRuleName,
    rule: `${vaultRule}; ${policyRuleName}`,
  };
}

function evaluateExclusions(facts: VmFacts, rules: RulesConfig): Decision | undefined {
  const optOut = findTagValue(facts.tags, rules.optOutTag);
  if (optOut !== undefined && optOut.trim().toLowerCase() !== 'false') {
    return { action: 'skip', reason: 'opted-out', rule: `opt-out-tag:${rules.optOutTag}` };
  }
  const resourceGroup = facts.vm.resourceGroup;
  const rgExcluded = firstMatchingGlob(rules.resourceGroups.exclude, resourceGroup);
  if (rgExcluded !== undefined) {
    return { action: 'skip', reason: 'resource-group-excluded', rule: `resource-group-exclude:${rgExcluded}` };
  }
  if (firstMatchingGlob(rules.resourceGroups.include, resourceGroup) === undefined) {
    return {
      action: 'skip',
      reason: 'resource-group-not-included',
      rule: `resource-group-include:${rules.resourceGroups.include.join('|') || '(none)'}`,
    };
  }
  const excludeIndex = firstMatchingTagRule(facts.tags, rules.exclude);
  const exclude = rules.exclude[excludeIndex];
  if (exclude) {
    return { action: 'skip', reason: 'excluded-by-tag', rule: `exclude[${excludeIndex}]:${describeTagMatch(exclude)}` };
  }
  if (rules.include.length > 0 && firstMatchingTagRule(facts.tags, rules.include) === -1) {
    return { action: 'skip', reason: 'not-included', rule: `include:${rules.include.map(describeTagMatch).join(',')}` };
  }
  return undefined;
}

/** 'East US' -> 'eastus'. */
export function normaliseRegion(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

/** The first vault route for the region that serves the subscription (routes without subscriptionIds serve all). */
export function findVaultRoute(
  vaults: readonly VaultRoute[],
  region: string,
  subscriptionId: string,
): VaultRoute | undefined {
  const wantedRegion = normaliseRegion(region);
  const wantedSubscription = subscriptionId.toLowerCase();
  return vaults.find(
    (route) =>
      normaliseRegion(route.region) === wantedRegion &&
      (!route.subscriptionIds ||
        route.subscriptionIds.length === 0 ||
        route.subscriptionIds.some((id) => id.toLowerCase() === wantedSubscription)),
  );
}
