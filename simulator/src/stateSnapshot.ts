import { armTime } from './http';
import { jobStatus } from './jobViews';
import { canonicalNames } from './names';
import type { SimulatorRuntime } from './runtime';
import { policyTypeOf, vaultIdOf, vmIdOf } from './store/model';

/** The JSON of GET /_sim/state. Reading it applies due transitions but changes nothing else. */
export function stateSnapshot(rt: SimulatorRuntime): Record<string, unknown> {
  const { store } = rt.ctx;
  const now = Date.now();
  store.settle(now);
  const vaultId = (key: string) => {
    const vault = store.vaults.get(key);
    return vault ? vaultIdOf(vault) : key;
  };
  return {
    now: armTime(now),
    subscriptions: [...store.subscriptions],
    tenantId: store.tenantId,
    resourceGroups: [...store.resourceGroups],
    vaults: [...store.vaults.values()].map((v) => ({
      id: vaultIdOf(v),
      name: v.name,
      resourceGroup: v.resourceGroup,
      location: v.location,
    })),
    policies: [...store.policies.values()].map((p) => ({
      id: `${vaultId(p.vaultKey)}/backupPolicies/${p.name}`,
      name: p.name,
      kind: p.kind,
      policyType: policyTypeOf(p.kind),
    })),
    vms: [...store.vms.values()].map((vm) => ({
      id: vmIdOf(vm.subscriptionId, vm.resourceGroup, vm.name),
      name: vm.name,
      location: vm.location,
      tags: vm.tags,
      vmId: vm.vmId,
      guestAgent: vm.guestAgent,
      provisioningState: vm.provisioningState,
      securityType: securityTypeOf(vm.properties),
      ...(vm.backupJobMs !== undefined ? { backupJobMs: vm.backupJobMs } : {}),
      ...(vm.failNextBackupJobs ? { failNextBackupJobs: vm.failNextBackupJobs } : {}),
      createdAt: new Date(vm.createdAt).toISOString(),
      updatedAt: new Date(vm.updatedAt).toISOString(),
    })),
    protectedItems: [...store.protectedItems.values()]
      .filter((item) => item.deletingUntil === undefined)
      .map((item) => ({
        id: `${vaultId(item.vaultKey)}/backupFabrics/Azure/protectionContainers/${canonicalNames.container(item.vmResourceGroup, item.vmName)}/protectedItems/${canonicalNames.item(item.vmResourceGroup, item.vmName)}`,
        vaultId: vaultId(item.vaultKey),
        sourceResourceId: item.sourceResourceId,
        policyId: item.policyName ? `${vaultId(item.vaultKey)}/backupPolicies/${item.policyName}` : null,
        protectionState: item.protectionState,
        lastBackupStatus: item.lastBackupStatus,
        lastBackupTime: item.lastBackupTime,
      })),
    jobs: [...store.jobs.values()].map((job) => ({
      id: `${vaultId(job.vaultKey)}/backupJobs/${job.id}`,
      name: job.id,
      vaultId: vaultId(job.vaultKey),
      operation: job.operation,
      status: jobStatus(job, now),
      entityFriendlyName: job.entityFriendlyName,
      startTime: new Date(job.startTime).toISOString(),
      endTime: now >= job.endTime ? new Date(job.endTime).toISOString() : null,
      ...(job.outcome.status === 'Failed' && now >= job.endTime ? { errorCode: job.outcome.errorTitle } : {}),
    })),
    eventSubscriptions: rt.ctx.events.list().map((s) => s.name),
    requests: rt.requests.summary(),
  };
}

/** `properties.securityProfile.securityType`, or `Standard` when absent (vm-backup-support.md §3). */
function securityTypeOf(properties: Record<string, unknown>): string {
  const profile = properties.securityProfile as { securityType?: unknown } | undefined;
  return typeof profile?.securityType === 'string' ? profile.securityType : 'Standard';
}
