import { type QueueClient, QueueServiceClient } from '@azure/storage-queue';

/**
 * One QueueServiceClient per connection string for the whole runner process (the host also shares clients).
 * Retries are short: the listener has its own backoff and must notice a stopped Azurite quickly.
 */
export class StorageClients {
  readonly #services = new Map<string, QueueServiceClient>();

  queue(connectionString: string, queueName: string): QueueClient {
    let service = this.#services.get(connectionString);
    if (!service) {
      service = QueueServiceClient.fromConnectionString(connectionString, {
        retryOptions: { maxTries: 3, retryDelayInMs: 100, maxRetryDelayInMs: 1_000, tryTimeoutInMs: 30_000 },
      });
      this.#services.set(connectionString, service);
    }
    return service.getQueueClient(queueName);
  }
}

/** Status code of a storage SDK error, if it has one. */
export function storageStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
