import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { CliIo, OutputStream } from '../../tools/cli/io';
import { runCli } from '../../tools/cli/main';
import { tempDir } from '../helpers/tempDir';

export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** An OutputStream that keeps what was written. */
export function captureStream(isTTY = false): OutputStream & { text(): string } {
  const chunks: string[] = [];
  return { isTTY, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

/** Runs `autoprotect <argv>` in-process with captured output, an empty environment and a scratch cwd by default. */
export async function runCaptured(
  argv: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CapturedRun> {
  const stdout = captureStream();
  const stderr = captureStream();
  const io: CliIo = { stdout, stderr, env: options.env ?? {}, cwd: options.cwd ?? scratchDir() };
  const code = await runCli(argv, io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** A fresh folder, removed when the test file ends. */
export function scratchDir(): string {
  return tempDir('autoprotect-cli-');
}

/** Writes `{ "Values": values }` to a fresh local.settings-format file and returns its path. */
export function writeSettingsFile(values: Record<string, string>): string {
  const path = join(scratchDir(), 'settings.json');
  writeFileSync(path, JSON.stringify({ IsEncrypted: false, Values: values }));
  return path;
}
