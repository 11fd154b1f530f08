import { ComputeManagementClient } from '@azure/arm-compute';
import { RecoveryServicesBackupClient } from '@azure/arm-recoveryservicesbackup';

import {
  ARM_RETRY_OPTIONS,
  BACKUP_API_VERSION,
  createAzureClients,
  createLocalTokenCredential,
  usesHttpTableEndpoint,
} from '../../../src/lib/clients';
import { loadConfig } from '../../../src/lib/config';

const SUB = '11111111-1111-1111-1111-111111111111';

function config(overrides: Record<string, string> = {}) {
  return loadConfig({
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    AUTOPROTECT_SUBSCRIPTION_IDS: SUB,
    AUTOPROTECT_VAULTS: JSON.stringify([
      {
        region: 'eastus',
        vaultId: `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`,
      },
    ]),
    AUTOPROTECT_ARM_ENDPOINT: 'https://127.0.0.1:8443',
    ...overrides,
  });
}

describe('createAzureClients (no network: constructing clients sends nothing)', () => {
  it('builds ARM clients for the configured endpoint, cached per subscription, case-insensitively', () => {
    const clients = createAzureClients(config());
    const compute = clients.compute(SUB);
    expect(compute).toBeInstanceOf(ComputeManagementClient);
    // arm-compute 24 keeps its context private; the subscription is what the client was built for.
    expect((compute as unknown as { _client: { subscriptionId: string } })._client.subscriptionId).toBe(SUB);
    expect(clients.compute(SUB.toUpperCase())).toBe(compute);
    const backup = clients.backup(SUB);
    expect(backup).toBeInstanceOf(RecoveryServicesBackupClient);
    expect(backup.apiVersion).toBe(BACKUP_API_VERSION);
    expect((backup as unknown as { $host: string }).$host).toBe('https://127.0.0.1:8443');
    expect(clients.backup('22222222-2222-2222-2222-222222222222')).not.toBe(backup);
  });

  it('points the storage clients at the configured names', () => {
    const clients = createAzureClients(
      config({ AUTOPROTECT_LEDGER_TABLE: 'ledgerX', AUTOPROTECT_REPORT_CONTAINER: 'rep' }),
    );
    expect(clients.requestQueue.name).toBe('protection-requests');
    expect(clients.poisonQueue.name).toBe('protection-requests-poison');
    expect(clients.ledgerTable.tableName).toBe('ledgerX');
    expect(clients.rejectsTable.tableName).toBe('autoprotectrejects');
    expect(clients.reportsContainer.containerName).toBe('rep');
    expect(clients.requestQueue.url).toMatch(/^http:\/\/127\.0\.0\.1:10001\//);
    expect(clients.summaryPublisher).toBeUndefined();
  });

  it('creates a summary publisher only when a topic is configured', () => {
    const clients = createAzureClients(config({ AUTOPROTECT_SUMMARY_TOPIC_ENDPOINT: 'http://127.0.0.1:9/api/events' }));
    expect(clients.summaryPublisher).toBeDefined();
  });

  it('builds every storage client from the service URIs of the identity settings, with no connection string', () => {
    const settings = {
      AzureWebJobsStorage__blobServiceUri: 'https://stap1.blob.core.windows.net/',
      AzureWebJobsStorage__queueServiceUri: 'https://stap1.queue.core.windows.net/',
      AzureWebJobsStorage__tableServiceUri: 'https://stap1.table.core.windows.net/',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: 'aaaaaaaa-1111-2222-3333-444444444444',
      AUTOPROTECT_SUBSCRIPTION_IDS: SUB,
      AUTOPROTECT_VAULTS: JSON.stringify([
        {
          region: 'eastus',
          vaultId: `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`,
        },
      ]),
    };
    const clients = createAzureClients(loadConfig(settings));
    expect(clients.requestQueue.url).toBe('https://stap1.queue.core.windows.net/protection-requests');
    expect(clients.poisonQueue.url).toBe('https://stap1.queue.core.windows.net/protection-requests-poison');
    expect(clients.ledgerTable.url).toBe('https://stap1.table.core.windows.net');
    expect(clients.ledgerTable.tableName).toBe('autoprotectledger');
    expect(clients.reportsContainer.url).toBe('https://stap1.blob.core.windows.net/reports');
    expect(clients.requestQueue.accountName).toBe('stap1');
  });

  it('the local credential hands out a non-empty token that expires in the future', async () => {
    const token = await createLocalTokenCredential().getToken('https://127.0.0.1:8443/.default');
    expect(token?.token.length).toBeGreaterThan(0);
    expect(token?.expiresOnTimestamp).toBeGreaterThan(Date.now());
  });
});

describe('usesHttpTableEndpoint', () => {
  it.each<[string, boolean]>([
    ['UseDevelopmentStorage=true', true],
    [
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;',
      true,
    ],
    ['DefaultEndpointsProtocol=https;AccountName=a;AccountKey=b;TableEndpoint=http://127.0.0.1:1/a', true],
    ['DefaultEndpointsProtocol=http;AccountName=a;AccountKey=b', true],
    ['DefaultEndpointsProtocol=https;AccountName=a;AccountKey=b;EndpointSuffix=core.windows.net', false],
    ['DefaultEndpointsProtocol=http;AccountName=a;AccountKey=b;TableEndpoint=https://a.table.core.windows.net', false],
  ])('%s -> %s', (connection, expected) => {
    expect(usesHttpTableEndpoint(connection)).toBe(expected);
  });
});

describe('ARM clients send their requests to the configured endpoint', () => {
  it('compute and backup calls reach 127.0.0.1 (a TCP listener that hangs up) instead of management.azure.com', async () => {
    const { createServer } = await import('node:net');
    let connections = 0;
    const server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const clients = createAzureClients(config({ AUTOPROTECT_ARM_ENDPOINT: `https://127.0.0.1:${port}` }));
      await expect(clients.compute(SUB).virtualMachines.get('rg', 'vm')).rejects.toThrow();
      const afterCompute = connections;
      expect(afterCompute).toBeGreaterThan(0);
      await expect(clients.backup(SUB).protectedItems.get('v', 'rg', 'Azure', 'c', 'i')).rejects.toThrow();
      expect(connections).toBeGreaterThan(afterCompute);
      // Each client gave up after its short in-process retries (ARM_RETRY_OPTIONS), not the SDK default of 3.
      expect(connections).toBeLessThanOrEqual(2 * (ARM_RETRY_OPTIONS.maxRetries + 1));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
