import type { FindingKind } from './reportTypes';

/** Known error codes and what a person should do about them. */
const ACTIONS_BY_CODE: Record<string, string> = {
  UserErrorGuestAgentStatusUnavailable:
    'Make sure the VM agent is running and can reach Azure Backup (outbound 443), then trigger a backup.',
  ExtensionSnapshotFailedNoNetwork: 'Restore outbound connectivity from the VM to Azure Backup, then trigger a backup.',
  UserErrorVmProvisioningStateFailed:
    'Fix the VM provisioning state (redeploy or restart the VM), then trigger a backup.',
  UserErrorVmNotFoundV2: 'The VM no longer exists: stop protection and delete the backup data, or restore the VM.',
  UserErrorRequestDisallowedByPolicy: 'An Azure Policy blocks the backup snapshot: exempt the VM or change the policy.',
  UserErrorVmVaultLocationMismatch: 'Route the VM to a vault in its own region (AUTOPROTECT_VAULTS).',
  UserErrorProtectionQuotaExceeded: 'Add a vault for the region or move VMs to another policy/vault.',
  BMSUserErrorInvalidConfigureProtectionRequest:
    'The vault could not resolve the VM, even after autoprotect refreshed its containers: check that the VM still exists in the vault region and that the vault lists it as protectable, then replay the request.',
};

const ACTIONS_BY_REASON: Record<string, string> = {
  'no-vault-for-region':
    'Add a vault route for the VM region (and subscription) to AUTOPROTECT_VAULTS, then replay the request.',
  'unknown-policy': 'Create the backup policy in the vault or fix the policy rules in AUTOPROTECT_RULES, then replay.',
  'max-attempts-exceeded':
    'Read the request history in protection-requests-poison, fix the cause, then replay the request.',
  'protected-elsewhere': 'Nothing to do: another vault protects this VM.',
  'opted-out': 'Nothing to do: the VM opted out by tag. Remove the tag to protect it.',
  'excluded-by-tag': 'Nothing to do unless the exclusion rule is wrong (AUTOPROTECT_RULES).',
  'not-included': 'Nothing to do unless the VM should match an include rule (AUTOPROTECT_RULES).',
  'resource-group-excluded': 'Nothing to do unless the resource-group exclusion is wrong (AUTOPROTECT_RULES).',
  'resource-group-not-included': 'Nothing to do unless the resource group should be included (AUTOPROTECT_RULES).',
  'vm-deleted': 'Nothing to do: the VM was deleted.',
  'stuck-requested':
    'autoprotect stopped working on this VM: look for its request in protection-requests-poison and in the logs (errorCode), then replay.',
  'stuck-protecting':
    'autoprotect stopped while enabling protection or triggering the backup: check the vault and protection-requests-poison, then replay.',
  'protection-error': 'Open the protected item in the vault and resolve the reported protection error.',
  'enhanced-policy-required':
    'The VM needs an Enhanced (V2) policy (Trusted Launch, Confidential VM, Premium SSD v2 or Ultra disks; the rule says which): create an Enhanced policy for Azure VMs in vault {vault} (Backup policies > Add > Azure Virtual Machine > Enhanced), or name an existing one as enhancedPolicy of the vault route in AUTOPROTECT_VAULTS, then replay the request.',
  'policy-type-refused':
    'Azure refused the policy for this VM configuration (code and message in the reason): protect it with an Enhanced (V2) policy (enhancedPolicy of the vault route in AUTOPROTECT_VAULTS, or a tag rule), then replay the request.',
  'unsupported:ephemeral-os-disk':
    'Azure Backup cannot back up a VM with an ephemeral OS disk: keep its state on data disks and back them up with Azure Disk Backup, or recreate the VM with a managed OS disk.',
  'unsupported:confidential-vm-cmk-os-disk':
    'Azure Backup does not support a Confidential VM whose confidential OS disk is encrypted with a customer-managed key: use platform-managed keys, or protect its data another way.',
  'unsupported:confidential-vm-without-enhanced-policy':
    'A Confidential VM can only be backed up with an Enhanced (V2) policy, a limited preview: create one in vault {vault} (or set enhancedPolicy of the vault route in AUTOPROTECT_VAULTS) once the subscription is enrolled, then replay the request.',
  'vm-provisioning-failed':
    'Compute reports the VM provisioning as Failed: fix the VM (redeploy or reapply it), then replay the request.',
};

const ACTIONS_BY_KIND: Record<FindingKind, string> = {
  stale:
    'Check the last backup job error, fix the cause, then trigger a backup (or enable AUTOPROTECT_REENQUEUE_STALE).',
  failed: 'Read the reason and error code, fix the cause, then replay the request.',
  skipped: 'Nothing to do unless the skip is unexpected.',
  unprotected:
    'No event reached autoprotect for this VM: check the Event Grid subscription, then replay (AUTOPROTECT_REENQUEUE_STALE).',
};

/** What to do about a finding; `vaultName` fills in the vault where an action names one. */
export function remediationFor(kind: FindingKind, reason: string, errorCode?: string, vaultName?: string): string {
  return actionFor(kind, reason, errorCode).replaceAll('{vault}', vaultName ?? 'the VM region');
}

function actionFor(kind: FindingKind, reason: string, errorCode?: string): string {
  // A policy-type refusal keeps Azure's own code, which no table names: the reason says what it is.
  if (reason.startsWith('policy-type-refused:')) return ACTIONS_BY_REASON['policy-type-refused'] ?? '';
  const byCode = errorCode ? ownEntry(ACTIONS_BY_CODE, errorCode) : undefined;
  if (byCode !== undefined) return byCode;
  const reasonKey = reason.startsWith('dry-run:')
    ? 'dry-run'
    : reason.startsWith('protection-state:')
      ? 'protection-state'
      : reason;
  if (reasonKey === 'dry-run') return 'Dry run is on (AUTOPROTECT_DRY_RUN): turn it off to let autoprotect act.';
  if (reasonKey === 'protection-state')
    return 'Protection was stopped or paused on purpose; resume it in the vault if that was a mistake.';
  return ownEntry(ACTIONS_BY_REASON, reasonKey) ?? ACTIONS_BY_KIND[kind];
}

/** The table's own entry: codes and reasons come from outside, and 'constructor' or 'toString' are not actions. */
function ownEntry(table: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
