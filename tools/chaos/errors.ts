/** The chaos harness could not run (not a verdict: a failed verdict is a ChaosVerdict with problems). */
export class ChaosRunError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ChaosRunError';
  }
}
