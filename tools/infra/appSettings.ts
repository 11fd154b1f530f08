import { type BicepToken, closingBraceIndex, tokenizeBicep } from './bicepTokens';

/**
 * The app setting names a .bicep file assigns through a `Microsoft.Web/sites/config` resource named 'appsettings'
 * (top level or nested as `resource x 'config'`). Keys of every object literal under its `properties` count, so
 * settings merged in with `union(...)` or added conditionally are included. Empty when the file has no such resource.
 */
export function appSettingNamesIn(source: string): string[] {
  const tokens = tokenizeBicep(source).filter((token) => token.kind !== 'newline');
  const names = new Set<string>();
  for (const body of configResourceBodies(tokens)) {
    if (!isAppSettingsBody(body)) continue;
    const properties = body.findIndex((token, index) => token.text === 'properties' && body[index + 1]?.text === ':');
    if (properties === -1) continue;
    for (const name of objectKeys(expressionAt(body, properties + 2))) names.add(name);
  }
  return [...names].sort();
}

function configResourceBodies(tokens: readonly BicepToken[]): BicepToken[][] {
  const bodies: BicepToken[][] = [];
  tokens.forEach((token, index) => {
    const isConfigType =
      token.kind === 'string' &&
      (/^Microsoft\.Web\/sites\/config@/i.test(token.text) || /^config(@.*)?$/.test(token.text));
    if (!isConfigType || tokens[index - 2]?.text !== 'resource') return;
    const open = tokens.findIndex(
      (candidate, position) => position > index && candidate.kind === 'punctuation' && candidate.text === '{',
    );
    if (open !== -1) bodies.push(tokens.slice(open + 1, closingBraceIndex(tokens, open)));
  });
  return bodies;
}

/**
 * The tokens of the expression starting at `start` (a `{...}` literal or a call like `union(...)`), brackets balanced.
 */
function expressionAt(tokens: readonly BicepToken[], start: number): BicepToken[] {
  let depth = 0;
  for (let index = start; index < tokens.length; index += 1) {
    const token = tokens[index];
    if (token?.kind !== 'punctuation') continue;
    if (['(', '[', '{'].includes(token.text)) depth += 1;
    if ([')', ']', '}'].includes(token.text)) {
      depth -= 1;
      if (depth === 0) return tokens.slice(start, index + 1);
    }
  }
  return tokens.slice(start);
}

function isAppSettingsBody(body: readonly BicepToken[]): boolean {
  return body.some(
    (token, index) =>
      token.text === 'name' &&
      body[index + 1]?.text === ':' &&
      body[index + 2]?.kind === 'string' &&
      body[index + 2]?.text === 'appsettings',
  );
}

/** Identifiers or strings directly followed by ':' at the start of an object entry. */
function objectKeys(tokens: readonly BicepToken[]): string[] {
  return tokens
    .filter(
      (token, index) =>
        (token.kind === 'identifier' || token.kind === 'string') &&
        tokens[index + 1]?.text === ':' &&
        isEntryStart(tokens[index - 1]),
    )
    .map((token) => token.text);
}

function isEntryStart(previous: BicepToken | undefined): boolean {
  // Keys follow '{' or ',' or the end of a previous entry's value on an earlier line; values never end with '?'.
  return previous === undefined || previous.text !== '?';
}
