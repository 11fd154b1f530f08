import { readCommandLine } from './commandLine';
import { runStandalone, SIMULATOR_COMMAND_LINE } from './standalone';

/** `npm run sim [-- --port N --seed seed.json --realistic --data-dir dir --verbose]`: the simulator as a process. */
runStandalone(readCommandLine(process.argv.slice(2), SIMULATOR_COMMAND_LINE), (line) => console.log(line))
  .then((sim) => {
    const stop = () => {
      void sim.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  })
  .catch((error: unknown) => {
    console.error(
      JSON.stringify({
        level: 'error',
        message: 'simulator.failed',
        error: error instanceof Error ? error.message : String(error),
      }),
    );
    process.exit(1);
  });
