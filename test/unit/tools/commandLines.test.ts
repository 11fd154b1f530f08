import { BENCH_COMMAND_LINE } from '../../../bench/main';
import {
  CommandLineError,
  commandLineHelp,
  parseCommandLine,
  readCommandLine,
} from '../../../simulator/src/commandLine';
import { parseArgs as parseSimulatorArgs, SIMULATOR_COMMAND_LINE } from '../../../simulator/src/standalone';
import { CHAOS_COMMAND_LINE } from '../../../tools/chaos/main';
import { RUNNER_COMMAND_LINE } from '../../../tools/local-runner/main';
import { STACK_COMMAND_LINE } from '../../../tools/stack/main';

/** The error of class `kind` that `run` throws (any other outcome fails the test). */
function thrown<E extends Error>(run: () => unknown, kind: new (...args: never[]) => E): E {
  try {
    run();
  } catch (error) {
    if (error instanceof kind) return error;
    throw error;
  }
  throw new Error(`no ${kind.name} was thrown`);
}

/** The one-line message of the CommandLineError that `parse` throws. */
const refusal = (parse: () => unknown): string => thrown(parse, CommandLineError).message;

/** The command lines of README.md, docs/*.md, package.json and the tests, read by node:util parseArgs (strict). */
describe('tool command lines', () => {
  describe('npm start / npm run stack', () => {
    it('reads --exit-after-demo (which implies --demo) and --demo-timeout in seconds', () => {
      expect(parseCommandLine([], STACK_COMMAND_LINE)).toEqual({
        demo: false,
        exitAfterDemo: false,
        demoTimeoutMs: 180_000,
        settings: {},
      });
      expect(parseCommandLine(['--demo'], STACK_COMMAND_LINE)).toMatchObject({ demo: true, exitAfterDemo: false });
      expect(parseCommandLine(['--exit-after-demo', '--demo-timeout', '120'], STACK_COMMAND_LINE)).toEqual({
        demo: true,
        exitAfterDemo: true,
        demoTimeoutMs: 120_000,
        settings: {},
      });
    });

    it('reads --setting NAME=VALUE, repeatable, for the runner (a value may hold = and commas)', () => {
      expect(
        parseCommandLine(
          [
            '--setting',
            'AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS=PT10S,PT20S',
            '--setting=AUTOPROTECT_RULES={"defaultPolicy":"a=b"}',
          ],
          STACK_COMMAND_LINE,
        ).settings,
      ).toEqual({
        AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: 'PT10S,PT20S',
        AUTOPROTECT_RULES: '{"defaultPolicy":"a=b"}',
      });
      expect(commandLineHelp(STACK_COMMAND_LINE)).toContain('--setting <NAME=VALUE> (repeatable)');
    });

    it('refuses a --setting without a name, or with a name that is not an app setting', () => {
      expect(refusal(() => parseCommandLine(['--setting', '=PT1S'], STACK_COMMAND_LINE))).toBe(
        "--setting needs NAME=VALUE, got '=PT1S'",
      );
      expect(refusal(() => parseCommandLine(['--setting', 'AUTOPROTECT_RETRY=1'], STACK_COMMAND_LINE))).toBe(
        '--setting AUTOPROTECT_RETRY: not an app setting (see docs/configuration.md)',
      );
    });

    it('refuses an unknown option and a timeout that is not a number', () => {
      expect(refusal(() => parseCommandLine(['--demo', '--exit-after'], STACK_COMMAND_LINE))).toBe(
        "Unknown option '--exit-after'",
      );
      expect(refusal(() => parseCommandLine(['--demo-timeout', 'soon'], STACK_COMMAND_LINE))).toBe(
        "--demo-timeout needs a number from 1 up, got 'soon'",
      );
    });
  });

  describe('npm run sim', () => {
    it('reads --port, --seed, --realistic, --data-dir and --verbose (docs/simulator.md)', () => {
      expect(parseSimulatorArgs([])).toEqual({
        port: 8443,
        seedFile: undefined,
        realistic: false,
        dataDir: undefined,
        verbose: false,
      });
      expect(
        parseSimulatorArgs([
          '--port',
          '9443',
          '--seed',
          'my-seed.json',
          '--realistic',
          '--data-dir=/tmp/sim',
          '--verbose',
        ]),
      ).toEqual({ port: 9443, seedFile: 'my-seed.json', realistic: true, dataDir: '/tmp/sim', verbose: true });
      expect(parseSimulatorArgs(['--port', '0']).port).toBe(0);
    });

    it('refuses an unknown option, a port out of range and a missing value', () => {
      expect(refusal(() => parseSimulatorArgs(['--realistc']))).toBe("Unknown option '--realistc'");
      expect(refusal(() => parseSimulatorArgs(['--port', '70000']))).toMatch(
        /--port needs a whole number from 0 to 65535/,
      );
      expect(refusal(() => parseSimulatorArgs(['--seed']))).toBe("Option '--seed <value>' argument missing");
    });
  });

  describe('npm run bench', () => {
    it('reads --quick and --only=a,b (or --only a,b)', () => {
      expect(parseCommandLine([], BENCH_COMMAND_LINE)).toEqual({ mode: 'full', only: undefined });
      expect(parseCommandLine(['--quick', '--only=ingest,report'], BENCH_COMMAND_LINE)).toEqual({
        mode: 'quick',
        only: ['ingest', 'report'],
      });
      expect(parseCommandLine(['--only', 'burst'], BENCH_COMMAND_LINE)).toEqual({ mode: 'full', only: ['burst'] });
    });

    it('refuses an unknown option and an unknown workload', () => {
      expect(refusal(() => parseCommandLine(['--quik'], BENCH_COMMAND_LINE))).toBe("Unknown option '--quik'");
      expect(refusal(() => parseCommandLine(['--only=ingest,bogus'], BENCH_COMMAND_LINE))).toBe(
        'Unknown workload(s) bogus; known: ingest, latency, burst, report, scaleout, follow',
      );
    });
  });

  describe('npm run chaos', () => {
    it('reads --vms, --seed, --kills, --settle-seconds and --create-per-second, with defaults from --vms', () => {
      expect(
        parseCommandLine(
          ['--vms', '1000', '--seed', '8', '--kills', '25', '--create-per-second', '15'],
          CHAOS_COMMAND_LINE,
        ),
      ).toEqual({ vmCount: 1000, seed: 8, maxKills: 25, settleTimeoutMs: 500_000, createPerSecond: 15 });
      expect(parseCommandLine(['--vms', '200', '--settle-seconds', '60'], CHAOS_COMMAND_LINE)).toMatchObject({
        vmCount: 200,
        maxKills: 6,
        settleTimeoutMs: 60_000,
        createPerSecond: 10,
      });
    });

    it('refuses an unknown option and a negative count', () => {
      expect(refusal(() => parseCommandLine(['--vm', '10'], CHAOS_COMMAND_LINE))).toBe("Unknown option '--vm'");
      expect(refusal(() => parseCommandLine(['--kills=-1'], CHAOS_COMMAND_LINE))).toMatch(
        /--kills needs a whole number/,
      );
    });
  });

  describe('npm run host', () => {
    it('reads --app-dir, --port and --functions (docs/local-runner.md), and --ipc', () => {
      expect(
        parseCommandLine(
          ['--app-dir', 'dist', '--port', '0', '--functions', 'protectVm, enqueueProtection'],
          RUNNER_COMMAND_LINE,
        ),
      ).toEqual({ ipc: false, appDir: 'dist', port: 0, functions: ['protectVm', 'enqueueProtection'] });
      expect(parseCommandLine(['--ipc'], RUNNER_COMMAND_LINE)).toEqual({
        ipc: true,
        appDir: undefined,
        port: 7071,
        functions: undefined,
      });
    });

    it('refuses an unknown option and a stray word', () => {
      expect(refusal(() => parseCommandLine(['--appdir', 'x'], RUNNER_COMMAND_LINE))).toBe("Unknown option '--appdir'");
      expect(refusal(() => parseCommandLine(['dist'], RUNNER_COMMAND_LINE))).toBe("Unexpected argument 'dist'");
    });
  });

  describe('an entry point (readCommandLine)', () => {
    class Exit extends Error {
      constructor(readonly code: number | string | null | undefined) {
        super(`exit ${code}`);
      }
    }
    let stdout: string;
    let stderr: string;
    let exit: jest.SpiedFunction<typeof process.exit>;
    beforeEach(() => {
      stdout = '';
      stderr = '';
      exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
        throw new Exit(code);
      });
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stdout += String(chunk);
        return true;
      });
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stderr += String(chunk);
        return true;
      });
    });
    afterEach(() => jest.restoreAllMocks());
    const exitCode = (run: () => unknown) => thrown(run, Exit).code;

    it('prints the options for --help (and -h) and exits 0', () => {
      expect(exitCode(() => readCommandLine(['--help'], SIMULATOR_COMMAND_LINE))).toBe(0);
      expect(stdout).toBe(`${commandLineHelp(SIMULATOR_COMMAND_LINE)}\n`);
      expect(stdout).toMatch(/^Usage: npm run sim -- \[options\]/);
      for (const flags of [
        '--port <n>',
        '--seed <file.json>',
        '--realistic',
        '--data-dir <dir>',
        '--verbose',
        '-h, --help',
      ])
        expect(stdout).toContain(`\n  ${flags} `);
      expect(exitCode(() => readCommandLine(['-h'], STACK_COMMAND_LINE))).toBe(0);
      expect(stdout).toContain('--exit-after-demo');
      expect(stderr).toBe('');
    });

    it('names an unknown option on one line of stderr and exits 2', () => {
      expect(exitCode(() => readCommandLine(['--quick', '--fast'], BENCH_COMMAND_LINE))).toBe(2);
      expect(stderr).toBe("npm run bench: Unknown option '--fast' (see --help)\n");
      expect(stdout).toBe('');
    });

    it('returns the arguments of a command line it can use', () => {
      expect(readCommandLine(['--demo'], STACK_COMMAND_LINE)).toMatchObject({ demo: true });
      expect(exit).not.toHaveBeenCalled();
    });
  });
});
