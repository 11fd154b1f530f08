import { BicepSyntaxError } from './errors';

/**
 * A small Bicep tokenizer: enough to check structure, not to compile. Comments are dropped; a string becomes one
 * `string` token (its text without interpolations); the expressions inside `${...}` are tokenized in place between
 * `interpolationStart` / `interpolationEnd` tokens, so bracket balance and identifier checks see them.
 */
export type BicepTokenKind =
  'identifier' | 'string' | 'number' | 'punctuation' | 'newline' | 'interpolationStart' | 'interpolationEnd';

export interface BicepToken {
  kind: BicepTokenKind;
  text: string;
  line: number;
}

const PUNCTUATION = [
  '=>',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '.?',
  '::',
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  ',',
  ':',
  '.',
  '=',
  '?',
  '!',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '@',
  '|',
];

export function tokenizeBicep(source: string): BicepToken[] {
  const lexer = new BicepLexer(source);
  lexer.run();
  return lexer.tokens;
}

class BicepLexer {
  readonly tokens: BicepToken[] = [];
  private index = 0;
  private line = 1;

  constructor(private readonly source: string) {}

  run(): void {
    this.lexUntil(undefined);
  }

  /** Lexes until end of input, or (inside an interpolation) until the `}` that closes it. */
  private lexUntil(closingBraceOfInterpolation: number | undefined): void {
    let braceDepth = 0;
    const startLine = this.line;
    while (this.index < this.source.length) {
      const char = this.source[this.index] ?? '';
      const rest = this.source.slice(this.index);
      if (char === '\n') {
        this.push('newline', '\n');
        this.index += 1;
        this.line += 1;
      } else if (/\s/.test(char)) {
        this.index += 1;
      } else if (rest.startsWith('//')) {
        const end = this.source.indexOf('\n', this.index);
        this.index = end === -1 ? this.source.length : end;
      } else if (rest.startsWith('/*')) {
        this.skipBlockComment();
      } else if (rest.startsWith("'''")) {
        this.lexMultilineString();
      } else if (char === "'") {
        this.lexString();
      } else if (/[A-Za-z_]/.test(char)) {
        this.push('identifier', /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0] ?? char);
      } else if (/[0-9]/.test(char)) {
        this.push('number', /^[0-9]+/.exec(rest)?.[0] ?? char);
      } else if (closingBraceOfInterpolation !== undefined && char === '}' && braceDepth === 0) {
        this.index += 1;
        return;
      } else {
        const punctuation = PUNCTUATION.find((candidate) => rest.startsWith(candidate));
        if (punctuation === undefined) throw new BicepSyntaxError(`unexpected character '${char}'`, this.line);
        if (punctuation === '{') braceDepth += 1;
        if (punctuation === '}') braceDepth -= 1;
        this.push('punctuation', punctuation);
      }
    }
    if (closingBraceOfInterpolation !== undefined)
      throw new BicepSyntaxError('unterminated ${...} interpolation', startLine);
  }

  private push(kind: BicepTokenKind, text: string): void {
    this.tokens.push({ kind, text, line: this.line });
    if (kind !== 'newline') this.index += text.length;
  }

  private skipBlockComment(): void {
    const end = this.source.indexOf('*/', this.index + 2);
    if (end === -1) throw new BicepSyntaxError('unterminated /* comment', this.line);
    this.line += countNewlines(this.source.slice(this.index, end));
    this.index = end + 2;
  }

  private lexMultilineString(): void {
    const end = this.source.indexOf("'''", this.index + 3);
    if (end === -1) throw new BicepSyntaxError("unterminated ''' string", this.line);
    const text = this.source.slice(this.index + 3, end);
    this.tokens.push({ kind: 'string', text, line: this.line });
    this.line += countNewlines(text);
    this.index = end + 3;
  }

  private lexString(): void {
    const startLine = this.line;
    const stringToken: BicepToken = { kind: 'string', text: '', line: startLine };
    this.tokens.push(stringToken);
    this.index += 1;
    while (this.index < this.source.length) {
      const char = this.source[this.index] ?? '';
      if (char === '\n') throw new BicepSyntaxError('unterminated string', startLine);
      if (char === '\\') {
        stringToken.text += this.source[this.index + 1] ?? '';
        this.index += 2;
      } else if (char === "'") {
        this.index += 1;
        return;
      } else if (this.source.startsWith('${', this.index)) {
        this.tokens.push({ kind: 'interpolationStart', text: '${', line: this.line });
        this.index += 2;
        this.lexUntil(this.index);
        this.tokens.push({ kind: 'interpolationEnd', text: '}', line: this.line });
        stringToken.text += '${}';
      } else {
        stringToken.text += char;
        this.index += 1;
      }
    }
    throw new BicepSyntaxError('unterminated string', startLine);
  }
}

function countNewlines(text: string): number {
  return text.split('\n').length - 1;
}

/**
 * Index of the '}' that closes the '{' at `open` (tokens.length when it is never closed; a negative `open` counts as
 * 0).
 */
export function closingBraceIndex(tokens: readonly BicepToken[], open: number): number {
  let depth = 0;
  for (let index = Math.max(open, 0); index < tokens.length; index += 1) {
    const token = tokens[index];
    if (token?.kind === 'punctuation' && token.text === '{') depth += 1;
    if (token?.kind === 'punctuation' && token.text === '}') depth -= 1;
    if (depth === 0) return index;
  }
  return tokens.length;
}
