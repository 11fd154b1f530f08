import type { ProtectionRequest } from '../../../src/lib/messages/protectionRequest';
import type { Clock, PoisonEntry, PoisonQueue, RequestQueue } from '../../../src/lib/ports';

export class RecordingRequestQueue implements RequestQueue {
  readonly sent: Array<{ request: ProtectionRequest; delayMs: number }> = [];
  failWith: Error | undefined;

  async send(request: ProtectionRequest, options: { delayMs: number }): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push({ request, delayMs: options.delayMs });
  }
}

export class RecordingPoisonQueue implements PoisonQueue {
  readonly sent: PoisonEntry[] = [];

  async send(entry: PoisonEntry): Promise<void> {
    this.sent.push(entry);
  }
}

/** A clock that only moves when slept on (or advanced). */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];

  constructor(private current = new Date('2026-03-01T10:00:00Z')) {}

  now(): Date {
    return new Date(this.current);
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.advance(ms);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
