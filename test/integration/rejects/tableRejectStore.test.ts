import { TableClient } from '@azure/data-tables';

import { TransientError } from '../../../src/lib/errors';
import type { RejectRecord } from '../../../src/lib/rejects/rejectStore';
import { RAW_STORED_MAX_CHARS } from '../../../src/lib/rejects/rejectStore';
import { TableRejectStore } from '../../../src/lib/rejects/tableRejectStore';
import { testStorageConnectionString, uniqueName } from '../../helpers/storage';

const tables: TableClient[] = [];

function newStore(): TableRejectStore {
  const table = TableClient.fromConnectionString(testStorageConnectionString(), uniqueName('rejects'), {
    allowInsecureConnection: true,
  });
  tables.push(table);
  return new TableRejectStore(table);
}

async function listAll(store: TableRejectStore): Promise<RejectRecord[]> {
  const records: RejectRecord[] = [];
  for await (const record of store.list()) records.push(record);
  return records;
}

afterAll(async () => {
  await Promise.all(tables.map((table) => table.deleteTable().catch(() => undefined)));
});

describe('TableRejectStore on Azurite', () => {
  it('creates its table, records event and message rejects with reason, context and raw payload, and lists them', async () => {
    const store = newStore();
    await store.record({
      kind: 'event',
      code: 'invalid-envelope',
      reason: 'no eventTime',
      raw: '{"id":"e1"}',
      context: { eventId: 'e1' },
    });
    await store.record({ kind: 'message', code: 'invalid-message', reason: 'not JSON', raw: '{nope' });
    const records = await listAll(store);
    expect(records.map((record) => [record.kind, record.code, record.reason, record.raw]).sort()).toEqual([
      ['event', 'invalid-envelope', 'no eventTime', '{"id":"e1"}'],
      ['message', 'invalid-message', 'not JSON', '{nope'],
    ]);
    expect(records.find((record) => record.kind === 'event')?.context).toEqual({ eventId: 'e1' });
  });

  it('a redelivered payload overwrites its own row instead of piling up', async () => {
    const store = newStore();
    await store.record({ kind: 'event', code: 'c', reason: 'first', raw: 'same' });
    await store.record({ kind: 'event', code: 'c', reason: 'second', raw: 'same' });
    expect((await listAll(store)).map((record) => record.reason)).toEqual(['second']);
  });

  it('splits a large raw payload across properties and reads it back whole (beyond 32 KB), truncating only past the limit', async () => {
    const store = newStore();
    const large = 'é'.repeat(100_000);
    await store.record({ kind: 'event', code: 'big', reason: 'r', raw: large });
    const huge = 'x'.repeat(RAW_STORED_MAX_CHARS + 5);
    await store.record({ kind: 'message', code: 'huge', reason: 'r', raw: huge });
    const records = await listAll(store);
    const big = records.find((record) => record.code === 'big');
    expect(big?.raw).toBe(large);
    expect(big?.truncated).toBe(false);
    const truncated = records.find((record) => record.code === 'huge');
    expect(truncated).toMatchObject({ truncated: true, rawLength: huge.length });
    expect(truncated?.raw).toBe(huge.slice(0, RAW_STORED_MAX_CHARS));
  });

  it('turns a storage failure into a TransientError with the cause', async () => {
    const table = TableClient.fromConnectionString(
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:1/devstoreaccount1',
      'rejectsdown',
      { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
    );
    const store = new TableRejectStore(table);
    const failure = store.record({ kind: 'event', code: 'c', reason: 'r', raw: 'x' });
    await expect(failure).rejects.toBeInstanceOf(TransientError);
    await expect(failure).rejects.toMatchObject({ code: 'reject-store-unavailable' });
  });
});
