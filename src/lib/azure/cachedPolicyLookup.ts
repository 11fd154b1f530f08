import type { VaultRoute } from '../config';
import type { BackupGateway } from './ports';

/** Policies are created by people, rarely: a policy seen to exist is trusted this long without asking ARM again. */
export const POLICY_CACHE_TTL_MS = 10 * 60_000;

/**
 * The gateway with `policyExists` remembered per vault and policy for `ttlMs` (positive answers only: a missing policy
 * is asked again, so one created after a failure is found). Concurrent first look-ups share one request. Saves one ARM
 * read per protected VM.
 */
export function withCachedPolicyLookup(
  gateway: BackupGateway,
  ttlMs = POLICY_CACHE_TTL_MS,
  now: () => number = Date.now,
): BackupGateway {
  const seen = new Map<string, number>();
  const asking = new Map<string, Promise<boolean>>();
  return {
    getBackupStatus: (vm, region) => gateway.getBackupStatus(vm, region),
    getProtectedItem: (vault, vm) => gateway.getProtectedItem(vault, vm),
    enableProtection: (vault, vm, policyName) => gateway.enableProtection(vault, vm, policyName),
    getOperationStatus: (vault, operationId) => gateway.getOperationStatus(vault, operationId),
    triggerBackup: (vault, vm, expiry) => gateway.triggerBackup(vault, vm, expiry),
    listJobs: (vault, query) => gateway.listJobs(vault, query),
    getJob: (vault, jobId) => gateway.getJob(vault, jobId),
    listProtectedItems: (vault) => gateway.listProtectedItems(vault),
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
  };
}
