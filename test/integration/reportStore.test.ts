import { BlobServiceClient } from '@azure/storage-blob';

import { createBlobReportStore } from '../../src/lib/report/reportStore';
import { testStorageConnectionString, uniqueName } from '../helpers/storage';

describe('createBlobReportStore on Azurite', () => {
  it('creates the container on first use and writes blobs with their content type', async () => {
    const container = BlobServiceClient.fromConnectionString(testStorageConnectionString()).getContainerClient(
      uniqueName('reports'),
    );
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
});
