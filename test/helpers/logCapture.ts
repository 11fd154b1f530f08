import { InvocationContext } from '@azure/functions';

export interface CapturedLog {
  level: string;
  entry: Record<string, unknown>;
}

/** A real InvocationContext whose logs are captured and parsed as JSON, so tests assert logs as data. */
export function capturingContext(
  functionName: string,
  invocationId = 'test-invocation',
): { context: InvocationContext; logs: CapturedLog[] } {
  const logs: CapturedLog[] = [];
  const context = new InvocationContext({
    functionName,
    invocationId,
    logHandler: (level, ...args) => {
      const text = args.map(String).join(' ');
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(text) as Record<string, unknown>;
      } catch {
        entry = { unstructured: text };
      }
      logs.push({ level, entry });
    },
  });
  return { context, logs };
}
