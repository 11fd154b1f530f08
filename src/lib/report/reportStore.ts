import type { ContainerClient } from '@azure/storage-blob';

import { onceUntilFailure } from '../onceUntilFailure';

/** Where report files go. */
export interface ReportStore {
  put(path: string, content: string, contentType: string): Promise<void>;
}

/**
 * Blob paths of one report (prefix joined with '/'): `<prefix>yyyy/MM/dd/report-<yyyyMMddTHHmmssZ>.<ext>` plus
 * `<prefix>latest.<ext>`.
 */
export function reportPaths(prefix: string, generatedAt: Date, extension: string): { dated: string; latest: string } {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const iso = generatedAt.toISOString();
  const [date] = iso.split('T') as [string];
  const [year, month, day] = date.split('-');
  const stamp = iso.replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return { dated: `${base}${year}/${month}/${day}/report-${stamp}.${extension}`, latest: `${base}latest.${extension}` };
}

/** ReportStore over a blob container (created on first use). */
export function createBlobReportStore(container: ContainerClient): ReportStore {
  const ready = onceUntilFailure(() => container.createIfNotExists());
  return {
    async put(path, content, contentType) {
      await ready();
      const body = Buffer.from(content, 'utf8');
      await container
        .getBlockBlobClient(path)
        .upload(body, body.byteLength, { blobHTTPHeaders: { blobContentType: contentType } });
    },
  };
}
