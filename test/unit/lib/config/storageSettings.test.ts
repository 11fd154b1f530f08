import { SettingReader } from '../../../../src/lib/config/settingReader';
import { azuriteOnlyProblem, readStorage } from '../../../../src/lib/config/storageSettings';

const URIS = {
  AzureWebJobsStorage__blobServiceUri: 'https://stapp.blob.core.windows.net/',
  AzureWebJobsStorage__queueServiceUri: 'https://stapp.queue.core.windows.net',
  AzureWebJobsStorage__tableServiceUri: 'https://stapp.table.core.windows.net',
};
const CLIENT_ID = '3F2504E0-4F89-11D3-9A0C-0305E82C3301';

function read(env: Record<string, string>) {
  const problems: string[] = [];
  const storage = readStorage(new SettingReader(env, problems), problems);
  return { storage, problems };
}

describe('readStorage', () => {
  it('reads the identity form: service URIs without a trailing slash, the client id lower-cased', () => {
    const { storage, problems } = read({
      ...URIS,
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: CLIENT_ID,
    });
    expect(problems).toEqual([]);
    expect(storage).toEqual({
      kind: 'identity',
      blobServiceUri: 'https://stapp.blob.core.windows.net',
      queueServiceUri: 'https://stapp.queue.core.windows.net',
      tableServiceUri: 'https://stapp.table.core.windows.net',
      clientId: CLIENT_ID.toLowerCase(),
    });
  });

  it('lists every problem of the identity form at once', () => {
    const { problems } = read({
      AzureWebJobsStorage__blobServiceUri: 'http://stapp.blob.core.windows.net',
      AzureWebJobsStorage__queueServiceUri: 'https://stapp.queue.core.windows.net/?sv=2024&sig=abc',
      AzureWebJobsStorage__credential: 'connectionstring',
      AzureWebJobsStorage__clientId: 'not-a-guid',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^AzureWebJobsStorage__blobServiceUri must be an https URL/),
      expect.stringMatching(/^AzureWebJobsStorage__queueServiceUri must not carry a query/),
      expect.stringMatching(/^AzureWebJobsStorage__tableServiceUri is required with identity-based storage/),
      "AzureWebJobsStorage__credential must be 'managedidentity' when set, got 'connectionstring'",
      'AzureWebJobsStorage__clientId must be the client id (a GUID) of a managed identity',
    ]);
  });

  it('refuses both forms at once, and neither', () => {
    expect(read({ ...URIS, AzureWebJobsStorage: 'UseDevelopmentStorage=true' }).problems).toEqual([
      expect.stringMatching(/^AzureWebJobsStorage and AzureWebJobsStorage__blobServiceUri, .* are both set/),
    ]);
    expect(read({}).problems).toEqual([expect.stringMatching(/^storage is not configured: set /)]);
  });

  it('takes a connection string for Azurite only', () => {
    expect(read({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' })).toEqual({
      storage: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
      problems: [],
    });
    const azureKey =
      'DefaultEndpointsProtocol=https;AccountName=stapp;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net';
    expect(read({ AzureWebJobsStorage: azureKey }).problems).toEqual([
      expect.stringMatching(/^AzureWebJobsStorage is accepted for Azurite only/),
    ]);
  });
});

describe('azuriteOnlyProblem', () => {
  it.each([
    ['UseDevelopmentStorage=true', undefined],
    [
      'AccountName=devstoreaccount1;AccountKey=k;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://localhost:10002/devstoreaccount1',
      undefined,
    ],
    // One endpoint in Azure is enough to refuse the whole string.
    [
      'AccountName=a;AccountKey=k;BlobEndpoint=http://127.0.0.1:10000/a;QueueEndpoint=https://a.queue.core.windows.net;TableEndpoint=http://127.0.0.1:10002/a',
      'refused',
    ],
    ['AccountName=a;AccountKey=k;BlobEndpoint=http://127.0.0.1:10000/a', 'refused'],
  ])('%s', (connectionString, expected) => {
    const problem = azuriteOnlyProblem(connectionString);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(/^is accepted for Azurite only/);
  });
});
