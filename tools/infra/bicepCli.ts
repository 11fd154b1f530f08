import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * The Bicep CLI the infra tests compile and lint with. Found, in this order: BICEP_PATH, `bicep` on PATH, azd's own
 * copy (~/.azd/bin/bicep), the NuGet package cache that tools/bicep/install-bicep.sh restores into.
 */
export const BICEP_VERSION = '0.49.2';
export const BICEP_PACKAGE = 'Azure.Bicep.CommandLine.linux-x64';
export const HOW_TO_GET_BICEP = `bicep not found: run tools/bicep/install-bicep.sh (restores ${BICEP_PACKAGE} ${BICEP_VERSION} with dotnet), or set BICEP_PATH to a bicep binary`;

export interface BicepDiagnostic {
  file: string;
  line: number;
  column: number;
  level: 'Error' | 'Warning' | 'Info';
  code: string;
  message: string;
}

export interface BicepRun {
  status: number | null;
  stdout: string;
  diagnostics: BicepDiagnostic[];
  /** stderr lines that are not diagnostics (crashes, usage errors). */
  otherOutput: string[];
}

export function findBicep(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    env.BICEP_PATH,
    ...(env.PATH ?? '').split(delimiter).map((dir) => (dir === '' ? undefined : join(dir, 'bicep'))),
    join(homedir(), '.azd', 'bin', 'bicep'),
    join(
      env.NUGET_PACKAGES ?? join(homedir(), '.nuget', 'packages'),
      BICEP_PACKAGE.toLowerCase(),
      BICEP_VERSION,
      'tools',
      'bicep',
    ),
  ];
  return candidates.find((candidate): candidate is string => candidate !== undefined && existsSync(candidate));
}

/** True where a machine has dotnet, and so can run tools/bicep/install-bicep.sh. */
export function hasDotnet(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, 'dotnet')));
}

/** Runs `bicep <args>` and parses its diagnostics (`file(line,col) : Level CODE: message [link]`, one a line). */
export function runBicep(bicep: string, args: readonly string[], cwd?: string): BicepRun {
  const result = spawnSync(bicep, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', BICEP_TRACING_ENABLED: 'false' },
  });
  if (result.error) throw result.error;
  const diagnostics: BicepDiagnostic[] = [];
  const otherOutput: string[] = [];
  const seen = new Set<string>();
  for (const line of result.stderr.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^(.*)\((\d+),(\d+)\) : (Error|Warning|Info) ([\w-]+): (.*?)(?: \[https?:\/\/[^\]]+\])?$/.exec(line);
    if (match === null) {
      otherOutput.push(line);
      continue;
    }
    // bicep prints some diagnostics twice (once per pass); count each once.
    if (seen.has(line)) continue;
    seen.add(line);
    const [, file = '', lineNo = '0', column = '0', level = 'Error', code = '', message = ''] = match;
    diagnostics.push({
      file,
      line: Number(lineNo),
      column: Number(column),
      level: level as BicepDiagnostic['level'],
      code,
      message,
    });
  }
  return { status: result.status, stdout: result.stdout, diagnostics, otherOutput };
}

export function formatDiagnostic(diagnostic: BicepDiagnostic, root: string): string {
  const file = diagnostic.file.startsWith(root) ? diagnostic.file.slice(root.length + 1) : diagnostic.file;
  return `${file}(${diagnostic.line},${diagnostic.column}) ${diagnostic.level} ${diagnostic.code}: ${diagnostic.message}`;
}
