import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { SETTING_NAMES } from '../../src/lib/config';
import { deployedWorkerArguments } from '../../tools/infra/workerArguments';
import { DEMO_RULES } from '../../tools/stack/demoVms';
import { describeLocalSettings, localAppSettings, simVaults, STACK_DEFAULTS } from '../../tools/stack/localSettings';
import { ISOLATED_STACK, startStack } from '../../tools/stack/startStack';
import { repoRoot } from '../helpers/e2eStack';
import { tempDir } from '../helpers/tempDir';

const SIM_SUB = '11111111-1111-1111-1111-111111111111';
const WIRING = {
  storageConnectionString: 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=k;BlobEndpoint=x',
  storageDescription: 'blob :10000, queue :10001, table :10002',
  armEndpoint: 'https://127.0.0.1:8443',
  caCertPath: '/repo/.local/simulator/ca.pem',
  subscriptionIds: [SIM_SUB],
  vaults: simVaults(),
};

describe('the local stack and local.settings.json', () => {
  it('takes the app settings of local.settings.json, overrides only its own wiring, and says why for each', () => {
    const result = localAppSettings({
      ...WIRING,
      localSettings: {
        FUNCTIONS_WORKER_RUNTIME: 'node',
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        AUTOPROTECT_SUBSCRIPTION_IDS: '22222222-2222-2222-2222-222222222222',
        // The stack's own vaults, other spacing: the stack sets them, but it is no override worth a line.
        AUTOPROTECT_VAULTS: JSON.stringify(simVaults(), null, 2),
        AUTOPROTECT_RULES: '{"optOutTag":"skip-me"}',
        AUTOPROTECT_STALE_AFTER: 'PT2M',
        AUTOPROTECT_MAX_ATTEMPTS: '3',
        SOMETHING_ELSE: 'x',
      },
      env: { AUTOPROTECT_DRY_RUN: 'true', PATH: '/bin' },
    });

    expect(result.settings).toMatchObject({
      AzureWebJobsStorage: WIRING.storageConnectionString,
      AUTOPROTECT_SUBSCRIPTION_IDS: SIM_SUB,
      AUTOPROTECT_VAULTS: JSON.stringify(simVaults()),
      AUTOPROTECT_ARM_ENDPOINT: WIRING.armEndpoint,
      AUTOPROTECT_RULES: '{"optOutTag":"skip-me"}',
      AUTOPROTECT_STALE_AFTER: 'PT2M',
      AUTOPROTECT_MAX_ATTEMPTS: '3',
      AUTOPROTECT_DRY_RUN: 'true',
      AUTOPROTECT_RETRY_BASE_SECONDS: STACK_DEFAULTS.AUTOPROTECT_RETRY_BASE_SECONDS,
    });
    // The app's settings, and the two the host reads: the worker runtime and its Node options (as deployed).
    expect(
      Object.keys(result.settings).filter(
        (name) => name !== 'FUNCTIONS_WORKER_RUNTIME' && !SETTING_NAMES.includes(name as never),
      ),
    ).toEqual(['languageWorkers__node__arguments']);
    expect(result.settings.languageWorkers__node__arguments).toBe(deployedWorkerArguments().join(' '));
    expect(result.taken).toEqual(['AUTOPROTECT_RULES', 'AUTOPROTECT_STALE_AFTER', 'AUTOPROTECT_MAX_ATTEMPTS']);
    expect(result.ignored).toEqual(['SOMETHING_ELSE']);
    expect(describeLocalSettings(result, 'local.settings.json')).toEqual([
      'local.settings.json: takes AUTOPROTECT_RULES, AUTOPROTECT_STALE_AFTER, AUTOPROTECT_MAX_ATTEMPTS',
      'local.settings.json: not app settings, not passed to the app: SOMETHING_ELSE',
      "overrides AzureWebJobsStorage from local.settings.json: the app uses the stack's own Azurite (blob :10000, queue :10001, table :10002)",
      `overrides AUTOPROTECT_SUBSCRIPTION_IDS from local.settings.json: the app watches the simulator's subscription ${SIM_SUB}`,
    ]);
  });

  it('the demo overrides the rules and the stale-after over local.settings.json, saying so', () => {
    const result = localAppSettings({
      ...WIRING,
      rules: DEMO_RULES,
      rulesReason: 'the demo needs its rules',
      staleAfter: 'PT5S',
      localSettings: {
        AUTOPROTECT_RULES: '{}',
        AUTOPROTECT_STALE_AFTER: 'PT2M',
        AUTOPROTECT_ARM_ENDPOINT: 'https://127.0.0.1:9999',
      },
    });

    expect(result.settings.AUTOPROTECT_RULES).toBe(JSON.stringify(DEMO_RULES));
    expect(result.settings.AUTOPROTECT_STALE_AFTER).toBe('PT5S');
    expect(describeLocalSettings(result, 'local.settings.json')).toEqual([
      'local.settings.json: takes no app setting',
      "overrides AUTOPROTECT_ARM_ENDPOINT from local.settings.json: the app calls the stack's ARM simulator at https://127.0.0.1:8443",
      'overrides AUTOPROTECT_RULES from local.settings.json: the demo needs its rules',
      'overrides AUTOPROTECT_STALE_AFTER from local.settings.json: the stack was started with a stale-after of PT5S',
    ]);
  });

  it('a relative CA path in local.settings.json naming the same file is no override', () => {
    const result = localAppSettings({
      ...WIRING,
      appDir: '/repo',
      localSettings: { AUTOPROTECT_ARM_CA_CERT: '.local/simulator/ca.pem' },
    });

    expect(result.settings.AUTOPROTECT_ARM_CA_CERT).toBe('/repo/.local/simulator/ca.pem');
    expect(result.overridden).toEqual([]);
  });

  it('without local.settings.json: the stack defaults, nothing to say', () => {
    const result = localAppSettings(WIRING);

    expect(result.settings).toMatchObject(STACK_DEFAULTS);
    expect(describeLocalSettings(result, undefined)).toEqual([]);
  });

  it('startStack prints one line per override, and the runner and stack.json get exactly those settings', async () => {
    const dir = tempDir('stack-settings-');
    const file = join(dir, 'local.settings.json');
    writeFileSync(
      file,
      JSON.stringify({
        Values: {
          AzureWebJobsStorage: 'UseDevelopmentStorage=true',
          AUTOPROTECT_STALE_AFTER: 'PT7M',
          AUTOPROTECT_LEDGER_TABLE: 'ledgerfromfile',
        },
      }),
    );
    const said: string[] = [];
    const stack = await startStack({
      repoRoot,
      ...ISOLATED_STACK,
      localSettingsFile: file,
      hostLog: () => undefined,
      say: (line) => said.push(line),
    });
    try {
      const settingLines = said.filter((line) => line.startsWith('Settings'));
      expect(settingLines).toEqual([
        expect.stringMatching(
          /^Settings {6}.*local\.settings\.json: takes AUTOPROTECT_STALE_AFTER, AUTOPROTECT_LEDGER_TABLE$/,
        ),
        expect.stringMatching(
          /^Settings {6}overrides AzureWebJobsStorage from local\.settings\.json: the app uses the stack's own Azurite \(blob :\d+, queue :\d+, table :\d+\)$/,
        ),
      ]);
      expect(stack.info.appSettings).toMatchObject({
        AUTOPROTECT_STALE_AFTER: 'PT7M',
        AUTOPROTECT_LEDGER_TABLE: 'ledgerfromfile',
        AzureWebJobsStorage: stack.azurite.connectionString,
      });
    } finally {
      await stack.stop();
    }
  });
});
