import { OperationPendingError, PermanentError } from '../../../../src/lib/errors';
import { handleProtectionMessage } from '../../../../src/lib/protection/handleProtectionMessage';
import { runProtectionWorkflow } from '../../../../src/lib/protection/runProtectionWorkflow';
import type { VmConfiguration } from '../../../../src/lib/rules/vmConfiguration';
import { armError } from '../../../helpers/factories/azureErrors';
import { type ProtectionHarness, protectionHarness, protectionRequest } from '../../../helpers/factories/protection';
import { rulesConfig, vaultRoute } from '../../../helpers/factories/rules';

/**
 * protectVm with what Compute says about the VM: the policy type it needs, what Azure Backup cannot protect, a VM
 * still provisioning, and refusals the selection did not foresee (docs/rules.md, vm-backup-support.md).
 */

const DEFAULT_RULE = 'vault-route:eastus->rsv-eastus; default-policy->DefaultPolicy';
const TL: VmConfiguration = { securityType: 'TrustedLaunch', provisioningState: 'Succeeded' };
const TL_REFUSAL =
  "Trusted Launch virtual machine 'vm-web-1' can be protected only with an Enhanced policy (policyType V2).";

const run = (h: ProtectionHarness) => runProtectionWorkflow(h.deps(), protectionRequest());
const failureOf = (h: ProtectionHarness) =>
  run(h).then(
    () => new Error('expected a failure'),
    (error: unknown) => error,
  );
const methods = (h: ProtectionHarness) => h.backup.calls.map((call) => call.method);
const row = (h: ProtectionHarness) => h.ledger.get(h.vm.key);

describe('protectVm and the VM configuration', () => {
  describe('a VM that needs an Enhanced policy', () => {
    it('protects an untagged Trusted Launch VM with the vault V2 policy, once, and says why', async () => {
      const h = protectionHarness({ configuration: TL });
      const outcome = await run(h);
      const rule = `${DEFAULT_RULE}; enhanced-required:trusted-launch->EnhancedPolicy (the V2 policy of rsv-eastus)`;
      expect(outcome).toMatchObject({ status: 'backup-triggered', policyName: 'EnhancedPolicy', rule });
      expect(await row(h)).toMatchObject({ status: 'backup-triggered', policyName: 'EnhancedPolicy', rule });
      expect(h.backup.items.get(`${h.vault.vaultId.toLowerCase()}|${h.vm.key}`)).toMatchObject({
        policyName: 'EnhancedPolicy',
      });
      expect(methods(h).filter((method) => method !== 'getOperationStatus')).toEqual([
        'listPolicies',
        'getProtectedItem',
        'enableProtection',
        'triggerBackup',
      ]);
      expect(h.logs).toHaveLogged({ message: 'the VM needs an Enhanced policy', policyName: 'EnhancedPolicy' });
    });

    it('replaces a Standard policy named by a tag rule with the V2 policy, keeping the rule in the ledger', async () => {
      const h = protectionHarness({
        configuration: TL,
        tags: { tier: 'bronze' },
        settings: { rules: rulesConfig({ policies: [{ tag: 'tier', values: ['bronze'], policy: 'DefaultPolicy' }] }) },
      });
      expect(await run(h)).toMatchObject({
        policyName: 'EnhancedPolicy',
        rule: 'vault-route:eastus->rsv-eastus; policy[0]:tier=bronze->DefaultPolicy; enhanced-required:trusted-launch->EnhancedPolicy (the V2 policy of rsv-eastus)',
      });
    });

    it('uses the enhancedPolicy of the vault route when one is configured', async () => {
      const h = protectionHarness({
        configuration: { dataDiskTypes: ['PremiumV2_LRS'] },
        settings: { vaults: [vaultRoute('eastus', { enhancedPolicy: 'GoldV2' })] },
      });
      h.backup.addPolicy(h.vault, 'GoldV2', 'V2');
      expect(await run(h)).toMatchObject({
        policyName: 'GoldV2',
        rule: `${DEFAULT_RULE}; enhanced-required:premium-ssd-v2->GoldV2 (enhancedPolicy of the vault route)`,
      });
    });

    it('fails enhanced-policy-required when the vault has no V2 policy, and sends no PUT', async () => {
      const h = protectionHarness({ configuration: TL });
      h.backup.removePolicy(h.vault, 'EnhancedPolicy');
      expect(await run(h)).toMatchObject({ status: 'failed', reason: 'enhanced-policy-required' });
      expect(await row(h)).toMatchObject({
        status: 'failed',
        reason: 'enhanced-policy-required',
        errorCode: 'enhanced-policy-required',
        vaultId: h.vault.vaultId,
        rule: `${DEFAULT_RULE}; enhanced-required:trusted-launch->none in rsv-eastus`,
      });
      expect(h.backup.count('enableProtection')).toBe(0);
    });

    it('shows in a dry run the policy the VM would get, with the reason', async () => {
      const h = protectionHarness({ configuration: TL, settings: { dryRun: true } });
      expect(await run(h)).toMatchObject({
        status: 'skipped',
        reason: 'dry-run:would-enable-protection',
        policyName: 'EnhancedPolicy',
        rule: expect.stringContaining('enhanced-required:trusted-launch->EnhancedPolicy'),
        dryRun: true,
      });
      expect(h.backup.count('enableProtection')).toBe(0);
    });
  });

  describe('a VM Azure Backup cannot protect', () => {
    it.each([
      [{ ephemeralOsDisk: true }, 'unsupported:ephemeral-os-disk', 'vm-configuration:osDisk.diffDiskSettings'],
      [
        { securityType: 'ConfidentialVM', confidentialOsDiskCmk: true },
        'unsupported:confidential-vm-cmk-os-disk',
        'vm-configuration:osDisk.managedDisk.securityProfile.diskEncryptionSet',
      ],
    ])('is skipped (%j: %s) without a single call to the vault', async (configuration, reason, rule) => {
      const h = protectionHarness({ configuration });
      expect(await run(h)).toMatchObject({ status: 'skipped', reason, rule });
      expect(await row(h)).toMatchObject({ status: 'skipped', reason, rule });
      expect(h.backup.calls).toEqual([]);
    });

    it('skips a Confidential VM when the vault has no V2 policy (its Enhanced support is a preview)', async () => {
      const h = protectionHarness({ configuration: { securityType: 'ConfidentialVM' } });
      h.backup.removePolicy(h.vault, 'EnhancedPolicy');
      expect(await run(h)).toMatchObject({
        status: 'skipped',
        reason: 'unsupported:confidential-vm-without-enhanced-policy',
      });
      expect(h.backup.count('enableProtection')).toBe(0);
    });
  });

  describe('a VM still provisioning', () => {
    it.each(['Creating', 'Updating'])(
      'checks back on a VM %s without spending an attempt or asking the vault',
      async (provisioningState) => {
        const h = protectionHarness({ configuration: { ...TL, provisioningState } });
        const outcome = await handleProtectionMessage(h.deps(), protectionRequest({ attempt: 2 }));
        expect(outcome).toMatchObject({ kind: 'requeued', nextAttempt: 2, code: 'operation-in-progress' });
        expect(h.requests.sent[0]).toMatchObject({ request: { attempt: 2 }, delayMs: 1_000 });
        expect(h.backup.calls).toEqual([]);
        expect(await row(h)).toMatchObject({ status: 'requested', errorCode: 'operation-in-progress' });

        h.vms.add({ vm: h.vm, location: 'eastus', tags: {}, ...TL });
        expect(await handleProtectionMessage(h.deps(), h.requests.sent[0]!.request)).toMatchObject({
          kind: 'done',
          outcome: { status: 'backup-triggered', policyName: 'EnhancedPolicy' },
        });
      },
    );

    it('records a VM whose provisioning failed', async () => {
      const h = protectionHarness({ configuration: { provisioningState: 'Failed' } });
      expect(await run(h)).toMatchObject({ status: 'failed', reason: 'vm-provisioning-failed' });
      expect(await row(h)).toMatchObject({ errorCode: 'vm-provisioning-failed', rule: 'vm-provisioning-state:Failed' });
      expect(h.backup.calls).toEqual([]);
    });

    it('skips an opted-out VM at once, provisioning or not', async () => {
      const h = protectionHarness({
        configuration: { provisioningState: 'Creating' },
        tags: { 'autoprotect:skip': 'yes' },
      });
      expect(await run(h)).toMatchObject({ status: 'skipped', reason: 'opted-out' });
    });
  });

  describe('a refusal the selection did not foresee', () => {
    it('records a synchronous one as permanent with Azure code and message, never retried', async () => {
      const h = protectionHarness();
      h.backup.failNext('enableProtection', armError(400, 'UserErrorSomethingNew', {}, TL_REFUSAL));
      const outcome = await handleProtectionMessage(h.deps(), protectionRequest());
      expect(outcome).toMatchObject({ kind: 'failed', code: 'UserErrorSomethingNew' });
      expect(h.requests.sent).toEqual([]);
      expect(await row(h)).toMatchObject({
        status: 'failed',
        errorCode: 'UserErrorSomethingNew',
        reason: `policy-type-refused: Azure call failed (400 UserErrorSomethingNew): ${TL_REFUSAL}`,
      });
    });

    it('records one that came as a failed ConfigureBackup operation the same way', async () => {
      const h = protectionHarness();
      h.backup.enableOutcome = {
        status: 'Failed',
        errorCode: 'UserErrorVmConfigurationNotSupportedByPolicy',
        errorMessage: TL_REFUSAL,
      };
      const error = await failureOf(h);
      expect(error).toBeInstanceOf(PermanentError);
      expect(await row(h)).toMatchObject({
        status: 'failed',
        errorCode: 'UserErrorVmConfigurationNotSupportedByPolicy',
        reason: expect.stringMatching(/^policy-type-refused: Could not enable protection: operation Failed/),
      });
    });
  });

  it('waits on provisioning with OperationPendingError (the queue checks back)', async () => {
    const h = protectionHarness({ configuration: { provisioningState: 'Creating' } });
    expect(await failureOf(h)).toBeInstanceOf(OperationPendingError);
  });
});
