import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * The deployment package of the Function App, as a self-contained folder that azd zips (`dist:` of service `api` in
 * azure.yaml, built by its prepackage hook): `dist/src` (the compiled app, without source maps), `host.json`,
 * `package.json` and the production dependencies, installed from package-lock.json with `npm ci --omit=dev`, less
 * their source maps and type declarations.
 * Nothing else: no simulator, tools, tests, docs, infra, local settings or dev dependencies.
 */
export const PACKAGE_DIR = join('dist', 'azure-package');
/** What the package holds at its root, and nothing more. */
export const PACKAGE_ROOT_ENTRIES = ['dist', 'host.json', 'node_modules', 'package.json'] as const;

export interface BuildPackageOptions {
  /** The project root (with package.json, package-lock.json, host.json and a built dist/src). */
  root: string;
  /** Where to build the package (replaced); default `<root>/dist/azure-package`. */
  outDir?: string;
  /** npm ci from the local npm cache only (tests: no network). Default: prefer the cache, fall back to the registry. */
  offline?: boolean;
}

export interface PackageSummary {
  outDir: string;
  files: number;
  bytes: number;
}

export class PackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackageError';
  }
}

export function buildAzurePackage(options: BuildPackageOptions): PackageSummary {
  const root = resolve(options.root);
  const outDir = resolve(root, options.outDir ?? PACKAGE_DIR);
  const appEntry = join(root, 'dist', 'src', 'index.js');
  if (!existsSync(appEntry))
    throw new PackageError(`${relative(root, appEntry)} is missing: run \`npm run build\` first`);
  const inside = relative(root, outDir);
  const outside = inside.startsWith('..') || isAbsolute(inside);
  const compiled = join('dist', 'src');
  const underDist = inside.startsWith(`dist${sep}`) && inside !== compiled && !inside.startsWith(`${compiled}${sep}`);
  if (!outside && !underDist) {
    throw new PackageError(
      `refusing to build the package into ${outDir}: use a folder under dist/ or outside the project`,
    );
  }

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  cpSync(join(root, 'dist', 'src'), join(outDir, 'dist', 'src'), {
    recursive: true,
    filter: (source) => !source.endsWith('.map'),
  });
  for (const file of ['host.json', 'package.json', 'package-lock.json']) cpSync(join(root, file), join(outDir, file));

  npm(outDir, [
    'ci',
    '--omit=dev',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    options.offline === true ? '--offline' : '--prefer-offline',
  ]);
  rmSync(join(outDir, 'package-lock.json'));
  rmSync(join(outDir, 'node_modules', '.package-lock.json'), { force: true });
  removeFiles(join(outDir, 'node_modules'), NEVER_LOADED);
  return { outDir, ...sizeOf(outDir) };
}

/** Files of the dependencies that Node never loads at run time: source maps and type declarations (about 60% of it). */
const NEVER_LOADED = /\.(?:map|d\.ts|d\.mts|d\.cts)$/;

function removeFiles(dir: string, pattern: RegExp): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && pattern.test(entry.name)) rmSync(join(entry.parentPath, entry.name));
  }
}

/** npm itself: the one running this script when there is one (npm run sets npm_execpath), else `npm` from PATH. */
function npm(cwd: string, args: string[]): void {
  const npmCli = process.env.npm_execpath;
  const result =
    npmCli !== undefined && npmCli.endsWith('.js')
      ? spawnSync(process.execPath, [npmCli, ...args], { cwd, stdio: 'inherit' })
      : spawnSync('npm', args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) throw new PackageError(`npm ${args.join(' ')} failed in ${cwd} (exit ${result.status})`);
}

export function sizeOf(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return { files, bytes };
}

if (require.main === module) {
  const outDir = process.argv.slice(2).find((arg) => !arg.startsWith('--'));
  try {
    const summary = buildAzurePackage({ root: process.cwd(), outDir, offline: process.argv.includes('--offline') });
    const megabytes = (summary.bytes / 1024 / 1024).toFixed(1);
    console.log(
      `autoprotect: package ${relative(process.cwd(), summary.outDir)}: ${summary.files} files, ${megabytes} MB`,
    );
  } catch (error) {
    console.error(`autoprotect: ${error instanceof PackageError ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
