import { DEFAULT_POLICIES, type SeedConfig } from '../config';
import { policyKeyOf, resourceGroupKeyOf, vaultKeyOf } from './model';
import type { SimulatorStore } from './store';

/** Loads subscriptions, resource groups, vaults and their policies from a seed. VMs are created by the caller. */
export function applySeed(store: SimulatorStore, seed: SeedConfig): void {
  store.tenantId = seed.tenantId;
  store.allowCrossSubscription = seed.allowCrossSubscription ?? true;
  store.subscriptions.add(seed.subscriptionId.toLowerCase());
  for (const extra of seed.extraSubscriptionIds ?? []) store.subscriptions.add(extra.toLowerCase());
  for (const rg of seed.resourceGroups ?? []) store.resourceGroups.add(resourceGroupKeyOf(seed.subscriptionId, rg));
  for (const vault of seed.vaults) {
    const key = vaultKeyOf(seed.subscriptionId, vault.resourceGroup, vault.name);
    store.resourceGroups.add(resourceGroupKeyOf(seed.subscriptionId, vault.resourceGroup));
    store.vaults.set(key, {
      subscriptionId: seed.subscriptionId,
      resourceGroup: vault.resourceGroup,
      name: vault.name,
      location: vault.location,
    });
    for (const policy of vault.policies ?? DEFAULT_POLICIES) {
      store.policies.set(policyKeyOf(key, policy.name), { vaultKey: key, name: policy.name, kind: policy.kind });
    }
  }
}
