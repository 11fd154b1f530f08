/** A wait that ends early when woken (output written to the queue) or cancelled (stop). */
export class Sleeper {
  #pendingWake = false;
  #cancelled = false;
  #release: (() => void) | undefined;

  /** Resolves after `ms`, or at once if woken since the last sleep, or when woken/cancelled meanwhile. */
  sleep(ms: number): Promise<void> {
    if (this.#pendingWake || this.#cancelled) {
      this.#pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#release = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#release = done;
    });
  }

  wake(): void {
    if (this.#release) this.#release();
    else this.#pendingWake = true;
  }

  cancel(): void {
    this.#cancelled = true;
    this.#release?.();
  }
}

/**
 * Waits for `work` at most `ms`: true when it settled in time, false when the time ran out (a rejection propagates).
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([work.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
