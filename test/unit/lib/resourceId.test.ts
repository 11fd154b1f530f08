import fc from 'fast-check';

import { ValidationError } from '../../../src/lib/errors';
import { parseVmResourceId, tryParseVmResourceId } from '../../../src/lib/resourceId';

const SUB = '00000000-1111-2222-3333-444444444444';
const VM = `/subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/vm-web-01`;

describe('parseVmResourceId', () => {
  it('parses exactly a VM id into its parts, canonical id and lower-case key', () => {
    expect(parseVmResourceId(VM)).toEqual({
      subscriptionId: SUB,
      resourceGroup: 'rg-prod',
      name: 'vm-web-01',
      id: VM,
      key: VM.toLowerCase(),
    });
  });

  it('normalises the fixed segments and the subscription whatever their case, keeping names as given', () => {
    const shouting = `/SUBSCRIPTIONS/${SUB.toUpperCase()}/resourcegroups/RG-Prod/PROVIDERS/microsoft.compute/VIRTUALMACHINES/VM-Web-01`;
    const vm = parseVmResourceId(shouting);
    expect(vm.id).toBe(
      `/subscriptions/${SUB}/resourceGroups/RG-Prod/providers/Microsoft.Compute/virtualMachines/VM-Web-01`,
    );
    expect(vm.subscriptionId).toBe(SUB);
    expect(vm.key).toBe(parseVmResourceId(VM.replace('rg-prod', 'RG-Prod').replace('vm-web-01', 'VM-Web-01')).key);
    expect(vm.key).toBe(vm.id.toLowerCase());
  });

  it.each([
    ['an extension', `${VM}/extensions/AzureMonitorLinuxAgent`, 'child'],
    ['a run command', `${VM}/runCommands/x`, 'child'],
    ['a trailing slash', `${VM}/`, 'empty segment'],
    [
      'a disk',
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/d1`,
      "expected 'virtualMachines'",
    ],
    [
      'a scale set',
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/s`,
      "expected 'virtualMachines'",
    ],
    [
      'a storage account',
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/s`,
      "expected 'Microsoft.Compute'",
    ],
    ['a resource group', `/subscriptions/${SUB}/resourceGroups/rg`, 'too short'],
    [
      'a missing name',
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines`,
      'no VM name',
    ],
    [
      'a doubled slash',
      `/subscriptions/${SUB}/resourceGroups//providers/Microsoft.Compute/virtualMachines/vm`,
      'empty segment',
    ],
    [
      'a dot-dot segment',
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/..`,
      "'..'",
    ],
    [
      'a traversal that would look like a VM',
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/x/../vm`,
      "'..'",
    ],
    [
      'percent-encoding',
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm%2Fextensions`,
      '%',
    ],
    [
      'an encoded hyphen',
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm%2Dweb`,
      '%',
    ],
    ['whitespace', ` ${VM}`, 'whitespace'],
    ['a query string', `${VM}?api-version=1`, '?'],
    ['a relative id', VM.slice(1), "start with '/'"],
    ['a placeholder subscription', VM.replace(SUB, '{subscription-id}'), 'not a GUID'],
    ['a short GUID', VM.replace(SUB, '0000-1111'), 'not a GUID'],
    ['a name ending with a period', VM.replace('vm-web-01', 'vm.'), 'not a valid VM name'],
    ['a name with a space-free forbidden character', VM.replace('vm-web-01', 'vm!x'), 'not a valid VM name'],
    ['a name that is too long', VM.replace('vm-web-01', 'v'.repeat(65)), 'not a valid VM name'],
    ['a resource group ending with a period', VM.replace('rg-prod', 'rg.'), 'not a valid resource group'],
    ['an empty string', '', 'empty'],
  ])('rejects %s with a reason', (_label, value, reason) => {
    const result = tryParseVmResourceId(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
    expect(() => parseVmResourceId(value)).toThrow(ValidationError);
  });

  it('rejects values that are not strings', () => {
    for (const value of [undefined, null, 42, {}, []]) {
      expect(tryParseVmResourceId(value)).toEqual({ ok: false, reason: expect.stringContaining('must be a string') });
    }
  });

  it('throws a ValidationError with code invalid-resource-id and the reason in the message', () => {
    try {
      parseVmResourceId(`${VM}/extensions/x`);
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe('invalid-resource-id');
      expect((error as ValidationError).message).toContain('child of a VM');
    }
  });

  describe('properties', () => {
    const nameChars = fc.constantFrom(...'abcXYZ019_.-');
    const vmName = fc
      .string({ unit: nameChars, minLength: 1, maxLength: 64 })
      .filter((name) => /^[A-Za-z0-9_]/.test(name) && /[A-Za-z0-9_]$/.test(name));
    const guid = fc.uuid();

    it('any valid id parses, round-trips through its canonical id, and keys case-insensitively', () => {
      fc.assert(
        fc.property(guid, vmName, vmName, fc.boolean(), (sub, rg, name, upper) => {
          const id = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;
          const input = upper ? id.toUpperCase() : id;
          const vm = parseVmResourceId(input);
          expect(parseVmResourceId(vm.id)).toEqual(vm);
          expect(vm.key).toBe(id.toLowerCase());
          expect(vm.id.toLowerCase()).toBe(vm.key);
        }),
      );
    });

    it('arbitrary strings never throw anything but ValidationError, and whatever parses is exactly a VM id', () => {
      const segment = fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom(
          'subscriptions',
          'resourceGroups',
          'providers',
          'Microsoft.Compute',
          'virtualMachines',
          'extensions',
          '..',
          '',
          SUB,
        ),
      );
      const pathLike = fc.array(segment, { maxLength: 11 }).map((parts) => `/${parts.join('/')}`);
      fc.assert(
        fc.property(fc.oneof(fc.string(), pathLike), (value) => {
          const result = tryParseVmResourceId(value);
          if (result.ok) {
            expect(result.vm.id.split('/')).toHaveLength(9);
            expect(result.vm.key).toMatch(
              /^\/subscriptions\/[0-9a-f-]{36}\/resourcegroups\/[^/]+\/providers\/microsoft\.compute\/virtualmachines\/[^/]+$/,
            );
            expect(value.toLowerCase()).toBe(result.vm.key);
          } else {
            expect(result.reason.length).toBeGreaterThan(0);
            expect(() => parseVmResourceId(value)).toThrow(ValidationError);
          }
        }),
        { numRuns: 2000 },
      );
    });

    it('appending any child path to a valid VM id never yields a VmResourceId', () => {
      fc.assert(
        fc.property(
          fc.array(fc.string({ minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 3 }),
          (children) => {
            expect(tryParseVmResourceId(`${VM}/${children.join('/')}`).ok).toBe(false);
          },
        ),
      );
    });
  });
});
