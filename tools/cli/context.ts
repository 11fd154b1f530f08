import { type AppRuntime, createAppRuntime } from '../../src/lib/appRuntime';
import { type AppConfig, loadConfig } from '../../src/lib/config';
import type { StackInfo } from '../stack/types';
import type { CommandContext, OptionValues } from './command';
import { CliFailure } from './errors';
import { type CliIo, writeLine } from './io';
import { findLocalStack, requireRunningStack, stackFilePath } from './localStack';
import { type ResolvedSettings, resolveSettings } from './settings';

/** Builds a command's context; settings, config, runtime and stack info are read on first use only. */
export function createCommandContext(io: CliIo, options: OptionValues, positionals: readonly string[]): CommandContext {
  const settingsFile = typeof options.settings === 'string' ? options.settings : undefined;
  const stackFile = typeof options['stack-file'] === 'string' ? options['stack-file'] : undefined;
  const verbose = options.verbose === true;
  let settings: Promise<ResolvedSettings> | undefined;
  let config: Promise<AppConfig> | undefined;
  let runtime: Promise<AppRuntime> | undefined;
  let source: string | undefined;

  const context: CommandContext = {
    io,
    options,
    positionals,
    verbose,
    get settingsSource() {
      return source;
    },
    settings: () =>
      (settings ??= resolveSettings({ settingsFile, local: options.local === true, stackFile }, io.cwd, io.env).then(
        (resolved) => {
          announce(io, resolved, verbose);
          source = resolved.source;
          return resolved;
        },
      )),
    config: () => (config ??= context.settings().then(loadConfigFrom)),
    runtime: () => (runtime ??= context.config().then(createAppRuntime)),
    stack: async (): Promise<StackInfo> =>
      requireRunningStack(await findLocalStack(stackFilePath(io.cwd, stackFile), io.cwd)),
  };
  return context;
}

/** With --verbose, which source the settings came from; always, environment variables the stack's settings ignore. */
function announce(io: CliIo, settings: ResolvedSettings, verbose: boolean): void {
  if (verbose) writeLine(io.stderr, `autoprotect: settings from ${settings.source}`);
  if (settings.ignoredEnvironment.length > 0)
    writeLine(
      io.stderr,
      `autoprotect: using the running local stack's settings as they are; ignoring ${settings.ignoredEnvironment.join(', ')} from the environment (give --settings <file> to use a file with the environment on top)`,
    );
}

/** loadConfig, with the source of the settings in the one-line error. */
function loadConfigFrom(settings: ResolvedSettings): AppConfig {
  try {
    return loadConfig(settings.values);
  } catch (error) {
    const problems = (error as { problems?: unknown }).problems;
    if (Array.isArray(problems) && problems.every((problem) => typeof problem === 'string'))
      throw new CliFailure(`invalid settings from ${settings.source}: ${problems.join('; ')}`, { cause: error });
    throw error;
  }
}
