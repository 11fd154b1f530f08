import { app } from '@azure/functions';

// App-wide setup only. Each trigger registers itself in src/functions/<name>.ts.
app.setup({ enableHttpStream: false });
