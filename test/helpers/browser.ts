import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';

import { type Browser, chromium } from 'playwright-core';

/**
 * Finds and launches a headless Chromium for the browser tests, on a fresh machine too (playwright cannot download
 * its browsers here, and a fresh machine has no system Chromium):
 *
 * 1. `CHROMIUM_PATH`, when set: that executable and nothing else.
 * 2. `@sparticuz/chromium` (a devDependency): a Linux x64 Chromium shipped inside the npm package, unpacked on first
 *    use into node_modules/.cache/sparticuz-chromium/<version>/ (a few seconds, once).
 * 3. A system Chromium or Chrome on PATH (chromium, chromium-browser, google-chrome, google-chrome-stable), for
 *    machines where the packaged one cannot run (another OS or CPU).
 *
 * The first that launches is used; if none does, the error lists every attempt and why it failed.
 */

const ROOT = join(__dirname, '..', '..');
const COMMON_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** What worked for @sparticuz/chromium's build (made for AWS Lambda) outside Lambda: software GL, one process. */
const SPARTICUZ_ARGS = [...COMMON_ARGS, '--use-gl=angle', '--use-angle=swiftshader', '--single-process'];
const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

export interface BrowserCandidate {
  /** Where it came from, for messages: 'CHROMIUM_PATH', '@sparticuz/chromium 153.0.0', 'system chromium'. */
  source: string;
  /** Resolves the executable (unpacking it if needed); throws when there is none. */
  executablePath(): string;
  args: string[];
}

export interface LaunchedBrowser {
  browser: Browser;
  source: string;
  executablePath: string;
}

/** The candidates in the order they are tried (only CHROMIUM_PATH when it is set). */
export function browserCandidates(env: NodeJS.ProcessEnv = process.env): BrowserCandidate[] {
  const explicit = env.CHROMIUM_PATH?.trim();
  if (explicit) {
    return [
      {
        source: 'CHROMIUM_PATH',
        executablePath: () => {
          if (!existsSync(explicit)) throw new Error(`CHROMIUM_PATH=${explicit} does not exist`);
          return explicit;
        },
        args: COMMON_ARGS,
      },
    ];
  }
  return [sparticuzCandidate(), ...SYSTEM_NAMES.map((name) => systemCandidate(name, env))];
}

/** Launches the first candidate that starts; throws one error naming every attempt otherwise. */
export async function launchBrowser(candidates: BrowserCandidate[] = browserCandidates()): Promise<LaunchedBrowser> {
  const failures: string[] = [];
  for (const candidate of candidates) {
    let executablePath: string;
    try {
      executablePath = candidate.executablePath();
    } catch (error) {
      failures.push(`- ${candidate.source}: ${firstLine(error)}`);
      continue;
    }
    try {
      const browser = await chromium.launch({ executablePath, args: candidate.args, timeout: 30_000 });
      return { browser, source: candidate.source, executablePath };
    } catch (error) {
      failures.push(`- ${candidate.source} (${executablePath}) did not launch: ${firstLine(error)}`);
    }
  }
  throw new Error(
    [
      'No headless Chromium could be launched for the browser tests. Tried:',
      ...failures,
      'Fix: run `npm ci` (it installs @sparticuz/chromium, a Linux x64 Chromium), or install Chromium or Chrome, ' +
        'or set CHROMIUM_PATH to a Chromium/Chrome executable.',
    ].join('\n'),
  );
}

function sparticuzCandidate(): BrowserCandidate {
  let version = '?';
  try {
    version = (
      JSON.parse(readFileSync(join(ROOT, 'node_modules', '@sparticuz', 'chromium', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    // not installed: executablePath() below says so
  }
  return {
    source: `@sparticuz/chromium ${version}`,
    executablePath: () => unpackSparticuz(version),
    args: SPARTICUZ_ARGS,
  };
}

/**
 * @sparticuz/chromium unpacks its browser into os.tmpdir() (chromium, swiftshader libraries, fonts) and reuses what
 * it finds there. It is an ES module, which jest's CommonJS runtime cannot load, so a plain node child unpacks it,
 * with TMPDIR pointing at a staging folder that is renamed into place only when complete: an interrupted unpack is
 * never taken for a browser, and a browser unpacked by another version never reused.
 */
function unpackSparticuz(version: string): string {
  if (version === '?') throw new Error('@sparticuz/chromium is not installed (run `npm ci`)');
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(`it ships a Linux x64 binary; this is ${process.platform} ${process.arch}`);
  const cacheDir = join(ROOT, 'node_modules', '.cache', 'sparticuz-chromium');
  const target = join(cacheDir, version);
  const binary = join(target, 'chromium');
  if (existsSync(binary)) return binary;
  const staging = join(cacheDir, `${version}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const script =
    "import('@sparticuz/chromium').then((m) => m.default.executablePath()).then((p) => process.stdout.write(p))";
  const unpacked = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: staging },
    encoding: 'utf8',
    timeout: 120_000,
  }).trim();
  if (unpacked !== join(staging, 'chromium'))
    throw new Error(`unpacked to ${unpacked}, expected ${join(staging, 'chromium')}`);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return binary;
}

function systemCandidate(name: string, env: NodeJS.ProcessEnv): BrowserCandidate {
  return {
    source: `system ${name}`,
    executablePath: () => {
      for (const dir of (env.PATH ?? '').split(delimiter)) {
        if (dir && existsSync(join(dir, name))) return join(dir, name);
      }
      throw new Error('not on PATH');
    },
    args: COMMON_ARGS,
  };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? text
  );
}
