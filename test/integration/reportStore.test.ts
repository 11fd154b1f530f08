import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';

import { createStorageClients } from '../../src/lib/clients';
import { createBlobReportStore } from '../../src/lib/report/reportStore';
import { oauthStorageConfig, testTokenCredential } from '../helpers/oauthStorage';
import { testStorageConnectionString, uniqueName } from '../helpers/storage';

const paths: Array<[string, () => ContainerClient]> = [
  [
    'a connection string',
    () =>
      BlobServiceClient.fromConnectionString(testStorageConnectionString()).getContainerClient(uniqueName('reports')),
  ],
  [
    'a token credential',
    () => createStorageClients(oauthStorageConfig(), testTokenCredential()).container(uniqueName('reports')),
  ],
];

describe.each(paths)('createBlobReportStore on Azurite through %s', (_path, makeContainer) => {
  it('creates the container on first use and writes blobs with their content type', async () => {
    const container = makeContainer();
    try {
      const store = createBlobReportStore(container);
      await store.put('prefix/2026/03/02/report-20260302T120000Z.html', '<p>é</p>', 'text/html; charset=utf-8');
      await store.put('prefix/latest.html', '<p>latest</p>', 'text/html; charset=utf-8');
      const blob = container.getBlockBlobClient('prefix/2026/03/02/report-20260302T120000Z.html');
      expect((await blob.downloadToBuffer()).toString('utf8')).toBe('<p>é</p>');
      expect((await blob.getProperties()).contentType).toBe('text/html; charset=utf-8');
      const names: string[] = [];
      for await (const item of container.listBlobsFlat()) names.push(item.name);
      expect(names.sort()).toEqual(['prefix/2026/03/02/report-20260302T120000Z.html', 'prefix/latest.html']);
    } finally {
      await container.deleteIfExists();
    }
  });

  it('lists names under a prefix in name order and reads a file back (undefined when there is none)', async () => {
    const container = makeContainer();
    try {
      const store = createBlobReportStore(container);
      for (const name of ['p/2026/03/02/summary-b.json', 'p/2026/03/01/summary-a.json', 'other/x.json'])
        await store.put(name, `{"name":"${name}"}`, 'application/json');
      const listed: string[] = [];
      for await (const name of store.list('p/')) listed.push(name);
      expect(listed).toEqual(['p/2026/03/01/summary-a.json', 'p/2026/03/02/summary-b.json']);
      await expect(store.get('p/2026/03/01/summary-a.json')).resolves.toBe('{"name":"p/2026/03/01/summary-a.json"}');
      await expect(store.get('p/missing.json')).resolves.toBeUndefined();
    } finally {
      await container.deleteIfExists();
    }
  });

  it('reads from a container that does not exist yet as empty', async () => {
    const container = makeContainer();
    try {
      const store = createBlobReportStore(container);
      const listed: string[] = [];
      for await (const name of store.list('')) listed.push(name);
      expect(listed).toEqual([]);
      await expect(store.get('latest.json')).resolves.toBeUndefined();
    } finally {
      await container.deleteIfExists();
    }
  });
});
