import { ledgerPartitionKey, ledgerRowKey } from '../../../../src/lib/ledger/ledgerKeys';

describe('ledger keys', () => {
  const key =
    '/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg-app/providers/microsoft.compute/virtualmachines/vm-1';

  it('derives a row key without characters Table storage forbids, and reverses it', () => {
    const rowKey = ledgerRowKey(key);
    expect(rowKey).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(rowKey, 'base64url').toString('utf8')).toBe(key);
  });

  it('partitions by subscription', () => {
    expect(ledgerPartitionKey(key)).toBe('11111111-1111-1111-1111-111111111111');
    expect(ledgerPartitionKey('not-an-id')).toBe('unknown');
  });
});
