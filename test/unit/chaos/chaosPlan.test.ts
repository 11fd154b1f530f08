import { chaosFaultRules } from '../../../tools/chaos/chaosFaults';
import { planVms, seededRandom } from '../../../tools/chaos/chaosPlan';

describe('chaos plan', () => {
  it('is reproducible from its seed and differs between seeds', () => {
    const first = planVms(seededRandom(42), 200);
    expect(planVms(seededRandom(42), 200)).toEqual(first);
    expect(planVms(seededRandom(43), 200)).not.toEqual(first);
  });

  it('has 2% permanent cases, 3% opt-outs, 4% late or missing guest agents, unique names, an expectation per case', () => {
    const plan = planVms(seededRandom(7), 1_000);
    const count = (chaosCase: string) => plan.filter((vm) => vm.chaosCase === chaosCase).length;
    expect(count('vm-deleted') + count('no-vault-for-region') + count('unknown-policy')).toBe(20);
    for (const chaosCase of ['vm-deleted', 'no-vault-for-region', 'unknown-policy'])
      expect(count(chaosCase)).toBeGreaterThanOrEqual(6);
    expect(count('opt-out')).toBe(30);
    expect([count('agent-late'), count('agent-never')]).toEqual([20, 20]);
    expect(new Set(plan.map((vm) => vm.name)).size).toBe(1_000);
    for (const vm of plan.filter((candidate) => candidate.chaosCase === 'agent-late'))
      expect(vm).toMatchObject({ guestAgent: 'unavailable', expected: { status: 'protected', backupJobs: 2 } });
    for (const vm of plan.filter((candidate) => candidate.chaosCase === 'agent-never'))
      expect(vm).toMatchObject({
        guestAgent: 'unavailable',
        expected: { status: 'first-backup-failed', reason: 'retries-exhausted', backupJobs: 3 },
      });
    for (const vm of plan.filter((candidate) => candidate.chaosCase === 'no-vault-for-region'))
      expect(vm).toMatchObject({ location: 'westus2', expected: { status: 'failed', reason: 'no-vault-for-region' } });
    for (const vm of plan.filter((candidate) => candidate.chaosCase === 'protect-critical'))
      expect(vm.expected.policyName).toBe('EnhancedPolicy');
    // Trusted Launch VMs need the Enhanced policy whatever the rules say; standard ones get the default.
    const plain = plan.filter((candidate) => candidate.chaosCase === 'protect');
    for (const vm of plain)
      expect(vm.expected.policyName).toBe(vm.securityType === 'TrustedLaunch' ? 'EnhancedPolicy' : 'DefaultPolicy');
    expect(new Set(plain.map((vm) => vm.securityType))).toEqual(new Set(['Standard', 'TrustedLaunch']));
  });

  it('keeps every permanent case even in a tiny run', () => {
    const plan = planVms(seededRandom(1), 10);
    for (const chaosCase of [
      'vm-deleted',
      'no-vault-for-region',
      'unknown-policy',
      'opt-out',
      'agent-late',
      'agent-never',
    ])
      expect(plan.some((vm) => vm.chaosCase === chaosCase)).toBe(true);
  });

  it('plans only the permanent cases asked for, and none at all (nor opt-outs) at a rate of 0', () => {
    const plan = planVms(seededRandom(9), 200, {
      permanentRate: 0.01,
      optOutRate: 0,
      permanentCases: ['no-vault-for-region'],
    });
    expect([...new Set(plan.map((vm) => vm.chaosCase))].sort()).toEqual([
      'no-vault-for-region',
      'protect',
      'protect-critical',
    ]);
    const plain = planVms(seededRandom(9), 50, { permanentRate: 0, optOutRate: 0 });
    expect(plain.every((vm) => vm.expected.status === 'protected')).toBe(true);
  });

  it('spreads the transient fault rate over the five fault kinds', () => {
    const rules = chaosFaultRules(0.1);
    expect(rules.map((rule) => rule.kind).sort()).toEqual(['429', '500', '503', 'drop', 'latency']);
    expect(rules.reduce((sum, rule) => sum + rule.rate, 0)).toBeCloseTo(0.1);
  });
});
