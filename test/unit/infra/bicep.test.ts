import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  type BicepRun,
  findBicep,
  formatDiagnostic,
  hasDotnet,
  HOW_TO_GET_BICEP,
  runBicep,
} from '../../../tools/infra/bicepCli';

/**
 * The real Bicep compiler on infra/: `bicep build` (type-checks every resource against Azure's published types) and
 * `bicep lint` (infra/bicepconfig.json: the security rules, use-recent-api-versions and the unused-symbol rules are
 * errors). Any warning fails, which makes BCP037 (unknown property) and BCP081 (unknown API version) errors too:
 * bicepconfig.json can raise linter rules but not compiler diagnostics.
 *
 * CI (CI=true) always runs it. Elsewhere a missing bicep fails with the one line that says how to get it, except on a
 * machine without dotnet, where it is skipped (README: optional for `npm test` without .NET).
 */
// bicep takes about ten seconds a run on a busy machine.
jest.setTimeout(180_000);

const ROOT = join(__dirname, '../../..');
const INFRA = join(ROOT, 'infra');
const bicep = findBicep();
const mandatory = process.env.CI === 'true' || hasDotnet();
const describeWithBicep = bicep !== undefined || mandatory ? describe : describe.skip;

function compile(args: string[], cwd = INFRA): BicepRun {
  if (bicep === undefined) throw new Error(HOW_TO_GET_BICEP);
  return runBicep(bicep, args, cwd);
}

function problems(run: BicepRun, root = ROOT): string[] {
  return [...run.diagnostics.map((diagnostic) => formatDiagnostic(diagnostic, root)), ...run.otherOutput];
}

interface ArmTemplate {
  parameters: Record<
    string,
    { defaultValue?: unknown; minValue?: number; allowedValues?: unknown[]; metadata?: unknown }
  >;
}

describeWithBicep(`bicep build and bicep lint on infra/main.bicep (${bicep ?? 'bicep missing'})`, () => {
  let build: BicepRun;
  let compiled: string;
  let template: ArmTemplate;

  beforeAll(() => {
    build = compile(['build', 'main.bicep', '--stdout']);
    compiled = build.stdout;
    template = (build.status === 0 ? JSON.parse(compiled) : { parameters: {} }) as ArmTemplate;
  });

  it('builds with no error and no warning', () => {
    expect(problems(build)).toEqual([]);
    expect(build.status).toBe(0);
  });

  it('lints with no error and no warning under infra/bicepconfig.json', () => {
    const run = compile(['lint', 'main.bicep']);

    expect(problems(run)).toEqual([]);
    expect(run.status).toBe(0);
  });

  it('compiles to what the issue asks of the deployment: Node 22, Flex limits, azd location metadata', () => {
    expect(template.parameters.nodeVersion).toMatchObject({ defaultValue: '22', allowedValues: ['22'] });
    expect(template.parameters.maximumInstanceCount).toMatchObject({ minValue: 40 });
    expect(template.parameters.instanceMemoryMB?.allowedValues).toEqual([512, 2048, 4096]);
    expect(template.parameters.location?.metadata).toMatchObject({ azd: { type: 'location' } });
  });

  it('compiles to identity-only storage: shared keys off, no account key read anywhere', () => {
    expect(compiled).toContain('"allowSharedKeyAccess": false');
    // App settings compile to createObject('name', value, ...): a connection string setting would be
    // 'AzureWebJobsStorage'.
    expect(compiled).not.toMatch(/['"]AzureWebJobsStorage['"]/);
    for (const name of ['credential', 'clientId', 'blobServiceUri', 'queueServiceUri', 'tableServiceUri']) {
      expect(compiled).toContain(`'AzureWebJobsStorage__${name}'`);
    }
    // The only key the deployment reads is the Event Grid extension's system key of the function host.
    const listCalls = [...compiled.matchAll(/list[A-Z]\w*\(([^)]*)/g)].map((match) => match[1] ?? '');
    expect(listCalls.length).toBeGreaterThan(0);
    for (const call of listCalls) expect(call).toContain('/host/default');
    expect(compiled).toContain('deadLetterWithResourceIdentity');
  });

  describe('catches what it is there to catch (a broken copy of infra/)', () => {
    let copy: string;

    beforeAll(() => {
      copy = mkdtempSync(join(tmpdir(), 'bicep-'));
      cpSync(INFRA, copy, { recursive: true });
    });
    afterAll(() => rmSync(copy, { recursive: true, force: true }));

    function edit(file: string, from: string, to: string): void {
      const path = join(copy, file);
      const text = readFileSync(path, 'utf8');
      expect(text).toContain(from);
      writeFileSync(path, text.replace(from, to));
    }

    function codesOf(run: BicepRun): string[] {
      return [...new Set(run.diagnostics.map((diagnostic) => diagnostic.code))].sort();
    }

    it('an unknown property (BCP037) and an unknown API version (BCP081)', () => {
      edit(
        'modules/app.bicep',
        "minimumTlsVersion: 'TLS1_2'",
        "minimumTlsVersion: 'TLS1_2'\n    minimumTlsVersoin: 'TLS1_2'",
      );
      edit(
        'modules/vaultAccess.bicep',
        "'Microsoft.RecoveryServices/vaults@2026-01-01' existing",
        "'Microsoft.RecoveryServices/vaults@2099-01-01' existing",
      );

      const codes = codesOf(compile(['build', 'main.bicep', '--stdout'], copy));

      expect(codes).toEqual(expect.arrayContaining(['BCP037', 'BCP081']));
    });

    it('a secret in an output, as a lint error', () => {
      writeFileSync(
        join(copy, 'leak.bicep'),
        "resource st 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {\n  name: 'stx'\n}\n\noutput key string = st.listKeys().keys[0].value\n",
      );

      const run = compile(['lint', 'leak.bicep'], copy);

      expect(run.diagnostics).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ level: 'Error', code: 'outputs-should-not-contain-secrets' }),
        ]),
      );
      expect(run.status).not.toBe(0);
    });
  });
});

describe('infra/bicepconfig.json', () => {
  const config = JSON.parse(readFileSync(join(INFRA, 'bicepconfig.json'), 'utf8')) as {
    analyzers: { core: { enabled: boolean; rules: Record<string, { level: string }> } };
  };

  it.each([
    'adminusername-should-not-be-literal',
    'no-hardcoded-env-urls',
    'outputs-should-not-contain-secrets',
    'protect-commandtoexecute-secrets',
    'secure-parameter-default',
    'secure-params-in-nested-deploy',
    'secure-secrets-in-params',
    'use-secure-value-for-secure-inputs',
    'use-recent-api-versions',
    'no-unused-params',
  ])('makes %s an error', (rule) => {
    expect(config.analyzers.core.enabled).toBe(true);
    expect(config.analyzers.core.rules[rule]?.level).toBe('error');
  });

  it('is found through BICEP_PATH first; without one, the failure says how to get it in one line', () => {
    const fake = join(mkdtempSync(join(tmpdir(), 'bicep-path-')), 'bicep');
    writeFileSync(fake, '');
    try {
      expect(findBicep({ BICEP_PATH: fake, PATH: '' })).toBe(fake);
    } finally {
      rmSync(fake);
    }
    expect(HOW_TO_GET_BICEP).not.toContain('\n');
    expect(HOW_TO_GET_BICEP).toContain('tools/bicep/install-bicep.sh');
  });
});
