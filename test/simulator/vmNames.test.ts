import fc from 'fast-check';

import type { SimulatorHandle } from '../../simulator/src/index';
import { vmNameProblem } from '../../simulator/src/vmNames';
import { tryParseVmResourceId } from '../../src/lib/resourceId';
import { BEARER, computeClient, control, rawRequest, startTestSimulator, SUB } from './helpers';

interface SimState {
  vms: Array<{ name: string }>;
  resourceGroups: string[];
}

describe('simulator: VM names Compute refuses', () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await startTestSimulator();
    await control(sim, 'POST', 'vms', { resourceGroup: 'rg-names', name: 'vm-seed', location: 'eastus' });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it.each([['vm-web-01'], ['VM_Web.01'], ['a'], ['vm_'], ['x'.repeat(64)]])('accepts %s', (name) => {
    expect(vmNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'it is empty'],
    ['x'.repeat(65), 'it is 65 characters long (at most 64)'],
    ['Bad_Name!', "it contains '!'"],
    ['vm web', 'it contains a space'],
    ['vm\u0007', 'it contains the control character U+0007'],
    ['vm-é', "it contains 'é' (U+00E9)"],
    ['vm#1', "it contains '#'"],
    ['-vm', "it starts with '-'"],
    ['_vm', "it starts with '_'"],
    ['vm.', "it ends with '.'"],
    ['vm-', "it ends with '-'"],
  ])('refuses %j: %s', (name, problem) => {
    expect(vmNameProblem(name)).toBe(problem);
  });

  it('every name the simulator accepts is one the app accepts (so a created VM never ends up in the rejects)', () => {
    const character = fc.oneof(
      { weight: 20, arbitrary: fc.constantFrom(...'aZ09_.-'.split('')) },
      { weight: 1, arbitrary: fc.constantFrom(...'!é #('.split('')) },
    );
    fc.assert(
      fc.property(fc.array(character, { minLength: 0, maxLength: 70 }), (characters) => {
        const name = characters.join('');
        if (vmNameProblem(name) !== undefined) return;
        const id = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/${name}`;
        expect(tryParseVmResourceId(id).ok).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('Compute PUT refuses a bad name with 400 InvalidParameter, target vmName, and creates nothing (no event)', async () => {
    const before = await control<{ published: unknown[] }>(sim, 'GET', 'events');
    const raw = await rawRequest(
      sim,
      'PUT',
      `/subscriptions/${SUB}/resourceGroups/rg-names/providers/Microsoft.Compute/virtualMachines/${encodeURIComponent('Bad_Name!')}?api-version=2024-03-01`,
      { location: 'eastus' },
      BEARER,
    );

    expect(raw.status).toBe(400);
    expect(raw.json).toEqual({
      error: {
        code: 'InvalidParameter',
        message: expect.stringMatching(/^The value 'Bad_Name!' of parameter 'vmName' is invalid: it contains '!'\./),
        target: 'vmName',
        details: null,
        innerError: null,
      },
    });
    const state = await control<SimState>(sim, 'GET', 'state');
    expect(state.body.vms.map((vm) => vm.name)).not.toContain('Bad_Name!');
    const after = await control<{ published: unknown[] }>(sim, 'GET', 'events');
    expect(after.body.published).toHaveLength(before.body.published.length);
  });

  it('the SDK sees the refusal as a RestError with the code', async () => {
    await expect(
      computeClient(sim).virtualMachines.beginCreateOrUpdateAndWait('rg-names', 'vm-', { location: 'eastus' }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'InvalidParameter' });
  });

  it('POST /_sim/vms refuses it the same way and does not create the resource group', async () => {
    const refused = await control<{ error: { code: string; target: string; message: string } }>(sim, 'POST', 'vms', {
      resourceGroup: 'rg-never-made',
      name: 'Bad_Name!',
      location: 'eastus',
    });

    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'InvalidParameter', target: 'vmName' });
    const state = await control<SimState>(sim, 'GET', 'state');
    expect(state.body.resourceGroups.some((group) => group.toLowerCase().includes('rg-never-made'))).toBe(false);
  });

  it('the status and code of the refusal are configurable (POST /_sim/compute), and reset restores them', async () => {
    const changed = await control(sim, 'POST', 'compute', { invalidVmName: { code: 'InvalidResourceName' } });
    expect(changed.body).toEqual({ invalidVmName: { statusCode: 400, code: 'InvalidResourceName' } });

    const refused = await control<{ error: { code: string } }>(sim, 'POST', 'vms', {
      resourceGroup: 'rg-names',
      name: 'vm web',
      location: 'eastus',
    });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'InvalidResourceName' } } });

    await control(sim, 'POST', 'reset');
    const settings = await control<{ compute: unknown }>(sim, 'GET', 'settings');
    expect(settings.body.compute).toEqual({ invalidVmName: { statusCode: 400, code: 'InvalidParameter' } });
  });

  it('startSimulator takes the refusal as an option', async () => {
    const other = await startTestSimulator({ compute: { invalidVmName: { statusCode: 422, code: 'BadVmName' } } });
    try {
      const refused = await control(other, 'POST', 'vms', { resourceGroup: 'rg-x', name: 'a!', location: 'eastus' });
      expect(refused).toMatchObject({ status: 422, body: { error: { code: 'BadVmName' } } });
    } finally {
      await other.stop();
    }
  });
});
