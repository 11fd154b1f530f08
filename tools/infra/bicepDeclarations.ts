import type { BicepToken } from './bicepTokens';

/** One top-level declaration of a .bicep file, as far as the structural checks need it. */
export type BicepDeclarationKind =
  'targetScope' | 'param' | 'var' | 'resource' | 'module' | 'output' | 'type' | 'func' | 'metadata' | 'import';

export interface BicepDeclaration {
  kind: BicepDeclarationKind;
  name: string;
  line: number;
  /** The tokens of the declaration's line(s) after the keyword, up to the end of its statement. */
  tokens: BicepToken[];
}

const KEYWORDS: ReadonlySet<string> = new Set([
  'targetScope',
  'param',
  'var',
  'resource',
  'module',
  'output',
  'type',
  'func',
  'metadata',
  'import',
]);

/**
 * Splits the token stream into top-level statements (a statement ends at a newline at bracket depth 0) and keeps
 * those that start with a declaration keyword. Decorator lines (`@description(...)`) are statements of their own.
 */
export function topLevelStatements(tokens: readonly BicepToken[]): BicepToken[][] {
  const statements: BicepToken[][] = [];
  let current: BicepToken[] = [];
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === 'newline' && depth === 0) {
      if (current.length > 0) statements.push(current);
      current = [];
      continue;
    }
    if (token.kind === 'newline') continue;
    if (token.kind === 'punctuation' && ['{', '[', '('].includes(token.text)) depth += 1;
    if (token.kind === 'punctuation' && ['}', ']', ')'].includes(token.text)) depth = Math.max(0, depth - 1);
    current.push(token);
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

export function declarationsOf(tokens: readonly BicepToken[]): BicepDeclaration[] {
  const declarations: BicepDeclaration[] = [];
  for (const statement of topLevelStatements(tokens)) {
    const [keyword, name] = statement;
    if (keyword === undefined || keyword.kind !== 'identifier' || !KEYWORDS.has(keyword.text)) continue;
    const kind = keyword.text as BicepDeclarationKind;
    const declaredName =
      kind === 'targetScope' || kind === 'import' ? kind : name?.kind === 'identifier' ? name.text : '';
    declarations.push({ kind, name: declaredName, line: keyword.line, tokens: statement.slice(1) });
  }
  return declarations;
}
