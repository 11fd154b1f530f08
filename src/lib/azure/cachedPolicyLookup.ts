import type { VaultRoute } from '../config';
import type { BackupGateway, BackupPolicyInfo } from './ports';

/** Policies are created by people, rarely: a policy seen to exist is trusted this long without asking ARM again. */
export const POLICY_CACHE_TTL_MS = 10 * 60_000;
/**
 * A `fresh` listing younger than this is answered from the cache: a burst of VMs in a vault that lacks the policy they
 * need costs one listing per this time, not one per VM, and a policy created after a failure is still seen soon.
 */
export const POLICY_RELIST_MIN_MS = 15_000;

/**
 * The gateway with `policyExists` remembered per vault and policy for `ttlMs` (positive answers only: a missing policy
 * is asked again, so one created after a failure is found), and each vault's policy listing remembered for `ttlMs`
 * (re-listed on `fresh` once it is `POLICY_RELIST_MIN_MS` old). Concurrent first look-ups share one request. Saves one
 * ARM read per protected VM.
 */
export function withCachedPolicyLookup(
  gateway: BackupGateway,
  ttlMs = POLICY_CACHE_TTL_MS,
  now: () => number = Date.now,
): BackupGateway {
  const seen = new Map<string, number>();
  const asking = new Map<string, Promise<boolean>>();
  const listings = new Map<string, { at: number; policies: BackupPolicyInfo[] }>();
  const listing = new Map<string, Promise<BackupPolicyInfo[]>>();
  return {
    getBackupStatus: (vm, region) => gateway.getBackupStatus(vm, region),
    getProtectedItem: (vault, vm) => gateway.getProtectedItem(vault, vm),
    enableProtection: (vault, vm, policyName) => gateway.enableProtection(vault, vm, policyName),
    getOperationStatus: (vault, operationId) => gateway.getOperationStatus(vault, operationId),
    triggerBackup: (vault, vm, expiry) => gateway.triggerBackup(vault, vm, expiry),
    listJobs: (vault, query) => gateway.listJobs(vault, query),
    getJob: (vault, jobId) => gateway.getJob(vault, jobId),
    listProtectedItems: (vault) => gateway.listProtectedItems(vault),
    refreshContainers: (vault) => gateway.refreshContainers(vault),
    getRefreshStatus: (vault, operationId) => gateway.getRefreshStatus(vault, operationId),
    async policyExists(vault: VaultRoute, policyName: string): Promise<boolean> {
      const key = `${vault.vaultId}|${policyName}`.toLowerCase();
      const seenAt = seen.get(key);
      if (seenAt !== undefined && now() - seenAt < ttlMs) return true;
      let pending = asking.get(key);
      if (pending === undefined) {
        pending = gateway.policyExists(vault, policyName).finally(() => asking.delete(key));
        asking.set(key, pending);
      }
      const exists = await pending;
      if (exists) seen.set(key, now());
      else seen.delete(key);
      return exists;
    },
    async listPolicies(vault: VaultRoute, options: { fresh?: boolean } = {}): Promise<BackupPolicyInfo[]> {
      const key = vault.vaultId.toLowerCase();
      const cached = listings.get(key);
      const maxAge = options.fresh ? POLICY_RELIST_MIN_MS : ttlMs;
      if (cached !== undefined && now() - cached.at < maxAge) return cached.policies;
      let pending = listing.get(key);
      if (pending === undefined) {
        pending = gateway.listPolicies(vault).finally(() => listing.delete(key));
        listing.set(key, pending);
      }
      const policies = await pending;
      listings.set(key, { at: now(), policies });
      return policies;
    },
  };
}
