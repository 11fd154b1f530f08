import { remediationFor } from '../../../../src/lib/report/remediation';
import type { FindingKind } from '../../../../src/lib/report/reportTypes';

describe('remediationFor', () => {
  it('gives the action of a known error code before that of the reason', () => {
    expect(remediationFor('stale', 'initial-backup-failed', 'UserErrorGuestAgentStatusUnavailable')).toBe(
      'Make sure the VM agent is running and can reach Azure Backup (outbound 443), then trigger a backup.',
    );
    expect(remediationFor('failed', 'no-vault-for-region', 'UserErrorVmVaultLocationMismatch')).toBe(
      'Route the VM to a vault in its own region (AUTOPROTECT_VAULTS).',
    );
  });

  it('falls back to the reason when the error code is unknown or empty', () => {
    const byReason =
      'Add a vault route for the VM region (and subscription) to AUTOPROTECT_VAULTS, then replay the request.';
    expect(remediationFor('failed', 'no-vault-for-region', 'SomethingNew')).toBe(byReason);
    expect(remediationFor('failed', 'no-vault-for-region', '')).toBe(byReason);
    expect(remediationFor('failed', 'no-vault-for-region')).toBe(byReason);
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

  it.each<[string, string]>([
    ['opted-out', 'Nothing to do: the VM opted out by tag. Remove the tag to protect it.'],
    ['vm-deleted', 'Nothing to do: the VM was deleted.'],
    [
      'max-attempts-exceeded',
      'Read the request history in protection-requests-poison, fix the cause, then replay the request.',
    ],
  ])("has a specific action for the reason '%s'", (reason, action) => {
    expect(remediationFor('failed', reason)).toBe(action);
  });

  it('says exactly what to create, and in which vault, for a VM that needs an Enhanced policy', () => {
    expect(remediationFor('failed', 'enhanced-policy-required', 'enhanced-policy-required', 'rsv-eastus')).toBe(
      'The VM needs an Enhanced (V2) policy (Trusted Launch, Confidential VM, Premium SSD v2 or Ultra disks; the rule says which): create an Enhanced policy for Azure VMs in vault rsv-eastus (Backup policies > Add > Azure Virtual Machine > Enhanced), or name an existing one as enhancedPolicy of the vault route in AUTOPROTECT_VAULTS, then replay the request.',
    );
    expect(remediationFor('failed', 'enhanced-policy-required')).toContain('in vault the VM region');
  });

  it.each([
    ['unsupported:ephemeral-os-disk', /^Azure Backup cannot back up a VM with an ephemeral OS disk/],
    ['unsupported:confidential-vm-cmk-os-disk', /customer-managed key/],
    ['unsupported:confidential-vm-without-enhanced-policy', /limited preview: create one in vault rsv-x/],
    ['vm-provisioning-failed', /provisioning as Failed/],
  ])('tells what to do about %s', (reason, action) => {
    expect(remediationFor('skipped', reason, undefined, 'rsv-x')).toMatch(action);
  });

  it('recognises a policy-type refusal by its reason, whatever code Azure gave it', () => {
    expect(
      remediationFor('failed', 'policy-type-refused: Azure call failed (400 UserErrorX): ...', 'UserErrorX'),
    ).toMatch(/^Azure refused the policy for this VM configuration/);
  });

  it.each<[FindingKind, RegExp]>([
    ['stale', /^Check the last backup job error/],
    ['failed', /^Read the reason and error code/],
    ['skipped', /^Nothing to do unless the skip is unexpected/],
    ['unprotected', /^No event reached autoprotect for this VM/],
  ])('falls back to the action of the kind (%s) for an unknown reason', (kind, action) => {
    expect(remediationFor(kind, 'some-new-reason')).toMatch(action);
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    "returns text, never an inherited member, for the reason or error code '%s'",
    (key) => {
      expect(remediationFor('failed', key)).toBe(remediationFor('failed', 'unknown'));
      expect(remediationFor('failed', 'unknown', key)).toBe(remediationFor('failed', 'unknown'));
    },
  );
});
