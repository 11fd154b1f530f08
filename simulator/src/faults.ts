import { z } from 'zod';

/** One injected fault: which operation (REST operationId or `*`), what happens, how often, how many times. */
export const faultRuleSchema = z.object({
  operationId: z.string().default('*'),
  kind: z.enum(['429', '500', '503', 'drop', 'latency', 'objectLocked']),
  /** Probability 0..1 that a matching request is hit. */
  rate: z.number().min(0).max(1).default(1),
  /** Stop after this many hits (default: unlimited). */
  times: z.number().int().positive().optional(),
  latencyMs: z.number().int().min(0).default(0),
  retryAfterSeconds: z.number().int().min(0).default(1),
});

export type FaultRule = z.infer<typeof faultRuleSchema>;

interface ActiveRule {
  rule: FaultRule;
  hits: number;
}

/** Chooses, per request, which injected faults apply. `random` is injectable so tests can be deterministic. */
export class FaultInjector {
  private rules: ActiveRule[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  replace(rules: FaultRule[]): void {
    this.rules = rules.map((rule) => ({ rule, hits: 0 }));
  }

  list(): Array<FaultRule & { hits: number }> {
    return this.rules.map(({ rule, hits }) => ({ ...rule, hits }));
  }

  /** The faults that fire for this request (latency first, then at most one failure). */
  pick(operationId: string): FaultRule[] {
    const fired: FaultRule[] = [];
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.operationId !== '*' && rule.operationId.toLowerCase() !== operationId.toLowerCase()) continue;
      if (rule.times !== undefined && active.hits >= rule.times) continue;
      if (this.random() >= rule.rate) continue;
      active.hits += 1;
      fired.push(rule);
    }
    return fired.sort((a, b) => (a.kind === 'latency' ? -1 : b.kind === 'latency' ? 1 : 0));
  }
}
