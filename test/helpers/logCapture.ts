import { InvocationContext, type InvocationContextInit } from '@azure/functions';

export interface CapturedLog {
  level: string;
  entry: Record<string, unknown>;
}

/**
 * A real InvocationContext whose logs are captured and parsed as JSON, so tests assert logs as data
 * (`expect(logs).toHaveLogged({...})`, test/helpers/matchers.ts). `init` adds e.g. the trigger metadata the host
 * passes.
 */
export function capturingContext(
  functionName: string,
  invocationId = 'test-invocation',
  init: Omit<InvocationContextInit, 'functionName' | 'invocationId' | 'logHandler'> = {},
): { context: InvocationContext; logs: CapturedLog[] } {
  const logs: CapturedLog[] = [];
  const context = new InvocationContext({
    ...init,
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
