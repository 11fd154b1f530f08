import type { RulesConfig, VaultRoute } from '../../../src/lib/config';
import { parseVmResourceId } from '../../../src/lib/resourceId';
import type { VmFacts } from '../../../src/lib/rules/evaluateVm';
import { defaultRules } from '../../../src/lib/rules/rulesConfig';

export const TEST_SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';
export const OTHER_SUBSCRIPTION = '22222222-2222-2222-2222-222222222222';

/** The app's default rules (as loadConfig builds them), with overrides. */
export function rulesConfig(overrides: Partial<RulesConfig> = {}): RulesConfig {
  return { ...defaultRules(), ...overrides };
}

export function vaultRoute(region: string, overrides: Partial<VaultRoute> = {}): VaultRoute {
  const vaultName = overrides.vaultName ?? `rsv-${region}`;
  const vaultResourceGroup = overrides.vaultResourceGroup ?? 'rg-backup';
  const vaultSubscriptionId = overrides.vaultSubscriptionId ?? TEST_SUBSCRIPTION;
  return {
    region,
    vaultName,
    vaultResourceGroup,
    vaultSubscriptionId,
    vaultId: `/subscriptions/${vaultSubscriptionId}/resourceGroups/${vaultResourceGroup}/providers/Microsoft.RecoveryServices/vaults/${vaultName}`,
    ...overrides,
  };
}

export function vmId(name = 'vm-web-1', resourceGroup = 'rg-app', subscriptionId = TEST_SUBSCRIPTION): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
}

export function vmFacts(
  overrides: {
    name?: string;
    resourceGroup?: string;
    subscriptionId?: string;
    location?: string;
    tags?: Record<string, string>;
  } = {},
): VmFacts {
  return {
    vm: parseVmResourceId(vmId(overrides.name, overrides.resourceGroup, overrides.subscriptionId)),
    location: overrides.location ?? 'eastus',
    tags: overrides.tags ?? {},
  };
}
