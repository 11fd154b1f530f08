import type { SimContext } from './context';
import type { VmRecord } from './store/model';

/**
 * Whether the vault has discovered the VM, so the protected-item PUT can resolve its container. Off by default (every
 * VM resolves at once, as the live recording shows for a VM created earlier in the same test). With
 * `discoveryLagSeconds`, a VM younger than the lag is known only to a refresh of this vault that started after the VM
 * was created and has ended (recovery-services-api.md §3: whether Azure needs this is UNVERIFIED).
 */
export function isDiscovered(ctx: SimContext, vaultKey: string, vm: VmRecord, now: number): boolean {
  const lagMs = ctx.settings.backup.discoveryLagSeconds * 1000;
  if (lagMs <= 0 || now - vm.createdAt >= lagMs) return true;
  for (const refresh of ctx.store.refreshOperations.values()) {
    if (refresh.vaultKey === vaultKey && refresh.startTime >= vm.createdAt && refresh.endTime <= now) return true;
  }
  return false;
}
