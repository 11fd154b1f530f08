import { TableClient } from '@azure/data-tables';

import { LedgerConflictError } from '../../../src/lib/ledger/ledger';
import { TableLedger } from '../../../src/lib/ledger/tableLedger';
import { TableVaultRefreshStore } from '../../../src/lib/ledger/tableVaultRefreshStore';
import type { NewVaultRefresh } from '../../../src/lib/ledger/vaultRefresh';
import { parseVmResourceId } from '../../../src/lib/resourceId';
import { ledgerRow } from '../../helpers/factories/protection';
import { vaultRoute, vmId } from '../../helpers/factories/rules';
import { testStorageConnectionString, uniqueName } from '../../helpers/storage';

/** The vaults' refresh claims share the ledger table: conditional writes, and the ledger's own listing ignores them. */
describe('TableVaultRefreshStore on Azurite', () => {
  const table = TableClient.fromConnectionString(testStorageConnectionString(), uniqueName('ledger'), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
  const store = new TableVaultRefreshStore(table);
  const vault = vaultRoute('eastus');
  const claim: NewVaultRefresh = {
    vaultId: vault.vaultId,
    state: 'running',
    owner: 'inv-1',
    startedAt: '2026-03-01T10:00:00.000Z',
    leaseExpiresAt: '2026-03-01T10:05:00.000Z',
  };

  afterAll(async () => {
    await table.deleteTable().catch(() => undefined);
  });

  it('creates one claim per vault (a second create conflicts) and finds it by the vault id in any case', async () => {
    const created = await store.create(claim);
    expect(created.etag).not.toBe('');
    await expect(store.create({ ...claim, owner: 'inv-2' })).rejects.toBeInstanceOf(LedgerConflictError);
    expect(await store.get(vault.vaultId.toUpperCase())).toEqual({ ...claim, etag: created.etag });
    expect(await store.get(vaultRoute('westeurope').vaultId)).toBeNull();
  });

  it('replaces a claim only from the version it read', async () => {
    const current = (await store.get(vault.vaultId))!;
    const ended = await store.replace(current, {
      ...claim,
      operationId: 'op-1',
      state: 'ended',
      endedAt: '2026-03-01T10:01:00.000Z',
    });
    expect(await store.get(vault.vaultId)).toEqual(ended);
    await expect(store.replace(current, { ...claim, owner: 'late' })).rejects.toBeInstanceOf(LedgerConflictError);
  });

  it('stays out of the ledger listing, with and without a status filter', async () => {
    const ledger = new TableLedger(table);
    const vm = parseVmResourceId(vmId('vm-listed'));
    await ledger.create(ledgerRow(vm, { status: 'failed' }));
    const all = [];
    for await (const row of ledger.list()) all.push(row.vmKey);
    const failed = [];
    for await (const row of ledger.list({ statuses: ['failed'] })) failed.push(row.vmKey);
    expect(all).toEqual([vm.key]);
    expect(failed).toEqual([vm.key]);
  });
});
