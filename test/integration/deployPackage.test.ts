import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { deflateRawSync } from 'node:zlib';

import {
  buildAzurePackage,
  PACKAGE_DIR,
  PACKAGE_ROOT_ENTRIES,
  type PackageSummary,
} from '../../tools/deploy/buildPackage';
import { parseSimpleYamlMapping, type YamlMapping } from '../../tools/infra/simpleYaml';

/**
 * The deployment package, built the way `azd package` builds it (azure.yaml: the prepackage hook runs
 * `npm run package:azure`, azd zips the `dist:` folder, everything in it), into a folder outside the project so that
 * nothing resolves from the project's own node_modules. `npm ci --offline` installs from the local npm cache only.
 * Needs `npm run build` first (`npm test` does it).
 */
const ROOT = join(__dirname, '../..');
const MAX_PACKAGE_BYTES = 60 * 1024 * 1024;
const MAX_ZIP_BYTES = 20 * 1024 * 1024;

jest.setTimeout(300_000);

const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

describe('azure.yaml packages what tools/deploy/buildPackage.ts builds', () => {
  const api = ((parseSimpleYamlMapping(readFileSync(join(ROOT, 'azure.yaml'), 'utf8')).services as YamlMapping).api ??
    {}) as YamlMapping;

  it('deploys the package folder, built locally by the prepackage hook', () => {
    expect(api.dist).toBe(PACKAGE_DIR.split('\\').join('/'));
    expect(api.remoteBuild).toBe('false');
    const prepackage = (api.hooks as YamlMapping).prepackage as YamlMapping;
    for (const platform of ['posix', 'windows']) {
      expect((prepackage[platform] as YamlMapping).run).toBe('npm run --silent package:azure');
    }
    expect(packageJson.scripts['package:azure']).toBe('npm run build && node dist/tools/deploy/buildPackage.js');
  });
});

describe('the deployment package', () => {
  let outDir: string;
  let summary: PackageSummary;
  let files: string[];

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/src/index.js'))) throw new Error('dist/src is missing: run `npm run build` first');
    outDir = join(mkdtempSync(join(tmpdir(), 'autoprotect-package-')), 'package');
    summary = buildAzurePackage({ root: ROOT, outDir, offline: true });
    files = filesUnder(outDir);
  });
  afterAll(() => {
    if (outDir !== undefined) rmSync(dirname(outDir), { recursive: true, force: true });
  });

  it('holds dist/src, host.json, package.json and node_modules, nothing else', () => {
    expect(readdirSync(outDir).sort()).toEqual([...PACKAGE_ROOT_ENTRIES]);
    expect(readdirSync(join(outDir, 'dist'))).toEqual(['src']);
    const app = files.filter((file) => file.startsWith('dist/'));
    expect(app).toContain('dist/src/index.js');
    expect(app).toContain('dist/src/functions/protectVm.js');
    expect(app.filter((file) => !file.endsWith('.js'))).toEqual([]);
    expect(readFileSync(join(outDir, 'host.json'), 'utf8')).toBe(readFileSync(join(ROOT, 'host.json'), 'utf8'));
  });

  it('has every production dependency and no development one', () => {
    const installed = (name: string) => existsSync(join(outDir, 'node_modules', name, 'package.json'));
    expect(Object.keys(packageJson.dependencies).filter((name) => !installed(name))).toEqual([]);
    expect(Object.keys(packageJson.devDependencies).filter(installed)).toEqual([]);
    expect(files.filter((file) => /\.(map|d\.ts)$/.test(file))).toEqual([]);
  });

  it('is small: a fraction of the project with its dev dependencies', () => {
    const zipped = files.reduce((total, file) => total + deflateRawSync(readFileSync(join(outDir, file))).length, 0);
    console.log(
      `deployment package: ${summary.files} files, ${(summary.bytes / 1048576).toFixed(1)} MB, about ${(zipped / 1048576).toFixed(1)} MB zipped`,
    );
    expect(summary.files).toBe(files.length);
    expect(summary.bytes).toBeLessThan(MAX_PACKAGE_BYTES);
    expect(zipped).toBeLessThan(MAX_ZIP_BYTES);
  });

  it('loads on its own: the app entry point resolves every import from the package alone', () => {
    // No node_modules above the package may help resolution.
    for (let dir = dirname(outDir); dir !== dirname(dir); dir = dirname(dir)) {
      expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    }
    const result = spawnSync(
      process.execPath,
      ['-e', "require('./dist/src/index.js'); require('./dist/src/functions/protectVm.js'); console.log('loaded')"],
      { cwd: outDir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    expect(result.stderr).not.toMatch(/Cannot find module|Error:/);
    expect(result.stdout.trim()).toBe('loaded');
    expect(result.status).toBe(0);
  });
});
