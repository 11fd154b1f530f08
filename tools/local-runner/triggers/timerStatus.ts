import { BlobServiceClient, type BlockBlobClient } from '@azure/storage-blob';

import { hostTimestamp } from './queueMessage';

/** The host's schedule status blob `{"Last","Next","LastUpdated"}` (ISO timestamps with offset). */
export interface ScheduleStatus {
  Last: string;
  Next: string;
  LastUpdated: string;
}

/** Where a timer's schedule status lives; the host keeps it in a blob so restarts can detect past-due runs. */
export interface TimerStatusStore {
  read(): Promise<ScheduleStatus | undefined>;
  write(status: ScheduleStatus): Promise<void>;
}

export const TIMER_STATUS_CONTAINER = 'azure-webjobs-hosts';

/**
 * The blob path the host uses: `timers/{hostId}/{timerName}/status`; timerName is `Host.Functions.<name>` (unverified).
 */
export function timerStatusBlobName(hostId: string, functionName: string): string {
  return `timers/${hostId}/Host.Functions.${functionName}/status`;
}

export function blobTimerStatusStore(connectionString: string, hostId: string, functionName: string): TimerStatusStore {
  const container = BlobServiceClient.fromConnectionString(connectionString, {
    retryOptions: { maxTries: 2 },
  }).getContainerClient(TIMER_STATUS_CONTAINER);
  const blob: BlockBlobClient = container.getBlockBlobClient(timerStatusBlobName(hostId, functionName));
  return {
    async read(): Promise<ScheduleStatus | undefined> {
      try {
        const parsed = JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as Partial<ScheduleStatus>;
        return typeof parsed.Next === 'string'
          ? { Last: parsed.Last ?? '', Next: parsed.Next, LastUpdated: parsed.LastUpdated ?? '' }
          : undefined;
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    },
    async write(status: ScheduleStatus): Promise<void> {
      await container.createIfNotExists();
      const body = JSON.stringify(status);
      await blob.upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: 'application/json' } });
    },
  };
}

export function statusTimestamp(date: Date): string {
  return hostTimestamp(date) ?? date.toISOString();
}

/**
 * The host id the status path uses: `AzureFunctionsWebHost__hostid`, else the site or app name, lower-case, ≤ 32 chars.
 */
export function hostIdFor(settings: Readonly<Record<string, string>>, appName: string): string {
  const raw = settings.AzureFunctionsWebHost__hostid ?? settings.WEBSITE_SITE_NAME ?? appName;
  return (
    raw
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '')
      .slice(0, 32)
      .replace(/-+$/, '') || 'localrunner'
  );
}
