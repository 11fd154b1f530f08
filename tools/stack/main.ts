import { join, resolve } from 'node:path';

import { commandLine, CommandLineError, numberOption, readCommandLine } from '../../simulator/src/commandLine';
import { SETTING_NAMES } from '../../src/lib/config';
import { runDemo } from './demo';
import { DEMO_RULES, DEMO_SETTINGS } from './demoVms';
import { type Stack, startStack } from './startStack';

export interface StackArgs {
  demo: boolean;
  exitAfterDemo: boolean;
  demoTimeoutMs: number;
  /** `--setting NAME=VALUE`: app settings given to the runner over every other source. */
  settings: Record<string, string>;
}

/** `npm start` is `npm run stack -- --demo`; README.md "Try it here (no Azure needed)". */
export const STACK_COMMAND_LINE = commandLine({
  name: 'npm run stack',
  usage: 'Usage: npm start [-- options]   or   npm run stack [-- options]   (node dist/tools/stack/main.js [options])',
  summary:
    'Starts Azurite, the ARM simulator and the local Functions runner on 127.0.0.1 and runs until Ctrl-C; npm start adds the demo.',
  options: {
    demo: { type: 'boolean', help: 'run the demo: VMs are created, protected and backed up, and a report is written' },
    'exit-after-demo': {
      type: 'boolean',
      help: 'stop after the demo (implies --demo); exit code 0 if every VM is as expected',
    },
    'demo-timeout': { type: 'string', value: '<seconds>', help: 'how long the demo waits for its VMs (default 180)' },
    setting: {
      type: 'string',
      multiple: true,
      value: '<NAME=VALUE>',
      help: 'an app setting for the runner, over local.settings.json and the stack (e.g. AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS=PT10S)',
    },
  },
  read: (values): StackArgs => ({
    demo: values.demo === true || values['exit-after-demo'] === true,
    exitAfterDemo: values['exit-after-demo'] === true,
    demoTimeoutMs: numberOption('demo-timeout', values['demo-timeout'], 180, { min: 1 }) * 1000,
    settings: settingOptions(values.setting ?? []),
  }),
});

/**
 * `--setting NAME=VALUE` values: NAME must be an app setting (docs/configuration.md), so a misspelt name stops the
 * stack instead of being ignored; the value is checked by the app's own config when the runner starts.
 */
export function settingOptions(values: readonly string[]): Record<string, string> {
  const known = new Set<string>(SETTING_NAMES);
  const settings: Record<string, string> = {};
  for (const value of values) {
    const separator = value.indexOf('=');
    const name = separator > 0 ? value.slice(0, separator).trim() : '';
    if (name === '') throw new CommandLineError(`--setting needs NAME=VALUE, got '${value}'`);
    if (!known.has(name))
      throw new CommandLineError(`--setting ${name}: not an app setting (see docs/configuration.md)`);
    settings[name] = value.slice(separator + 1);
  }
  return settings;
}

async function main(): Promise<void> {
  const args = readCommandLine(process.argv.slice(2), STACK_COMMAND_LINE);
  const repoRoot = resolve(__dirname, '..', '..', '..');
  const say = (line: string) => console.log(line);
  const hostLog = args.demo ? join(repoRoot, '.local', 'logs', 'host.log') : 'console';

  say(args.demo ? 'autoprotect: starting the local stack and the demo' : 'autoprotect: starting the local stack');
  // Ctrl-C reaches the whole process group; a stop during start-up ends the children too.
  const running: { stack?: Stack } = {};
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('Stopping: the runner finishes running invocations, then the simulator and Azurite stop.');
    await running.stack?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => {
    void shutdown(0);
  });
  process.on('SIGTERM', () => {
    void shutdown(0);
  });

  const stack = await startStack({
    repoRoot,
    hostLog,
    say,
    // The demo's clock: protection enabled in ~2 s, a first backup in ~8 s (docs/simulator.md).
    simTiming: args.demo
      ? { configureBackupMs: 2_000, backupOperationMs: 300, backupJobMs: 8_000, retryAfterSeconds: 1 }
      : undefined,
    rules: args.demo ? DEMO_RULES : undefined,
    // `--setting` wins over the demo's own: a person can slow the demo's retries down to watch them.
    extraSettings: { ...(args.demo ? DEMO_SETTINGS : {}), ...args.settings },
    extraSettingReasons: Object.fromEntries<string>([
      ...Object.keys(args.demo ? DEMO_SETTINGS : {}).map((name): [string, string] => [
        name,
        'the demo (npm start) follows its first backups within seconds (DEMO_SETTINGS, tools/stack/demoVms.ts)',
      ]),
      ...Object.keys(args.settings).map((name): [string, string] => [name, 'given with --setting']),
    ]),
  });
  running.stack = stack;
  if (args.demo) say(`Function host logs: ${join('.local', 'logs', 'host.log')}`);

  if (args.demo) {
    const result = await runDemo(stack, { repoRoot, timeoutMs: args.demoTimeoutMs, say });
    const headline = result.reportSummary;
    if (headline)
      say(
        `Report: ${headline.withRestorePoint} of ${headline.inScope} watched VMs have a restore point (${headline.percent} %); ${headline.pending} pending, ${headline.attention} need attention, ${headline.notCounted} not counted`,
      );
    say(
      result.allAsExpected
        ? 'Every demo VM reached its expected state.'
        : 'Some demo VMs did not reach their expected state (see above).',
    );
    if (args.exitAfterDemo) {
      await shutdown(result.allAsExpected && result.reportPath ? 0 : 1);
      return;
    }
  }
  say('');
  say(
    `Running. Event Grid webhook: ${stack.info.hostUrl}/runtime/webhooks/eventgrid?functionName=enqueueProtection (key in .local/stack.json)`,
  );
  say('Press Ctrl-C to stop.');
}

if (require.main === module) {
  main().catch(async (error: unknown) => {
    console.error(`autoprotect: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
