import type { ContainerClient } from '@azure/storage-blob';

import { statusCodeOf } from '../errors';
import { onceUntilFailure } from '../onceUntilFailure';

/** Where report files go, and the history summaries are read back from. */
export interface ReportStore {
  put(path: string, content: string, contentType: string): Promise<void>;
  /** Names of the files under `prefix`, in name order. */
  list(prefix: string): AsyncIterable<string>;
  /** A file's text, or undefined when there is none. */
  get(path: string): Promise<string | undefined>;
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
    async *list(prefix) {
      await ready();
      for await (const blob of container.listBlobsFlat({ prefix })) yield blob.name;
    },
    async get(path) {
      await ready();
      try {
        return (await container.getBlockBlobClient(path).downloadToBuffer()).toString('utf8');
      } catch (error) {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      }
    },
  };
}
