/**
 * The simulator fault rules of a chaos run: about 10% of the ARM requests the app makes fail transiently
 * (429 with Retry-After, 500, 503, a dropped connection) or are slowed by a latency spike. The simulator picks
 * per request (its own dice, not seeded by the run).
 */
export interface ChaosFaultRule {
  operationId: string;
  kind: '429' | '500' | '503' | 'drop' | 'latency';
  rate: number;
  latencyMs?: number;
  retryAfterSeconds?: number;
}

export function chaosFaultRules(transientRate = 0.1): ChaosFaultRule[] {
  const share = transientRate / 5;
  return [
    { operationId: '*', kind: 'latency', rate: share, latencyMs: 1_500 },
    { operationId: '*', kind: '429', rate: share, retryAfterSeconds: 1 },
    { operationId: '*', kind: '500', rate: share },
    { operationId: '*', kind: '503', rate: share },
    { operationId: '*', kind: 'drop', rate: share },
  ];
}
