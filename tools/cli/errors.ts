import { scrubString } from '../../src/lib/logger';

/** Exit codes of `autoprotect`. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The command line itself is wrong (unknown command or option, missing argument): exit 2. */
export class CliUsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliUsageError';
  }
}

/** The command ran and failed for a reason the operator can act on: exit 1. */
export class CliFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliFailure';
  }
}

/** One line, no stack: the first line of the message, with ConfigError problems joined by '; '. */
export function oneLineMessage(error: unknown): string {
  // Duck-typed rather than `instanceof Error`: errors from another realm (e.g. node internals under a test VM) still
  // count.
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    const { message, problems, name } = error as { message: string; problems?: unknown; name?: unknown };
    if (Array.isArray(problems) && problems.every((problem) => typeof problem === 'string')) {
      return scrubString(`invalid settings: ${problems.join('; ')}`);
    }
    const firstLine =
      message.split(/\r?\n/).find((line) => line.trim() !== '') ?? (typeof name === 'string' ? name : 'Error');
    return scrubString(firstLine.trim());
  }
  return scrubString(String(error));
}
