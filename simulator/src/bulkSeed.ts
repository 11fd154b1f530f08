import { randomInt, randomUUID } from 'node:crypto';

import type { z } from 'zod';

import type { SimContext } from './context';
import type { bulkProtectedItemsSchema } from './controlSchemas';
import { armErrors } from './errors';
import { canonicalNames } from './names';
import {
  itemKeyOf,
  NEVER_BACKED_UP,
  type ProtectedItemRecord,
  resourceGroupKeyOf,
  vaultKeyOf,
  vmIdOf,
} from './store/model';

export type BulkProtectedItemsInput = z.infer<typeof bulkProtectedItemsSchema>;

export interface BulkSeedResult {
  vaultName: string;
  created: number;
  stale: number;
  vms: number;
}

/**
 * Seeds many protected items into one vault at once (for benchmarks): `count` VMs named `<namePrefix><n>` in
 * `vmResourceGroup`, in the vault's region, protected with `policyName`. The first `stalePercent` % stay IRPending
 * with a ConfigureBackup job `staleAgeHours` old (and, for every second one, a failed first Backup job); the rest are
 * Protected with a completed backup. No Event Grid events, no request log entries, no throttling.
 */
export function bulkProtectedItems(
  ctx: SimContext,
  defaultSubscriptionId: string,
  input: BulkProtectedItemsInput,
): BulkSeedResult {
  const subscriptionId = input.subscriptionId ?? defaultSubscriptionId;
  const vaultKey = vaultKeyOf(subscriptionId, input.vaultResourceGroup, input.vaultName);
  const vault = ctx.store.vaults.get(vaultKey);
  if (!vault)
    throw armErrors.invalidInput(`Vault '${input.vaultName}' in '${input.vaultResourceGroup}' does not exist.`);
  const vmResourceGroup = input.vmResourceGroup ?? `rg-bulk-${input.vaultName}`;
  ctx.store.resourceGroups.add(resourceGroupKeyOf(subscriptionId, vmResourceGroup));
  const staleCount = Math.round((input.count * input.stalePercent) / 100);
  const now = Date.now();
  const staleSince = now - input.staleAgeHours * 3600_000;
  const completedAt = new Date(now - 3600_000).toISOString();
  let vms = 0;
  for (let n = 0; n < input.count; n++) {
    const vmName = `${input.namePrefix ?? `vm-${input.vaultName}-`}${n}`;
    const sourceResourceId = vmIdOf(subscriptionId, vmResourceGroup, vmName);
    if (input.createVms && !ctx.store.vm(sourceResourceId)) {
      ctx.store.vms.set(sourceResourceId.toLowerCase(), {
        subscriptionId,
        resourceGroup: vmResourceGroup,
        name: vmName,
        location: vault.location,
        tags: {},
        vmId: randomUUID(),
        guestAgent: 'ready',
        provisioningState: 'Succeeded',
        properties: {},
        sharedDataDisks: 0,
        createdAt: staleSince,
        updatedAt: staleSince,
      });
      vms++;
    }
    const stale = n < staleCount;
    const item: ProtectedItemRecord = {
      vaultKey,
      sourceResourceId,
      vmResourceGroup,
      vmName,
      policyName: input.policyName,
      protectionState: stale ? 'IRPending' : 'Protected',
      lastBackupStatus: stale ? (n % 2 === 1 ? 'Failed' : '') : 'Completed',
      lastBackupTime: stale ? NEVER_BACKED_UP : completedAt,
      lastRecoveryPoint: stale ? undefined : completedAt,
      protectedItemDataId: String(randomInt(100_000_000, 999_999_999)),
      deletingUntil: undefined,
    };
    const itemKey = itemKeyOf(vaultKey, vmResourceGroup, vmName);
    ctx.store.protectedItems.set(itemKey, item);
    if (stale) addStaleJobs(ctx, { vaultKey, itemKey, item, since: staleSince, failedBackup: n % 2 === 1 });
  }
  return { vaultName: vault.name, created: input.count, stale: staleCount, vms };
}

function addStaleJobs(
  ctx: SimContext,
  at: { vaultKey: string; itemKey: string; item: ProtectedItemRecord; since: number; failedBackup: boolean },
): void {
  const common = {
    vaultKey: at.vaultKey,
    itemKey: at.itemKey,
    entityFriendlyName: at.item.vmName,
    containerName: canonicalNames.shortContainer(at.item.vmResourceGroup, at.item.vmName),
    policyName: at.item.policyName,
    settled: true,
  };
  const configureId = randomUUID();
  ctx.store.jobs.set(configureId, {
    ...common,
    id: configureId,
    operation: 'ConfigureBackup',
    activityId: randomUUID(),
    startTime: at.since,
    endTime: at.since + 41_000,
    outcome: { status: 'Completed' },
  });
  if (!at.failedBackup) return;
  const backupId = randomUUID();
  const start = at.since + 60_000;
  ctx.store.jobs.set(backupId, {
    ...common,
    id: backupId,
    operation: 'Backup',
    activityId: randomUUID(),
    startTime: start,
    endTime: start + 120_000,
    outcome: {
      status: 'Failed',
      errorCode: 400047,
      errorString: 'VM Agent unable to communicate with Azure Backup.',
      errorTitle: 'UserErrorGuestAgentStatusUnavailable',
    },
  });
}
