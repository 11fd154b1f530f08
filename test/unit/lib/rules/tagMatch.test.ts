import { describeTagMatch, findTagValue, firstMatchingTagRule, matchesTag } from '../../../../src/lib/rules/tagMatch';

describe('findTagValue', () => {
  it('looks the tag name up case-insensitively', () => {
    expect(findTagValue({ Environment: 'prod' }, 'environment')).toBe('prod');
    expect(findTagValue({ environment: 'prod' }, 'ENVIRONMENT')).toBe('prod');
  });

  it('returns an empty value as it is, and undefined for an absent tag', () => {
    expect(findTagValue({ backup: '' }, 'backup')).toBe('');
    expect(findTagValue({ backup: '' }, 'other')).toBeUndefined();
    expect(findTagValue({}, 'backup')).toBeUndefined();
  });
});

describe('matchesTag', () => {
  const tags = { Env: 'Prod-EU', Backup: '' };

  it('matches on presence alone when no values are given (an empty list too), even an empty value', () => {
    expect(matchesTag(tags, { tag: 'backup' })).toBe(true);
    expect(matchesTag(tags, { tag: 'env', values: [] })).toBe(true);
  });

  it('does not match an absent tag, whatever the values', () => {
    expect(matchesTag(tags, { tag: 'tier' })).toBe(false);
    expect(matchesTag(tags, { tag: 'tier', values: ['*'] })).toBe(false);
  });

  it('matches when any value pattern matches, case-insensitively with wildcards', () => {
    expect(matchesTag(tags, { tag: 'env', values: ['dev', 'prod-*'] })).toBe(true);
    expect(matchesTag(tags, { tag: 'env', values: ['PROD-EU'] })).toBe(true);
    expect(matchesTag(tags, { tag: 'env', values: ['prod'] })).toBe(false);
  });

  it("matches an empty value only with a pattern that matches the empty string ('*')", () => {
    expect(matchesTag(tags, { tag: 'backup', values: ['yes'] })).toBe(false);
    expect(matchesTag(tags, { tag: 'backup', values: ['*'] })).toBe(true);
  });
});

describe('firstMatchingTagRule', () => {
  const rules = [
    { tag: 'tier', values: ['gold'], policy: 'Gold' },
    { tag: 'tier', policy: 'AnyTier' },
    { tag: 'env', values: ['prod'], policy: 'Prod' },
  ];

  it('returns the index of the first matching rule, in order', () => {
    expect(firstMatchingTagRule({ tier: 'GOLD', env: 'prod' }, rules)).toBe(0);
    expect(firstMatchingTagRule({ tier: 'silver', env: 'prod' }, rules)).toBe(1);
    expect(firstMatchingTagRule({ env: 'prod' }, rules)).toBe(2);
  });

  it('returns -1 when no rule matches or there are none', () => {
    expect(firstMatchingTagRule({ env: 'dev' }, rules)).toBe(-1);
    expect(firstMatchingTagRule({ env: 'prod' }, [])).toBe(-1);
  });
});

describe('describeTagMatch', () => {
  it('writes tag=value|value, or the tag alone when any value matches', () => {
    expect(describeTagMatch({ tag: 'env', values: ['dev', 'test*'] })).toBe('env=dev|test*');
    expect(describeTagMatch({ tag: 'backup' })).toBe('backup');
    expect(describeTagMatch({ tag: 'backup', values: [] })).toBe('backup');
  });
});
