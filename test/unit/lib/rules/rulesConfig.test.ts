import { defaultRules } from '../../../../src/lib/rules/rulesConfig';

describe('defaultRules', () => {
  it('opts out by the autoprotect:skip tag, includes every resource group and uses DefaultPolicy', () => {
    expect(defaultRules()).toEqual({
      optOutTag: 'autoprotect:skip',
      include: [],
      exclude: [],
      resourceGroups: { include: ['*'], exclude: [] },
      policies: [],
      defaultPolicy: 'DefaultPolicy',
    });
  });

  it('returns a fresh, mutable object each time: changing one does not change the next', () => {
    const first = defaultRules();
    first.resourceGroups.include.push('rg-x');
    first.policies.push({ tag: 't', policy: 'p' });
    const second = defaultRules();
    expect(second.resourceGroups.include).toEqual(['*']);
    expect(second.policies).toEqual([]);
    expect(Object.isFrozen(second)).toBe(false);
  });
});
