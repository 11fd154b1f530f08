import { type RunnerHandle, startRunner } from '../local-runner/index';

/** One host instance of the chaos run: a fixed port and fixed keys, so a restarted process answers on the same URL. */
export interface RunnerSlot {
  instanceId: string;
  port: number;
  masterKey: string;
  systemKey: string;
  /** Function allow-list (the timer runs in one instance only, as the host's singleton lock would ensure). */
  functions?: string[];
}

export interface FleetOptions {
  appDir: string;
  settings: Record<string, string>;
  /** Receive visibility of queue messages (the host's 10 minutes, shortened so a SIGKILLed lease expires quickly). */
  queueMessageLeaseMs: number;
  onLog: (line: string) => void;
}

/**
 * Runner processes competing for the same queue, each SIGKILLable and restartable on its slot. Restarts keep the
 * port and keys, like a host instance coming back behind the same site URL; Event Grid retries what failed meanwhile.
 */
export class RunnerFleet {
  private readonly running = new Map<string, RunnerHandle>();
  private restartsCount = 0;
  private killsCount = 0;

  constructor(
    private readonly options: FleetOptions,
    readonly slots: readonly RunnerSlot[],
  ) {}

  get kills(): number {
    return this.killsCount;
  }

  get restarts(): number {
    return this.restartsCount;
  }

  /** Process ids of the live runners (for the report). */
  pids(): number[] {
    return [...this.running.values()].map((runner) => runner.pid);
  }

  /**
   * Starts every slot at once (each loads the app: on two cores, side by side is faster than in turn). If one fails,
   * the others are stopped again, so no runner outlives a fleet its caller never got.
   */
  async startAll(): Promise<void> {
    const started = await Promise.allSettled(this.slots.map((slot) => this.start(slot)));
    const failure = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) {
      await this.stopAll();
      throw failure.reason;
    }
  }

  async start(slot: RunnerSlot): Promise<RunnerHandle> {
    for (let attempt = 1; ; attempt++) {
      try {
        const runner = await startRunner({
          appDir: this.options.appDir,
          settings: this.options.settings,
          port: slot.port,
          masterKey: slot.masterKey,
          systemKey: slot.systemKey,
          instanceId: slot.instanceId,
          functions: slot.functions,
          queueMessageLeaseMs: this.options.queueMessageLeaseMs,
          onLog: this.options.onLog,
          stopTimeoutMs: 5_000,
        });
        this.running.set(slot.instanceId, runner);
        return runner;
      } catch (error) {
        // The port of a just-killed process can take a moment to be free again.
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
      }
    }
  }

  /** SIGKILL the slot's process (a crash: in-flight messages keep their lease), wait `downMs`, start it again. */
  async crashAndRestart(slot: RunnerSlot, downMs: number): Promise<void> {
    const runner = this.running.get(slot.instanceId);
    if (runner) {
      this.running.delete(slot.instanceId);
      await runner.kill();
      this.killsCount += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start(slot);
    this.restartsCount += 1;
  }

  runner(instanceId: string): RunnerHandle | undefined {
    return this.running.get(instanceId);
  }

  async stopAll(): Promise<void> {
    const runners = [...this.running.values()];
    this.running.clear();
    await Promise.all(runners.map((runner) => runner.stop().catch(() => null)));
  }
}
