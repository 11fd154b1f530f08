import type { OutageKind } from '../../../simulator/src/outage';
import { type ChaosCase, FOLLOW_AT_SIM_PACE, type PlannedVm, planVms } from '../chaosPlan';
import type { ProxyMode } from '../tcpProxy';

/**
 * What the outage run does, and with which settings. Two profiles: the full run (`npm run chaos -- --outages`, 300 VMs,
 * ARM's default outage of 120 s per variant) and the reduced one inside `npm test` (50 VMs, short outages).
 */
export type StorageVariant = Extract<ProxyMode, 'refuse' | 'blackhole'>;
export type ArmVariant = OutageKind;

export interface ArmOutageSpec {
  seconds: number;
  /** Run in turn, each for an equal share of the window (e.g. 503 then dropped connections). */
  variants: readonly ArmVariant[];
}

export interface OutageSettings {
  vmCount: number;
  storage: { seconds: number; variants: readonly StorageVariant[] };
  arm: readonly ArmOutageSpec[];
  /** The Retry-After of ARM's 503 during the outage (unpublished; the simulator's default is 10 s). */
  armRetryAfterSeconds: number;
  /** Event Grid's clock during the storage and ARM outages (1 = its real retry schedule). */
  eventGridScale: number;
  /** Event Grid's clock while the webhook is down: its 24 h retry window passes in 86,400 s x this. */
  webhookEventGridScale: number;
  /** The runners' queue message lease (the host's is 10 minutes). */
  queueMessageLeaseMs: number;
  /** The app's retry and claim settings (AUTOPROTECT_*), chosen so the retry budget outlasts each ARM outage. */
  app: {
    retryBaseSeconds: number;
    retryMaxSeconds: number;
    maxAttempts: number;
    leaseSeconds: number;
    invocationBudgetSeconds: number;
  };
  /** `autoprotect sweep --rate`. */
  sweepRate: number;
}

/**
 * The full run. The retry settings give every request at least 137 s of retries (base 5 s, cap 30 s, 12 attempts:
 * tools/chaos/outages/recoveryBounds.ts), longer than each 120 s ARM outage; the claim lease (30 s) outlasts an
 * invocation that waits out two 10 s Retry-Afters.
 */
export const FULL_OUTAGES: OutageSettings = {
  vmCount: 300,
  storage: { seconds: 60, variants: ['refuse', 'blackhole'] },
  arm: [
    { seconds: 120, variants: ['503'] },
    { seconds: 120, variants: ['drop'] },
  ],
  armRetryAfterSeconds: 10,
  eventGridScale: 1,
  webhookEventGridScale: 1 / 3_600,
  queueMessageLeaseMs: 15_000,
  app: { retryBaseSeconds: 5, retryMaxSeconds: 30, maxAttempts: 12, leaseSeconds: 30, invocationBudgetSeconds: 20 },
  sweepRate: 10,
};

/**
 * The reduced run of `npm test`: a 15 s storage outage and a 20 s ARM outage (10 s of 503, then 10 s of dropped
 * connections), everything else scaled to match (retry budget at least 23 s; Event Grid's 24 h in 8 s).
 */
export const REDUCED_OUTAGES: OutageSettings = {
  vmCount: 50,
  storage: { seconds: 15, variants: ['refuse', 'blackhole'] },
  arm: [{ seconds: 20, variants: ['503', 'drop'] }],
  armRetryAfterSeconds: 2,
  eventGridScale: 0.25,
  webhookEventGridScale: 1 / 10_800,
  queueMessageLeaseMs: 4_000,
  app: { retryBaseSeconds: 1, retryMaxSeconds: 5, maxAttempts: 12, leaseSeconds: 8, invocationBudgetSeconds: 5 },
  sweepRate: 10,
};

/** The app settings of the run (AUTOPROTECT_*), from the profile. */
export function outageAppSettings(settings: OutageSettings): Record<string, string> {
  const { app } = settings;
  return {
    AUTOPROTECT_RETRY_BASE_SECONDS: String(app.retryBaseSeconds),
    AUTOPROTECT_RETRY_MAX_SECONDS: String(app.retryMaxSeconds),
    AUTOPROTECT_MAX_ATTEMPTS: String(app.maxAttempts),
    AUTOPROTECT_LEASE_SECONDS: String(app.leaseSeconds),
    AUTOPROTECT_INVOCATION_BUDGET: String(app.invocationBudgetSeconds),
    ...FOLLOW_AT_SIM_PACE,
  };
}

export interface OutageWindow {
  name: string;
  target: 'storage' | 'arm';
  seconds: number;
  variants: ReadonlyArray<StorageVariant | ArmVariant>;
  /** Created while the outage is on (over its first 60 %). */
  vms: PlannedVm[];
  /** The report's timer run hits this outage. */
  reportDuring: boolean;
  /** The webhook goes down inside this window for these VMs, until Event Grid dead-letters their events. */
  webhookVms: PlannedVm[];
}

export interface OutagePlan {
  /** Created and settled before the first outage (and the report written: the "good latest"). */
  baseline: PlannedVm[];
  windows: OutageWindow[];
  /** Every VM of the run. */
  all: PlannedVm[];
}

/** Cases of the outage run: no VM deleted behind the app's back, no unknown policy (the chaos run covers both). */
const OUTAGE_CASES: readonly ChaosCase[] = ['no-vault-for-region'];
const PROTECTED_CASES = new Set<ChaosCase>(['protect', 'protect-critical']);

/**
 * The run's VMs (seeded) split over the baseline (5 %), the webhook outage (10 %, only VMs the rules protect, so the
 * sweep must find all of them) and the outage windows (the rest, evenly).
 */
export function planOutages(random: () => number, settings: OutageSettings): OutagePlan {
  const all = planVms(random, settings.vmCount, {
    permanentRate: 0.01,
    optOutRate: 0.03,
    permanentCases: OUTAGE_CASES,
  });
  const webhookCount = Math.max(3, Math.round(settings.vmCount * 0.1));
  const webhook = all.filter((vm) => PROTECTED_CASES.has(vm.chaosCase)).slice(0, webhookCount);
  const webhookNames = new Set(webhook.map((vm) => vm.name));
  const rest = all.filter((vm) => !webhookNames.has(vm.name));
  const baselineCount = Math.max(3, Math.round(settings.vmCount * 0.05));
  const baseline = rest.slice(0, baselineCount);
  const windowSpecs: Array<Omit<OutageWindow, 'vms'>> = [
    {
      name: 'storage',
      target: 'storage',
      seconds: settings.storage.seconds,
      variants: settings.storage.variants,
      reportDuring: true,
      webhookVms: [],
    },
    ...settings.arm.map((spec, index) => ({
      name: `arm-${spec.variants.join('+')}`,
      target: 'arm' as const,
      seconds: spec.seconds,
      variants: spec.variants,
      reportDuring: false,
      webhookVms: index === 0 ? webhook : [],
    })),
  ];
  const inWindows = rest.slice(baselineCount);
  const share = Math.ceil(inWindows.length / windowSpecs.length);
  const windows = windowSpecs.map((spec, index) => ({
    ...spec,
    vms: inWindows.slice(index * share, (index + 1) * share),
  }));
  return { baseline, windows, all };
}
