import { TransientError } from '../errors';
import type { LedgerChanges, LedgerEntry, LedgerStatus, NewLedgerEntry } from './ledgerEntry';

/**
 * The ledger port. Writes are conditional: `create` fails when the row exists, `update` fails when the row changed
 * since `entry` was read (ETag). Both failures are LedgerConflictError.
 */
export interface Ledger {
  get(vmKey: string): Promise<LedgerEntry | null>;
  create(entry: NewLedgerEntry): Promise<LedgerEntry>;
  update(entry: LedgerEntry, changes: LedgerChanges): Promise<LedgerEntry>;
  list(options?: { statuses?: readonly LedgerStatus[] }): AsyncIterable<LedgerEntry>;
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
