import { evaluateVm, findVaultRoute, normaliseRegion } from '../../../../src/lib/rules/evaluateVm';
import {
  OTHER_SUBSCRIPTION,
  rulesConfig,
  TEST_SUBSCRIPTION,
  vaultRoute,
  vmFacts,
} from '../../../helpers/factories/rules';

const vaults = [vaultRoute('eastus'), vaultRoute('westeurope')];

describe('evaluateVm', () => {
  describe('opt-out tag', () => {
    it('skips a VM that carries the opt-out tag with any value', () => {
      const decision = evaluateVm(vmFacts({ tags: { 'autoprotect:skip': 'yes' } }), rulesConfig(), vaults);
      expect(decision).toEqual({ action: 'skip', reason: 'opted-out', rule: 'opt-out-tag:autoprotect:skip' });
    });

    it('matches the opt-out tag name case-insensitively, even with an empty value', () => {
      const decision = evaluateVm(vmFacts({ tags: { 'AutoProtect:SKIP': '' } }), rulesConfig(), vaults);
      expect(decision.action).toBe('skip');
    });

    it("does not skip when the opt-out tag says 'false'", () => {
      const decision = evaluateVm(vmFacts({ tags: { 'autoprotect:skip': 'FALSE' } }), rulesConfig(), vaults);
      expect(decision.action).toBe('protect');
    });

    it('wins over an include rule', () => {
      const rules = rulesConfig({ include: [{ tag: 'backup' }] });
      const decision = evaluateVm(vmFacts({ tags: { backup: 'yes', 'autoprotect:skip': 'true' } }), rules, vaults);
      expect(decision).toMatchObject({ action: 'skip', reason: 'opted-out' });
    });
  });

  describe('resource-group patterns', () => {
    it('skips a VM in an excluded resource group (glob, case-insensitive)', () => {
      const rules = rulesConfig({ resourceGroups: { include: ['*'], exclude: ['rg-test-*'] } });
      const decision = evaluateVm(vmFacts({ resourceGroup: 'RG-Test-42' }), rules, vaults);
      expect(decision).toEqual({
        action: 'skip',
        reason: 'resource-group-excluded',
        rule: 'resource-group-exclude:rg-test-*',
      });
    });

    it('skips a VM whose resource group is not included', () => {
      const rules = rulesConfig({ resourceGroups: { include: ['rg-prod-*'], exclude: [] } });
      const decision = evaluateVm(vmFacts({ resourceGroup: 'rg-dev-1' }), rules, vaults);
      expect(decision).toMatchObject({ action: 'skip', reason: 'resource-group-not-included' });
    });

    it('protects a VM whose resource group is included', () => {
      const rules = rulesConfig({ resourceGroups: { include: ['rg-prod-*'], exclude: [] } });
      expect(evaluateVm(vmFacts({ resourceGroup: 'rg-prod-1' }), rules, vaults).action).toBe('protect');
    });

    it('lets exclusion win over inclusion', () => {
      const rules = rulesConfig({ resourceGroups: { include: ['rg-*'], exclude: ['rg-sandbox'] } });
      expect(evaluateVm(vmFacts({ resourceGroup: 'rg-sandbox' }), rules, vaults)).toMatchObject({
        reason: 'resource-group-excluded',
      });
    });

    it('treats ? as exactly one character and other characters literally', () => {
      const rules = rulesConfig({ resourceGroups: { include: ['rg-a?c.(1)'], exclude: [] } });
      expect(evaluateVm(vmFacts({ resourceGroup: 'rg-abc.(1)' }), rules, vaults).action).toBe('protect');
      expect(evaluateVm(vmFacts({ resourceGroup: 'rg-abbc.(1)' }), rules, vaults).action).toBe('skip');
      expect(evaluateVm(vmFacts({ resourceGroup: 'rg-abcx(1)' }), rules, vaults).action).toBe('skip');
    });
  });

  describe('tag include and exclude', () => {
    it('excludes by tag value with wildcards, case-insensitively', () => {
      const rules = rulesConfig({ exclude: [{ tag: 'Env', values: ['dev*', 'test'] }] });
      const decision = evaluateVm(vmFacts({ tags: { env: 'DEVELOPMENT' } }), rules, vaults);
      expect(decision).toEqual({ action: 'skip', reason: 'excluded-by-tag', rule: 'exclude[0]:Env=dev*|test' });
    });

    it('does not exclude when the value does not match', () => {
      const rules = rulesConfig({ exclude: [{ tag: 'env', values: ['dev'] }] });
      expect(evaluateVm(vmFacts({ tags: { env: 'prod' } }), rules, vaults).action).toBe('protect');
    });

    it('excludes on tag presence when no values are given', () => {
      const rules = rulesConfig({ exclude: [{ tag: 'ephemeral' }] });
      expect(evaluateVm(vmFacts({ tags: { Ephemeral: 'whatever' } }), rules, vaults)).toMatchObject({
        reason: 'excluded-by-tag',
      });
    });

    it('skips VMs that match no include rule when include rules exist', () => {
      const rules = rulesConfig({ include: [{ tag: 'backup', values: ['yes'] }] });
      const decision = evaluateVm(vmFacts({ tags: { backup: 'no' } }), rules, vaults);
      expect(decision).toEqual({ action: 'skip', reason: 'not-included', rule: 'include:backup=yes' });
    });

    it('protects every VM when there are no include rules', () => {
      expect(evaluateVm(vmFacts({ tags: {} }), rulesConfig(), vaults).action).toBe('protect');
    });

    it('lets exclusion win over inclusion for the same VM', () => {
      const rules = rulesConfig({ include: [{ tag: 'backup' }], exclude: [{ tag: 'env', values: ['dev'] }] });
      const decision = evaluateVm(vmFacts({ tags: { backup: 'yes', env: 'dev' } }), rules, vaults);
      expect(decision).toMatchObject({ action: 'skip', reason: 'excluded-by-tag', rule: 'exclude[0]:env=dev' });
    });
  });

  describe('policy choice', () => {
    const rules = rulesConfig({
      policies: [
        { tag: 'tier', values: ['gold'], policy: 'EnhancedPolicy' },
        { tag: 'tier', values: ['g*'], policy: 'WildcardPolicy' },
        { tag: 'critical', policy: 'CriticalPolicy' },
      ],
    });

    it('uses the first matching policy rule in order', () => {
      const decision = evaluateVm(vmFacts({ tags: { Tier: 'GOLD', critical: 'x' } }), rules, vaults);
      expect(decision).toMatchObject({
        action: 'protect',
        policyName: 'EnhancedPolicy',
        policyRule: 'policy[0]:tier=gold->EnhancedPolicy',
      });
    });

    it('falls through to a later rule', () => {
      expect(evaluateVm(vmFacts({ tags: { tier: 'green' } }), rules, vaults)).toMatchObject({
        policyName: 'WildcardPolicy',
      });
      expect(evaluateVm(vmFacts({ tags: { critical: '' } }), rules, vaults)).toMatchObject({
        policyName: 'CriticalPolicy',
      });
    });

    it('uses the default policy when no rule matches, and names that rule', () => {
      const decision = evaluateVm(vmFacts({ tags: { tier: 'silver' } }), rules, vaults);
      expect(decision).toMatchObject({ policyName: 'DefaultPolicy', policyRule: 'default-policy->DefaultPolicy' });
    });
  });

  describe('vault choice', () => {
    it('routes by region, normalising display names', () => {
      const decision = evaluateVm(vmFacts({ location: 'West Europe' }), rulesConfig(), vaults);
      expect(decision).toMatchObject({
        action: 'protect',
        vault: { vaultName: 'rsv-westeurope' },
        vaultRule: 'vault-route:westeurope->rsv-westeurope',
      });
    });

    it('fails with no-vault-for-region when no route serves the region', () => {
      const decision = evaluateVm(vmFacts({ location: 'westus2' }), rulesConfig(), vaults);
      expect(decision).toEqual({
        action: 'fail',
        reason: 'no-vault-for-region',
        rule: `vault-route:none-for-westus2/${TEST_SUBSCRIPTION}`,
      });
    });

    it('honours the subscriptions a route serves', () => {
      const routes = [
        vaultRoute('eastus', { vaultName: 'rsv-a', subscriptionIds: [OTHER_SUBSCRIPTION] }),
        vaultRoute('eastus', { vaultName: 'rsv-b' }),
      ];
      expect(evaluateVm(vmFacts({ subscriptionId: OTHER_SUBSCRIPTION }), rulesConfig(), routes)).toMatchObject({
        vault: { vaultName: 'rsv-a' },
      });
      expect(evaluateVm(vmFacts({ subscriptionId: TEST_SUBSCRIPTION }), rulesConfig(), routes)).toMatchObject({
        vault: { vaultName: 'rsv-b' },
      });
    });

    it('fails when the only route for the region serves other subscriptions', () => {
      const routes = [vaultRoute('eastus', { subscriptionIds: [OTHER_SUBSCRIPTION.toUpperCase()] })];
      expect(evaluateVm(vmFacts(), rulesConfig(), routes)).toMatchObject({
        action: 'fail',
        reason: 'no-vault-for-region',
      });
    });

    it('does not choose a vault for a skipped VM', () => {
      expect(
        evaluateVm(vmFacts({ location: 'westus2', tags: { 'autoprotect:skip': '1' } }), rulesConfig(), vaults).action,
      ).toBe('skip');
    });
  });
});

describe('region helpers', () => {
  it('normalises regions', () => {
    expect(normaliseRegion('East US 2')).toBe('eastus2');
  });

  it('finds no route in an empty list', () => {
    expect(findVaultRoute([], 'eastus', TEST_SUBSCRIPTION)).toBeUndefined();
  });
});
