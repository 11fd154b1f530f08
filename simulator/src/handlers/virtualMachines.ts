import type { SimContext } from '../context';
import { armErrors } from '../errors';
import { type ArmRequest, type ArmResponse, ok, param } from '../http';
import { pageOf } from '../paging';
import { resourceGroupKeyOf, vmIdOf } from '../store/model';
import { vmView } from '../views';
import { deleteVm, writeVm } from '../vmService';
import { requireSubscription } from './scope';

/** Compute pages are smaller than Recovery Services ones; 200 keeps paging observable with a few hundred VMs. */
const COMPUTE_PAGE_SIZE = 200;

export function getVm(req: ArmRequest, ctx: SimContext): ArmResponse {
  const sub = requireSubscription(req, ctx);
  const rg = param(req, 'resourceGroupName');
  const vm = ctx.store.vm(vmIdOf(sub, rg, param(req, 'vmName')));
  if (!vm) throw armErrors.vmNotFound(rg, param(req, 'vmName'));
  return ok(vmView(vm));
}

/** PUT: 201 on create, 200 on update; provisioning completes at once (provisioningState Succeeded). */
export function putVm(req: ArmRequest, ctx: SimContext): ArmResponse {
  const sub = requireSubscription(req, ctx);
  const body = req.body as { location?: unknown; tags?: unknown; properties?: unknown } | undefined;
  if (!body || typeof body.location !== 'string' || body.location === '')
    throw armErrors.badBody("The 'location' property is required.");
  const tags = body.tags && typeof body.tags === 'object' ? (body.tags as Record<string, string>) : undefined;
  const properties =
    body.properties && typeof body.properties === 'object' ? (body.properties as Record<string, unknown>) : undefined;
  const { created, vm } = writeVm(
    ctx,
    {
      subscriptionId: sub,
      resourceGroup: param(req, 'resourceGroupName'),
      name: param(req, 'vmName'),
      location: body.location,
      tags,
      properties,
    },
    { emitEvents: true, method: 'PUT', clientRequestId: req.clientRequestId, now: req.now },
  );
  return ok(vmView(vm), created ? 201 : 200);
}

/** DELETE: 200 when deleted, 204 when there was nothing to delete. */
export function deleteVmHandler(req: ArmRequest, ctx: SimContext): ArmResponse {
  const sub = requireSubscription(req, ctx);
  const id = vmIdOf(sub, param(req, 'resourceGroupName'), param(req, 'vmName'));
  return { status: deleteVm(ctx, id, { emitEvents: true, clientRequestId: req.clientRequestId }) ? 200 : 204 };
}

export function listVmsInGroup(req: ArmRequest, ctx: SimContext): ArmResponse {
  const sub = requireSubscription(req, ctx);
  const rg = param(req, 'resourceGroupName');
  if (!ctx.store.resourceGroups.has(resourceGroupKeyOf(sub, rg))) throw armErrors.resourceGroupNotFound(rg);
  const vms = [...ctx.store.vms.values()].filter(
    (vm) =>
      vm.subscriptionId.toLowerCase() === sub.toLowerCase() && vm.resourceGroup.toLowerCase() === rg.toLowerCase(),
  );
  return ok(pageOf(req, vms, (vm) => vmView(vm), COMPUTE_PAGE_SIZE));
}

export function listAllVms(req: ArmRequest, ctx: SimContext): ArmResponse {
  const sub = requireSubscription(req, ctx);
  const vms = [...ctx.store.vms.values()].filter((vm) => vm.subscriptionId.toLowerCase() === sub.toLowerCase());
  return ok(pageOf(req, vms, (vm) => vmView(vm), COMPUTE_PAGE_SIZE));
}
