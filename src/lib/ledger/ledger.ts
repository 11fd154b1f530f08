import { TransientError } from '../errors';
import type { LedgerChanges, LedgerEntry, LedgerStatus, NewLedgerEntry } from './ledgerEntry';

/** A column of the ledger (a field of its entries but the etag, which every read returns). */
export type LedgerField = Exclude<keyof LedgerEntry, 'etag'>;

/**
 * The ledger port. Writes are conditional: `create` fails when the row exists, `update` fails when the row changed
 * since `entry` was read (ETag). Both failures are LedgerConflictError.
 */
export interface Ledger {
  get(vmKey: string): Promise<LedgerEntry | null>;
  create(entry: NewLedgerEntry): Promise<LedgerEntry>;
  update(entry: LedgerEntry, changes: LedgerChanges): Promise<LedgerEntry>;
  /**
   * Every VM row, or those in `statuses`. With `fields`, a store may read only those columns (the others then read as
   * empty: no id lists, no optional fields): a scan of every row holds much less while it pages.
   */
  list(options?: { statuses?: readonly LedgerStatus[]; fields?: readonly LedgerField[] }): AsyncIterable<LedgerEntry>;
}

/** Another writer changed or created the row first. Transient: re-read and try again, or retry through the queue. */
export class LedgerConflictError extends TransientError {
  constructor(vmKey: string, options: { cause?: unknown } = {}) {
    super(`Ledger row for ${vmKey} was changed by another writer`, {
      code: 'ledger-conflict',
      context: { vmKey },
      cause: options.cause,
    });
  }
}
