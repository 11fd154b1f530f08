import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';

import { ComputeManagementClient } from '@azure/arm-compute';
import { RecoveryServicesBackupClient } from '@azure/arm-recoveryservicesbackup';
import { TableClient } from '@azure/data-tables';
import { EventGridPublisherClient } from '@azure/eventgrid';
import { type AccessToken, DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { type QueueClient, QueueServiceClient } from '@azure/storage-queue';

import { createArmPacingPolicy } from './azure/armPacingPolicy';
import { ArmRequestPacer } from './azure/armRequestPacer';
import { type AppConfig, connectionStringField, isLoopbackUrl, type StorageConfig } from './config';

/**
 * The only place SDK clients are built (appRuntime.ts builds the adapters on them). Endpoint, CA and credential are
 * chosen here, so functions never branch on "am I local?". ARM clients are cached per subscription for the life of the
 * process.
 */
export interface AzureClients {
  compute(subscriptionId: string): ComputeManagementClient;
  /** api-version 2023-06-01 (the 12.0.0 default, pinned). */
  backup(subscriptionId: string): RecoveryServicesBackupClient;
  requestQueue: QueueClient;
  poisonQueue: QueueClient;
  ledgerTable: TableClient;
  rejectsTable: TableClient;
  reportsContainer: ContainerClient;
  summaryPublisher?: EventGridPublisherClient<'EventGrid'>;
}

export const BACKUP_API_VERSION = '2023-06-01';
/**
 * The app retries through the queue, so in-process SDK retries stay short. A 429 is rare behind the pacer (below); when
 * one comes, the SDK's retry honours its Retry-After (ARM's bucket answers about 1 s) and the pacer holds every other
 * request of that subscription and bucket for the same time, so a retry does not run into the wall again.
 */
export const ARM_RETRY_OPTIONS = { maxRetries: 2, retryDelayInMs: 500, maxRetryDelayInMs: 5000 } as const;
/** Table writes sit on the Event Grid / queue paths, which retry themselves: keep in-process retries short. */
export const STORAGE_TABLE_RETRY_OPTIONS = { maxRetries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000 } as const;
/** Not a secret: the simulator accepts any non-empty bearer token. Used only when the ARM endpoint is loopback. */
const LOCAL_TOKEN_VALUE = 'autoprotect-local-simulator';

/** What the composition root may be given instead of its defaults (tools and tests). */
export interface AzureClientOptions {
  /** The process-wide ARM pacer (default: processArmPacer). */
  pacer?: ArmRequestPacer;
  /**
   * The token credential of identity-based storage (default: DefaultAzureCredential, which is the managed identity
   * of AzureWebJobsStorage__clientId in Azure and the operator's own sign-in for the CLI). Tests pass one of their own.
   */
  storageCredential?: TokenCredential;
}

/** The app's storage clients by name, built one way for every caller (the app, the CLI, the tests). */
export interface StorageClients {
  queue(name: string): QueueClient;
  table(name: string): TableClient;
  container(name: string): ContainerClient;
}

/**
 * One mirror of ARM's per-subscription buckets for the whole process: every ARM request of every client waits for its
 * token (writes 10/s after a burst of 200, reads 25/s after 250) instead of drawing 429s.
 */
export const processArmPacer = new ArmRequestPacer();

export function createAzureClients(config: AppConfig, options: AzureClientOptions = {}): AzureClients {
  const pacer = options.pacer ?? processArmPacer;
  const armCredential = config.arm.isLocal ? createLocalTokenCredential() : new DefaultAzureCredential();
  const armOptions = {
    endpoint: config.arm.endpoint,
    retryOptions: { ...ARM_RETRY_OPTIONS },
    additionalPolicies: [{ policy: createArmPacingPolicy(pacer), position: 'perRetry' as const }],
    ...(config.arm.caCertPath === undefined
      ? {}
      : { agent: new Agent({ ca: readFileSync(config.arm.caCertPath), keepAlive: true }) }),
  };
  const computeClients = new Map<string, ComputeManagementClient>();
  const backupClients = new Map<string, RecoveryServicesBackupClient>();

  const storage = createStorageClients(config.storage, options.storageCredential);

  return {
    compute: (subscriptionId) =>
      cached(computeClients, subscriptionId, (id) => new ComputeManagementClient(armCredential, id, armOptions)),
    backup: (subscriptionId) =>
      cached(
        backupClients,
        subscriptionId,
        (id) =>
          // 12.x builds URLs from `$host` (not `endpoint`, which only sets the token scope): both must point at ARM.
          new RecoveryServicesBackupClient(armCredential, id, {
            ...armOptions,
            $host: config.arm.endpoint,
            apiVersion: BACKUP_API_VERSION,
          }),
      ),
    requestQueue: storage.queue(config.queues.requests),
    poisonQueue: storage.queue(config.queues.poison),
    ledgerTable: storage.table(config.tables.ledger),
    rejectsTable: storage.table(config.tables.rejects),
    reportsContainer: storage.container(config.reports.container),
    ...(config.summaryTopic === undefined
      ? {}
      : { summaryPublisher: createSummaryPublisher(config.summaryTopic.endpoint) }),
  };
}

/**
 * Storage clients for the configured account. With the identity settings (Azure) every client is built from its
 * service URI and a token credential: the host's own convention for AzureWebJobsStorage__*. A connection string is
 * used for Azurite only (loadConfig refuses any other).
 */
export function createStorageClients(storage: StorageConfig, credential?: TokenCredential): StorageClients {
  const tableOptions = { retryOptions: { ...STORAGE_TABLE_RETRY_OPTIONS } };
  if (storage.kind === 'identity') {
    const token =
      credential ??
      new DefaultAzureCredential(storage.clientId === undefined ? {} : { managedIdentityClientId: storage.clientId });
    const queues = new QueueServiceClient(storage.queueServiceUri, token);
    const blobs = new BlobServiceClient(storage.blobServiceUri, token);
    return {
      queue: (name) => queues.getQueueClient(name),
      table: (name) => new TableClient(storage.tableServiceUri, name, token, tableOptions),
      container: (name) => blobs.getContainerClient(name),
    };
  }
  const { connectionString } = storage;
  const queues = QueueServiceClient.fromConnectionString(connectionString);
  const blobs = BlobServiceClient.fromConnectionString(connectionString);
  const insecure = { ...tableOptions, allowInsecureConnection: usesHttpTableEndpoint(connectionString) };
  return {
    queue: (name) => queues.getQueueClient(name),
    table: (name) => TableClient.fromConnectionString(connectionString, name, insecure),
    container: (name) => blobs.getContainerClient(name),
  };
}

/** A fixed bearer token for the local simulator only (never logged; not a credential anywhere else). */
export function createLocalTokenCredential(): TokenCredential {
  return {
    getToken: async (): Promise<AccessToken> => ({
      token: LOCAL_TOKEN_VALUE,
      expiresOnTimestamp: Date.now() + 3_600_000,
    }),
  };
}

function createSummaryPublisher(endpoint: string): EventGridPublisherClient<'EventGrid'> {
  const local = isLoopbackUrl(endpoint);
  const credential = local ? createLocalTokenCredential() : new DefaultAzureCredential();
  return new EventGridPublisherClient(
    endpoint,
    'EventGrid',
    credential,
    local ? { allowInsecureConnection: true } : {},
  );
}

/** Table clients refuse http unless told: true for Azurite (UseDevelopmentStorage or an http table endpoint). */
export function usesHttpTableEndpoint(connectionString: string): boolean {
  if (/usedevelopmentstorage=true/i.test(connectionString)) return true;
  const tableEndpoint = connectionStringField(connectionString, 'TableEndpoint');
  if (tableEndpoint !== undefined) return tableEndpoint.toLowerCase().startsWith('http:');
  return /(?:^|;)\s*DefaultEndpointsProtocol=http\s*(?:;|$)/i.test(connectionString);
}

function cached<T>(cache: Map<string, T>, subscriptionId: string, build: (id: string) => T): T {
  const key = subscriptionId.toLowerCase();
  let client = cache.get(key);
  if (client === undefined) {
    client = build(key);
    cache.set(key, client);
  }
  return client;
}
