import type { RulesConfigInput } from '../stack/types';

/**
 * What the chaos run creates and what it expects for each VM. Everything random here comes from one seeded
 * generator, so a seed reproduces the same VMs, cases and kill moments.
 */
export type ChaosCase =
  | 'protect'
  | 'protect-critical'
  | 'opt-out'
  | 'vm-deleted'
  | 'no-vault-for-region'
  | 'unknown-policy'
  | 'agent-late'
  | 'agent-never';

export interface ExpectedOutcome {
  /**
   * protected = its first backup completed; first-backup-failed = every Backup job failed (the first and each retry).
   */
  status: 'protected' | 'skipped' | 'failed' | 'first-backup-failed';
  reason?: string;
  policyName?: string;
  vaultName?: string;
  /** Backup jobs the VM must end with: 1, or 1 + the retries its failures called for. */
  backupJobs?: number;
}

export interface PlannedVm {
  name: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  /** What Compute says: a Trusted Launch VM (the simulator's default, as in Azure) needs the Enhanced policy. */
  securityType: 'Standard' | 'TrustedLaunch';
  /** `unavailable`: the first backup fails with UserErrorGuestAgentStatusUnavailable while it is. */
  guestAgent?: 'ready' | 'unavailable';
  chaosCase: ChaosCase;
  expected: ExpectedOutcome;
}

/**
 * The chaos run's retries of a failed first backup (AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS): two, 4 s apart, long
 * enough for the harness to make an `agent-late` VM's agent ready before its retry.
 */
export const CHAOS_RETRY_DELAYS = ['PT4S', 'PT4S'] as const;

/** The simulator's durations in the chaos and outage runs: Azure's, squeezed so a run takes minutes. */
export const CHAOS_SIM_TIMING = {
  configureBackupMs: 300,
  backupOperationMs: 100,
  backupJobMs: 1_500,
  retryAfterSeconds: 1,
} as const;

/** Follows every first backup to its end at the simulator's pace (its 1.5 s jobs), not the app's minutes. */
export const FOLLOW_AT_SIM_PACE: Readonly<Record<string, string>> = { AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: 'PT1S' };

/** The rules the chaos run uses: opt-out tag, critical VMs on EnhancedPolicy, `tier=gold` on a policy no vault has. */
export const CHAOS_RULES: RulesConfigInput = {
  optOutTag: 'autoprotect:skip',
  policies: [
    { tag: 'tier', values: ['critical'], policy: 'EnhancedPolicy' },
    { tag: 'tier', values: ['gold'], policy: 'GoldPolicy' },
  ],
  defaultPolicy: 'DefaultPolicy',
};

const PERMANENT_CASES: readonly ChaosCase[] = ['vm-deleted', 'no-vault-for-region', 'unknown-policy'];
const AGENT_CASES: readonly ChaosCase[] = ['agent-late', 'agent-never'];
const VAULT_REGIONS = ['eastus', 'westeurope'] as const;

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface PlanOptions {
  /** Share of VMs in a permanent case (deleted before processing, region without vault, unknown policy): 0.02. */
  permanentRate: number;
  /** Share of VMs opted out by tag: 0.03. */
  optOutRate: number;
  /** Which permanent cases the run has (default all three); at least one VM of each when the rate is not 0. */
  permanentCases?: readonly ChaosCase[];
  /**
   * Share of VMs whose guest agent is unavailable at first (half ready after the first failure, half never): 0.04.
   */
  agentRate?: number;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = { permanentRate: 0.02, optOutRate: 0.03, agentRate: 0.04 };

/** `count` VMs; at least one of each permanent case (and one opt-out) unless its rate is 0, at random positions. */
export function planVms(random: () => number, count: number, options: PlanOptions = DEFAULT_PLAN_OPTIONS): PlannedVm[] {
  const cases: ChaosCase[] = Array.from({ length: count }, () => (random() < 0.25 ? 'protect-critical' : 'protect'));
  const permanentCases = options.permanentCases ?? PERMANENT_CASES;
  const permanent =
    options.permanentRate > 0 && permanentCases.length > 0
      ? Math.max(permanentCases.length, Math.round(count * options.permanentRate))
      : 0;
  const optOut = options.optOutRate > 0 ? Math.max(1, Math.round(count * options.optOutRate)) : 0;
  const agentRate = options.agentRate ?? 0;
  const agent = agentRate > 0 ? Math.max(AGENT_CASES.length, Math.round(count * agentRate)) : 0;
  const positions = shuffle(
    random,
    Array.from({ length: count }, (_, index) => index),
  );
  positions
    .slice(0, permanent)
    .forEach((position, index) => (cases[position] = permanentCases[index % permanentCases.length] as ChaosCase));
  positions.slice(permanent, permanent + optOut).forEach((position) => (cases[position] = 'opt-out'));
  positions
    .slice(permanent + optOut, permanent + optOut + agent)
    .forEach((position, index) => (cases[position] = AGENT_CASES[index % AGENT_CASES.length] as ChaosCase));
  return cases.map((chaosCase, index) =>
    vmFor(chaosCase, index, VAULT_REGIONS[Math.floor(random() * VAULT_REGIONS.length)] ?? 'eastus'),
  );
}

function vmFor(chaosCase: ChaosCase, index: number, region: string): PlannedVm {
  const name = `chaos-${String(index).padStart(4, '0')}`;
  const resourceGroup = `rg-chaos-${index % 7}`;
  // Half the VMs are Trusted Launch, by position (no draw, so a seed's plan stays as it was).
  const securityType = index % 2 === 0 ? 'Standard' : 'TrustedLaunch';
  return { ...caseOf(chaosCase, name, resourceGroup, region, securityType), securityType };
}

/** The policy a VM of the default rule ends on: a Trusted Launch VM needs the Enhanced policy (issue 13). */
function policyFor(securityType: PlannedVm['securityType']): string {
  return securityType === 'TrustedLaunch' ? 'EnhancedPolicy' : 'DefaultPolicy';
}

function caseOf(
  chaosCase: ChaosCase,
  name: string,
  resourceGroup: string,
  region: string,
  securityType: PlannedVm['securityType'],
): Omit<PlannedVm, 'securityType'> {
  const base = { name, resourceGroup, location: region, tags: {}, chaosCase };
  const protectedHere = (backupJobs: number, policyName = policyFor(securityType)): ExpectedOutcome => ({
    status: 'protected',
    policyName,
    vaultName: `rsv-${region}`,
    backupJobs,
  });
  switch (chaosCase) {
    case 'protect':
      return { ...base, expected: protectedHere(1) };
    case 'agent-late':
      return { ...base, guestAgent: 'unavailable', expected: protectedHere(2) };
    case 'agent-never':
      return {
        ...base,
        guestAgent: 'unavailable',
        expected: {
          ...protectedHere(1 + CHAOS_RETRY_DELAYS.length),
          status: 'first-backup-failed',
          reason: 'retries-exhausted',
        },
      };
    case 'protect-critical':
      return { ...base, tags: { tier: 'critical' }, expected: protectedHere(1, 'EnhancedPolicy') };
    case 'opt-out':
      return { ...base, tags: { 'autoprotect:skip': 'true' }, expected: { status: 'skipped', reason: 'opted-out' } };
    case 'vm-deleted':
      return { ...base, expected: { status: 'skipped', reason: 'vm-deleted' } };
    case 'no-vault-for-region':
      return { ...base, location: 'westus2', expected: { status: 'failed', reason: 'no-vault-for-region' } };
    case 'unknown-policy':
      return { ...base, tags: { tier: 'gold' }, expected: { status: 'failed', reason: 'unknown-policy' } };
  }
}

function shuffle<T>(random: () => number, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
