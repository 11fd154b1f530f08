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

/**
 * Undefined when `actual` is `expected` (same characters, same UTF-8 bytes); otherwise where they first differ, in a
 * line short enough to read: a failing 100,000-character payload is not printed whole.
 */
function differenceOf(actual: string | undefined, expected: string): string | undefined {
  if (actual === undefined) return 'no record was listed';
  if (actual === expected && Buffer.from(actual, 'utf8').equals(Buffer.from(expected, 'utf8'))) return undefined;
  let index = 0;
  while (index < actual.length && index < expected.length && actual[index] === expected[index]) index += 1;
  const around = (text: string): string => JSON.stringify(text.slice(Math.max(0, index - 4), index + 4));
  const replacement = actual.indexOf('\uFFFD');
  return (
    `${actual.length} characters read back for ${expected.length} written; first difference at character ${index}: ` +
    `expected ${around(expected)}, got ${around(actual)}${replacement >= 0 ? `; first U+FFFD at character ${replacement}` : ''}`
  );
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
    expect(differenceOf(big?.raw, large)).toBeUndefined();
    expect(big?.truncated).toBe(false);
    const truncated = records.find((record) => record.code === 'huge');
    expect(truncated).toMatchObject({ truncated: true, rawLength: huge.length });
    expect(truncated?.raw).toBe(huge.slice(0, RAW_STORED_MAX_CHARS));
  });

  it("returns multi-byte text byte-identical where the request body's chunk boundaries cut through its characters, at every offset", async () => {
    // The table server receives an entity write in socket reads of about 64 KB; a character whose UTF-8 bytes are
    // split between two reads must still come back whole (Azurite's table server once decoded each read on its own:
    // tools/azurite/azuritePatches.ts). The cycle is 10 bytes of 2- and 3-byte characters; records shifted by 0 to 9
    // ASCII characters put, for any boundary position, a character across it in most of them. About 250 KB per
    // record: several boundaries each, and several raw properties (RAW_CHUNK_CHARS) each.
    const store = newStore();
    const cycle = 'éЖ中€'; // 2 + 2 + 3 + 3 bytes
    expect(Buffer.byteLength(cycle, 'utf8')).toBe(10);
    const payloads = Array.from({ length: 10 }, (_, shift) => `${'a'.repeat(shift)}${cycle.repeat(25_000)}`);
    for (const [shift, raw] of payloads.entries()) {
      await store.record({
        kind: 'event',
        code: `straddle-${shift}`,
        reason: 'multi-byte across chunk boundaries',
        raw,
      });
    }
    const records = await listAll(store);
    const differences = payloads
      .map(
        (raw, shift) =>
          [shift, differenceOf(records.find((record) => record.code === `straddle-${shift}`)?.raw, raw)] as const,
      )
      .filter(([, difference]) => difference !== undefined)
      .map(([shift, difference]) => `shift ${shift}: ${difference}`);
    expect(differences).toEqual([]);
    expect(records.every((record) => record.truncated === false)).toBe(true);
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
