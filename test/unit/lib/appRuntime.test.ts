import type { AppRuntime } from '../../../src/lib/appRuntime';
import {
  complianceReportOf,
  createAppRuntime,
  enqueueDepsOf,
  protectionDepsOf,
  reportOptionsOf,
} from '../../../src/lib/appRuntime';
import { loadConfig } from '../../../src/lib/config';
import { capturingContext } from '../../helpers/logCapture';

const SUB = '11111111-1111-1111-1111-111111111111';
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`;

function settings(): Record<string, string> {
  return {
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    AUTOPROTECT_SUBSCRIPTION_IDS: SUB,
    AUTOPROTECT_VAULTS: JSON.stringify([{ region: 'eastus', vaultId: VAULT_ID }]),
    AUTOPROTECT_ARM_ENDPOINT: 'https://127.0.0.1:8443',
    AUTOPROTECT_LEDGER_TABLE: 'ledgerUnderTest',
    AUTOPROTECT_MAX_ATTEMPTS: '5',
  };
}

function freshAppRuntimeModule(): typeof import('../../../src/lib/appRuntime') {
  let loaded: typeof import('../../../src/lib/appRuntime') | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('../../../src/lib/appRuntime') as typeof import('../../../src/lib/appRuntime');
  });
  return loaded as typeof import('../../../src/lib/appRuntime');
}

describe('createAppRuntime', () => {
  it('builds the adapters on clients named by the config', () => {
    const runtime = createAppRuntime(loadConfig(settings()));
    expect(runtime.clients.ledgerTable.tableName).toBe('ledgerUnderTest');
    expect(runtime.clients.requestQueue.name).toBe('protection-requests');
    expect(runtime.clients.poisonQueue.name).toBe('protection-requests-poison');
    expect(Object.keys(runtime.adapters).sort()).toEqual(
      ['backup', 'ledger', 'operationTimings', 'poison', 'refreshes', 'reports', 'rejects', 'requests', 'vms'].sort(),
    );
    expect(Object.isFrozen(runtime)).toBe(true);
  });

  it('adds the summary publisher only when a summary topic is configured', () => {
    const withTopic = createAppRuntime(
      loadConfig({ ...settings(), AUTOPROTECT_SUMMARY_TOPIC_ENDPOINT: 'https://127.0.0.1:9443/api/events' }),
    );
    expect(withTopic.adapters.summaryPublisher).toBeDefined();
    expect(createAppRuntime(loadConfig(settings())).adapters.summaryPublisher).toBeUndefined();
  });
});

describe('dependencies per function', () => {
  let runtime: AppRuntime;
  beforeAll(() => {
    runtime = createAppRuntime(loadConfig(settings()));
  });

  it('gives each protectVm invocation its own claim owner and a logger bound to it', () => {
    const first = capturingContext('protectVm', 'inv-1');
    const second = capturingContext('protectVm', 'inv-1');
    const a = protectionDepsOf(runtime, first.context);
    const b = protectionDepsOf(runtime, second.context);
    expect(a.owner).toMatch(/^inv-1:[0-9a-f-]{36}$/);
    expect(a.owner).not.toBe(b.owner);
    expect(a.ledger).toBe(runtime.adapters.ledger);
    expect(a.maxAttempts).toBe(5);
    a.logger.info('hello');
    expect(first.logs).toEqual([
      { level: 'information', entry: expect.objectContaining({ message: 'hello', invocationId: 'inv-1' }) },
    ]);
    expect(second.logs).toEqual([]);
  });

  it('gives enqueueProtection the watched subscriptions and the shared reject store', () => {
    const { context } = capturingContext('enqueueProtection');
    const deps = enqueueDepsOf(runtime, context);
    expect(deps.watchedSubscriptionIds).toEqual([SUB]);
    expect(deps.rejects).toBe(runtime.adapters.rejects);
  });

  it('gives the report the shared adapters and the options from config', () => {
    const { context } = capturingContext('reportPendingBackups');
    const { deps, options } = complianceReportOf(runtime, context);
    expect(deps.store).toBe(runtime.adapters.reports);
    expect(deps.requests).toBe(runtime.adapters.requests);
    expect(options).toEqual(reportOptionsOf(runtime.config));
    expect(options.vaults.map((vault) => vault.vaultId)).toEqual([VAULT_ID]);
  });
});

describe('getRuntime', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads no settings when the module is loaded, and throws the ConfigError at every use while they are invalid', () => {
    delete process.env.AUTOPROTECT_SUBSCRIPTION_IDS;
    delete process.env.AUTOPROTECT_VAULTS;
    const { getRuntime } = freshAppRuntimeModule();
    expect(() => getRuntime()).toThrow(/AUTOPROTECT_SUBSCRIPTION_IDS is required/);
    expect(() => getRuntime()).toThrow(/AUTOPROTECT_VAULTS is required/);
  });

  it('builds config, clients and adapters once per process from the environment', () => {
    Object.assign(process.env, settings());
    const { getRuntime } = freshAppRuntimeModule();
    const first = getRuntime();
    expect(first.config.watchedSubscriptionIds).toEqual([SUB]);
    expect(getRuntime()).toBe(first);
  });
});
