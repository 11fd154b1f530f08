import { randomUUID } from 'node:crypto';

import { type Ledger, LedgerConflictError, type LedgerField } from '../../../src/lib/ledger/ledger';
import type { LedgerChanges, LedgerEntry, LedgerStatus, NewLedgerEntry } from '../../../src/lib/ledger/ledgerEntry';

/**
 * In-memory ledger with the Table ledger's semantics (create conflicts, ETag-conditional updates). The ledger contract
 * suite runs against it too.
 */
export class InMemoryLedger implements Ledger {
  private readonly rows = new Map<string, LedgerEntry>();

  async get(vmKey: string): Promise<LedgerEntry | null> {
    const row = this.rows.get(vmKey);
    return row ? clone(row) : null;
  }

  async create(entry: NewLedgerEntry): Promise<LedgerEntry> {
    if (this.rows.has(entry.vmKey)) throw new LedgerConflictError(entry.vmKey);
    const stored = { ...clone(entry), etag: randomUUID() };
    this.rows.set(entry.vmKey, stored);
    return clone(stored);
  }

  async update(entry: LedgerEntry, changes: LedgerChanges): Promise<LedgerEntry> {
    const current = this.rows.get(entry.vmKey);
    if (!current || current.etag !== entry.etag) throw new LedgerConflictError(entry.vmKey);
    const stored: LedgerEntry = { ...clone(entry), ...clone(changes), etag: randomUUID() };
    for (const [field, value] of Object.entries(changes)) {
      if (value === undefined) delete (stored as unknown as Record<string, unknown>)[field];
    }
    this.rows.set(entry.vmKey, stored);
    return clone(stored);
  }

  async *list(
    options: { statuses?: readonly LedgerStatus[]; fields?: readonly LedgerField[] } = {},
  ): AsyncIterable<LedgerEntry> {
    for (const row of [...this.rows.values()]) {
      if (!options.statuses || options.statuses.length === 0 || options.statuses.includes(row.status))
        yield options.fields ? onlyFields(row, options.fields) : clone(row);
    }
  }

  /** Every row (test inspection). */
  all(): LedgerEntry[] {
    return [...this.rows.values()].map(clone);
  }
}

/** What TableLedger reads with `fields`: the other columns empty, so a test sees a field the caller did not ask for. */
function onlyFields(row: LedgerEntry, fields: readonly LedgerField[]): LedgerEntry {
  const empty: LedgerEntry = {
    vmKey: '',
    vmResourceId: '',
    subscriptionId: '',
    status: 'requested',
    attempts: 0,
    operationIds: [],
    jobIds: [],
    firstSeen: '',
    lastChanged: '',
    etag: row.etag,
  };
  const picked = Object.fromEntries(
    fields.filter((field) => row[field] !== undefined).map((field) => [field, row[field]]),
  );
  return clone({ ...empty, ...picked });
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
