import { runStandalone } from './standalone';

/** `npm run sim [-- --port N --seed seed.json --realistic]`: the ARM simulator as a standalone process. */
runStandalone(process.argv.slice(2), (line) => console.log(line))
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
