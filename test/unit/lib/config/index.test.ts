import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadConfig, SETTING_NAMES } from '../../../../src/lib/config';
import { ConfigError } from '../../../../src/lib/errors';
import { defaultRules } from '../../../../src/lib/rules/rulesConfig';
import { tempDir } from '../../../helpers/tempDir';

const SUB = '11111111-1111-1111-1111-111111111111';
const SUB2 = '22222222-2222-2222-2222-222222222222';
const vaultId = (name: string, sub = SUB) =>
  `/subscriptions/${sub}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/${name}`;

function env(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    AUTOPROTECT_SUBSCRIPTION_IDS: SUB,
    AUTOPROTECT_VAULTS: JSON.stringify([{ region: 'eastus', vaultId: vaultId('rsv-eastus') }]),
    ...overrides,
  };
}

function problemsOf(settings: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(settings);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies every default with only the required settings', () => {
    const config = loadConfig(env());
    expect(config).toEqual({
      storage: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
      watchedSubscriptionIds: [SUB],
      vaults: [
        {
          region: 'eastus',
          vaultId: vaultId('rsv-eastus'),
          vaultName: 'rsv-eastus',
          vaultResourceGroup: 'rg-backup',
          vaultSubscriptionId: SUB,
        },
      ],
      rules: defaultRules(),
      staleAfterMs: 24 * 3600 * 1000,
      maxAttempts: 8,
      dryRun: false,
      arm: { endpoint: 'https://management.azure.com', isLocal: false },
      backupExpiryDays: 30,
      invocationBudgetMs: 120_000,
      leaseMs: 300_000,
      retry: { baseDelayMs: 5000, maxDelayMs: 900_000 },
      queues: { requests: 'protection-requests', poison: 'protection-requests-poison' },
      tables: { ledger: 'autoprotectledger', rejects: 'autoprotectrejects' },
      reports: { container: 'reports', prefix: '' },
      reenqueue: { enabled: false, maxPerRun: 100, perSecond: 5 },
      firstBackup: { checkBackDelaysMs: [120_000, 300_000, 600_000], retryDelaysMs: [300_000, 900_000, 2_700_000] },
      reportSchedule: '0 0 6 * * *',
    });
  });

  it('reads every setting when given', () => {
    const dir = tempDir('cfg-');
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, 'pem');
    const config = loadConfig(
      env({
        AUTOPROTECT_SUBSCRIPTION_IDS: ` ${SUB.toUpperCase()} , ${SUB2},${SUB}`,
        AUTOPROTECT_VAULTS: JSON.stringify([
          {
            region: 'East US',
            vaultId: vaultId('rsv-eastus').toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'),
            subscriptionIds: [SUB2.toUpperCase()],
          },
          { region: 'eastus', vaultId: vaultId('rsv-eastus-2'), subscriptionIds: [SUB] },
        ]),
        AUTOPROTECT_RULES: JSON.stringify({
          optOutTag: 'nobackup',
          exclude: [{ tag: 'env', values: ['dev*'] }],
          policies: [{ tag: 'tier', values: ['gold'], policy: 'EnhancedPolicy' }],
        }),
        AUTOPROTECT_STALE_AFTER: 'PT2M',
        AUTOPROTECT_REPORT_SCHEDULE: '*/30 * * * * *',
        AUTOPROTECT_MAX_ATTEMPTS: '3',
        AUTOPROTECT_DRY_RUN: 'TRUE',
        AUTOPROTECT_ARM_ENDPOINT: 'https://127.0.0.1:8443/',
        AUTOPROTECT_ARM_CA_CERT: ca,
        AUTOPROTECT_BACKUP_EXPIRY_DAYS: '7',
        AUTOPROTECT_INVOCATION_BUDGET: '10',
        AUTOPROTECT_LEASE_SECONDS: '20',
        AUTOPROTECT_RETRY_BASE_SECONDS: '0.1',
        AUTOPROTECT_RETRY_MAX_SECONDS: '2',
        AUTOPROTECT_LEDGER_TABLE: 'ledgerT1',
        AUTOPROTECT_REJECTS_TABLE: 'rejectsT1',
        AUTOPROTECT_REPORT_CONTAINER: 'my-reports',
        AUTOPROTECT_REPORT_PREFIX: '/prod/',
        AUTOPROTECT_SUMMARY_TOPIC_ENDPOINT: 'http://127.0.0.1:9999/api/events',
        AUTOPROTECT_REENQUEUE_STALE: 'yes',
        AUTOPROTECT_REENQUEUE_MAX: '10',
        AUTOPROTECT_REENQUEUE_PER_SECOND: '0.5',
        AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: 'PT1S, PT30S',
        AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: 'PT2S,P1D',
      }),
    );
    expect(config.firstBackup).toEqual({ checkBackDelaysMs: [1_000, 30_000], retryDelaysMs: [2_000, 86_400_000] });
    expect(config.watchedSubscriptionIds).toEqual([SUB, SUB2]);
    expect(config.vaults[0]).toEqual({
      region: 'eastus',
      vaultId: `/subscriptions/${SUB}/resourceGroups/RG-BACKUP/providers/Microsoft.RecoveryServices/vaults/RSV-EASTUS`,
      vaultName: 'RSV-EASTUS',
      vaultResourceGroup: 'RG-BACKUP',
      vaultSubscriptionId: SUB,
      subscriptionIds: [SUB2],
    });
    expect(config.rules).toEqual({
      ...defaultRules(),
      optOutTag: 'nobackup',
      exclude: [{ tag: 'env', values: ['dev*'] }],
      policies: [{ tag: 'tier', values: ['gold'], policy: 'EnhancedPolicy' }],
    });
    expect(config.staleAfterMs).toBe(120_000);
    expect(config.dryRun).toBe(true);
    expect(config.arm).toEqual({ endpoint: 'https://127.0.0.1:8443', caCertPath: ca, isLocal: true });
    expect(config.retry).toEqual({ baseDelayMs: 100, maxDelayMs: 2000 });
    expect(config.reports).toEqual({ container: 'my-reports', prefix: 'prod' });
    expect(config.summaryTopic).toEqual({ endpoint: 'http://127.0.0.1:9999/api/events' });
    expect(config.reenqueue).toEqual({ enabled: true, maxPerRun: 10, perSecond: 0.5 });
    expect(config.tables).toEqual({ ledger: 'ledgerT1', rejects: 'rejectsT1' });
    expect([config.maxAttempts, config.backupExpiryDays, config.invocationBudgetMs, config.leaseMs]).toEqual([
      3, 7, 10_000, 20_000,
    ]);
    expect(config.reportSchedule).toBe('*/30 * * * * *');
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({
      AUTOPROTECT_VAULTS: '[{"region":"eastus"',
      AUTOPROTECT_RULES: JSON.stringify({ include: [{ tag: '' }], bogus: 1 }),
      AUTOPROTECT_STALE_AFTER: 'tomorrow',
      AUTOPROTECT_REPORT_SCHEDULE: 'every day',
      AUTOPROTECT_MAX_ATTEMPTS: '0',
      AUTOPROTECT_DRY_RUN: 'maybe',
      AUTOPROTECT_ARM_ENDPOINT: 'http://management.azure.com',
      AUTOPROTECT_BACKUP_EXPIRY_DAYS: 'ten',
      AUTOPROTECT_INVOCATION_BUDGET: '1.5',
      AUTOPROTECT_RETRY_BASE_SECONDS: '-1',
      AUTOPROTECT_LEDGER_TABLE: 'bad-name',
      AUTOPROTECT_REPORT_CONTAINER: 'UPPER',
      AUTOPROTECT_REPORT_PREFIX: 'a/../b',
      AUTOPROTECT_SUMMARY_TOPIC_ENDPOINT: 'ftp://x',
      AUTOPROTECT_REENQUEUE_PER_SECOND: '0',
    });
    const expected = [
      'storage is not configured: set AzureWebJobsStorage__blobServiceUri',
      'AUTOPROTECT_SUBSCRIPTION_IDS is required',
      'AUTOPROTECT_VAULTS is not valid JSON',
      'AUTOPROTECT_RULES.include[0].tag',
      'AUTOPROTECT_RULES: Unrecognized key',
      'AUTOPROTECT_STALE_AFTER must be an ISO-8601 duration',
      'AUTOPROTECT_REPORT_SCHEDULE',
      'AUTOPROTECT_MAX_ATTEMPTS must be between 1 and 100',
      'AUTOPROTECT_DRY_RUN must be true or false',
      'AUTOPROTECT_ARM_ENDPOINT must be https',
      'AUTOPROTECT_BACKUP_EXPIRY_DAYS must be a number',
      'AUTOPROTECT_INVOCATION_BUDGET must be a whole number',
      'AUTOPROTECT_RETRY_BASE_SECONDS must be between',
      'AUTOPROTECT_LEDGER_TABLE must be a table name',
      'AUTOPROTECT_REPORT_CONTAINER must be a blob container name',
      'AUTOPROTECT_REPORT_PREFIX must not contain',
      'AUTOPROTECT_SUMMARY_TOPIC_ENDPOINT must be an https URL',
      'AUTOPROTECT_REENQUEUE_PER_SECOND must be between',
    ];
    for (const fragment of expected) expect(problems.join('\n')).toContain(fragment);
    expect(problems.length).toBeGreaterThanOrEqual(expected.length);
  });

  it.each<[string, Record<string, string>, string]>([
    ['no vault', { AUTOPROTECT_VAULTS: '[]' }, 'AUTOPROTECT_VAULTS: must list at least one vault'],
    [
      'a vault id of another type',
      {
        AUTOPROTECT_VAULTS: JSON.stringify([
          {
            region: 'eastus',
            vaultId: '/subscriptions/x/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/s',
          },
        ]),
      },
      'AUTOPROTECT_VAULTS[0].vaultId must be',
    ],
    [
      'a vault serving an unwatched subscription',
      { AUTOPROTECT_VAULTS: JSON.stringify([{ region: 'eastus', vaultId: vaultId('v'), subscriptionIds: [SUB2] }]) },
      'not watched',
    ],
    [
      'two vaults for one region',
      {
        AUTOPROTECT_VAULTS: JSON.stringify([
          { region: 'eastus', vaultId: vaultId('a') },
          { region: 'EastUS', vaultId: vaultId('b') },
        ]),
      },
      'served by both',
    ],
    ['a non-GUID subscription', { AUTOPROTECT_SUBSCRIPTION_IDS: `${SUB},nope` }, 'not subscription GUIDs: nope'],
    [
      'a lease not longer than the budget',
      { AUTOPROTECT_LEASE_SECONDS: '60', AUTOPROTECT_INVOCATION_BUDGET: '60' },
      'must be longer than AUTOPROTECT_INVOCATION_BUDGET',
    ],
    [
      'a base delay above the max',
      { AUTOPROTECT_RETRY_BASE_SECONDS: '10', AUTOPROTECT_RETRY_MAX_SECONDS: '5' },
      'must not be larger',
    ],
    ['a CA with a remote endpoint', { AUTOPROTECT_ARM_CA_CERT: '/tmp/ca.pem' }, 'only allowed with a local'],
    [
      'a missing CA file',
      { AUTOPROTECT_ARM_ENDPOINT: 'https://127.0.0.1:1', AUTOPROTECT_ARM_CA_CERT: '/nonexistent/ca.pem' },
      'does not exist',
    ],
    [
      'an http ARM endpoint, even local',
      { AUTOPROTECT_ARM_ENDPOINT: 'http://127.0.0.1:8443' },
      'AUTOPROTECT_ARM_ENDPOINT must be https',
    ],
    [
      'credentials in a URL',
      { AUTOPROTECT_SUMMARY_TOPIC_ENDPOINT: 'https://u:p@topic.example' },
      'must not carry credentials',
    ],
    [
      'an empty resource-group include (rules validation)',
      { AUTOPROTECT_RULES: JSON.stringify({ resourceGroups: { include: [] } }) },
      'AUTOPROTECT_RULES: rules.resourceGroups.include is empty',
    ],
    ['rules that are not an object', { AUTOPROTECT_RULES: '[1]' }, 'AUTOPROTECT_RULES'],
  ])('reports %s', (_label, overrides, expected) => {
    expect(problemsOf(env(overrides)).join('\n')).toContain(expected);
  });

  describe('first backup settings', () => {
    it("turns retries off with 'none'", () => {
      expect(loadConfig(env({ AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: 'None' })).firstBackup.retryDelaysMs).toEqual([]);
    });

    it.each([
      [
        'every bad retry delay, in one problem',
        { AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: 'PT5M,5,soon,PT0S,P8D' },
        "AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS has 4 entries that are not ISO-8601 durations above 0 and at most 168 h: '5', 'soon', 'PT0S', 'P8D' (e.g. 'PT5M,PT15M,PT45M', or 'none'), got 'PT5M,5,soon,PT0S,P8D'",
      ],
      [
        'a check-back longer than a day',
        { AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: 'PT2M,PT25H' },
        "AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS has an entry that is not an ISO-8601 duration above 0 and at most 24 h: 'PT25H' (e.g. 'PT2M,PT5M,PT10M'), got 'PT2M,PT25H'",
      ],
      [
        "'none' where a check-back is needed",
        { AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: 'none' },
        "AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS has an entry that is not an ISO-8601 duration above 0 and at most 24 h: 'none'",
      ],
      [
        'more than 10 retries',
        { AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: Array.from({ length: 11 }, () => 'PT1M').join(',') },
        'AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS lists 11 durations, at most 10 are allowed',
      ],
      ['an empty entry', { AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: 'PT1M,,PT2M' }, "above 0 and at most 168 h: ''"],
    ])('refuses %s', (_what, overrides, expected) => {
      const problems = problemsOf(env(overrides));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(expected);
    });

    it('lists the problems of both settings together', () => {
      expect(
        problemsOf(env({ AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: 'x', AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: 'y' })).map(
          (problem) => problem.split(' ')[0],
        ),
      ).toEqual(['AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS', 'AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS']);
    });
  });

  it('returns a deeply frozen config', () => {
    const config = loadConfig(env());
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rules.resourceGroups.include)).toBe(true);
    expect(Object.isFrozen(config.vaults[0])).toBe(true);
    expect(() => {
      config.rules.resourceGroups.include.push('x');
    }).toThrow(TypeError);
    expect(defaultRules().resourceGroups.include).toEqual(['*']);
  });

  describe('storage', () => {
    const IDENTITY = {
      AzureWebJobsStorage: undefined,
      AzureWebJobsStorage__blobServiceUri: 'https://stap1.blob.core.windows.net/',
      AzureWebJobsStorage__queueServiceUri: 'https://stap1.queue.core.windows.net/',
      AzureWebJobsStorage__tableServiceUri: 'https://stap1.table.core.windows.net/',
    };

    it('reads the identity settings the template sets, as the host does (no connection string)', () => {
      const config = loadConfig(
        env({
          ...IDENTITY,
          AzureWebJobsStorage__credential: 'managedidentity',
          AzureWebJobsStorage__clientId: 'AAAAAAAA-1111-2222-3333-444444444444',
        }),
      );
      expect(config.storage).toEqual({
        kind: 'identity',
        blobServiceUri: 'https://stap1.blob.core.windows.net',
        queueServiceUri: 'https://stap1.queue.core.windows.net',
        tableServiceUri: 'https://stap1.table.core.windows.net',
        clientId: 'aaaaaaaa-1111-2222-3333-444444444444',
      });
      expect(loadConfig(env(IDENTITY)).storage).not.toHaveProperty('clientId');
    });

    it('accepts a connection string for Azurite only', () => {
      const azurite =
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://localhost:10002/devstoreaccount1;';
      expect(loadConfig(env({ AzureWebJobsStorage: azurite })).storage).toEqual({
        kind: 'connectionString',
        connectionString: azurite,
      });
      const problems = problemsOf(
        env({
          AzureWebJobsStorage:
            'DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net',
        }),
      );
      expect(problems).toEqual([expect.stringMatching(/^AzureWebJobsStorage is accepted for Azurite only/)]);
      expect(problems.join('\n')).not.toContain('c2VjcmV0');
    });

    it('lists every problem of the identity form at once', () => {
      const problems = problemsOf(
        env({
          AzureWebJobsStorage: undefined,
          AzureWebJobsStorage__blobServiceUri: 'http://stap1.blob.core.windows.net',
          AzureWebJobsStorage__tableServiceUri: 'https://stap1.table.core.windows.net/?sv=2024&sig=x',
          AzureWebJobsStorage__credential: 'connectionstring',
          AzureWebJobsStorage__clientId: 'not-a-guid',
        }),
      );
      expect(problems).toEqual([
        expect.stringMatching(/^AzureWebJobsStorage__blobServiceUri must be an https URL/),
        expect.stringMatching(/^AzureWebJobsStorage__queueServiceUri is required with identity-based storage/),
        expect.stringMatching(/^AzureWebJobsStorage__tableServiceUri must not carry a query/),
        "AzureWebJobsStorage__credential must be 'managedidentity' when set, got 'connectionstring'",
        'AzureWebJobsStorage__clientId must be the client id (a GUID) of a managed identity',
      ]);
    });

    it('refuses both forms at once, and neither', () => {
      expect(problemsOf(env(IDENTITY_WITH_CONNECTION))).toEqual([
        expect.stringMatching(/^AzureWebJobsStorage and AzureWebJobsStorage__blobServiceUri, .* are both set/),
      ]);
      expect(problemsOf(env({ AzureWebJobsStorage: undefined }))).toEqual([
        expect.stringMatching(/^storage is not configured/),
      ]);
    });

    const IDENTITY_WITH_CONNECTION = { ...IDENTITY, AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
  });

  it('knows every setting the sample file lists, and the sample loads', () => {
    const sample = JSON.parse(
      readFileSync(join(__dirname, '..', '..', '..', '..', 'local.settings.sample.json'), 'utf8'),
    ) as { Values: Record<string, string> };
    const appSettings = Object.keys(sample.Values).filter((name) => name !== 'FUNCTIONS_WORKER_RUNTIME');
    expect(new Set(appSettings)).toEqual(new Set(SETTING_NAMES));
    const { AUTOPROTECT_ARM_CA_CERT: _ca, ...rest } = sample.Values;
    const config = loadConfig(rest);
    expect(config.arm.isLocal).toBe(true);
    expect(config.vaults.map((vault) => vault.region)).toEqual(['eastus', 'westeurope']);
  });
});
