import { tokenizeBicep } from '../../../tools/infra/bicepTokens';
import { BicepSyntaxError } from '../../../tools/infra/errors';

describe('tokenizeBicep', () => {
  it('keeps a string with escapes as one token and drops comments', () => {
    const tokens = tokenizeBicep("var a = 'it\\'s' // comment\n/* block\ncomment */ var b = 1");

    expect(tokens.filter((token) => token.kind === 'string').map((token) => token.text)).toEqual(["it's"]);
    expect(tokens.filter((token) => token.kind === 'identifier').map((token) => token.text)).toEqual([
      'var',
      'a',
      'var',
      'b',
    ]);
    expect(tokens.find((token) => token.text === 'b')?.line).toBe(3);
  });

  it('tokenizes interpolated expressions in place, including nested braces and strings', () => {
    const tokens = tokenizeBicep("var url = '${storage.properties.endpoint}/${union({ a: 'x' }, {}).a}'");

    const kinds = tokens.map((token) => token.kind);
    expect(kinds.filter((kind) => kind === 'interpolationStart')).toHaveLength(2);
    expect(kinds.filter((kind) => kind === 'interpolationEnd')).toHaveLength(2);
    expect(tokens.filter((token) => token.kind === 'identifier').map((token) => token.text)).toEqual([
      'var',
      'url',
      'storage',
      'properties',
      'endpoint',
      'union',
      'a',
      'a',
    ]);
    expect(tokens.filter((token) => token.kind === 'string').map((token) => token.text)).toEqual(['${}/${}', 'x']);
  });

  it("reads ''' multi-line strings verbatim and counts their lines", () => {
    const tokens = tokenizeBicep("var s = '''\nline ${not} interpolated\n'''\nvar t = 1");

    expect(tokens.find((token) => token.kind === 'string')?.text).toBe('\nline ${not} interpolated\n');
    expect(tokens.find((token) => token.text === 't')?.line).toBe(4);
  });

  it.each([
    ["var a = 'open", 'unterminated string'],
    ["var a = '${b'", 'unterminated'],
    ['/* never closed', 'unterminated /* comment'],
    ['var a = 1 ~ 2', "unexpected character '~'"],
  ])('rejects %p', (source, message) => {
    expect(() => tokenizeBicep(source)).toThrow(BicepSyntaxError);
    expect(() => tokenizeBicep(source)).toThrow(message);
  });
});
