import type { QueueClient } from '@azure/storage-queue';

import type { Registration } from './coreShim';
import type { RpcBindingInfo } from './coreTypes';
import { RunnerConfigError } from './errors';
import { type AppSettings, resolveQueueName, resolveStorageConnection } from './settings';
import type { StorageClients } from './storage';

/** A queue output binding with its resolved queue. */
export interface QueueOutput {
  bindingName: string;
  queue: QueueClient;
}

/** A registered function with its trigger and outputs resolved against the app settings. */
export interface HostedFunction {
  name: string;
  trigger: string;
  triggerBindingName: string;
  triggerBinding: RpcBindingInfo;
  registration: Registration;
  queueOutputs: QueueOutput[];
  /** Output bindings of types the runner does not write (reported at start-up). */
  unsupportedOutputs: string[];
}

const TRIGGER = /trigger$/i;

export function indexFunctions(
  registrations: Registration[],
  settings: AppSettings,
  storage: StorageClients,
  allowList?: string[],
): HostedFunction[] {
  const selected =
    allowList && allowList.length > 0
      ? registrations.filter((r) => allowList.includes(r.metadata.name))
      : registrations;
  if (allowList) {
    const missing = allowList.filter((name) => !registrations.some((r) => r.metadata.name === name));
    if (missing.length > 0) throw new RunnerConfigError(`Functions not found in the app: ${missing.join(', ')}`);
  }
  return selected.map((registration) => indexFunction(registration, settings, storage));
}

function indexFunction(registration: Registration, settings: AppSettings, storage: StorageClients): HostedFunction {
  const { name, bindings } = registration.metadata;
  const triggers = Object.entries(bindings).filter(([, b]) => TRIGGER.test(String(b.type)));
  const [trigger] = triggers;
  if (!trigger || triggers.length > 1)
    throw new RunnerConfigError(`Function '${name}' must have exactly one trigger binding`);
  const [triggerBindingName, triggerBinding] = trigger;
  const queueOutputs: QueueOutput[] = [];
  const unsupportedOutputs: string[] = [];
  for (const [bindingName, binding] of Object.entries(bindings)) {
    if (binding.direction !== 'out') continue;
    if (String(binding.type).toLowerCase() !== 'queue') {
      unsupportedOutputs.push(`${bindingName} (${String(binding.type)})`);
      continue;
    }
    queueOutputs.push({ bindingName, queue: queueFor(binding, settings, storage, name) });
  }
  return {
    name,
    trigger: String(triggerBinding.type),
    triggerBindingName,
    triggerBinding,
    registration,
    queueOutputs,
    unsupportedOutputs,
  };
}

/** The queue a queue trigger or queue output binding points at. */
export function queueFor(
  binding: RpcBindingInfo,
  settings: AppSettings,
  storage: StorageClients,
  functionName: string,
): QueueClient {
  if (typeof binding.queueName !== 'string')
    throw new RunnerConfigError(`Function '${functionName}': queue binding without queueName`);
  try {
    const queueName = resolveQueueName(binding.queueName, settings);
    const connection = resolveStorageConnection(
      typeof binding.connection === 'string' ? binding.connection : undefined,
      settings,
    );
    return storage.queue(connection, queueName);
  } catch (error) {
    throw new RunnerConfigError(`Function '${functionName}': ${(error as Error).message}`, { cause: error });
  }
}
