import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { type BicepDeclaration,declarationsOf, locallyBoundNames } from './bicepDeclarations';
import { type BicepToken,tokenizeBicep } from './bicepTokens';
import { BicepSyntaxError } from './errors';

/** One structural problem in a .bicep file. `line` is 1-based. */
export interface BicepProblem {
  file: string;
  line: number;
  message: string;
}

const TARGET_SCOPES = ['resourceGroup', 'subscription', 'managementGroup', 'tenant'];
const RESOURCE_TYPE = /^[A-Za-z][A-Za-z0-9]*\.[A-Za-z0-9.]+(\/[A-Za-z0-9]+)+@\d{4}-\d{2}-\d{2}(-preview)?$/;
const CHILD_RESOURCE_TYPE = /^[A-Za-z0-9]+(@\d{4}-\d{2}-\d{2}(-preview)?)?$/;
const PRIMITIVE_OR_CUSTOM_TYPE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names usable in expressions without a declaration. */
const BUILT_IN_NAMES: ReadonlySet<string> = new Set(['true', 'false', 'null', 'az', 'sys']);
const OPENERS: Readonly<Record<string, string>> = { '{': '}', '[': ']', '(': ')' };

/** Every structural problem of one file's source (no file system access except module paths, resolved from `file`). */
export function checkBicepSource(source: string, file: string): BicepProblem[] {
  let tokens: BicepToken[];
  try {
    tokens = tokenizeBicep(source);
  } catch (error) {
    if (error instanceof BicepSyntaxError) return [{ file, line: error.line, message: error.message }];
    throw error;
  }
  const declarations = declarationsOf(tokens);
  const problem = (line: number, message: string): BicepProblem => ({ file, line, message });
  return [
    ...bracketProblems(tokens).map(({ line, message }) => problem(line, message)),
    ...declarations.flatMap((declaration) => declarationProblems(declaration, file).map((message) => problem(declaration.line, message))),
    ...duplicateProblems(declarations).map(({ line, message }) => problem(line, message)),
    ...interpolationProblems(tokens, declarations).map(({ line, message }) => problem(line, message)),
  ];
}

/** Checks `entryFile` and every module it references, transitively. */
export function checkBicepProject(entryFile: string): { files: string[]; problems: BicepProblem[] } {
  const files: string[] = [];
  const problems: BicepProblem[] = [];
  const pending = [resolve(entryFile)];
  while (pending.length > 0) {
    const file = pending.pop() ?? '';
    if (files.includes(file)) continue;
    files.push(file);
    const source = readFileSync(file, 'utf8');
    problems.push(...checkBicepSource(source, file));
    pending.push(...localModulePaths(source, file).filter(existsSync));
  }
  return { files, problems };
}

/** Absolute paths of the local (non-registry) modules a file references. */
export function localModulePaths(source: string, file: string): string[] {
  try {
    return declarationsOf(tokenizeBicep(source))
      .filter((declaration) => declaration.kind === 'module')
      .map((declaration) => declaration.tokens[1])
      .filter((token): token is BicepToken => token?.kind === 'string' && !isRegistryReference(token.text))
      .map((token) => resolve(dirname(file), token.text));
  } catch (_error) {
    return [];
  }
}

function bracketProblems(tokens: readonly BicepToken[]): Array<{ line: number; message: string }> {
  const stack: BicepToken[] = [];
  const problems: Array<{ line: number; message: string }> = [];
  for (const token of tokens) {
    if (token.kind !== 'punctuation') continue;
    if (OPENERS[token.text] !== undefined) stack.push(token);
    else if (Object.values(OPENERS).includes(token.text)) {
      const opener = stack.pop();
      if (opener === undefined) problems.push({ line: token.line, message: `unmatched '${token.text}'` });
      else if (OPENERS[opener.text] !== token.text) {
        problems.push({ line: token.line, message: `'${token.text}' closes '${opener.text}' opened on line ${opener.line}` });
      }
    }
  }
  for (const opener of stack) problems.push({ line: opener.line, message: `'${opener.text}' is never closed` });
  return problems;
}

function declarationProblems(declaration: BicepDeclaration, file: string): string[] {
  const [first, second, third, fourth] = declaration.tokens;
  const hasAssignment = declaration.tokens.some((token) => token.text === '=');
  switch (declaration.kind) {
    case 'targetScope':
      return first?.text === '=' && second?.kind === 'string' && TARGET_SCOPES.includes(second.text) ? [] : [`targetScope must be one of ${TARGET_SCOPES.join(', ')}`];
    case 'param':
      if (first?.kind !== 'identifier') return ['param needs a name'];
      return second !== undefined && (second.kind === 'string' || PRIMITIVE_OR_CUSTOM_TYPE.test(second.text)) ? [] : [`param ${first.text} needs a type`];
    case 'var':
      return first?.kind === 'identifier' && second?.text === '=' && third !== undefined ? [] : ['var must be `var name = expression`'];
    case 'output':
      return first?.kind === 'identifier' && second !== undefined && third?.text === '=' && fourth !== undefined ? [] : ['output must be `output name type = expression`'];
    case 'resource':
      return resourceProblems(declaration, hasAssignment);
    case 'module':
      return moduleProblems(declaration, file, hasAssignment);
    default:
      return [];
  }
}

function resourceProblems(declaration: BicepDeclaration, hasAssignment: boolean): string[] {
  const [name, type] = declaration.tokens;
  if (name?.kind !== 'identifier') return ['resource needs a symbolic name'];
  if (type?.kind !== 'string' || !(RESOURCE_TYPE.test(type.text) || CHILD_RESOURCE_TYPE.test(type.text))) {
    return [`resource ${name.text} needs a type 'Provider/type@yyyy-mm-dd', got ${type?.text ?? 'nothing'}`];
  }
  return hasAssignment && bodyFollowsAssignment(declaration.tokens) ? [] : [`resource ${name.text} needs '= {...}', '= [for ...]' or '= if (...) {...}'`];
}

function moduleProblems(declaration: BicepDeclaration, file: string, hasAssignment: boolean): string[] {
  const [name, path] = declaration.tokens;
  if (name?.kind !== 'identifier') return ['module needs a symbolic name'];
  if (path?.kind !== 'string') return [`module ${name.text} needs a path string`];
  const problems: string[] = [];
  if (!isRegistryReference(path.text) && !existsSync(resolve(dirname(file), path.text))) problems.push(`module ${name.text}: '${path.text}' does not exist`);
  if (!hasAssignment || !bodyFollowsAssignment(declaration.tokens)) problems.push(`module ${name.text} needs '= {...}'`);
  return problems;
}

function bodyFollowsAssignment(tokens: readonly BicepToken[]): boolean {
  const assignment = tokens.findIndex((token) => token.text === '=');
  const body = tokens[assignment + 1];
  return body !== undefined && (body.text === '{' || body.text === '[' || body.text === 'if');
}

function duplicateProblems(declarations: readonly BicepDeclaration[]): Array<{ line: number; message: string }> {
  const seen = new Map<string, BicepDeclaration>();
  const problems: Array<{ line: number; message: string }> = [];
  for (const declaration of declarations) {
    if (declaration.kind === 'targetScope' || declaration.kind === 'import' || declaration.name === '') continue;
    // Outputs live in their own namespace; everything else shares one.
    const key = `${declaration.kind === 'output' ? 'output' : 'symbol'}:${declaration.name}`;
    const earlier = seen.get(key);
    if (earlier) problems.push({ line: declaration.line, message: `'${declaration.name}' is declared twice (also on line ${earlier.line})` });
    else seen.set(key, declaration);
  }
  return problems;
}

function interpolationProblems(tokens: readonly BicepToken[], declarations: readonly BicepDeclaration[]): Array<{ line: number; message: string }> {
  const declared = new Set([...declarations.filter((declaration) => declaration.kind !== 'output').map((declaration) => declaration.name), ...locallyBoundNames(tokens), ...BUILT_IN_NAMES]);
  const problems: Array<{ line: number; message: string }> = [];
  let depth = 0;
  tokens.forEach((token, index) => {
    if (token.kind === 'interpolationStart') depth += 1;
    if (token.kind === 'interpolationEnd') depth -= 1;
    if (depth === 0 || token.kind !== 'identifier') return;
    const previous = tokens[index - 1];
    const next = tokens[index + 1];
    const isMember = previous?.text === '.' || previous?.text === '.?' || previous?.text === '::';
    const isFunctionCall = next?.text === '(';
    if (!isMember && !isFunctionCall && !declared.has(token.text)) {
      problems.push({ line: token.line, message: `'${token.text}' is used in an interpolation but never declared` });
    }
  });
  return problems;
}

function isRegistryReference(path: string): boolean {
  return /^(br|ts)[:/]/.test(path);
}
