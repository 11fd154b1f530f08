import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { matchesGlob } from '../../src/lib/rules/globPattern';
import { declarationsOf } from './bicepDeclarations';
import { type BicepToken, closingBraceIndex, tokenizeBicep } from './bicepTokens';
import { InfraInputError } from './errors';

/** infra/permissions.json, as the checks use it. */
export interface PermissionTable {
  scopes: Record<string, { description: string; bicep: string }>;
  operations: Array<{
    operation: string;
    request: string;
    requires: Array<{ scope: string; action: string }>;
    note?: string;
  }>;
  builtInRoles: Record<string, { name: string; source: string; actions: string[] }>;
}

/**
 * What the Bicep grants on one scope: the built-in roles it assigns (by id) and the actions of custom roles it defines.
 */
export interface ScopeGrant {
  builtInRoleIds: string[];
  customRoleActions: string[];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function readPermissionTable(path: string): PermissionTable {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PermissionTable;
  } catch (error) {
    throw new InfraInputError(`cannot read the permission table ${path}`, { cause: error });
  }
}

/** The grants of every scope of the table, read from the scope's Bicep file (paths relative to the table). */
export function grantsFromBicep(table: PermissionTable, tablePath: string): Map<string, ScopeGrant> {
  const grants = new Map<string, ScopeGrant>();
  for (const [scope, { bicep }] of Object.entries(table.scopes)) {
    grants.set(scope, grantOfBicepSource(readFileSync(resolve(dirname(tablePath), bicep), 'utf8')));
  }
  return grants;
}

/**
 * Built-in role ids are the GUID string literals of the file; custom role actions come from its roleDefinitions
 * resources.
 */
export function grantOfBicepSource(source: string): ScopeGrant {
  const allTokens = tokenizeBicep(source);
  const tokens = allTokens.filter((token) => token.kind !== 'newline');
  const variables = new Map(
    declarationsOf(allTokens)
      .filter((declaration) => declaration.kind === 'var')
      .map((declaration) => [declaration.name, declaration.tokens]),
  );
  const builtInRoleIds = [
    ...new Set(
      tokens
        .filter((token) => token.kind === 'string' && GUID.test(token.text))
        .map((token) => token.text.toLowerCase()),
    ),
  ];
  return { builtInRoleIds, customRoleActions: customRoleActions(tokens, variables) };
}

/** RBAC action matching: case-insensitive, `*` matches any characters (including '/'). */
export function actionMatches(pattern: string, action: string): boolean {
  return matchesGlob(pattern, action);
}

/**
 * Every requirement of the table not granted on its scope, and every grant problem (unknown role, unused custom
 * action).
 */
export function permissionProblems(table: PermissionTable, grants: ReadonlyMap<string, ScopeGrant>): string[] {
  const problems: string[] = [];
  const grantedActions = new Map<string, string[]>();
  for (const [scope, grant] of grants) {
    const actions = [...grant.customRoleActions];
    for (const roleId of grant.builtInRoleIds) {
      const role = table.builtInRoles[roleId];
      if (role === undefined)
        problems.push(
          `scope ${scope}: role ${roleId} is assigned but its actions are not recorded in permissions.json`,
        );
      else actions.push(...role.actions);
    }
    grantedActions.set(scope, actions);
  }
  for (const { operation, requires } of table.operations) {
    for (const { scope, action } of requires) {
      const granted = grantedActions.get(scope);
      if (granted === undefined) problems.push(`${operation}: scope '${scope}' is not a scope of permissions.json`);
      else if (!granted.some((pattern) => actionMatches(pattern, action)))
        problems.push(`${operation}: ${action} is not granted on scope ${scope}`);
    }
  }
  for (const [scope, grant] of grants) {
    const needed = table.operations.flatMap(({ requires }) =>
      requires.filter((requirement) => requirement.scope === scope).map((requirement) => requirement.action),
    );
    for (const action of grant.customRoleActions) {
      if (!needed.some((requirement) => actionMatches(action, requirement)))
        problems.push(`scope ${scope}: custom role grants ${action}, which no operation needs`);
    }
  }
  return problems;
}

/** Differences between the calls found in the code and the operations of the table. */
export function tableDriftProblems(table: PermissionTable, calledOperations: readonly string[]): string[] {
  const listed = new Set(table.operations.map(({ operation }) => operation));
  const called = new Set(calledOperations);
  return [
    ...[...called]
      .filter((operation) => !listed.has(operation))
      .map((operation) => `${operation} is called by the code but missing from permissions.json`),
    ...[...listed]
      .filter((operation) => !called.has(operation))
      .map((operation) => `${operation} is in permissions.json but no longer called by the code`),
  ];
}

function customRoleActions(tokens: readonly BicepToken[], variables: ReadonlyMap<string, BicepToken[]>): string[] {
  const actions: string[] = [];
  tokens.forEach((token, index) => {
    if (
      token.kind !== 'string' ||
      !/^Microsoft\.Authorization\/roleDefinitions@/i.test(token.text) ||
      tokens[index - 2]?.text !== 'resource'
    )
      return;
    const end = closingBraceIndex(
      tokens,
      tokens.findIndex((candidate, position) => position > index && candidate.text === '{'),
    );
    for (let cursor = index; cursor < end; cursor += 1) {
      if (tokens[cursor]?.text === 'actions' && tokens[cursor + 1]?.text === ':')
        actions.push(...arrayStringsAt(tokens, cursor + 2, variables));
    }
  });
  return actions;
}

/** The string items of the array literal at `index`, or of the `var` it names (var tokens: `name = [ ... ]`). */
function arrayStringsAt(
  tokens: readonly BicepToken[],
  index: number,
  variables: ReadonlyMap<string, BicepToken[]>,
): string[] {
  const start = tokens[index];
  if (start?.kind === 'identifier') {
    const variable = variables.get(start.text);
    return variable ? arrayStringsAt(variable, 2, variables) : [];
  }
  if (start?.text !== '[') return [];
  const strings: string[] = [];
  for (let cursor = index + 1; cursor < tokens.length && tokens[cursor]?.text !== ']'; cursor += 1) {
    const item = tokens[cursor];
    if (item?.kind === 'string') strings.push(item.text);
  }
  return strings;
}
