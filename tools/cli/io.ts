/** Where the CLI writes and what it reads from its surroundings; injectable so tests run commands in-process. */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** The environment the settings are overlaid from (only the app's setting names are read). */
  env: NodeJS.ProcessEnv;
  /** Where `local.settings.json` and `.local/stack.json` are looked for. */
  cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Writes one line (adds the newline). */
export function writeLine(stream: OutputStream, text = ''): void {
  stream.write(`${text}\n`);
}
