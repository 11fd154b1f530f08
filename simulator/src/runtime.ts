import type { SeedConfig } from './config';
import type { SimContext } from './context';
import type { FaultInjector } from './faults';
import type { ArmOutage } from './outage';
import type { RequestLog } from './requestLog';
import type { Router } from './router';
import type { SubscriptionThrottle } from './throttling';

/** The simulator's live parts, shared by the ARM pipeline and the control API. */
export interface SimulatorRuntime {
  ctx: SimContext;
  router: Router;
  throttle: SubscriptionThrottle;
  faults: FaultInjector;
  /** An ARM outage switched on through POST /_sim/outage (simulator/src/outage.ts). */
  outage: ArmOutage;
  requests: RequestLog;
  baseUrl: string;
  seed: SeedConfig;
  /** Clears all state and loads the current seed again. */
  reset(): void;
}
