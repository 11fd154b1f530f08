import { backupRequirementOf } from '../../../../src/lib/rules/backupRequirement';
import { type EnhancedOption, fitPolicy, type PolicyType } from '../../../../src/lib/rules/policyFit';
import type { VmConfiguration } from '../../../../src/lib/rules/vmConfiguration';

/**
 * The selection table: VM shape x the type of the policy the rules chose (x the Enhanced policy the vault offers) ->
 * outcome. Each VM row names the vm-backup-support.md row it comes from.
 */

const RULE = 'vault-route:eastus->rsv-eastus; default-policy->DefaultPolicy';
const LISTED: EnhancedOption = { kind: 'listed', name: 'EnhancedPolicy', count: 1 };

const VMS: Record<string, VmConfiguration> = {
  'standard (absent securityType)': {},
  'Standard (api 2025-11-01+)': { securityType: 'Standard' },
  'Trusted Launch (§1)': { securityType: 'TrustedLaunch' },
  'Confidential VM (§2)': { securityType: 'ConfidentialVM' },
  'Premium SSD v2 data disk (§2)': { dataDiskTypes: ['Premium_LRS', 'PremiumV2_LRS'] },
  'Ultra data disk (§2)': { dataDiskTypes: ['UltraSSD_LRS'] },
  'Ultra capability only (§3)': { ultraSsdEnabled: true },
  'Spot (§2: backup works)': { priority: 'Spot' },
  'ephemeral OS disk (§2)': { ephemeralOsDisk: true, securityType: 'TrustedLaunch' },
  'Confidential VM with a CMK OS disk (§2)': { securityType: 'ConfidentialVM', confidentialOsDiskCmk: true },
};

type Outcome = string;
const keep = 'protect DefaultPolicy';
const keepV2 = 'protect TierPolicy';
const switched = 'protect EnhancedPolicy (switched)';

/** [VM, chosen V1 -> outcome, chosen V2 -> outcome] with the vault's V2 policy listed. */
const TABLE: Array<[string, Outcome, Outcome]> = [
  ['standard (absent securityType)', keep, keepV2],
  ['Standard (api 2025-11-01+)', keep, keepV2],
  ['Trusted Launch (§1)', switched, keepV2],
  ['Confidential VM (§2)', switched, keepV2],
  ['Premium SSD v2 data disk (§2)', switched, keepV2],
  ['Ultra data disk (§2)', switched, keepV2],
  ['Ultra capability only (§3)', switched, keepV2],
  ['Spot (§2: backup works)', keep, keepV2],
  ['ephemeral OS disk (§2)', 'skip unsupported:ephemeral-os-disk', 'skip unsupported:ephemeral-os-disk'],
  [
    'Confidential VM with a CMK OS disk (§2)',
    'skip unsupported:confidential-vm-cmk-os-disk',
    'skip unsupported:confidential-vm-cmk-os-disk',
  ],
];

function outcomeOf(vm: string, policyType: PolicyType, enhanced: EnhancedOption = LISTED): Outcome {
  const fit = fitPolicy({
    requirement: backupRequirementOf(VMS[vm] ?? {}),
    chosen: { name: policyType === 'V1' ? 'DefaultPolicy' : 'TierPolicy', policyType },
    enhanced,
    vaultName: 'rsv-eastus',
    rule: RULE,
  });
  if (fit.action === 'protect') return `protect ${fit.policyName}${fit.switched ? ' (switched)' : ''}`;
  return `${fit.action} ${fit.reason}`;
}

describe('policy selection: VM shape x chosen policy type', () => {
  it.each(TABLE)('%s: with a Standard policy -> %s; with an Enhanced one -> %s', (vm, withV1, withV2) => {
    expect(outcomeOf(vm, 'V1')).toBe(withV1);
    expect(outcomeOf(vm, 'V2')).toBe(withV2);
  });

  it.each([
    ['Trusted Launch (§1)', 'fail enhanced-policy-required'],
    ['Premium SSD v2 data disk (§2)', 'fail enhanced-policy-required'],
    ['Confidential VM (§2)', 'skip unsupported:confidential-vm-without-enhanced-policy'],
    ['standard (absent securityType)', keep],
  ])('%s with a Standard policy in a vault without a V2 policy -> %s', (vm, outcome) => {
    expect(outcomeOf(vm, 'V1', { kind: 'none' })).toBe(outcome);
  });
});

describe('fitPolicy', () => {
  const tl = backupRequirementOf({ securityType: 'TrustedLaunch' });
  const fit = (enhanced: EnhancedOption, requirement = tl) =>
    fitPolicy({
      requirement,
      chosen: { name: 'DefaultPolicy', policyType: 'V1' },
      enhanced,
      vaultName: 'rsv-eastus',
      rule: RULE,
    });

  it('says in the rule why the policy changed, and where the Enhanced policy came from', () => {
    expect(fit(LISTED)).toEqual({
      action: 'protect',
      policyName: 'EnhancedPolicy',
      rule: `${RULE}; enhanced-required:trusted-launch->EnhancedPolicy (the V2 policy of rsv-eastus)`,
      switched: true,
    });
    expect(fit({ kind: 'listed', name: 'Alpha', count: 3 }).rule).toBe(
      `${RULE}; enhanced-required:trusted-launch->Alpha (first of 3 V2 policies of rsv-eastus)`,
    );
    expect(fit({ kind: 'configured', name: 'Gold' }).rule).toBe(
      `${RULE}; enhanced-required:trusted-launch->Gold (enhancedPolicy of the vault route)`,
    );
  });

  it('names every cause at once', () => {
    const many = backupRequirementOf({
      securityType: 'TrustedLaunch',
      dataDiskTypes: ['PremiumV2_LRS', 'UltraSSD_LRS'],
    });
    expect(fit(LISTED, many).rule).toContain('enhanced-required:trusted-launch+premium-ssd-v2+ultra-disk->');
  });

  it('fails on a configured Enhanced policy that is missing or Standard, and says what is missing in the vault', () => {
    expect(fit({ kind: 'configured-missing', name: 'Gold' })).toEqual({
      action: 'fail',
      reason: 'unknown-policy',
      rule: `${RULE}; enhanced-required:trusted-launch->Gold (enhancedPolicy of the vault route: not in rsv-eastus)`,
    });
    expect(fit({ kind: 'configured-not-v2', name: 'Gold' })).toMatchObject({
      action: 'fail',
      reason: 'enhanced-policy-required',
      rule: expect.stringContaining('a Standard policy'),
    });
    expect(fit({ kind: 'none' })).toEqual({
      action: 'fail',
      reason: 'enhanced-policy-required',
      rule: `${RULE}; enhanced-required:trusted-launch->none in rsv-eastus`,
    });
  });

  it('skips an unsupported VM with the VM body field that decided, whatever the policy', () => {
    expect(fit(LISTED, backupRequirementOf({ ephemeralOsDisk: true }))).toEqual({
      action: 'skip',
      reason: 'unsupported:ephemeral-os-disk',
      rule: 'vm-configuration:osDisk.diffDiskSettings',
    });
  });
});

describe('backupRequirementOf', () => {
  it('compares security and disk types case-insensitively', () => {
    expect(backupRequirementOf({ securityType: 'trustedlaunch', dataDiskTypes: ['premiumv2_lrs'] })).toEqual({
      kind: 'enhanced',
      causes: ['trusted-launch', 'premium-ssd-v2'],
    });
  });

  it('needs nothing special from a VM whose body says nothing', () => {
    expect(backupRequirementOf({})).toEqual({ kind: 'any' });
  });
});
