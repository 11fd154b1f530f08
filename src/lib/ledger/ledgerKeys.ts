/**
 * Table keys cannot contain '/', '\\', '#', '?' or control characters, so the row key is the VM key in base64url
 * (reversible, only [A-Za-z0-9_-]); the partition is the VM's subscription (a lower-case GUID).
 */
export function ledgerRowKey(vmKey: string): string {
  return Buffer.from(vmKey, 'utf8').toString('base64url');
}

export function ledgerPartitionKey(vmKey: string): string {
  const match = /^\/subscriptions\/([^/]+)\//.exec(vmKey);
  return match?.[1] ?? 'unknown';
}
