import { createAzureClients } from '../../src/lib/clients';
import { loadConfig } from '../../src/lib/config';
import { oauthStorageConfig, testTokenCredential } from '../helpers/oauthStorage';
import { uniqueName } from '../helpers/storage';

/**
 * The composition root with the identity settings the template sets (AzureWebJobsStorage__*ServiceUri), against an
 * Azurite that accepts bearer tokens over HTTPS only: every storage client the app uses authenticates with the token
 * credential, and a token Azurite must refuse is refused (so the passing calls did go through the token check).
 */
const SUB = '11111111-1111-1111-1111-111111111111';

function identitySettings(names: { ledger: string; container: string }) {
  const storage = oauthStorageConfig();
  return loadConfig({
    AzureWebJobsStorage__blobServiceUri: storage.blobServiceUri,
    AzureWebJobsStorage__queueServiceUri: storage.queueServiceUri,
    AzureWebJobsStorage__tableServiceUri: storage.tableServiceUri,
    AzureWebJobsStorage__credential: 'managedidentity',
    AUTOPROTECT_SUBSCRIPTION_IDS: SUB,
    AUTOPROTECT_VAULTS: JSON.stringify([
      {
        region: 'eastus',
        vaultId: `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv`,
      },
    ]),
    AUTOPROTECT_LEDGER_TABLE: names.ledger,
    AUTOPROTECT_REPORT_CONTAINER: names.container,
  });
}

describe('storage through the identity settings (Azurite with OAuth over HTTPS)', () => {
  it('reaches queues, tables and blobs with bearer tokens for the storage audience', async () => {
    const credential = testTokenCredential();
    const names = { ledger: uniqueName('ledgerid'), container: uniqueName('reportsid') };
    const clients = createAzureClients(identitySettings(names), { storageCredential: credential });
    try {
      await clients.requestQueue.createIfNotExists();
      await clients.ledgerTable.createTable();
      await clients.reportsContainer.createIfNotExists();
      await clients.requestQueue.sendMessage('aGVsbG8=');
      await clients.ledgerTable.createEntity({ partitionKey: 'p', rowKey: 'r', value: 1 });
      await clients.reportsContainer.getBlockBlobClient('latest.json').upload('{}', 2);

      expect((await clients.requestQueue.peekMessages()).peekedMessageItems).toHaveLength(1);
      expect((await clients.ledgerTable.getEntity('p', 'r')).value).toBe(1);
      expect((await clients.reportsContainer.getBlockBlobClient('latest.json').downloadToBuffer()).toString()).toBe(
        '{}',
      );
      expect(new Set(credential.requestedScopes)).toEqual(new Set(['https://storage.azure.com/.default']));
      expect(clients.requestQueue.url.startsWith('https://127.0.0.1:')).toBe(true);
    } finally {
      await clients.requestQueue.deleteIfExists();
      await clients.ledgerTable.deleteTable().catch(() => undefined);
      await clients.reportsContainer.deleteIfExists();
    }
  });

  it('is refused with a token for another audience: the calls above were authorised by their tokens', async () => {
    const names = { ledger: uniqueName('ledgerbad'), container: uniqueName('reportsbad') };
    const clients = createAzureClients(identitySettings(names), {
      storageCredential: testTokenCredential({ audience: 'https://management.azure.com' }),
    });

    await expect(clients.requestQueue.createIfNotExists()).rejects.toMatchObject({ statusCode: 403 });
    await expect(clients.reportsContainer.createIfNotExists()).rejects.toMatchObject({ statusCode: 403 });
    await expect(clients.ledgerTable.createTable()).rejects.toMatchObject({ statusCode: 403 });
  });
});
