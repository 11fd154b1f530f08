import type { ProtectionRequest } from './messages/protectionRequest';

/** Time, injectable so tests run on a fake clock. */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The `protection-requests` queue, for re-enqueueing a request with a visibility delay. */
export interface RequestQueue {
  send(request: ProtectionRequest, options: { delayMs: number }): Promise<void>;
}

/**
 * What goes to `protection-requests-poison`: the request with its history, or the raw body that could not be parsed.
 */
export interface PoisonEntry {
  code: string;
  reason: string;
  at: string;
  request?: ProtectionRequest;
  raw?: string;
}

export interface PoisonQueue {
  send(entry: PoisonEntry): Promise<void>;
}
