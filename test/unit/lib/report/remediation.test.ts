import { remediationFor } from '../../../../src/lib/report/remediation';
import type { FindingKind } from '../../../../src/lib/report/reportTypes';
import { troubleshootingUrlFor } from '../../../../src/lib/report/troubleshooting';

const SWEEP = 'then run `autoprotect sweep` (it enqueues the VMs still without a first backup).';

describe('remediationFor', () => {
  it('gives the action of a known error code before that of the reason, pointing to `autoprotect sweep`', () => {
    expect(remediationFor('first-backup-failed', 'retries-exhausted', 'UserErrorGuestAgentStatusUnavailable')).toBe(
      `Make sure the VM agent is running and Ready and can reach Azure Backup (outbound 443), ${SWEEP}`,
    );
    expect(
      remediationFor('failed', 'no-vault-for-region', 'UserErrorVmVaultLocationMismatch', { region: 'westus2' }),
    ).toBe(`Route the VM to a vault in its own region (westus2) in AUTOPROTECT_VAULTS, ${SWEEP}`);
  });

  it('names the region that has no vault and the policy to create', () => {
    expect(remediationFor('failed', 'no-vault-for-region', undefined, { region: 'westus2' })).toBe(
      `No vault serves westus2: create a Recovery Services vault in westus2, add {"region":"westus2","vaultId":"<its id>"} to AUTOPROTECT_VAULTS, ${SWEEP}`,
    );
    expect(
      remediationFor('failed', 'unknown-policy', 'unknown-policy', {
        policyName: 'GoldPolicy',
        vaultName: 'rsv-eastus',
      }),
    ).toBe(
      `Create the backup policy 'GoldPolicy' in vault rsv-eastus (or change the policy rule in AUTOPROTECT_RULES), ${SWEEP}`,
    );
    expect(remediationFor('unprotected', 'no-vault-for-region')).toMatch(/^No vault serves the VM's region/);
  });

  it('never points to a replay that cannot be done: only a poisoned request is replayed', () => {
    for (const reason of ['no-vault-for-region', 'unknown-policy', 'retries-exhausted', 'not-retryable', 'x'])
      expect(remediationFor('failed', reason)).not.toMatch(/replay/);
    expect(remediationFor('failed', 'max-attempts-exceeded')).toMatch(/`autoprotect poison replay <id>`/);
  });

  it('falls back to the reason when the error code is unknown or empty', () => {
    const byReason = remediationFor('failed', 'no-vault-for-region', undefined, { region: 'eastus2' });
    expect(remediationFor('failed', 'no-vault-for-region', 'SomethingNew', { region: 'eastus2' })).toBe(byReason);
    expect(remediationFor('failed', 'no-vault-for-region', '', { region: 'eastus2' })).toBe(byReason);
  });

  it('matches error codes exactly (case matters: they are ARM identifiers)', () => {
    expect(remediationFor('stale', 'x', 'usererrorguestagentstatusunavailable')).toBe(remediationFor('stale', 'x'));
  });

  it('recognises dry-run and protection-state reasons by their prefix', () => {
    expect(remediationFor('skipped', 'dry-run:would-protect')).toBe(
      'Dry run is on (AUTOPROTECT_DRY_RUN): turn it off to let autoprotect act.',
    );
    expect(remediationFor('skipped', 'protection-state:ProtectionStopped')).toBe(
      'Protection was stopped or paused on purpose; resume it in the vault if that was a mistake.',
    );
  });

  it('still lets a known error code win over a dry-run reason', () => {
    expect(remediationFor('failed', 'dry-run:x', 'UserErrorVmNotFoundV2')).toMatch(/^The VM no longer exists/);
  });

  it('says there is nothing to do yet for pending VMs, whatever their last error', () => {
    expect(remediationFor('pending', 'first-backup-retry-scheduled', 'UserErrorGuestAgentStatusUnavailable')).toMatch(
      /^Nothing to do yet: the first backup failed for a reason that often goes away, and autoprotect retries it/,
    );
    expect(remediationFor('pending', 'something-new')).toBe(
      'Nothing to do yet: autoprotect is taking the first backup.',
    );
  });

  it.each<[string, string]>([
    ['opted-out', 'Nothing to do: the VM opted out by tag. Remove the tag to protect it.'],
    ['vm-deleted', 'Nothing to do: the VM was deleted.'],
  ])("has a specific action for the reason '%s'", (reason, action) => {
    expect(remediationFor('skipped', reason)).toBe(action);
  });

  it('says exactly what to create, and in which vault, for a VM that needs an Enhanced policy', () => {
    expect(
      remediationFor('failed', 'enhanced-policy-required', 'enhanced-policy-required', { vaultName: 'rsv-eastus' }),
    ).toBe(
      'The VM needs an Enhanced (V2) policy (Trusted Launch, Confidential VM, Premium SSD v2 or Ultra disks; the rule says which): create an Enhanced policy for Azure VMs in vault rsv-eastus (Backup policies > Add > Azure Virtual Machine > Enhanced), or name an existing one as enhancedPolicy of the vault route in AUTOPROTECT_VAULTS, then run `autoprotect sweep` (it enqueues the VMs still without a first backup).',
    );
    expect(remediationFor('failed', 'enhanced-policy-required')).toContain("in the vault of the VM's region");
  });

  it.each([
    ['unsupported:ephemeral-os-disk', /^Azure Backup cannot back up a VM with an ephemeral OS disk/],
    ['unsupported:confidential-vm-cmk-os-disk', /customer-managed key/],
    ['unsupported:confidential-vm-without-enhanced-policy', /limited preview: create one in vault rsv-x/],
    ['vm-provisioning-failed', /provisioning as Failed/],
  ])('tells what to do about %s', (reason, action) => {
    expect(remediationFor('skipped', reason, undefined, { vaultName: 'rsv-x' })).toMatch(action);
  });

  it('recognises a policy-type refusal by its reason, whatever code Azure gave it', () => {
    expect(
      remediationFor('failed', 'policy-type-refused: Azure call failed (400 UserErrorX): ...', 'UserErrorX'),
    ).toMatch(/^Azure refused the policy for this VM configuration/);
  });

  it.each<[FindingKind, RegExp]>([
    ['stale', /^The first backup has not completed in time/],
    ['failed', /^Read the reason and error code/],
    ['first-backup-failed', /^The first backup failed/],
    ['skipped', /^Nothing to do unless the skip is unexpected/],
    ['unprotected', /^No event reached autoprotect for this VM/],
  ])('falls back to the action of the kind (%s) for an unknown reason', (kind, action) => {
    expect(remediationFor(kind, 'some-new-reason')).toMatch(action);
  });

  it.each([
    ...[
      'UserErrorGuestAgentStatusUnavailable',
      'GuestAgentSnapshotTaskStatusError',
      'ExtensionSnapshotFailedNoNetwork',
      'ExtensionOperationFailedForManagedDisks',
      'BackUpOperationFailed',
      'BackUpOperationFailedV2',
      'UserErrorKeyvaultPermissionsNotConfigured',
      'UserErrorRpCollectionLimitReached',
      'UserErrorVmProvisioningStateFailed',
      'UserErrorVmNotFoundV2',
      'UserErrorRequestDisallowedByPolicy',
      'UserErrorVmVaultLocationMismatch',
      'UserErrorProtectionQuotaExceeded',
      'BMSUserErrorInvalidConfigureProtectionRequest',
      'BackupJobCancelled',
    ].map((code) => ['code', code] as const),
    ...[
      'no-vault-for-region',
      'unknown-policy',
      'retries-exhausted',
      'not-retryable',
      'job-cancelled',
      'stuck-requested',
      'stuck-protecting',
      'first-backup-still-running',
    ].map((reason) => ['reason', reason] as const),
  ])(
    'fills every placeholder of the %s %s, whether or not the finding knows its region, policy and vault',
    (by, key) => {
      const action = (context = {}) =>
        by === 'code' ? remediationFor('failed', 'x', key, context) : remediationFor('failed', key, undefined, context);
      const known = action({ region: 'eastus', policyName: 'GoldPolicy', vaultName: 'rsv-eastus' });
      expect(known).not.toMatch(/%\w+%/);
      expect(action()).not.toMatch(/%\w+%/);
      expect(known).not.toBe(remediationFor('failed', 'x'));
    },
  );

  it('fills the vault it could not resolve the VM in', () => {
    expect(
      remediationFor('failed', 'x', 'BMSUserErrorInvalidConfigureProtectionRequest', { vaultName: 'rsv-eastus' }),
    ).toMatch(/^The vault rsv-eastus could not resolve the VM/);
    expect(remediationFor('failed', 'x', 'BMSUserErrorInvalidConfigureProtectionRequest')).toMatch(
      /^The vault could not resolve the VM/,
    );
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    "returns text, never an inherited member, for the reason or error code '%s'",
    (key) => {
      expect(remediationFor('failed', key)).toBe(remediationFor('failed', 'unknown'));
      expect(remediationFor('failed', 'unknown', key)).toBe(remediationFor('failed', 'unknown'));
      expect(remediationFor('pending', key)).toBe(remediationFor('pending', 'unknown'));
    },
  );
});

describe('troubleshootingUrlFor', () => {
  it("links the agent and extension codes to Microsoft's article on them, other Azure codes to the VM backup one", () => {
    expect(troubleshootingUrlFor('UserErrorGuestAgentStatusUnavailable')).toBe(
      'https://learn.microsoft.com/azure/backup/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout',
    );
    expect(troubleshootingUrlFor('UserErrorVmNotFoundV2')).toBe(
      'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot',
    );
    expect(troubleshootingUrlFor('400094')).toBe(
      'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot',
    );
  });

  it("has no page for autoprotect's own codes", () => {
    for (const code of [undefined, 'no-vault-for-region', 'unknown-policy', 'BackupJobCancelled', 'BackupJobFailed'])
      expect(troubleshootingUrlFor(code)).toBeUndefined();
  });
});
