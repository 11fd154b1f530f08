import {
  RAW_STORED_MAX_CHARS,
  rawPayloadOf,
  rejectIdOf,
  toRejectRecord,
} from '../../../../src/lib/rejects/rejectStore';
import { InMemoryRejectStore } from '../../../helpers/fakes/inMemoryRejectStore';

describe('toRejectRecord', () => {
  it('keeps the raw payload whole when it fits, with a stable id per kind and payload', () => {
    const record = toRejectRecord(
      { kind: 'event', code: 'invalid-envelope', reason: 'no id', raw: '{"a":1}', context: { eventId: 'e' } },
      new Date('2024-01-01T00:00:00Z'),
    );
    expect(record).toEqual({
      id: rejectIdOf('event', '{"a":1}'),
      kind: 'event',
      code: 'invalid-envelope',
      reason: 'no id',
      raw: '{"a":1}',
      rawLength: 7,
      truncated: false,
      context: { eventId: 'e' },
      recordedAt: '2024-01-01T00:00:00.000Z',
    });
    expect(rejectIdOf('event', 'x')).not.toBe(rejectIdOf('message', 'x'));
    expect(rejectIdOf('event', 'x')).not.toBe(rejectIdOf('event', 'y'));
  });

  it('truncates a huge payload but keeps far more than the first 32 KB, and says so', () => {
    const raw = 'x'.repeat(RAW_STORED_MAX_CHARS + 10);
    const record = toRejectRecord({ kind: 'message', code: 'c', reason: 'r', raw });
    expect(record.truncated).toBe(true);
    expect(record.rawLength).toBe(raw.length);
    expect(record.raw.length).toBe(RAW_STORED_MAX_CHARS);
    expect(RAW_STORED_MAX_CHARS).toBeGreaterThanOrEqual(32 * 1024);
  });

  it('rawPayloadOf keeps strings and serialises anything else', () => {
    expect(rawPayloadOf('abc')).toBe('abc');
    expect(rawPayloadOf({ a: [1] })).toBe('{"a":[1]}');
    expect(rawPayloadOf(undefined)).toBe('undefined');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(rawPayloadOf(cyclic)).toBe('[object Object]');
  });
});

describe('InMemoryRejectStore', () => {
  it('records, de-duplicates the same payload, and lists', async () => {
    const store = new InMemoryRejectStore();
    await store.record({ kind: 'event', code: 'a', reason: 'first', raw: 'same' });
    await store.record({ kind: 'event', code: 'a', reason: 'again', raw: 'same' });
    await store.record({ kind: 'message', code: 'b', reason: 'other', raw: 'same' });
    const listed = [];
    for await (const record of store.list()) listed.push(record);
    expect(listed.map((record) => [record.kind, record.reason])).toEqual([
      ['event', 'again'],
      ['message', 'other'],
    ]);
  });

  it('fails every record() when told to', async () => {
    const store = new InMemoryRejectStore();
    store.failWith = new Error('table down');
    await expect(store.record({ kind: 'event', code: 'a', reason: 'r', raw: 'x' })).rejects.toThrow('table down');
    expect(store.all()).toEqual([]);
  });
});
