import { app } from '@azure/functions';

import { getRuntime } from './lib/appRuntime';

// App-wide setup only. Each trigger registers itself in src/functions/<name>.ts.
app.setup({ enableHttpStream: false });

// Fail fast: read and validate the configuration once when the app starts, so an invalid setting stops the app with
// every problem listed (ConfigError) instead of failing each invocation later.
app.hook.appStart(() => {
  getRuntime();
});
