import {
  type RejectInput,
  type RejectRecord,
  type RejectStore,
  toRejectRecord,
} from '../../../src/lib/rejects/rejectStore';

/** A RejectStore kept in memory, for unit tests. `failWith` makes every record() reject. */
export class InMemoryRejectStore implements RejectStore {
  private readonly records = new Map<string, RejectRecord>();
  failWith: Error | undefined;

  async record(input: RejectInput): Promise<void> {
    if (this.failWith !== undefined) throw this.failWith;
    const record = toRejectRecord(input);
    this.records.set(record.id, record);
  }

  async *list(): AsyncIterable<RejectRecord> {
    for (const record of [...this.records.values()]) yield record;
  }

  /** A snapshot of the records, for assertions. */
  all(): RejectRecord[] {
    return [...this.records.values()];
  }
}
