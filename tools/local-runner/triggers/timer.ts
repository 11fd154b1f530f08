import type { RpcTypedData } from '../coreTypes';
import type { HostedFunction } from '../functionIndex';
import type { Invoker } from '../invoke';
import type { RunnerLogger } from '../logger';
import type { TimerSchedule } from './ncrontab';
import { settlesWithin, Sleeper } from './sleeper';
import { type ScheduleStatus, statusTimestamp, type TimerStatusStore } from './timerStatus';

export interface TimerListenerOptions {
  fn: HostedFunction;
  schedule: TimerSchedule;
  runOnStartup: boolean;
  /** The schedule monitor; undefined when `useMonitor` is false or the schedule fires more than once a minute. */
  monitor: TimerStatusStore | undefined;
  invoker: Invoker;
  logger: RunnerLogger;
}

/** The RPC input the host sends a timer function (the library camel-cases it). */
export function timerInput(isPastDue: boolean, status: ScheduleStatus | null = null): RpcTypedData {
  return { json: JSON.stringify({ Schedule: { AdjustForDST: true }, ScheduleStatus: status, IsPastDue: isPastDue }) };
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Host timer listener: at start-up a past-due run (monitor says the recorded Next has passed) or else an optional
 * run on start-up; then one invocation per occurrence, never overlapping (occurrences missed during a run are skipped).
 */
export class TimerListener {
  readonly #o: TimerListenerOptions;
  readonly #sleeper = new Sleeper();
  #stopping = false;
  #loop: Promise<void> | undefined;
  #status: ScheduleStatus | null = null;

  constructor(options: TimerListenerOptions) {
    this.#o = options;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops scheduling, then waits for a running invocation up to `timeoutMs`; returns 1 if it still runs. */
  async stop(timeoutMs: number): Promise<number> {
    this.#stopping = true;
    this.#sleeper.cancel();
    return (await settlesWithin(this.#loop ?? Promise.resolve(), timeoutMs)) ? 0 : 1;
  }

  async #run(): Promise<void> {
    const { schedule, fn, logger } = this.#o;
    let last = new Date();
    const pastDue = await this.#startUpStatus(last);
    if (this.#stopping) return;
    if (pastDue) await this.#invoke('IsPastDue', true, pastDue);
    else if (this.#o.runOnStartup) await this.#invoke('runOnStartup', false, last);
    if (pastDue || this.#o.runOnStartup) last = new Date();
    logger.log({
      level: 'information',
      category: 'host',
      functionName: fn.name,
      message: `The next occurrence of '${fn.name}' is ${schedule.next(last).toISOString()}`,
    });
    while (!this.#stopping) {
      const next = schedule.next(last);
      while (!this.#stopping && Date.now() < next.getTime()) {
        await this.#sleeper.sleep(Math.min(next.getTime() - Date.now(), MAX_TIMEOUT_MS));
      }
      if (this.#stopping) break;
      await this.#invoke(`Timer fired at ${new Date().toISOString()}`, false, next);
      last = new Date(Math.max(Date.now(), next.getTime()));
    }
  }

  /** Reads (or creates) the status; returns the recorded Next if it has already passed, i.e. the run is past due. */
  async #startUpStatus(now: Date): Promise<Date | undefined> {
    const { monitor, schedule } = this.#o;
    if (!monitor) return undefined;
    try {
      const status = await monitor.read();
      if (status) {
        this.#status = status;
        const recordedNext = new Date(status.Next);
        return now.getTime() > recordedNext.getTime() ? recordedNext : undefined;
      }
      await this.#record({
        Last: '0001-01-01T00:00:00+00:00',
        Next: statusTimestamp(schedule.next(now)),
        LastUpdated: statusTimestamp(now),
      });
    } catch (error) {
      this.#warn(`Reading the schedule status failed: ${(error as Error).message}`);
    }
    return undefined;
  }

  async #invoke(reason: string, isPastDue: boolean, scheduled: Date): Promise<void> {
    await this.#o.invoker
      .invoke(this.#o.fn, { reason, triggerData: timerInput(isPastDue, this.#status) })
      .catch(() => undefined);
    if (!this.#o.monitor) return;
    const now = new Date();
    const last = new Date(Math.max(now.getTime(), scheduled.getTime()));
    await this.#record({
      Last: statusTimestamp(last),
      Next: statusTimestamp(this.#o.schedule.next(last)),
      LastUpdated: statusTimestamp(now),
    });
  }

  async #record(status: ScheduleStatus): Promise<void> {
    this.#status = status;
    try {
      await this.#o.monitor?.write(status);
    } catch (error) {
      this.#warn(`Writing the schedule status failed: ${(error as Error).message}`);
    }
  }

  #warn(message: string): void {
    this.#o.logger.log({ level: 'warning', category: 'host', functionName: this.#o.fn.name, message });
  }
}
