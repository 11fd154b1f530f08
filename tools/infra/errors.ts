/** A .bicep file could not be tokenized (unterminated string, comment or interpolation). */
export class BicepSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    options?: { cause?: unknown },
  ) {
    super(`line ${line}: ${message}`, options);
    this.name = 'BicepSyntaxError';
  }
}

/** An infra input (permissions table, parameter file) is missing or malformed. */
export class InfraInputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InfraInputError';
  }
}
