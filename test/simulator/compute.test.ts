import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SimulatorHandle } from '../../simulator/src/index';
import { BEARER, computeClient, control, rawRequest, startTestSimulator, SUB } from './helpers';

const EXAMPLE_GET = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'rest-examples', 'VirtualMachine_Get.json'), 'utf8'),
) as {
  responses: { '200': { body: Record<string, unknown> & { properties: Record<string, unknown> } } };
};

describe('simulator: Compute virtualMachines (real SDK)', () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await startTestSimulator();
    await control(sim, 'POST', 'vms', {
      resourceGroup: 'rg-compute',
      name: 'seed-vm',
      location: 'eastus',
      emitEvents: false,
    });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('creates with PUT (201), reads it back with location, tags, vmId and provisioningState like the REST example', async () => {
    const compute = computeClient(sim);
    const created = await compute.virtualMachines.beginCreateOrUpdateAndWait('rg-compute', 'vm-sdk-01', {
      location: 'eastus',
      tags: { owner: 'team-a' },
    });
    expect(created.provisioningState).toBe('Succeeded');
    const vm = await compute.virtualMachines.get('rg-compute', 'vm-sdk-01');
    expect(vm).toMatchObject({
      name: 'vm-sdk-01',
      location: 'eastus',
      tags: { owner: 'team-a' },
      type: 'Microsoft.Compute/virtualMachines',
    });
    expect(vm.id).toBe(
      `/subscriptions/${SUB}/resourceGroups/rg-compute/providers/Microsoft.Compute/virtualMachines/vm-sdk-01`,
    );
    expect(vm.vmId).toMatch(/^[0-9a-f-]{36}$/);
    const raw = await rawRequest(sim, 'GET', `${vm.id}?api-version=2024-03-01`, undefined, BEARER);
    const body = raw.json as Record<string, unknown> & { properties: Record<string, unknown> };
    for (const key of ['name', 'id', 'type', 'location', 'tags']) expect(Object.keys(body)).toContain(key);
    for (const key of ['vmId', 'provisioningState'])
      expect(Object.keys(EXAMPLE_GET.responses['200'].body.properties)).toContain(key);
    for (const key of ['vmId', 'provisioningState']) expect(Object.keys(body.properties)).toContain(key);
  });

  it('updates with PUT (200) and keeps vmId; refuses a location change', async () => {
    const compute = computeClient(sim);
    const before = await compute.virtualMachines.get('rg-compute', 'seed-vm');
    let status = 0;
    await compute.virtualMachines.beginCreateOrUpdateAndWait(
      'rg-compute',
      'seed-vm',
      { location: 'eastus', tags: { env: 'prod' } },
      {
        onResponse: (r) => {
          status = r.status;
        },
      },
    );
    expect(status).toBe(200);
    const after = await compute.virtualMachines.get('rg-compute', 'seed-vm');
    expect(after.vmId).toBe(before.vmId);
    expect(after.tags).toEqual({ env: 'prod' });
    await expect(
      compute.virtualMachines.beginCreateOrUpdateAndWait('rg-compute', 'seed-vm', { location: 'westeurope' }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it('deletes, then GET answers 404 ResourceNotFound; unknown resource groups answer 404 ResourceGroupNotFound', async () => {
    const compute = computeClient(sim);
    await compute.virtualMachines.beginCreateOrUpdateAndWait('rg-compute', 'vm-doomed', { location: 'eastus' });
    await compute.virtualMachines.beginDeleteAndWait('rg-compute', 'vm-doomed');
    await expect(compute.virtualMachines.get('rg-compute', 'vm-doomed')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
    await expect(
      compute.virtualMachines.beginCreateOrUpdateAndWait('rg-none', 'vm-x', { location: 'eastus' }),
    ).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
  });

  it('lists by resource group and the whole subscription, and refuses an unknown subscription', async () => {
    const compute = computeClient(sim);
    const names: string[] = [];
    for await (const vm of compute.virtualMachines.list('rg-compute')) names.push(vm.name ?? '');
    expect(names).toEqual(expect.arrayContaining(['seed-vm', 'vm-sdk-01']));
    const all: string[] = [];
    for await (const vm of compute.virtualMachines.listAll()) all.push(vm.location ?? '');
    expect(all.length).toBe(names.length);
    const stranger = computeClient(sim, '99999999-9999-9999-9999-999999999999');
    await expect(stranger.virtualMachines.listAll().next()).rejects.toMatchObject({
      statusCode: 404,
      code: 'SubscriptionNotFound',
    });
  });

  it('PATCH /_sim/vms/{sub}/{rg}/{name} changes the guest agent and provisioning state without an event', async () => {
    await control(sim, 'POST', 'vms', { resourceGroup: 'rg-compute', name: 'vm-patched', location: 'eastus' });
    const eventsBefore = (await control<{ published: unknown[] }>(sim, 'GET', 'events')).body.published.length;
    const patched = await control<{ properties: { provisioningState: string } }>(
      sim,
      'PATCH',
      `vms/${SUB}/rg-compute/vm-patched`,
      { guestAgent: 'unavailable', provisioningState: 'Updating' },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.properties.provisioningState).toBe('Updating');
    const vm = await computeClient(sim).virtualMachines.get('rg-compute', 'vm-patched');
    expect(vm.provisioningState).toBe('Updating');
    const state = await control<{ vms: { name: string; guestAgent: string; provisioningState: string }[] }>(
      sim,
      'GET',
      'state',
    );
    expect(state.body.vms.find((v) => v.name === 'vm-patched')).toMatchObject({
      guestAgent: 'unavailable',
      provisioningState: 'Updating',
    });
    expect((await control<{ published: unknown[] }>(sim, 'GET', 'events')).body.published).toHaveLength(eventsBefore);
    expect((await control(sim, 'PATCH', `vms/${SUB}/rg-compute/no-such-vm`, { guestAgent: 'ready' })).status).toBe(404);
    expect((await control(sim, 'PATCH', `vms/${SUB}/rg-compute/vm-patched`, { power: 'off' })).status).toBe(400);
  });
});
