import { createHttpHeaders, type PipelinePolicy } from '@azure/core-rest-pipeline';
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';

import { createStorageClients } from '../../../src/lib/clients';
import { LedgerConflictError } from '../../../src/lib/ledger/ledger';
import type { LedgerEntry, LedgerStatus, NewLedgerEntry } from '../../../src/lib/ledger/ledgerEntry';
import { ledgerPartitionKey, ledgerRowKey } from '../../../src/lib/ledger/ledgerKeys';
import { TableLedger } from '../../../src/lib/ledger/tableLedger';
import { parseVmResourceId } from '../../../src/lib/resourceId';
import { ledgerRow } from '../../helpers/factories/protection';
import { TEST_SUBSCRIPTION, vmId } from '../../helpers/factories/rules';
import { describeLedgerContract } from '../../helpers/ledgerContract';
import { oauthStorageConfig, testTokenCredential } from '../../helpers/oauthStorage';
import { testStorageConnectionString, uniqueName } from '../../helpers/storage';

const tables: TableClient[] = [];

afterAll(async () => {
  await Promise.all(tables.map((table) => table.deleteTable().catch(() => undefined)));
});

/** A client on a fresh table (deleted after the suite); retries off so conflicts surface at once. */
function newTable(options: TableServiceClientOptions = {}, name = uniqueName('ledger')): TableClient {
  const table = TableClient.fromConnectionString(testStorageConnectionString(), name, {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
    ...options,
  });
  tables.push(table);
  return table;
}

describeLedgerContract('TableLedger on Azurite', () => new TableLedger(newTable()));

// The identity path of src/lib/clients.ts: service URI + token credential, as the app runs in Azure.
describeLedgerContract('TableLedger on Azurite through a token credential', () => {
  const table = createStorageClients(oauthStorageConfig(), testTokenCredential()).table(uniqueName('ledgeroauth'));
  tables.push(table);
  return new TableLedger(table);
});

/**
 * A pipeline policy that answers the next request of a method with a scripted storage error instead of sending it
 * (the InjectorPolicy of the storage SDK's tests): for the failures Azurite cannot be made to produce. Per retry, so
 * the SDK deserialises the answer into its RestError as it would a real one.
 */
class FaultInjector {
  private readonly pending: Array<{ method: string; status: number }> = [];

  failNext(method: string, status: number): void {
    this.pending.push({ method, status });
  }

  policy(): { policy: PipelinePolicy; position: 'perRetry' } {
    return {
      position: 'perRetry',
      policy: {
        name: 'faultInjector',
        sendRequest: async (request, next) => {
          const index = this.pending.findIndex((fault) => fault.method === request.method);
          if (index < 0) return next(request);
          const [fault] = this.pending.splice(index, 1);
          return {
            request,
            status: fault!.status,
            headers: createHttpHeaders({ 'content-type': 'application/json;odata=minimalmetadata' }),
            bodyAsText: JSON.stringify({
              'odata.error': { code: 'InjectedFault', message: { lang: 'en-US', value: 'injected by the test' } },
            }),
          };
        },
      },
    };
  }
}

let vmCounter = 0;

function newEntry(overrides: Partial<NewLedgerEntry> = {}, subscriptionId = TEST_SUBSCRIPTION): NewLedgerEntry {
  return ledgerRow(parseVmResourceId(vmId(`vm-table-${++vmCounter}`, 'RG-Mixed', subscriptionId)), overrides);
}

async function listAll(ledger: TableLedger, statuses?: readonly LedgerStatus[]): Promise<LedgerEntry[]> {
  const rows: LedgerEntry[] = [];
  for await (const row of ledger.list(statuses === undefined ? {} : { statuses })) rows.push(row);
  return rows;
}

/** What was thrown, for assertions on its class, code and cause. */
async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('TableLedger on Azurite (beyond the contract)', () => {
  let table: TableClient;
  let ledger: TableLedger;

  beforeEach(() => {
    table = newTable();
    ledger = new TableLedger(table);
  });

  describe('rows', () => {
    it('creates its table on first use: get on a new table is null, not an error', async () => {
      expect(await ledger.get(newEntry().vmKey)).toBeNull();
    });

    it('shares a table with another instance (an existing table is not an error)', async () => {
      const entry = await ledger.create(newEntry());
      const other = new TableLedger(
        TableClient.fromConnectionString(testStorageConnectionString(), table.tableName, {
          allowInsecureConnection: true,
        }),
      );
      expect(await other.get(entry.vmKey)).toEqual(entry);
    });

    it('stores a row per VM in the partition of its subscription, keyed by the base64url VM key', async () => {
      const entry = await ledger.create(newEntry());
      const raw = await table.getEntity(ledgerPartitionKey(entry.vmKey), ledgerRowKey(entry.vmKey));
      expect(raw.partitionKey).toBe(TEST_SUBSCRIPTION);
      expect(raw.rowKey).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(raw.vmKey).toBe(entry.vmKey);
    });

    it('reads back every field it wrote, with the etag create returned', async () => {
      const created = await ledger.create(
        newEntry({
          status: 'backup-triggered',
          reason: 'backup-running',
          errorCode: 'E1',
          rule: 'default',
          vaultId: '/subscriptions/x/resourceGroups/y/providers/Microsoft.RecoveryServices/vaults/z',
          policyName: 'DefaultPolicy',
          attempts: 3,
          operationIds: ['op-1', 'op-2'],
          jobIds: ['job-1'],
          lastEventId: 'ev-1',
          lastCorrelationId: 'corr-1',
          leaseOwner: 'owner-1',
          leaseExpiresAt: '2026-01-01T00:05:00.000Z',
        }),
      );
      expect(created.etag).not.toBe('');
      expect(await ledger.get(created.vmKey)).toEqual(created);
    });

    it('leaves optional fields given as empty strings out, so they read back as absent', async () => {
      const created = await ledger.create(newEntry({ reason: '', leaseOwner: '' }));
      const row = await ledger.get(created.vmKey);
      expect(row?.reason).toBeUndefined();
      expect(row?.leaseOwner).toBeUndefined();
      const raw = await table.getEntity(ledgerPartitionKey(created.vmKey), ledgerRowKey(created.vmKey));
      expect(raw).not.toHaveProperty('reason');
    });

    it('keeps only the last 20 operation and job ids, in what it returns and what it stores', async () => {
      const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
      const created = await ledger.create(newEntry({ operationIds: ids('op', 25), jobIds: ids('job', 3) }));
      expect(created.operationIds).toEqual(ids('op', 25).slice(5));
      expect(created.jobIds).toEqual(ids('job', 3));
      const updated = await ledger.update(created, { jobIds: [...created.jobIds, ...ids('more', 30)] });
      expect(updated.jobIds).toEqual(ids('more', 30).slice(10));
      expect(await ledger.get(created.vmKey)).toEqual(updated);
    });

    it('cuts an optional text beyond 30,000 characters, which Table storage could not hold', async () => {
      const created = await ledger.create(newEntry({ reason: 'r'.repeat(40_000) }));
      expect((await ledger.get(created.vmKey))?.reason).toBe('r'.repeat(30_000));
    });

    it('reads rows another writer left incomplete or malformed with safe defaults', async () => {
      const entry = newEntry();
      await table.createTable();
      await table.createEntity({
        partitionKey: ledgerPartitionKey(entry.vmKey),
        rowKey: ledgerRowKey(entry.vmKey),
        vmKey: entry.vmKey,
        status: 'no-such-status',
        attempts: '4',
        operationIds: 'not json',
        jobIds: JSON.stringify(['job-1', 7, null, 'job-2']),
        reason: '',
      });
      const row = await ledger.get(entry.vmKey);
      expect(row).toMatchObject({
        vmKey: entry.vmKey,
        vmResourceId: '',
        subscriptionId: '',
        status: 'requested',
        attempts: 4,
        operationIds: [],
        jobIds: ['job-1', 'job-2'],
        firstSeen: '',
        lastChanged: '',
      });
      expect(row?.reason).toBeUndefined();
      expect(row?.etag).not.toBe('');
    });

    it('reads ids stored as a JSON value that is not a list as none, and absent attempts as 0', async () => {
      const entry = newEntry();
      await table.createTable();
      await table.createEntity({
        partitionKey: ledgerPartitionKey(entry.vmKey),
        rowKey: ledgerRowKey(entry.vmKey),
        vmKey: entry.vmKey,
        status: 'failed',
        operationIds: JSON.stringify({ id: 'op-1' }),
      });
      expect(await ledger.get(entry.vmKey)).toMatchObject({
        status: 'failed',
        operationIds: [],
        jobIds: [],
        attempts: 0,
      });
    });
  });

  describe('conditional writes (ETag)', () => {
    it('refuses a second create of the same VM with a LedgerConflictError carrying the 409', async () => {
      const entry = newEntry();
      await ledger.create(entry);
      const error = await caught(ledger.create({ ...entry, status: 'failed' }));
      expect(error).toBeInstanceOf(LedgerConflictError);
      expect(error).toMatchObject({ code: 'ledger-conflict', kind: 'transient', context: { vmKey: entry.vmKey } });
      expect((error as Error).cause).toMatchObject({ statusCode: 409 });
      expect((await ledger.get(entry.vmKey))?.status).toBe('requested');
    });

    it('refuses an update with a stale etag (412) and keeps the newer row', async () => {
      const created = await ledger.create(newEntry());
      const first = await ledger.update(created, { status: 'protecting', attempts: 2 });
      expect(first.etag).not.toBe(created.etag);
      const error = await caught(ledger.update(created, { status: 'failed' }));
      expect(error).toBeInstanceOf(LedgerConflictError);
      expect((error as Error).cause).toMatchObject({ statusCode: 412 });
      expect(await ledger.get(created.vmKey)).toEqual(first);
    });

    it('refuses an update of a row that was deleted meanwhile (404) as a conflict', async () => {
      const created = await ledger.create(newEntry());
      await table.deleteEntity(ledgerPartitionKey(created.vmKey), ledgerRowKey(created.vmKey));
      const error = await caught(ledger.update(created, { status: 'protecting' }));
      expect(error).toBeInstanceOf(LedgerConflictError);
      expect((error as Error).cause).toMatchObject({ statusCode: 404 });
      expect(await ledger.get(created.vmKey)).toBeNull();
    });

    it('refuses an update made with an etag read before a concurrent writer updated the row', async () => {
      const created = await ledger.create(newEntry());
      const readByA = await ledger.get(created.vmKey);
      const readByB = await ledger.get(created.vmKey);
      if (!readByA || !readByB) throw new Error('row expected');
      const results = await Promise.allSettled([
        ledger.update(readByA, { leaseOwner: 'a' }),
        ledger.update(readByB, { leaseOwner: 'b' }),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((result) => result.status === 'rejected');
      expect(rejected?.status === 'rejected' ? rejected.reason : undefined).toBeInstanceOf(LedgerConflictError);
    });

    it('replaces the whole row: a field set to undefined is removed, the identity and first-seen stay', async () => {
      const created = await ledger.create(newEntry({ leaseOwner: 'a', reason: 'why', errorCode: 'E' }));
      const updated = await ledger.update(created, { leaseOwner: undefined, reason: 'new', lastChanged: 'later' });
      const row = await ledger.get(created.vmKey);
      expect(row).toEqual(updated);
      expect(row).toMatchObject({
        vmResourceId: created.vmResourceId,
        firstSeen: created.firstSeen,
        reason: 'new',
        errorCode: 'E',
        lastChanged: 'later',
      });
      expect(row?.leaseOwner).toBeUndefined();
    });

    it('passes a failure to create its table on unchanged, and tries again on the next call', async () => {
      const faults = new FaultInjector();
      const faulty = new TableLedger(newTable({ additionalPolicies: [faults.policy()] }));
      faults.failNext('POST', 503);
      const error = await caught(faulty.get(newEntry().vmKey));
      expect(error).toMatchObject({ name: 'RestError', statusCode: 503 });
      expect(await faulty.get(newEntry().vmKey)).toBeNull();
    });

    it.each<[string, 'GET' | 'POST' | 'PUT', number, (ledger: TableLedger, entry: LedgerEntry) => Promise<unknown>]>([
      ['get', 'GET', 500, (ledger, entry) => ledger.get(entry.vmKey)],
      ['create', 'POST', 503, (ledger, entry) => ledger.create({ ...entry, vmKey: newEntry().vmKey })],
      ['update', 'PUT', 500, (ledger, entry) => ledger.update(entry, { status: 'protecting' })],
      ['an update refused as bad', 'PUT', 400, (ledger, entry) => ledger.update(entry, { status: 'protecting' })],
    ])('passes other storage errors of %s on unchanged, not as conflicts', async (_label, method, status, act) => {
      const faults = new FaultInjector();
      const faulty = new TableLedger(newTable({ additionalPolicies: [faults.policy()] }));
      const entry = await faulty.create(newEntry());
      faults.failNext(method, status);
      const error = await caught(act(faulty, entry));
      expect(error).not.toBeInstanceOf(LedgerConflictError);
      expect(error).toMatchObject({ name: 'RestError', statusCode: status });
      expect(await faulty.get(entry.vmKey)).toEqual(entry);
    });

    it('refuses a table name the service refuses (400), without mistaking it for a conflict', async () => {
      const broken = new TableLedger(newTable({}, 'x'));
      const error = await caught(broken.get(newEntry().vmKey));
      expect(error).not.toBeInstanceOf(LedgerConflictError);
      expect(error).toMatchObject({ statusCode: 400 });
    });
  });

  describe('list', () => {
    it('lists every row without a filter, or with an empty one', async () => {
      const keys = await Promise.all(
        (['requested', 'failed', 'protected'] as const).map(
          async (status) => (await ledger.create(newEntry({ status }))).vmKey,
        ),
      );
      expect((await listAll(ledger)).map((row) => row.vmKey).sort()).toEqual([...keys].sort());
      expect(await listAll(ledger, [])).toHaveLength(3);
    });

    it('lists the rows of any of several statuses, and none for a status no row has', async () => {
      const failed = await ledger.create(newEntry({ status: 'failed' }));
      const skipped = await ledger.create(newEntry({ status: 'skipped' }));
      await ledger.create(newEntry({ status: 'protected' }));
      const listed = await listAll(ledger, ['failed', 'skipped']);
      expect(listed.map((row) => row.vmKey).sort()).toEqual([failed.vmKey, skipped.vmKey].sort());
      expect(await listAll(ledger, ['protecting'])).toEqual([]);
    });

    it('reads only the fields asked for, the others as empty, with the etag', async () => {
      const stored = await ledger.create(
        newEntry({ status: 'failed', reason: 'no-vault-for-region', operationIds: ['op-1'], lastEventId: 'event-1' }),
      );
      const listed: LedgerEntry[] = [];
      for await (const row of ledger.list({ fields: ['vmKey', 'status', 'reason'] })) listed.push(row);
      expect(listed).toEqual([
        {
          vmKey: stored.vmKey,
          vmResourceId: '',
          subscriptionId: '',
          status: 'failed',
          reason: 'no-vault-for-region',
          attempts: 0,
          operationIds: [],
          jobIds: [],
          firstSeen: '',
          lastChanged: '',
          etag: stored.etag,
        },
      ]);
    });

    it('lists rows across subscriptions (partitions) with their etags', async () => {
      const other = await ledger.create(newEntry({}, '22222222-2222-2222-2222-222222222222'));
      const mine = await ledger.create(newEntry());
      const listed = await listAll(ledger);
      expect(listed).toEqual(expect.arrayContaining([other, mine]));
    });

    it('follows continuation tokens past the service page of 1,000 rows', async () => {
      const requests: string[] = [];
      const counted = newTable({
        additionalPolicies: [
          {
            position: 'perCall',
            policy: {
              name: 'countQueries',
              sendRequest: (request, next) => {
                if (request.method === 'GET' && new URL(request.url).pathname.endsWith(`/${counted.tableName}()`))
                  requests.push(request.url);
                return next(request);
              },
            },
          },
        ],
      });
      await counted.createTable();
      // Seeded through the ledger itself, 50 creates at a time.
      const seeder = new TableLedger(counted);
      const entries = Array.from({ length: 1_050 }, (_, i) => newEntry({ status: i % 2 === 0 ? 'failed' : 'skipped' }));
      for (let i = 0; i < entries.length; i += 50)
        await Promise.all(entries.slice(i, i + 50).map((entry) => seeder.create(entry)));
      requests.length = 0;

      const listed = await listAll(new TableLedger(counted));

      expect(new Set(listed.map((row) => row.vmKey)).size).toBe(1_050);
      expect(requests.length).toBeGreaterThanOrEqual(2);
      expect(requests.slice(1).every((url) => /NextRowKey=/i.test(url))).toBe(true);
      const failed = await listAll(new TableLedger(counted), ['failed']);
      expect(failed).toHaveLength(525);
    });
  });
});
