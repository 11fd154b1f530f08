import { parseRules } from '../../../../src/lib/rules/parseRules';
import { defaultRules } from '../../../../src/lib/rules/rulesConfig';

describe('parseRules', () => {
  it('gives the defaults for an empty object', () => {
    expect(parseRules({}, 'RULES')).toEqual({ rules: defaultRules(), problems: [] });
  });

  it('merges what is given over the defaults, field by field', () => {
    const { rules, problems } = parseRules(
      {
        exclude: [{ tag: 'env', values: ['dev*'] }],
        resourceGroups: { exclude: ['rg-scratch*'] },
        policies: [{ tag: 'tier', values: ['gold'], policy: 'EnhancedPolicy' }],
      },
      'RULES',
    );
    expect(problems).toEqual([]);
    expect(rules).toEqual({
      ...defaultRules(),
      exclude: [{ tag: 'env', values: ['dev*'] }],
      resourceGroups: { include: ['*'], exclude: ['rg-scratch*'] },
      policies: [{ tag: 'tier', values: ['gold'], policy: 'EnhancedPolicy' }],
    });
  });

  it('trims names, values and policies', () => {
    const { rules } = parseRules(
      {
        optOutTag: ' nobackup ',
        include: [{ tag: ' team ', values: [' a* '] }],
        policies: [{ tag: 'tier', policy: ' Gold ' }],
        defaultPolicy: ' Standard ',
      },
      'RULES',
    );
    expect(rules.optOutTag).toBe('nobackup');
    expect(rules.include).toEqual([{ tag: 'team', values: ['a*'] }]);
    expect(rules.policies).toEqual([{ tag: 'tier', policy: 'Gold' }]);
    expect(rules.defaultPolicy).toBe('Standard');
  });

  it('leaves values out of a tag rule that gave none (any value matches)', () => {
    const { rules } = parseRules({ include: [{ tag: 'backup' }] }, 'RULES');
    expect(rules.include[0]).toEqual({ tag: 'backup' });
    expect(rules.include[0]).not.toHaveProperty('values');
  });

  it('copies the value lists, so the rules do not share arrays with the input', () => {
    const input = { include: [{ tag: 'env', values: ['prod'] }] };
    const { rules } = parseRules(input, 'RULES');
    input.include[0]!.values.push('dev');
    expect(rules.include[0]!.values).toEqual(['prod']);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', [1], /^RULES: /],
    ['an unknown top-level key', { bogus: 1 }, /^RULES: .*bogus/],
    ['an unknown key in a tag rule', { include: [{ tag: 'a', value: 'b' }] }, /^RULES\.include\[0\]: /],
    ['a blank tag name', { exclude: [{ tag: '  ' }] }, /^RULES\.exclude\[0\]\.tag: /],
    ['an empty value list', { include: [{ tag: 'a', values: [] }] }, /^RULES\.include\[0\]\.values: /],
    ['a blank value', { include: [{ tag: 'a', values: ['ok', ' '] }] }, /^RULES\.include\[0\]\.values\[1\]: /],
    ['a policy rule without a policy', { policies: [{ tag: 'tier' }] }, /^RULES\.policies\[0\]\.policy: /],
    [
      'a resource-group pattern that is not a string',
      { resourceGroups: { include: [1] } },
      /^RULES\.resourceGroups\.include\[0\]: /,
    ],
    ['an unknown resource-group key', { resourceGroups: { only: ['a'] } }, /^RULES\.resourceGroups: /],
  ])('refuses %s with the path in the setting, and returns the defaults', (_label, value, expected) => {
    const { rules, problems } = parseRules(value, 'RULES');
    expect(rules).toEqual(defaultRules());
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(expected);
  });

  it('lists every schema problem at once', () => {
    const { problems } = parseRules({ optOutTag: '', include: [{ tag: '' }], policies: [{ tag: 't' }] }, 'RULES');
    expect(problems).toHaveLength(3);
  });

  it('passes the validation problems on, prefixed with the setting', () => {
    const { problems } = parseRules({ resourceGroups: { include: [] } }, 'AUTOPROTECT_RULES');
    expect(problems).toEqual([
      "AUTOPROTECT_RULES: rules.resourceGroups.include is empty: no VM would be protected (use ['*'])",
    ]);
  });
});
