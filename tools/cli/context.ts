import { isAbsolute, join } from 'node:path';

import { type AppRuntime, createAppRuntime } from '../../src/lib/appRuntime';
import { type AppConfig, loadConfig } from '../../src/lib/config';
import type { StackInfo } from '../stack/types';
import type { CommandContext, OptionValues } from './command';
import type { CliIo } from './io';
import { DEFAULT_STACK_FILE, readStackInfo, type ResolvedSettings, resolveSettings } from './settings';

/** Builds a command's context; settings, config, runtime and stack info are read on first use only. */
export function createCommandContext(io: CliIo, options: OptionValues, positionals: readonly string[]): CommandContext {
  const settingsFile = typeof options.settings === 'string' ? options.settings : undefined;
  const stackFile = typeof options['stack-file'] === 'string' ? options['stack-file'] : undefined;
  let settings: ResolvedSettings | undefined;
  let config: AppConfig | undefined;
  let runtime: AppRuntime | undefined;

  const context: CommandContext = {
    io,
    options,
    positionals,
    verbose: options.verbose === true,
    settings: () =>
      (settings ??= resolveSettings({ settingsFile, local: options.local === true, stackFile }, io.cwd, io.env)),
    config: () => (config ??= loadConfig(context.settings().values)),
    runtime: () => (runtime ??= createAppRuntime(context.config())),
    stack: (): StackInfo => {
      const path = stackFile ?? DEFAULT_STACK_FILE;
      return readStackInfo(isAbsolute(path) ? path : join(io.cwd, path));
    },
  };
  return context;
}
