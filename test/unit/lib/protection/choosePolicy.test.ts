import { withCachedPolicyLookup } from '../../../../src/lib/azure/cachedPolicyLookup';
import { choosePolicy, type RulesChoice } from '../../../../src/lib/protection/choosePolicy';
import { backupRequirementOf } from '../../../../src/lib/rules/backupRequirement';
import { vaultRoute } from '../../../helpers/factories/rules';
import { FakeBackupGateway } from '../../../helpers/fakes/fakeAzure';

const RULE = 'vault-route:eastus->rsv-eastus; default-policy->DefaultPolicy';
const TRUSTED_LAUNCH = backupRequirementOf({ securityType: 'TrustedLaunch' });
const STANDARD = backupRequirementOf({});

function setUp(policies: Array<[string, 'V1' | 'V2']>, route = vaultRoute('eastus')) {
  const backup = new FakeBackupGateway();
  for (const [name, type] of policies) backup.addPolicy(route, name, type);
  const choice: RulesChoice = {
    vault: route,
    policyName: 'DefaultPolicy',
    rule: RULE,
    policyRule: 'default-policy->DefaultPolicy',
  };
  return { backup, choice, route };
}

describe('choosePolicy', () => {
  it('asks only whether the chosen policy exists for a VM that needs nothing special', async () => {
    const { backup, choice } = setUp([['DefaultPolicy', 'V1']]);
    expect(await choosePolicy(backup, choice, STANDARD)).toEqual({
      action: 'protect',
      policyName: 'DefaultPolicy',
      rule: RULE,
      switched: false,
    });
    expect(backup.calls.map((call) => call.method)).toEqual(['policyExists']);
  });

  it('fails unknown-policy with the policy rule when the chosen policy does not exist', async () => {
    const { backup, choice } = setUp([]);
    expect(await choosePolicy(backup, choice, STANDARD)).toEqual({
      action: 'fail',
      reason: 'unknown-policy',
      rule: 'default-policy->DefaultPolicy',
    });
  });

  it('switches a Trusted Launch VM to the vault V2 policy found by listing, in one read', async () => {
    const { backup, choice } = setUp([
      ['DefaultPolicy', 'V1'],
      ['Nightly', 'V1'],
      ['EnhancedPolicy', 'V2'],
    ]);
    expect(await choosePolicy(backup, choice, TRUSTED_LAUNCH)).toMatchObject({
      action: 'protect',
      policyName: 'EnhancedPolicy',
      switched: true,
    });
    expect(backup.calls.map((call) => call.method)).toEqual(['listPolicies']);
  });

  it('picks the first V2 policy by name when there are several, and says so', async () => {
    const { backup, choice } = setUp([
      ['DefaultPolicy', 'V1'],
      ['zeta-v2', 'V2'],
      ['Alpha-V2', 'V2'],
    ]);
    expect(await choosePolicy(backup, choice, TRUSTED_LAUNCH)).toMatchObject({
      policyName: 'Alpha-V2',
      rule: expect.stringContaining('first of 2 V2 policies'),
    });
  });

  it('keeps a chosen policy that is already V2 (names compared case-insensitively)', async () => {
    const { backup, choice } = setUp([['TierPolicy', 'V2']]);
    expect(await choosePolicy(backup, { ...choice, policyName: 'tierpolicy' }, TRUSTED_LAUNCH)).toMatchObject({
      action: 'protect',
      policyName: 'TierPolicy',
      switched: false,
    });
  });

  it('uses the route enhancedPolicy over any other V2 policy, and refuses one that is Standard or missing', async () => {
    const route = vaultRoute('eastus', { enhancedPolicy: 'Gold' });
    const policies: Array<[string, 'V1' | 'V2']> = [
      ['DefaultPolicy', 'V1'],
      ['EnhancedPolicy', 'V2'],
    ];
    const good = setUp([...policies, ['Gold', 'V2']], route);
    expect(await choosePolicy(good.backup, good.choice, TRUSTED_LAUNCH)).toMatchObject({ policyName: 'Gold' });
    const standard = setUp([...policies, ['Gold', 'V1']], route);
    expect(await choosePolicy(standard.backup, standard.choice, TRUSTED_LAUNCH)).toMatchObject({
      action: 'fail',
      reason: 'enhanced-policy-required',
    });
    const missing = setUp(policies, route);
    expect(await choosePolicy(missing.backup, missing.choice, TRUSTED_LAUNCH)).toMatchObject({
      action: 'fail',
      reason: 'unknown-policy',
    });
  });

  it('lists again before concluding that the vault has no V2 policy, and fails enhanced-policy-required', async () => {
    const { backup, choice } = setUp([['DefaultPolicy', 'V1']]);
    expect(await choosePolicy(backup, choice, TRUSTED_LAUNCH)).toMatchObject({
      action: 'fail',
      reason: 'enhanced-policy-required',
      rule: `${RULE}; enhanced-required:trusted-launch->none in rsv-eastus`,
    });
    expect(backup.count('listPolicies')).toBe(2);
  });

  it('finds a V2 policy created since the cached listing, once that listing is old enough to ask again', async () => {
    let now = 0;
    const { backup, choice, route } = setUp([['DefaultPolicy', 'V1']]);
    const cached = withCachedPolicyLookup(backup, 600_000, () => now);
    expect(await choosePolicy(cached, choice, TRUSTED_LAUNCH)).toMatchObject({ action: 'fail' });
    backup.addPolicy(route, 'EnhancedPolicy', 'V2');
    now = 1_000;
    expect(await choosePolicy(cached, choice, TRUSTED_LAUNCH)).toMatchObject({ action: 'fail' });
    now = 20_000;
    expect(await choosePolicy(cached, choice, TRUSTED_LAUNCH)).toMatchObject({ policyName: 'EnhancedPolicy' });
    expect(backup.count('listPolicies')).toBe(2);
  });

  it('fails unknown-policy when the chosen policy is not in the listing either', async () => {
    const { backup, choice } = setUp([['EnhancedPolicy', 'V2']]);
    expect(await choosePolicy(backup, choice, TRUSTED_LAUNCH)).toEqual({
      action: 'fail',
      reason: 'unknown-policy',
      rule: 'default-policy->DefaultPolicy',
    });
  });

  it('skips an unsupported VM without asking Azure anything', async () => {
    const { backup, choice } = setUp([['DefaultPolicy', 'V1']]);
    expect(await choosePolicy(backup, choice, backupRequirementOf({ ephemeralOsDisk: true }))).toMatchObject({
      action: 'skip',
      reason: 'unsupported:ephemeral-os-disk',
    });
    expect(backup.calls).toEqual([]);
  });
});
