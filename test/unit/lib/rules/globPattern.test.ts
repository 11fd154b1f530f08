import { firstMatchingGlob, globToRegExp, matchesGlob } from '../../../../src/lib/rules/globPattern';

describe('matchesGlob', () => {
  it.each([
    ['rg-*', 'rg-app', true],
    ['rg-*', 'rg-', true],
    ['rg-*', 'xrg-app', false],
    ['*-prod', 'app-prod', true],
    ['*-prod', 'app-prod-2', false],
    ['*', '', true],
    ['RG-APP', 'rg-app', true],
    ['rg-?', 'rg-1', true],
    ['rg-?', 'rg-', false],
    ['rg-?', 'rg-12', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'acb', false],
  ])("'%s' against '%s' is %p", (pattern, value, expected) => {
    expect(matchesGlob(pattern, value)).toBe(expected);
  });

  it('matches the whole value, not a part of it', () => {
    expect(matchesGlob('app', 'my-app-1')).toBe(false);
  });

  it.each([
    ['rg.app', 'rg.app', 'rgxapp'],
    ['rg(1)', 'rg(1)', 'rg1'],
    ['a+b', 'a+b', 'aab'],
    ['[ab]', '[ab]', 'a'],
    ['x|y', 'x|y', 'x'],
    ['^rg$', '^rg$', 'rg'],
    ['{1,2}', '{1,2}', '1'],
    ['back\\slash', 'back\\slash', 'backslash'],
  ])("treats regular-expression characters in '%s' literally", (pattern, literal, notMatched) => {
    expect(matchesGlob(pattern, literal)).toBe(true);
    expect(matchesGlob(pattern, notMatched)).toBe(false);
  });
});

describe('globToRegExp', () => {
  it('builds an anchored, case-insensitive expression', () => {
    const expression = globToRegExp('rg-*-?');
    expect(expression.source).toBe('^rg-.*-.$');
    expect(expression.flags).toBe('i');
  });

  it('does not throw on patterns that would be invalid regular expressions', () => {
    expect(() => globToRegExp('(unclosed[')).not.toThrow();
  });
});

describe('firstMatchingGlob', () => {
  it('returns the first pattern that matches, in order', () => {
    expect(firstMatchingGlob(['rg-web*', 'rg-*', '*'], 'rg-web-1')).toBe('rg-web*');
    expect(firstMatchingGlob(['rg-db*', 'rg-*', '*'], 'rg-web-1')).toBe('rg-*');
  });

  it('returns undefined when none matches or there are no patterns', () => {
    expect(firstMatchingGlob(['rg-db*'], 'rg-web-1')).toBeUndefined();
    expect(firstMatchingGlob([], 'rg-web-1')).toBeUndefined();
  });
});
