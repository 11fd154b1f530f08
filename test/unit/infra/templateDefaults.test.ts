import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadConfig } from '../../../src/lib/config';
import { declarationsOf } from '../../../tools/infra/bicepDeclarations';
import { tokenizeBicep } from '../../../tools/infra/bicepTokens';

const INFRA = join(__dirname, '../../../infra');
const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';
/** The settings a deployment must provide; everything else comes from template defaults. */
const REQUIRED_ENV = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  AUTOPROTECT_SUBSCRIPTION_IDS: SUBSCRIPTION,
  AUTOPROTECT_VAULTS: JSON.stringify([
    {
      region: 'westeurope',
      vaultId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/rsv`,
    },
  ]),
};

/** main.bicep parameter → the app setting app.bicep fills from it (see the appsettings resource). */
const PARAM_SETTINGS: Readonly<Record<string, string>> = {
  dryRun: 'AUTOPROTECT_DRY_RUN',
  staleAfter: 'AUTOPROTECT_STALE_AFTER',
  reportSchedule: 'AUTOPROTECT_REPORT_SCHEDULE',
  maxAttempts: 'AUTOPROTECT_MAX_ATTEMPTS',
  backupExpiryDays: 'AUTOPROTECT_BACKUP_EXPIRY_DAYS',
  invocationBudgetSeconds: 'AUTOPROTECT_INVOCATION_BUDGET',
  leaseSeconds: 'AUTOPROTECT_LEASE_SECONDS',
  retryBaseSeconds: 'AUTOPROTECT_RETRY_BASE_SECONDS',
  retryMaxSeconds: 'AUTOPROTECT_RETRY_MAX_SECONDS',
  reenqueueStale: 'AUTOPROTECT_REENQUEUE_STALE',
  reenqueueMax: 'AUTOPROTECT_REENQUEUE_MAX',
  reenqueuePerSecond: 'AUTOPROTECT_REENQUEUE_PER_SECOND',
  firstBackupCheckBacks: 'AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS',
  firstBackupRetryDelays: 'AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS',
};
/** app.bicep var → the app setting set from it. */
const VAR_SETTINGS: Readonly<Record<string, string>> = {
  ledgerTableName: 'AUTOPROTECT_LEDGER_TABLE',
  rejectsTableName: 'AUTOPROTECT_REJECTS_TABLE',
  reportContainerName: 'AUTOPROTECT_REPORT_CONTAINER',
};

/**
 * The literal value of each `param x type = literal` / `var x = literal`, rendered the way ARM's string() renders it.
 */
function literalDefaults(source: string, kind: 'param' | 'var'): Map<string, string> {
  const values = new Map<string, string>();
  for (const declaration of declarationsOf(tokenizeBicep(source)).filter((candidate) => candidate.kind === kind)) {
    const assignment = declaration.tokens.findIndex((token) => token.text === '=');
    const value = declaration.tokens.slice(assignment + 1);
    const [only] = value;
    if (assignment === -1 || value.length !== 1 || only === undefined) continue;
    if (only.kind === 'identifier' && (only.text === 'true' || only.text === 'false'))
      values.set(declaration.name, only.text === 'true' ? 'True' : 'False');
    else if (only.kind === 'string' || only.kind === 'number') values.set(declaration.name, only.text);
  }
  return values;
}

function templateEnvironment(mainSource: string, appSource: string): Record<string, string> {
  const params = literalDefaults(mainSource, 'param');
  const vars = literalDefaults(appSource, 'var');
  const env: Record<string, string> = {
    ...REQUIRED_ENV,
    AUTOPROTECT_RULES: '{}',
    AUTOPROTECT_ARM_ENDPOINT: 'https://management.azure.com/',
    AUTOPROTECT_REPORT_PREFIX: '',
  };
  for (const [param, setting] of Object.entries(PARAM_SETTINGS)) {
    const value = params.get(param);
    if (value === undefined) throw new Error(`main.bicep: param ${param} has no literal default`);
    env[setting] = value;
  }
  for (const [variable, setting] of Object.entries(VAR_SETTINGS)) {
    const value = vars.get(variable);
    if (value === undefined) throw new Error(`app.bicep: var ${variable} has no literal value`);
    env[setting] = value;
  }
  return env;
}

describe('template defaults', () => {
  const mainSource = readFileSync(join(INFRA, 'main.bicep'), 'utf8');
  const appSource = readFileSync(join(INFRA, 'modules/app.bicep'), 'utf8');

  it('configure the app exactly like the code defaults do (docs/configuration.md)', () => {
    expect(loadConfig(templateEnvironment(mainSource, appSource))).toEqual(loadConfig(REQUIRED_ENV));
  });

  it('would notice a template default that drifts from the code', () => {
    const drifted = mainSource.replace('param maxAttempts int = 8', 'param maxAttempts int = 9');

    expect(drifted).not.toBe(mainSource);
    expect(loadConfig(templateEnvironment(drifted, appSource)).maxAttempts).toBe(9);
    expect(loadConfig(templateEnvironment(drifted, appSource))).not.toEqual(loadConfig(REQUIRED_ENV));
  });
});
