import '../../src/index';

import { app } from '@azure/functions';

/**
 * src/index.ts registers app-wide setup and the appStart hook on the `app` singleton of @azure/functions, which
 * cannot be injected: it is replaced with recording functions here.
 */
jest.mock('@azure/functions', () => ({ app: { setup: jest.fn(), hook: { appStart: jest.fn() } } }));

const setup = jest.mocked(app.setup);
const appStart = jest.mocked(app.hook.appStart);

const SETTINGS = ['AzureWebJobsStorage', 'AUTOPROTECT_SUBSCRIPTION_IDS', 'AUTOPROTECT_VAULTS'] as const;

describe('src/index.ts', () => {
  it('sets the app up once, without HTTP streaming', () => {
    expect(setup).toHaveBeenCalledTimes(1);
    expect(setup).toHaveBeenCalledWith({ enableHttpStream: false });
  });

  it('registers one appStart hook', () => {
    expect(appStart).toHaveBeenCalledTimes(1);
    expect(appStart).toHaveBeenCalledWith(expect.any(Function));
  });

  it('fails the start with every missing setting listed when the configuration is invalid', () => {
    const hook = appStart.mock.calls[0]![0] as () => void;
    const saved = SETTINGS.map((name) => [name, process.env[name]] as const);
    for (const name of SETTINGS) delete process.env[name];
    try {
      let thrown: unknown;
      try {
        hook();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ name: 'ConfigError' });
      expect((thrown as { problems: string[] }).problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^storage is not configured: set AzureWebJobsStorage__blobServiceUri/),
          'AUTOPROTECT_SUBSCRIPTION_IDS is required: a comma-separated list of subscription ids to watch',
          'AUTOPROTECT_VAULTS is required: a JSON value (see docs/configuration.md)',
        ]),
      );
    } finally {
      for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
    }
  });
});
