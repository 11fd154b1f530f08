import Module from 'node:module';

import type {
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  ProgrammingModel,
  RpcLogCategory,
  RpcLogLevel,
} from './coreTypes';

/** A function registered by the app through `@azure/functions` (`app.eventGrid`, `app.storageQueue`, ...). */
export interface Registration {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

/** What the app registered through the shim: functions, hooks and the programming model. */
export interface CoreRegistry {
  readonly registrations: Registration[];
  readonly hooks: Map<string, HookCallback[]>;
  programmingModel(): ProgrammingModel | undefined;
}

class Disposable {
  static from(...items: Array<{ dispose: () => unknown }>): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  #onDispose: (() => unknown) | undefined;
  constructor(onDispose: () => unknown) {
    this.#onDispose = onDispose;
  }
  dispose(): void {
    this.#onDispose?.();
    this.#onDispose = undefined;
  }
}

const CORE_MODULE = '@azure/functions-core';

/**
 * Makes `require('@azure/functions-core')` return the runner's core API, as the Node worker does
 * (nodejs-worker src/setupCoreModule.ts). Must run before the app's entry point is required.
 */
export function installCoreShim(
  log: (level: RpcLogLevel, category: RpcLogCategory, message: string) => void,
): CoreRegistry {
  const registrations: Registration[] = [];
  const hooks = new Map<string, HookCallback[]>();
  let model: ProgrammingModel | undefined;

  const coreApi = {
    version: '3.10.1-local-runner',
    hostVersion: '4.0.0-local-runner',
    Disposable,
    registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
      if (registrations.some((r) => r.metadata.name.toLowerCase() === metadata.name.toLowerCase())) {
        throw new Error(`A function with the name '${metadata.name}' has already been registered.`);
      }
      const registration = { metadata, callback };
      registrations.push(registration);
      return new Disposable(() => registrations.splice(registrations.indexOf(registration), 1));
    },
    registerHook(hookName: string, callback: HookCallback): Disposable {
      const list = hooks.get(hookName) ?? [];
      list.push(callback);
      hooks.set(hookName, list);
      return new Disposable(() => list.splice(list.indexOf(callback), 1));
    },
    setProgrammingModel(programmingModel: ProgrammingModel): void {
      model = programmingModel;
    },
    getProgrammingModel(): ProgrammingModel | undefined {
      return model;
    },
    log,
  };

  const moduleWithRequire = Module.prototype as unknown as { require: (id: string) => unknown };
  const originalRequire = moduleWithRequire.require;
  moduleWithRequire.require = function requireWithCore(this: unknown, id: string): unknown {
    if (id === CORE_MODULE) return coreApi;
    return originalRequire.call(this, id);
  };

  return { registrations, hooks, programmingModel: () => model };
}
