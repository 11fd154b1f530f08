import { randomUUID } from 'node:crypto';

import type { VmShape } from './config';
import type { SimContext } from './context';
import { armErrors } from './errors';
import type { GuestAgentStatus, VmRecord } from './store/model';
import { resourceGroupKeyOf, vmIdOf } from './store/model';
import { requireValidVmName } from './vmNames';
import { sharedDataDisksOf, vmProperties } from './vmProfile';

export interface VmWrite {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  /** Compute PUT: the caller's `properties`, kept as sent. */
  properties?: Record<string, unknown>;
  /** POST /_sim/vms and seeds: the configuration the VM body is built from (vmProfile.ts). */
  shape?: VmShape;
  guestAgent?: GuestAgentStatus;
  /** POST /_sim/vms: the Backup test knobs (VmRecord); an update keeps those it does not name. */
  backupJobMs?: number;
  failNextBackupJobs?: number;
}

export interface WriteContext {
  emitEvents: boolean;
  method: 'PUT' | 'PATCH';
  clientRequestId: string;
  now: number;
}

/** Creates or updates a VM (the one code path for Compute PUT and POST /_sim/vms) and raises its Event Grid events. */
export function writeVm(ctx: SimContext, input: VmWrite, write: WriteContext): { created: boolean; vm: VmRecord } {
  const { store } = ctx;
  if (!store.subscriptions.has(input.subscriptionId.toLowerCase()))
    throw armErrors.subscriptionNotFound(input.subscriptionId);
  if (!store.resourceGroups.has(resourceGroupKeyOf(input.subscriptionId, input.resourceGroup)))
    throw armErrors.resourceGroupNotFound(input.resourceGroup);
  requireValidVmName(input.name, ctx.settings.compute.invalidVmName);
  const id = vmIdOf(input.subscriptionId, input.resourceGroup, input.name);
  const existing = store.vm(id);
  if (existing && existing.location.toLowerCase() !== input.location.toLowerCase()) {
    throw armErrors.badBody(
      `Changing property 'location' is not allowed (existing '${existing.location}', requested '${input.location}').`,
    );
  }
  const shaped = input.shape !== undefined && (existing === undefined || hasShapeFields(input.shape));
  const properties = shaped
    ? vmProperties(input.name, input.shape ?? {})
    : { ...existing?.properties, ...input.properties };
  const vm: VmRecord = existing
    ? {
        ...existing,
        tags: input.tags ?? existing.tags,
        properties,
        sharedDataDisks: shaped ? sharedDataDisksOf(input.shape ?? {}) : existing.sharedDataDisks,
        guestAgent: input.guestAgent ?? existing.guestAgent,
        provisioningState: input.shape?.provisioningState ?? existing.provisioningState,
        backupJobMs: input.backupJobMs ?? existing.backupJobMs,
        failNextBackupJobs: input.failNextBackupJobs ?? existing.failNextBackupJobs,
        updatedAt: write.now,
      }
    : {
        subscriptionId: input.subscriptionId,
        resourceGroup: input.resourceGroup,
        name: input.name,
        location: input.location.toLowerCase().replace(/\s+/g, ''),
        tags: input.tags ?? {},
        vmId: randomUUID(),
        guestAgent: input.guestAgent ?? 'ready',
        provisioningState: input.shape?.provisioningState ?? 'Succeeded',
        properties,
        sharedDataDisks: sharedDataDisksOf(input.shape ?? {}),
        backupJobMs: input.backupJobMs,
        failNextBackupJobs: input.failNextBackupJobs,
        createdAt: write.now,
        updatedAt: write.now,
      };
  store.vms.set(id.toLowerCase(), vm);
  if (write.emitEvents) {
    ctx.events.publishVmWrite(vm, { created: !existing, method: write.method, clientRequestId: write.clientRequestId });
  }
  return { created: !existing, vm };
}

/** An update through POST /_sim/vms changes the VM's configuration only when it names some of it. */
function hasShapeFields(shape: VmShape): boolean {
  return Object.values(shape).some((value) => value !== undefined);
}

export function deleteVm(
  ctx: SimContext,
  id: string,
  write: { emitEvents: boolean; clientRequestId: string },
): boolean {
  const vm = ctx.store.vm(id);
  if (!vm) return false;
  ctx.store.vms.delete(id.toLowerCase());
  if (write.emitEvents) ctx.events.publishVmDelete(vm, write.clientRequestId);
  return true;
}

/** What `PATCH /_sim/vms/{subscriptionId}/{resourceGroup}/{name}` may change: no Compute write, so no event. */
export interface VmStatePatch {
  guestAgent?: GuestAgentStatus;
  provisioningState?: string;
  /** `null`: the timing's `backupJobMs` again. */
  backupJobMs?: number | null;
  failNextBackupJobs?: number;
}

/** Changes a VM's simulated state in place (the guest agent becoming ready, a provisioning state) without an event. */
export function patchVmState(ctx: SimContext, id: string, patch: VmStatePatch, now: number): VmRecord | undefined {
  const existing = ctx.store.vm(id);
  if (!existing) return undefined;
  const vm: VmRecord = {
    ...existing,
    guestAgent: patch.guestAgent ?? existing.guestAgent,
    provisioningState: patch.provisioningState ?? existing.provisioningState,
    backupJobMs: patch.backupJobMs === null ? undefined : (patch.backupJobMs ?? existing.backupJobMs),
    failNextBackupJobs: patch.failNextBackupJobs ?? existing.failNextBackupJobs,
    updatedAt: now,
  };
  ctx.store.vms.set(id.toLowerCase(), vm);
  return vm;
}
