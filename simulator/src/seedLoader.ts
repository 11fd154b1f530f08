import type { SeedConfig } from './config';
import type { SimContext } from './context';
import { resourceGroupKeyOf } from './store/model';
import { applySeed } from './store/seed';
import { shapeOf } from './vmProfile';
import { writeVm } from './vmService';

/** Applies a seed on top of the current state: subscriptions, groups, vaults, policies, then VMs (no events). */
export function loadSeed(ctx: SimContext, seed: SeedConfig): void {
  applySeed(ctx.store, seed);
  for (const vm of seed.vms ?? []) {
    ctx.store.resourceGroups.add(resourceGroupKeyOf(seed.subscriptionId, vm.resourceGroup));
    writeVm(
      ctx,
      {
        subscriptionId: seed.subscriptionId,
        resourceGroup: vm.resourceGroup,
        name: vm.name,
        location: vm.location,
        tags: vm.tags,
        guestAgent: vm.guestAgent,
        shape: shapeOf(vm),
      },
      { emitEvents: false, method: 'PUT', clientRequestId: 'seed', now: Date.now() },
    );
  }
}
