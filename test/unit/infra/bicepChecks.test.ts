import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { checkBicepProject, checkBicepSource } from '../../../tools/infra/bicepChecks';

const INFRA_MAIN = join(__dirname, '../../../infra/main.bicep');

function messages(source: string, file = join(__dirname, 'inline.bicep')): string[] {
  return checkBicepSource(source, file).map((problem) => `${problem.line}: ${problem.message}`);
}

describe('checkBicepSource', () => {
  it('accepts well-formed declarations, loops, lambdas and nested resources', () => {
    const source = [
      "targetScope = 'subscription'",
      "@description('ids')",
      'param ids string',
      "var list = filter(map(split(ids, ','), id => trim(id)), id => !empty(id))",
      "resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = [for (name, index) in list: {",
      "  name: 'rg-${name}-${index}'",
      "  location: 'westeurope'",
      '}]',
      "output count int = length(list)",
    ].join('\n');

    expect(messages(source)).toEqual([]);
  });

  it('reports unbalanced brackets with the line of the opener', () => {
    expect(messages("var a = {\n  b: [1, 2\n}\n")).toEqual(expect.arrayContaining(["3: '}' closes '[' opened on line 2", "1: '{' is never closed"]));
    expect(messages('var a = (1))')).toEqual(["1: unmatched ')'"]);
  });

  it('reports duplicate symbols across params, vars and resources, but not an output named like a param', () => {
    const found = messages("param name string\nvar name = 'x'\noutput name string = name");

    expect(found).toEqual(["2: 'name' is declared twice (also on line 1)"]);
  });

  it('reports identifiers used in an interpolation that nothing declares', () => {
    const found = messages("param known string\nvar a = '${known}-${unknown.id}-${concat(known)}'");

    expect(found).toEqual(["2: 'unknown' is used in an interpolation but never declared"]);
  });

  it('reports malformed declarations', () => {
    expect(messages("targetScope = 'galaxy'")).toEqual(['1: targetScope must be one of resourceGroup, subscription, managementGroup, tenant']);
    expect(messages('param')).toEqual(['1: param needs a name']);
    expect(messages('param onlyName')).toEqual(['1: param onlyName needs a type']);
    expect(messages('var x 1')).toEqual(['1: var must be `var name = expression`']);
    expect(messages("resource st 'storageAccounts' = {}")).toEqual([]);
    expect(messages("resource st 'Microsoft.Storage/storageAccounts' = {}")).toEqual(["1: resource st needs a type 'Provider/type@yyyy-mm-dd', got Microsoft.Storage/storageAccounts"]);
    expect(messages("resource st 'Microsoft.Storage/storageAccounts@2023-05-01' existing")).toEqual(["1: resource st needs '= {...}', '= [for ...]' or '= if (...) {...}'"]);
    expect(messages('output o string')).toEqual(['1: output must be `output name type = expression`']);
  });

  it('reports a module whose path does not exist, relative to the file', () => {
    const found = messages("module m 'modules/missing.bicep' = {\n  name: 'm'\n}");

    expect(found).toEqual(["1: module m: 'modules/missing.bicep' does not exist"]);
  });

  it('turns a tokenizer error into a problem with its line', () => {
    expect(messages("var a = 1\nvar b = 'open")).toEqual(['2: line 2: unterminated string']);
  });
});

describe('checkBicepProject', () => {
  it('finds no structural problem in infra/ and reaches every module', () => {
    const result = checkBicepProject(INFRA_MAIN);

    expect(result.problems).toEqual([]);
    expect(result.files.map((file) => file.replace(/.*\/infra\//, 'infra/')).sort()).toEqual([
      'infra/main.bicep',
      'infra/modules/app.bicep',
      'infra/modules/eventsWiring.bicep',
      'infra/modules/summaryTopicAccess.bicep',
      'infra/modules/vaultAccess.bicep',
      'infra/modules/watchedSubscription.bicep',
    ]);
  });

  it('reports problems in a referenced module, not only in the entry file', () => {
    const directory = mkdtempSync(join(tmpdir(), 'bicep-'));
    try {
      writeFileSync(join(directory, 'main.bicep'), "module child 'child.bicep' = {\n  name: 'child'\n}\n");
      writeFileSync(join(directory, 'child.bicep'), "var a = '${b}'\n");

      const result = checkBicepProject(join(directory, 'main.bicep'));

      expect(result.files).toHaveLength(2);
      expect(result.problems.map((problem) => [problem.file.endsWith('child.bicep'), problem.message])).toEqual([[true, "'b' is used in an interpolation but never declared"]]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('checkBicepSource on the real templates', () => {
  const source = readFileSync(INFRA_MAIN, 'utf8');

  it('notices a removed closing brace', () => {
    const broken = source.slice(0, source.lastIndexOf('}')) + source.slice(source.lastIndexOf('}') + 1);

    expect(checkBicepSource(broken, INFRA_MAIN).map((problem) => problem.message)).toEqual(expect.arrayContaining([expect.stringMatching(/is never closed/)]));
  });

  it('notices an interpolated var that was renamed at its declaration only', () => {
    const renamed = source.replace('var resourceToken =', 'var token =');

    expect(checkBicepSource(renamed, INFRA_MAIN).map((problem) => problem.message)).toContain("'resourceToken' is used in an interpolation but never declared");
  });
});
