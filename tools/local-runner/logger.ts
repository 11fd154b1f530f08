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
}

const ACCOUNT_KEY = /(AccountKey|SharedAccessSignature|sig)=[^;&\s"]+/gi;

export function createLogger(instanceId: string, write: (line: string) => void): RunnerLogger {
  const secrets: string[] = [];
  const scrub = (text: string): string => {
    let result = text.replace(ACCOUNT_KEY, '$1=[redacted]');
    for (const secret of secrets) result = result.split(secret).join('[redacted]');
    return result;
  };
  return {
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
      write(scrub(line));
    },
  };
}
