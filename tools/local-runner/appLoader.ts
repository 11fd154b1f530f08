import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';

import { globSync } from 'glob';

import { AppLoadError } from './errors';

/** The `name` of the app's package.json (used as the default host id), or undefined. */
export function readPackageName(appDir: string): string | undefined {
  try {
    const name = (JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** The entry files named by package.json `main` (globs allowed, as the Node worker accepts them), sorted. */
export function resolveEntryPoints(appDir: string): string[] {
  const packageFile = join(appDir, 'package.json');
  if (!existsSync(packageFile)) throw new AppLoadError(`No package.json in ${appDir}`);
  let main: unknown;
  try {
    main = (JSON.parse(readFileSync(packageFile, 'utf8')) as { main?: unknown }).main;
  } catch (error) {
    throw new AppLoadError(`package.json in ${appDir} is not valid JSON`, { cause: error });
  }
  const pattern = typeof main === 'string' && main.length > 0 ? main : 'index.js';
  const files = globSync(pattern.replace(/\\/g, '/'), { cwd: appDir, nodir: true }).map((f) =>
    isAbsolute(f) ? f : resolve(appDir, f),
  );
  if (files.length === 0)
    throw new AppLoadError(`package.json main '${pattern}' matches no file in ${appDir} (did you build?)`);
  return files.sort();
}

/** Requires each entry file (the app registers its functions while loading). */
export function loadEntryPoints(files: string[]): void {
  for (const file of files) {
    try {
      createRequire(file)(file);
    } catch (error) {
      throw new AppLoadError(`Worker was unable to load entry point "${file}": ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
