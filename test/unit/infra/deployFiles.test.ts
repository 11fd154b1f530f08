import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { declarationsOf } from '../../../tools/infra/bicepDeclarations';
import { tokenizeBicep } from '../../../tools/infra/bicepTokens';
import { parseSimpleYamlMapping, type YamlMapping } from '../../../tools/infra/simpleYaml';

const ROOT = join(__dirname, '../../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function child(mapping: YamlMapping | string | undefined, key: string): YamlMapping | string | undefined {
  return typeof mapping === 'object' ? mapping[key] : undefined;
}

describe('azure.yaml', () => {
  const yaml = parseSimpleYamlMapping(read('azure.yaml'));

  it('deploys service api as a TypeScript Function App, built here into a self-contained package folder', () => {
    const { hooks: _hooks, ...service } = child(child(yaml, 'services'), 'api') as YamlMapping;
    expect(service).toEqual({
      project: '.',
      language: 'ts',
      host: 'function',
      dist: 'dist/azure-package',
      remoteBuild: 'false',
    });
  });

  it('provisions infra/main.bicep', () => {
    expect(child(yaml, 'infra')).toEqual({ provider: 'bicep', path: 'infra', module: 'main' });
    expect(existsSync(join(ROOT, 'infra/main.bicep'))).toBe(true);
  });

  it.each(['preprovision', 'postprovision', 'postdeploy'])(
    'runs the %s hook of infra/hooks/autoprotect-hooks.js',
    (event) => {
      const hook = child(child(yaml, 'hooks'), event);
      for (const platform of ['posix', 'windows']) {
        expect(child(child(hook, platform), 'run')).toBe(`node ./infra/hooks/autoprotect-hooks.js ${event}`);
        expect(child(child(hook, platform), 'continueOnError')).toBe('false');
      }
      expect(existsSync(join(ROOT, 'infra/hooks/autoprotect-hooks.js'))).toBe(true);
    },
  );
});

describe('infra/main.parameters.json', () => {
  const parameters = Object.keys(
    (JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, unknown> }).parameters,
  );
  const params = declarationsOf(tokenizeBicep(read('infra/main.bicep'))).filter(
    (declaration) => declaration.kind === 'param',
  );

  it('maps only parameters main.bicep declares', () => {
    const declared = params.map((param) => param.name);

    expect(parameters.filter((name) => !declared.includes(name))).toEqual([]);
  });

  it('maps every parameter without a default', () => {
    const required = params
      .filter((param) => !param.tokens.some((token) => token.text === '='))
      .map((param) => param.name);

    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !parameters.includes(name))).toEqual([]);
  });
});

describe('host.json for production', () => {
  const host = JSON.parse(read('host.json')) as {
    version: string;
    extensionBundle?: { id: string };
    extensions?: { queues?: { messageEncoding?: string; maxDequeueCount?: number; batchSize?: number } };
    logging?: { applicationInsights?: { samplingSettings?: { isEnabled?: boolean; excludedTypes?: string } } };
  };

  it('uses the v2 schema and the extension bundle (queue, Event Grid and timer bindings)', () => {
    expect(host.version).toBe('2.0');
    expect(host.extensionBundle?.id).toBe('Microsoft.Azure.Functions.ExtensionBundle');
  });

  it('pins the queue message encoding and a poison threshold', () => {
    expect(host.extensions?.queues?.messageEncoding).toBe('base64');
    expect(host.extensions?.queues?.maxDequeueCount).toBeGreaterThanOrEqual(1);
  });

  it('never samples away failures', () => {
    expect(host.logging?.applicationInsights?.samplingSettings?.excludedTypes ?? '').toContain('Exception');
  });
});

describe('parseSimpleYamlMapping', () => {
  it('nests by indentation, strips comments and quotes', () => {
    expect(parseSimpleYamlMapping("# c\na:\n  b: 'x' # note\n  c:\n    d: y\ne: z\n")).toEqual({
      a: { b: 'x', c: { d: 'y' } },
      e: 'z',
    });
  });

  it('refuses lines it does not understand', () => {
    expect(() => parseSimpleYamlMapping('a:\n  - item\n')).toThrow("line 2: not a 'key: value' line");
  });
});
