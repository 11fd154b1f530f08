import { TableClient } from '@azure/data-tables';

import { createStorageClients } from '../../src/lib/clients';
import { TableLedger } from '../../src/lib/ledger/tableLedger';
import { describeLedgerContract } from '../helpers/ledgerContract';
import { oauthStorageConfig, testTokenCredential } from '../helpers/oauthStorage';
import { testStorageConnectionString, uniqueName } from '../helpers/storage';

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

// The identity path of src/lib/clients.ts: service URI + token credential, as the app runs in Azure.
describeLedgerContract('TableLedger on Azurite through a token credential', () => {
  const table = createStorageClients(oauthStorageConfig(), testTokenCredential()).table(uniqueName('ledgeroauth'));
  tables.push(table);
  return new TableLedger(table);
});
