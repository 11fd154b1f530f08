import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The folders made in this test file, kept on the file's global so that jest.resetModules() cannot lose them. */
function madeInThisFile(): string[] {
  const scope = globalThis as { __autoprotectTempDirs?: string[] };
  scope.__autoprotectTempDirs ??= [];
  return scope.__autoprotectTempDirs;
}

/**
 * A new folder `<prefix>XXXXXX` under the system temp dir, removed with its contents when the test file ends:
 * test/helpers/setupEnv.ts registers removeTempDirs as an afterAll of the file's root, so it runs after every
 * describe block's own afterAll (the simulators and runners that use the folder are stopped by then).
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeInThisFile().push(dir);
  return dir;
}

/** Removes every folder that tempDir made in this test file. */
export function removeTempDirs(): void {
  for (const dir of madeInThisFile().splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
