import { TableClient } from '@azure/data-tables';

import { TableLedger } from '../../../src/lib/ledger/tableLedger';
import { describeLedgerContract } from '../../helpers/ledgerContract';
import { testStorageConnectionString, uniqueName } from '../../helpers/storage';

const tables: TableClient[] = [];

afterAll(async () => {
  await Promise.all(tables.map((table) => table.deleteTable().catch(() => undefined)));
});

describeLedgerContract('TableLedger on Azurite', () => {
  const table = TableClient.fromConnectionString(testStorageConnectionString(), uniqueName('ledger'), {
    allowInsecureConnection: true,
  });
  tables.push(table);
  return new TableLedger(table);
});
