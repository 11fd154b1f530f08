import { ensureError } from './errors';

/**
 * Structured logs: one JSON object per line through context.log/warn/error, with stable keys
 * level, message, timestamp, service, functionName, invocationId, then the caller's fields.
 * Secrets are scrubbed: keys that name credentials, and values that look like connection strings or tokens.
 */

export type LogLevel = 'info' | 'warn' | 'error';

/**
 * Where log lines go and whose they are: the part of the Functions `InvocationContext` the logger needs (the function
 * files pass the context itself), so src/lib does not depend on `@azure/functions`.
 */
export interface LogSink {
  readonly functionName: string;
  readonly invocationId: string;
  log(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every entry (e.g. vmKey, correlationId, eventId). */
  child(fields: LogFields): Logger;
}

export const LOG_SERVICE = 'autoprotect';
const REDACTED = '[redacted]';
const SECRET_KEY =
  /^(?:.*(?:connectionstring|accountkey|password|secret|token|authorization|credential|sas|signature))$|^(?:storageconnection|azurewebjobsstorage|key|sig|apikey|aeg-sas-key)$/i;
/** Each pattern keeps its first group (the label) and replaces the secret after it. */
const SECRET_VALUE: ReadonlyArray<RegExp> = [
  /(AccountKey=)[^;"'\s]+/gi,
  /(SharedAccessSignature=)[^;"'\s]+/gi,
  /([?&]sig=)[^&"'\s]+/gi,
  /(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi,
];
/** One pass that finds any label of SECRET_VALUE: most strings have none and are returned as they are. */
const ANY_SECRET_LABEL = /AccountKey=|SharedAccessSignature=|[?&]sig=|Bearer\s/i;
const MAX_DEPTH = 6;

export function createLogger(context: LogSink, base: LogFields = {}): Logger {
  return new JsonLogger(context, base);
}

class JsonLogger implements Logger {
  constructor(
    private readonly context: LogSink,
    private readonly fields: LogFields,
  ) {}

  info(message: string, fields?: LogFields): void {
    this.context.log(this.format('info', message, fields));
  }

  warn(message: string, fields?: LogFields): void {
    this.context.warn(this.format('warn', message, fields));
  }

  error(message: string, fields?: LogFields): void {
    this.context.error(this.format('error', message, fields));
  }

  child(fields: LogFields): Logger {
    return new JsonLogger(this.context, { ...this.fields, ...fields });
  }

  private format(level: LogLevel, message: string, fields: LogFields = {}): string {
    const entry: LogFields = {
      ...(sanitize({ ...this.fields, ...fields }, 0) as LogFields),
      level,
      message: scrubString(message),
      timestamp: new Date().toISOString(),
      service: LOG_SERVICE,
      functionName: this.context.functionName,
      invocationId: this.context.invocationId,
    };
    return JSON.stringify(entry);
  }
}

/** Serialises an error (and its cause chain) as data: name, message, code, kind, context, cause. */
export function errorFields(value: unknown): LogFields {
  return sanitize(describeError(ensureError(value), 0), 0) as LogFields;
}

function describeError(error: Error, depth: number): LogFields {
  const extra = error as Error & { code?: unknown; kind?: unknown; context?: unknown; statusCode?: unknown };
  const fields: LogFields = { name: error.name, message: error.message };
  if (extra.code !== undefined) fields.code = extra.code;
  if (extra.kind !== undefined) fields.kind = extra.kind;
  if (extra.statusCode !== undefined) fields.statusCode = extra.statusCode;
  if (extra.context !== undefined) fields.context = extra.context;
  if (error.cause !== undefined && depth < 3) fields.cause = describeError(ensureError(error.cause), depth + 1);
  return fields;
}

function sanitize(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value;
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (value instanceof Error) return sanitize(describeError(value, 0), depth + 1);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => sanitize(item, depth + 1));
  const result: LogFields = {};
  for (const [key, child] of Object.entries(value)) {
    result[key] = SECRET_KEY.test(key) ? REDACTED : sanitize(child, depth + 1);
  }
  return result;
}

/** Replaces account keys, SAS signatures and bearer tokens in a string with `[redacted]`. */
export function scrubString(text: string): string {
  if (!ANY_SECRET_LABEL.test(text)) return text;
  return SECRET_VALUE.reduce((current, pattern) => current.replace(pattern, `$1${REDACTED}`), text);
}
