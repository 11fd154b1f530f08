import fc from 'fast-check';

import { tryParseVmResourceId } from '../../../src/lib/resourceId';
import { invalidVmId, validVmId } from './arbitraries';

const SUB = '0a1b2c3d-4e5f-4061-8283-94a5b6c7d8e9';

/**
 * Resource ids from the model in arbitraries.ts: mixed case, unicode, encodings, `;` `/` `..`, children, other types.
 */
describe('fuzzing VM resource ids', () => {
  it('accepts every exact VM id in any letter case of the fixed segments, canonically', () => {
    fc.assert(
      fc.property(validVmId(SUB.toUpperCase()), (generated) => {
        const parsed = tryParseVmResourceId(generated.id);
        if (!parsed.ok) throw new Error(`refused ${generated.id}: ${parsed.reason}`);
        expect(parsed.vm.subscriptionId).toBe(SUB);
        expect(parsed.vm.key).toBe(parsed.vm.id.toLowerCase());
        expect(parsed.vm.key).toBe(generated.id.toLowerCase());
        expect(parsed.vm.id).toMatch(
          /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+$/,
        );
        // Canonical ids are a fixed point.
        const again = tryParseVmResourceId(parsed.vm.id);
        expect(again.ok && again.vm).toEqual(parsed.vm);
      }),
      { numRuns: 3_000 },
    );
  });

  it('refuses every id that is not exactly a VM, with a reason, without throwing', () => {
    fc.assert(
      fc.property(invalidVmId(SUB), (generated) => {
        const parsed = tryParseVmResourceId(generated.id);
        if (parsed.ok) throw new Error(`accepted ${JSON.stringify(generated.id)} (${generated.flaw})`);
        expect(parsed.reason.length).toBeGreaterThan(5);
      }),
      { numRuns: 5_000 },
    );
  });

  it('never throws on any value at all', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const parsed = tryParseVmResourceId(value);
        expect(typeof parsed.ok).toBe('boolean');
      }),
      { numRuns: 2_000 },
    );
  });
});
