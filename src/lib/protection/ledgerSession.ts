import type { AutoprotectError } from '../errors';
import type { Ledger } from '../ledger/ledger';
import type { LedgerChanges, LedgerEntry, LedgerStatus } from '../ledger/ledgerEntry';
import type { Clock } from '../ports';

/** Longest reason text kept on a ledger row. */
const MAX_REASON = 1_000;

/**
 * The ledger row of the VM an invocation has claimed. Every write is conditional on the row's ETag, so a writer that
 * lost its claim (lease expired and taken over) fails instead of overwriting the new owner's progress.
 */
export class LedgerSession {
  constructor(
    private readonly ledger: Ledger,
    private current: LedgerEntry,
    private readonly clock: Clock,
  ) {}

  /** Changes held for the next write (see `stage`). */
  private staged: LedgerChanges = {};

  get entry(): LedgerEntry {
    return this.current;
  }

  /**
   * Holds changes for the next write instead of writing them now: every path of the workflow ends in a write (the
   * step before an Azure call, an error, the final status), so a decision costs no Table write of its own.
   */
  stage(changes: LedgerChanges): void {
    this.staged = { ...this.staged, ...changes };
  }

  async save(changes: LedgerChanges): Promise<LedgerEntry> {
    this.current = await this.ledger.update(this.current, {
      ...this.staged,
      ...changes,
      lastChanged: this.clock.now().toISOString(),
    });
    this.staged = {};
    return this.current;
  }

  /**
   * Records that this invocation is about to ask Azure to act (enable protection, trigger the backup). Clears the
   * error code, so a row whose invocation dies after the request no longer carries an earlier `operation-in-progress`
   * and a later attempt does not take it for a plain check-back (followPendingOperation.ts).
   */
  beginAzureStep(reason: string, changes: LedgerChanges = {}): Promise<LedgerEntry> {
    return this.save({ ...changes, status: 'protecting', reason, errorCode: undefined });
  }

  /** Final status of this invocation; releases the claim. */
  finish(status: LedgerStatus, changes: LedgerChanges & { reason: string }): Promise<LedgerEntry> {
    return this.save({
      errorCode: undefined,
      errorMessage: undefined,
      ...changes,
      status,
      reason: changes.reason.slice(0, MAX_REASON),
      leaseOwner: undefined,
      leaseExpiresAt: undefined,
    });
  }

  /** Releases the claim, changing nothing else. */
  release(): Promise<LedgerEntry> {
    return this.save({ leaseOwner: undefined, leaseExpiresAt: undefined });
  }

  /**
   * Records an error and releases the claim: a permanent error makes the row `failed`; a transient one keeps the
   * status and notes that a retry is coming.
   */
  recordError(error: AutoprotectError): Promise<LedgerEntry> {
    if (error.kind === 'permanent') return this.finish('failed', { reason: error.message, errorCode: error.code });
    return this.save({
      reason: `retrying: ${error.message}`.slice(0, MAX_REASON),
      errorCode: error.code,
      leaseOwner: undefined,
      leaseExpiresAt: undefined,
    });
  }

  appendOperation(kind: 'enable' | 'backup', operationId: string | undefined): Promise<LedgerEntry> {
    if (!operationId) return Promise.resolve(this.current);
    return this.save({ operationIds: [...this.current.operationIds, `${kind}:${operationId}`] });
  }

  /** The most recent operation of any kind recorded on the row. */
  latestOperation(): { kind: string; operationId: string } | undefined {
    const latest = this.current.operationIds.at(-1);
    const separator = latest?.indexOf(':') ?? -1;
    return latest === undefined || separator < 0
      ? undefined
      : { kind: latest.slice(0, separator), operationId: latest.slice(separator + 1) };
  }

  /** The most recent operation of a kind recorded on the row. */
  lastOperation(kind: 'enable' | 'backup'): string | undefined {
    const prefix = `${kind}:`;
    return [...this.current.operationIds]
      .reverse()
      .find((id) => id.startsWith(prefix))
      ?.slice(prefix.length);
  }
}
