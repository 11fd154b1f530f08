import { existsSync } from 'node:fs';

import { ConfigError } from '../errors';
import { deepFreeze } from './deepFreeze';
import { readFirstBackupSettings } from './firstBackupSettings';
import { httpsUrlProblem, isLoopbackUrl } from './formats';
import { readRules, readVaults } from './jsonSettings';
import { SettingReader } from './settingReader';
import { readStorage, STORAGE_CONNECTION_SETTING, STORAGE_IDENTITY_SETTINGS } from './storageSettings';
import type { AppConfig } from './types';

/**
 * The only module that reads process.env. Settings are read once, validated (every problem listed in one
 * ConfigError), and returned frozen. Names and defaults are documented in docs/configuration.md.
 */
export type { RulesConfig, TagMatch } from '../rules/rulesConfig';
export { DEFAULT_CHECK_BACKS, DEFAULT_RETRY_DELAYS } from './firstBackupSettings';
export { isLoopbackUrl, ncrontabProblem, parseDurationMs } from './formats';
export { azuriteOnlyProblem, connectionStringField, STORAGE_IDENTITY_SETTINGS } from './storageSettings';
export type { AppConfig, FirstBackupSettings, StorageConfig, VaultRoute } from './types';

export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';
export const PROTECTION_REQUESTS_QUEUE = 'protection-requests';
export const PROTECTION_REQUESTS_POISON_QUEUE = 'protection-requests-poison';
export const DEFAULT_REPORT_SCHEDULE = '0 0 6 * * *';

/** Every setting name the app reads (the sample settings file and the docs list exactly these). */
export const SETTING_NAMES = [
  STORAGE_CONNECTION_SETTING,
  STORAGE_IDENTITY_SETTINGS.blobServiceUri,
  STORAGE_IDENTITY_SETTINGS.queueServiceUri,
  STORAGE_IDENTITY_SETTINGS.tableServiceUri,
  STORAGE_IDENTITY_SETTINGS.credential,
  STORAGE_IDENTITY_SETTINGS.clientId,
  'AUTOPROTECT_SUBSCRIPTION_IDS',
  'AUTOPROTECT_VAULTS',
  'AUTOPROTECT_RULES',
  'AUTOPROTECT_STALE_AFTER',
  'AUTOPROTECT_REPORT_SCHEDULE',
  'AUTOPROTECT_MAX_ATTEMPTS',
  'AUTOPROTECT_DRY_RUN',
  'AUTOPROTECT_ARM_ENDPOINT',
  'AUTOPROTECT_ARM_CA_CERT',
  'AUTOPROTECT_BACKUP_EXPIRY_DAYS',
  'AUTOPROTECT_INVOCATION_BUDGET',
  'AUTOPROTECT_LEASE_SECONDS',
  'AUTOPROTECT_RETRY_BASE_SECONDS',
  'AUTOPROTECT_RETRY_MAX_SECONDS',
  'AUTOPROTECT_LEDGER_TABLE',
  'AUTOPROTECT_REJECTS_TABLE',
  'AUTOPROTECT_REPORT_CONTAINER',
  'AUTOPROTECT_REPORT_PREFIX',
  'AUTOPROTECT_SUMMARY_TOPIC_ENDPOINT',
  'AUTOPROTECT_REENQUEUE_STALE',
  'AUTOPROTECT_REENQUEUE_MAX',
  'AUTOPROTECT_REENQUEUE_PER_SECOND',
  'AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS',
  'AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS',
] as const;

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$/;
const MAX_QUEUE_VISIBILITY_MS = 7 * 24 * 3600 * 1000;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const read = new SettingReader(env, problems);

  const watchedSubscriptionIds = read.subscriptionList('AUTOPROTECT_SUBSCRIPTION_IDS');
  const arm = readArm(read, env, problems);
  const vaults = readVaults(env.AUTOPROTECT_VAULTS, watchedSubscriptionIds, problems);
  const rules = readRules(env.AUTOPROTECT_RULES, problems);
  const invocationBudgetMs = read.integer('AUTOPROTECT_INVOCATION_BUDGET', 120, 1, 570) * 1000;
  const leaseMs = read.integer('AUTOPROTECT_LEASE_SECONDS', 300, 1, 3600) * 1000;
  if (leaseMs <= invocationBudgetMs) {
    problems.push(
      `AUTOPROTECT_LEASE_SECONDS (${leaseMs / 1000}) must be longer than AUTOPROTECT_INVOCATION_BUDGET (${invocationBudgetMs / 1000}), or a second invocation could claim a VM still being worked on`,
    );
  }
  const retry = {
    baseDelayMs: Math.round(read.number('AUTOPROTECT_RETRY_BASE_SECONDS', 5, 0, 3600) * 1000),
    maxDelayMs: Math.round(read.number('AUTOPROTECT_RETRY_MAX_SECONDS', 900, 0, MAX_QUEUE_VISIBILITY_MS / 1000) * 1000),
  };
  if (retry.baseDelayMs > retry.maxDelayMs) {
    problems.push('AUTOPROTECT_RETRY_BASE_SECONDS must not be larger than AUTOPROTECT_RETRY_MAX_SECONDS');
  }
  const summaryEndpoint = read.optionalUrl('AUTOPROTECT_SUMMARY_TOPIC_ENDPOINT');
  const storage = readStorage(read, problems);

  const config: AppConfig = {
    storage,
    watchedSubscriptionIds,
    vaults,
    rules,
    staleAfterMs: read.duration('AUTOPROTECT_STALE_AFTER', 24 * 3600 * 1000),
    maxAttempts: read.integer('AUTOPROTECT_MAX_ATTEMPTS', 8, 1, 100),
    dryRun: read.boolean('AUTOPROTECT_DRY_RUN', false),
    arm,
    backupExpiryDays: read.integer('AUTOPROTECT_BACKUP_EXPIRY_DAYS', 30, 1, 3650),
    invocationBudgetMs,
    leaseMs,
    retry,
    queues: { requests: PROTECTION_REQUESTS_QUEUE, poison: PROTECTION_REQUESTS_POISON_QUEUE },
    tables: {
      ledger: read.matching(
        'AUTOPROTECT_LEDGER_TABLE',
        'autoprotectledger',
        TABLE_NAME,
        'a table name: a letter then 2-62 letters or digits',
      ),
      rejects: read.matching(
        'AUTOPROTECT_REJECTS_TABLE',
        'autoprotectrejects',
        TABLE_NAME,
        'a table name: a letter then 2-62 letters or digits',
      ),
    },
    reports: {
      container: read.matching(
        'AUTOPROTECT_REPORT_CONTAINER',
        'reports',
        CONTAINER_NAME,
        'a blob container name: 3-63 lower-case letters, digits and single hyphens',
      ),
      prefix: readReportPrefix(env.AUTOPROTECT_REPORT_PREFIX, problems),
    },
    ...(summaryEndpoint === undefined ? {} : { summaryTopic: { endpoint: summaryEndpoint } }),
    reenqueue: {
      enabled: read.boolean('AUTOPROTECT_REENQUEUE_STALE', false),
      maxPerRun: read.integer('AUTOPROTECT_REENQUEUE_MAX', 100, 0, 100_000),
      perSecond: read.number('AUTOPROTECT_REENQUEUE_PER_SECOND', 5, 0.01, 1000),
    },
    firstBackup: readFirstBackupSettings(read),
    reportSchedule: read.schedule('AUTOPROTECT_REPORT_SCHEDULE', DEFAULT_REPORT_SCHEDULE),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function readArm(read: SettingReader, env: NodeJS.ProcessEnv, problems: string[]): AppConfig['arm'] {
  const endpointText = read.raw('AUTOPROTECT_ARM_ENDPOINT') ?? DEFAULT_ARM_ENDPOINT;
  // Even towards the simulator ARM must be https: the SDK's bearer-token policy refuses plain http.
  const problem = endpointText.toLowerCase().startsWith('http:')
    ? `must be https (ARM clients send bearer tokens only over TLS), got '${endpointText}'`
    : httpsUrlProblem(endpointText);
  if (problem !== undefined) problems.push(`AUTOPROTECT_ARM_ENDPOINT ${problem}`);
  const endpoint = problem === undefined ? endpointText.replace(/\/+$/, '') : DEFAULT_ARM_ENDPOINT;
  const isLocal = problem === undefined && isLoopbackUrl(endpoint);
  const caCertPath = env.AUTOPROTECT_ARM_CA_CERT?.trim() || undefined;
  if (caCertPath !== undefined) {
    if (!isLocal)
      problems.push(
        'AUTOPROTECT_ARM_CA_CERT is only allowed with a local (127.0.0.1/localhost) AUTOPROTECT_ARM_ENDPOINT',
      );
    else if (!existsSync(caCertPath)) problems.push(`AUTOPROTECT_ARM_CA_CERT: file '${caCertPath}' does not exist`);
  }
  return caCertPath === undefined ? { endpoint, isLocal } : { endpoint, caCertPath, isLocal };
}

function readReportPrefix(value: string | undefined, problems: string[]): string {
  const prefix = (value ?? '').trim().replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((segment) => segment === '..' || segment === '.')) {
    problems.push(`AUTOPROTECT_REPORT_PREFIX must not contain '.' or '..' segments, got '${value}'`);
    return '';
  }
  return prefix;
}
