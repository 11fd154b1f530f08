/** The vault operations autoprotect starts and waits on. */
export type TimedOperation = 'enable' | 'backup';

/**
 * Azure's own durations (recovery-services-api.md, "Observed timings"): ConfigureBackup stays InProgress for about
 * 41 s; the backup trigger's operation has succeeded 1 s after the POST. Only where the first look starts; each
 * process then learns its vaults' real durations.
 */
export const RECORDED_OPERATION_MS: Readonly<Record<TimedOperation, number>> = { enable: 41_000, backup: 1_000 };

/** How far past an expected end the first look lands (2.5 %): a poll that finds the operation done on the first try. */
const MARGIN = 0.025;
/**
 * How much earlier the next first look is tried after one found the operation done: 1 %, doubling from the third such
 * look in a row up to 16 %, so a vault much faster than expected is found in a few operations, not dozens.
 */
const PROBE_EARLIER = 0.01;
const MAX_PROBE_DOUBLINGS = 4;

export interface OperationTimingLimits {
  /** Shortest wait between two looks. */
  minIntervalMs: number;
  /** Longest wait between two looks at an operation already overdue. */
  maxIntervalMs: number;
}

/**
 * When to look at a running vault operation, learned from what each look finds: per vault and kind, the time after
 * the operation's start at which the first look usually finds it done. A look that finds it done at or before that
 * time moves it earlier (1 %, more after several in a row); one that finds it done later moves it there. Azure's
 * Retry-After bounds the first look (it is never later), and an operation still running past the expected time is
 * looked at again after its overdue time (doubling, from 2.5 % of the expectation up to `maxIntervalMs`). A hint each
 * process learns for itself: a wrong guess costs a read or a few seconds, never a decision, so nothing is shared or
 * stored.
 */
export class OperationTimings {
  private readonly firstLooks = new Map<string, { ms: number; doneInARow: number }>();

  constructor(
    private readonly limits: OperationTimingLimits,
    private readonly recorded: Readonly<Record<TimedOperation, number>> = RECORDED_OPERATION_MS,
  ) {}

  /** When to look first at an operation Azure just accepted, in ms from now. */
  firstLookMs(vaultId: string, kind: TimedOperation, retryAfterMs: number | undefined): number {
    const expected = this.expectedMs(vaultId, kind);
    return retryAfterMs === undefined ? expected : Math.min(expected, Math.max(0, retryAfterMs));
  }

  /** A look `elapsedMs` after the operation's start found it still running: when to look next, in ms from now. */
  nextLookMs(vaultId: string, kind: TimedOperation, elapsedMs: number): number {
    const expected = this.expectedMs(vaultId, kind);
    const wait = elapsedMs < expected ? expected - elapsedMs : Math.max(expected * MARGIN, elapsedMs - expected);
    return Math.min(this.limits.maxIntervalMs, Math.max(this.limits.minIntervalMs, wait));
  }

  /** What a look `elapsedMs` after the operation's start found. */
  observe(vaultId: string, kind: TimedOperation, elapsedMs: number, running: boolean): void {
    if (running || !Number.isFinite(elapsedMs) || elapsedMs < 0) return;
    const key = keyOf(vaultId, kind);
    const expected = this.expectedMs(vaultId, kind);
    const doneInARow = this.firstLooks.get(key)?.doneInARow ?? 0;
    const next =
      elapsedMs <= expected
        ? {
            ms: elapsedMs * (1 - PROBE_EARLIER * 2 ** Math.min(Math.max(0, doneInARow - 2), MAX_PROBE_DOUBLINGS)),
            doneInARow: doneInARow + 1,
          }
        : { ms: elapsedMs, doneInARow: 0 };
    this.firstLooks.set(key, { ms: Math.max(this.limits.minIntervalMs, next.ms), doneInARow: next.doneInARow });
  }

  /** The current first-look time of a vault's operations of this kind, in ms after their start. */
  expectedMs(vaultId: string, kind: TimedOperation): number {
    const recorded = this.recorded[kind];
    return (
      this.firstLooks.get(keyOf(vaultId, kind))?.ms ?? recorded + Math.max(this.limits.minIntervalMs, recorded * MARGIN)
    );
  }
}

function keyOf(vaultId: string, kind: TimedOperation): string {
  return `${vaultId.toLowerCase()}|${kind}`;
}

export interface OperationLook {
  vaultId: string;
  kind: TimedOperation;
  /** Azure's `startTime` of the operation, from the look's answer. */
  startedAt: Date | undefined;
  now: Date;
  running: boolean;
}

/**
 * A look at an operation: teaches the timings what it found and says when to look again should it still be running.
 * Time counts from Azure's own `startTime`; without timings or a start time, the fixed `fallbackMs`.
 */
export function afterLook(timings: OperationTimings | undefined, look: OperationLook, fallbackMs: number): number {
  if (!timings || !look.startedAt) return fallbackMs;
  const elapsedMs = look.now.getTime() - look.startedAt.getTime();
  timings.observe(look.vaultId, look.kind, elapsedMs, look.running);
  return timings.nextLookMs(look.vaultId, look.kind, elapsedMs);
}
