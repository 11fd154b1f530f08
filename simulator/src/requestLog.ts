/** One served ARM request, for benchmarks and for GET /_sim/requests. */
export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  operationId: string;
  status: number;
  subscriptionId: string | undefined;
  durationMs: number;
}

const MAX_ENTRIES = 100_000;

/** Request counters and a bounded request log. */
export class RequestLog {
  readonly entries: RequestLogEntry[] = [];
  total = 0;
  throttled = 0;
  readonly byOperation: Record<string, number> = {};

  constructor(private readonly onRecord?: (entry: RequestLogEntry) => void) {}

  record(entry: RequestLogEntry): void {
    this.onRecord?.(entry);
    this.total += 1;
    if (entry.status === 429) this.throttled += 1;
    this.byOperation[entry.operationId] = (this.byOperation[entry.operationId] ?? 0) + 1;
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }

  clear(): void {
    this.entries.length = 0;
    this.total = 0;
    this.throttled = 0;
    for (const key of Object.keys(this.byOperation)) delete this.byOperation[key];
  }

  summary(): { total: number; throttled: number; byOperation: Record<string, number> } {
    return { total: this.total, throttled: this.throttled, byOperation: { ...this.byOperation } };
  }
}
