/** One JSON line per log record, with stable keys. Secrets registered with `redact` never reach the output. */
export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';

export interface LogRecord {
  level: LogLevel;
  category: 'host' | 'function' | 'user' | 'system';
  message: string;
  functionName?: string;
  invocationId?: string;
  [key: string]: unknown;
}

export interface RunnerLogger {
  log(record: LogRecord): void;
  /** Strings (keys, account keys) that must never appear in a log line. */
  redact(secret: string): void;
  /** Hands every line logged so far to the output now (before the host answers a request, for instance). */
  flush(): void;
}

const ACCOUNT_KEY = /(AccountKey|SharedAccessSignature|sig)=[^;&\s"]+/gi;

/** Replaces account keys, SAS signatures and every registered secret in one output line with `[redacted]`. */
export function scrubLine(line: string, secrets: readonly string[]): string {
  let result = line.replace(ACCOUNT_KEY, '$1=[redacted]');
  // includes() first: split/join allocates even when the secret is absent, which is almost always.
  for (const secret of secrets) if (result.includes(secret)) result = result.split(secret).join('[redacted]');
  return result;
}

export function createLogger(
  instanceId: string,
  write: (line: string) => void,
  flush: () => void = () => undefined,
): RunnerLogger {
  const secrets: string[] = [];
  return {
    flush,
    redact(secret: string): void {
      if (secret.length >= 8) secrets.push(secret);
    },
    log(record: LogRecord): void {
      const { level, category, message, functionName, invocationId, ...fields } = record;
      const line = JSON.stringify({
        time: new Date().toISOString(),
        level,
        instance: instanceId,
        category,
        functionName,
        invocationId,
        message,
        ...fields,
      });
      write(scrubLine(line, secrets));
    },
  };
}

export interface LineWriter {
  /** Queues one line (without its newline); it is written with the other lines of this event-loop turn. */
  write(line: string): void;
  /** Writes every queued line now (synchronously, as far as the stream allows). */
  flush(): void;
}

const FLUSH_AT_CHARS = 64 * 1024;

/**
 * Writes lines to a stream in one write per event-loop turn instead of one per line. Every line is still written,
 * in order; a burst of invocations costs one pipe write instead of three per invocation. Call `flush()` before the
 * process exits (process.stdout on a pipe or file is written synchronously on Linux, so a flush in an `exit`
 * listener reaches the parent).
 */
export function createLineWriter(stream: { write(chunk: string): unknown }): LineWriter {
  let pending: string[] = [];
  let chars = 0;
  let scheduled = false;
  const flush = (): void => {
    if (pending.length === 0) return;
    const text = `${pending.join('\n')}\n`;
    pending = [];
    chars = 0;
    stream.write(text);
  };
  return {
    write(line: string): void {
      pending.push(line);
      chars += line.length + 1;
      if (chars >= FLUSH_AT_CHARS) {
        flush();
        return;
      }
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          flush();
        });
      }
    },
    flush,
  };
}
