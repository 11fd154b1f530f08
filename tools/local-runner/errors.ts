/** Base class of every error the local runner raises; `cause` keeps the original error. */
export class LocalRunnerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The app, host.json, local.settings.json or a binding cannot be used as configured. */
export class RunnerConfigError extends LocalRunnerError {}

/** The app's entry point(s) failed to load or registered nothing. */
export class AppLoadError extends LocalRunnerError {}

/** A function invocation failed (the handler threw, or its outputs could not be written). */
export class InvocationError extends LocalRunnerError {
  constructor(
    message: string,
    readonly functionName: string,
    readonly invocationId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The child runner process did not start or report readiness. */
export class RunnerStartError extends LocalRunnerError {}

/** Normalises anything thrown into an Error. */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(typeof value === 'string' ? value : JSON.stringify(value));
}
