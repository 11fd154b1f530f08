import { randomUUID } from 'node:crypto';

import type { CoreInvocationContext, ProgrammingModel, RpcParameterBinding, RpcTypedData } from './coreTypes';
import { InvocationError, toError } from './errors';
import type { HostedFunction } from './functionIndex';
import type { RunnerLogger } from './logger';
import { type QueueOutputWriter, toQueueMessageBodies } from './outputs';

export interface InvocationInput {
  /** Data for the trigger binding; omitted when the host cannot bind it (e.g. invalid UTF-8). */
  triggerData?: RpcTypedData;
  triggerMetadata?: Record<string, RpcTypedData>;
  /** Why the host invokes the function (shown in the log, like the host's `Reason=`). */
  reason: string;
}

export interface Invoker {
  /** Runs the function once; resolves after its outputs were written, rejects with InvocationError if either failed. */
  invoke(fn: HostedFunction, input: InvocationInput): Promise<void>;
}

const RETURN_BINDING = '$return';

/**
 * Invokes functions the way the Node worker does: the library's own invocation model builds the context and
 * converts inputs (getArguments), runs the handler (invokeFunction) and converts outputs (getResponse).
 * Queue outputs are written only after the handler succeeded.
 */
export function createInvoker(
  model: () => ProgrammingModel | undefined,
  writer: QueueOutputWriter,
  logger: RunnerLogger,
): Invoker {
  return {
    async invoke(fn: HostedFunction, input: InvocationInput): Promise<void> {
      const programmingModel = model();
      if (!programmingModel)
        throw new InvocationError('No programming model was registered by the app', fn.name, 'none');
      const invocationId = randomUUID();
      const started = Date.now();
      const base = { functionName: fn.name, invocationId };
      logger.log({
        ...base,
        level: 'information',
        category: 'function',
        message: `Executing 'Functions.${fn.name}' (Reason='${input.reason}', Id=${invocationId})`,
      });
      try {
        const outputs = await runThroughModel(programmingModel, fn, invocationId, input, logger);
        await writeQueueOutputs(fn, outputs, writer);
        logger.log({
          ...base,
          level: 'information',
          category: 'function',
          message: `Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${Date.now() - started}ms)`,
        });
      } catch (thrown) {
        const error = toError(thrown);
        logger.log({
          ...base,
          level: 'error',
          category: 'function',
          message: `Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${Date.now() - started}ms)`,
          error: { name: error.name, message: error.message, stack: error.stack },
        });
        throw new InvocationError(
          `Exception while executing function: Functions.${fn.name}. ${error.message}`,
          fn.name,
          invocationId,
          { cause: error },
        );
      }
    },
  };
}

async function runThroughModel(
  model: ProgrammingModel,
  fn: HostedFunction,
  invocationId: string,
  input: InvocationInput,
  logger: RunnerLogger,
): Promise<RpcParameterBinding[]> {
  const coreContext: CoreInvocationContext = {
    invocationId,
    request: {
      invocationId,
      functionId: fn.name,
      // Binding data the host cannot provide is sent empty: the handler's first argument is then undefined.
      inputData: [{ name: fn.triggerBindingName, data: input.triggerData ?? null }],
      triggerMetadata: input.triggerMetadata ?? {},
    },
    metadata: { name: fn.name, bindings: fn.registration.metadata.bindings },
    state: 'invocation',
    log: (level, category, message) =>
      logger.log({
        level,
        category: category === 'user' ? 'user' : 'system',
        functionName: fn.name,
        invocationId,
        message,
      }),
  };
  const invocationModel = model.getInvocationModel(coreContext);
  const { context, inputs } = await invocationModel.getArguments();
  const result = await invocationModel.invokeFunction(context, inputs, fn.registration.callback);
  const response = await invocationModel.getResponse(context, result);
  const outputs = [...(response.outputData ?? [])];
  if (RETURN_BINDING in fn.registration.metadata.bindings && response.returnValue) {
    outputs.push({ name: RETURN_BINDING, data: response.returnValue });
  }
  return outputs;
}

async function writeQueueOutputs(
  fn: HostedFunction,
  outputs: RpcParameterBinding[],
  writer: QueueOutputWriter,
): Promise<void> {
  for (const output of fn.queueOutputs) {
    const data = outputs.find((o) => o.name === output.bindingName)?.data;
    if (data) await writer.write(output.queue, toQueueMessageBodies(data));
  }
}
