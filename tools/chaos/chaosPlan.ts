import type { RulesConfigInput } from '../stack/types';

/**
 * What the chaos run creates and what it expects for each VM. Everything random here comes from one seeded
 * generator, so a seed reproduces the same VMs, cases and kill moments.
 */
export type ChaosCase =
  'protect' | 'protect-critical' | 'opt-out' | 'vm-deleted' | 'no-vault-for-region' | 'unknown-policy';

export interface ExpectedOutcome {
  /** protected = Protected, or IRPending with its one Backup job running or completed. */
  status: 'protected' | 'skipped' | 'failed';
  reason?: string;
  policyName?: string;
  vaultName?: string;
}

export interface PlannedVm {
  name: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  /** What Compute says: a Trusted Launch VM (the simulator's default, as in Azure) needs the Enhanced policy. */
  securityType: 'Standard' | 'TrustedLaunch';
  chaosCase: ChaosCase;
  expected: ExpectedOutcome;
}

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
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = { permanentRate: 0.02, optOutRate: 0.03 };

/** `count` VMs; at least one of each permanent case (and one opt-out) unless its rate is 0, at random positions. */
export function planVms(random: () => number, count: number, options: PlanOptions = DEFAULT_PLAN_OPTIONS): PlannedVm[] {
  const cases: ChaosCase[] = Array.from({ length: count }, () => (random() < 0.25 ? 'protect-critical' : 'protect'));
  const permanentCases = options.permanentCases ?? PERMANENT_CASES;
  const permanent =
    options.permanentRate > 0 && permanentCases.length > 0
      ? Math.max(permanentCases.length, Math.round(count * options.permanentRate))
      : 0;
  const optOut = options.optOutRate > 0 ? Math.max(1, Math.round(count * options.optOutRate)) : 0;
  const positions = shuffle(
    random,
    Array.from({ length: count }, (_, index) => index),
  );
  positions
    .slice(0, permanent)
    .forEach((position, index) => (cases[position] = permanentCases[index % permanentCases.length] as ChaosCase));
  positions.slice(permanent, permanent + optOut).forEach((position) => (cases[position] = 'opt-out'));
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

function caseOf(
  chaosCase: ChaosCase,
  name: string,
  resourceGroup: string,
  region: string,
  securityType: PlannedVm['securityType'],
): Omit<PlannedVm, 'securityType'> {
  switch (chaosCase) {
    case 'protect':
      return {
        name,
        resourceGroup,
        location: region,
        tags: {},
        chaosCase,
        expected: {
          status: 'protected',
          policyName: securityType === 'TrustedLaunch' ? 'EnhancedPolicy' : 'DefaultPolicy',
          vaultName: `rsv-${region}`,
        },
      };
    case 'protect-critical':
      return {
        name,
        resourceGroup,
        location: region,
        tags: { tier: 'critical' },
        chaosCase,
        expected: { status: 'protected', policyName: 'EnhancedPolicy', vaultName: `rsv-${region}` },
      };
    case 'opt-out':
      return {
        name,
        resourceGroup,
        location: region,
        tags: { 'autoprotect:skip': 'true' },
        chaosCase,
        expected: { status: 'skipped', reason: 'opted-out' },
      };
    case 'vm-deleted':
      return {
        name,
        resourceGroup,
        location: region,
        tags: {},
        chaosCase,
        expected: { status: 'skipped', reason: 'vm-deleted' },
      };
    case 'no-vault-for-region':
      return {
        name,
        resourceGroup,
        location: 'westus2',
        tags: {},
        chaosCase,
        expected: { status: 'failed', reason: 'no-vault-for-region' },
      };
    case 'unknown-policy':
      return {
        name,
        resourceGroup,
        location: region,
        tags: { tier: 'gold' },
        chaosCase,
        expected: { status: 'failed', reason: 'unknown-policy' },
      };
  }
}

function shuffle<T>(random: () => number, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
