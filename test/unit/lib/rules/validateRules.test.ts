import { validateRules } from '../../../../src/lib/rules/validateRules';
import { rulesConfig } from '../../../helpers/factories/rules';

describe('validateRules', () => {
  it('accepts the defaults', () => {
    expect(validateRules(rulesConfig())).toEqual([]);
  });

  it('lists every problem', () => {
    const problems = validateRules(
      rulesConfig({
        optOutTag: ' ',
        defaultPolicy: '',
        include: [{ tag: '' }],
        exclude: [{ tag: 'env', values: [''] }],
        policies: [{ tag: 'tier', policy: '' }],
        resourceGroups: { include: [], exclude: [''] },
      }),
    );
    expect(problems).toEqual([
      'rules.optOutTag must not be empty',
      'rules.defaultPolicy must not be empty',
      'rules.include[0].tag must not be empty',
      'rules.exclude[0].values[0] must not be empty',
      'rules.policies[0].policy must not be empty',
      'rules.resourceGroups.exclude[0] must not be empty',
      "rules.resourceGroups.include is empty: no VM would be protected (use ['*'])",
    ]);
  });
});
