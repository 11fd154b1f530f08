import { join, resolve } from 'node:path';

import { runDemo } from './demo';
import { DEMO_RULES } from './demoVms';
import { type Stack, startStack } from './startStack';

interface Args {
  demo: boolean;
  exitAfterDemo: boolean;
  demoTimeoutMs: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { demo: false, exitAfterDemo: false, demoTimeoutMs: 180_000 };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--demo') args.demo = true;
    else if (arg === '--exit-after-demo') {
      args.demo = true;
      args.exitAfterDemo = true;
    } else if (arg === '--demo-timeout') args.demoTimeoutMs = Number(argv[++i]) * 1000;
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node dist/tools/stack/main.js [--demo] [--exit-after-demo] [--demo-timeout <seconds>]');
      process.exit(0);
    } else {
      console.error(`unknown option: ${arg}`);
      process.exit(2);
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
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
    // Short enough that the demo's failed first backup shows up as stale "initial backup pending".
    staleAfter: args.demo ? 'PT5S' : undefined,
  });
  running.stack = stack;
  if (args.demo) say(`Function host logs: ${join('.local', 'logs', 'host.log')}`);

  if (args.demo) {
    const result = await runDemo(stack, { repoRoot, timeoutMs: args.demoTimeoutMs, say });
    if (result.reportSummary) say(`Report summary: ${JSON.stringify(result.reportSummary)}`);
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

main().catch(async (error: unknown) => {
  console.error(`autoprotect: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
