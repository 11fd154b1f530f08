import type { FindingKind } from './reportTypes';

/** What a finding is about, so its action can name things: the region without a vault, the policy to create. */
export interface RemediationContext {
  region?: string;
  policyName?: string;
  vaultName?: string;
}

const RUN_SWEEP = 'run `autoprotect sweep` (it enqueues the VMs still without a first backup)';
const SWEEP = `then ${RUN_SWEEP}`;

/**
 * Known error codes and what a person should do about them. `%region%`, `%regionId%`, `%policy%`, `%vault%` and
 * `%theVault%`, `%inVault%` are filled from the finding (fill, below), so an action names what it is about.
 */
const ACTIONS_BY_CODE: Record<string, string> = {
  UserErrorGuestAgentStatusUnavailable: `Make sure the VM agent is running and Ready and can reach Azure Backup (outbound 443), ${SWEEP}.`,
  GuestAgentSnapshotTaskStatusError: `The VM agent could not take the snapshot: check the agent and the VMSnapshot extension on the VM, ${SWEEP}.`,
  ExtensionSnapshotFailedNoNetwork: `Restore outbound connectivity from the VM to Azure Backup, ${SWEEP}.`,
  ExtensionOperationFailedForManagedDisks: `The VMSnapshot extension failed: uninstall it from the VM (the next backup reinstalls it), ${SWEEP}.`,
  BackUpOperationFailed: `Azure Backup failed internally and asks for a retry in a few minutes: ${RUN_SWEEP}.`,
  BackUpOperationFailedV2: `Azure Backup failed internally and asks for a retry in a few minutes: ${RUN_SWEEP}.`,
  UserErrorKeyvaultPermissionsNotConfigured: `Give the Backup Management Service access to the VM's Key Vault keys and secrets (encrypted disks), ${SWEEP}.`,
  UserErrorRpCollectionLimitReached: `Remove the lock on the restore point collection's resource group (AzureBackupRG_*), ${SWEEP}.`,
  UserErrorVmProvisioningStateFailed: `Fix the VM's provisioning state (redeploy or restart the VM until it is Succeeded), ${SWEEP}.`,
  UserErrorVmNotFoundV2: 'The VM no longer exists: stop protection and delete the backup data, or restore the VM.',
  UserErrorRequestDisallowedByPolicy: `An Azure Policy blocks the backup snapshot: exempt the VM or change the policy, ${SWEEP}.`,
  UserErrorVmVaultLocationMismatch: `Route the VM to a vault in its own region (%region%) in AUTOPROTECT_VAULTS, ${SWEEP}.`,
  UserErrorProtectionQuotaExceeded: `The vault is full: add another vault for %region% to AUTOPROTECT_VAULTS, ${SWEEP}.`,
  BMSUserErrorInvalidConfigureProtectionRequest: `%theVault% could not resolve the VM, even after autoprotect refreshed its containers: check that the VM still exists in the vault's region and that the vault lists it as protectable, ${SWEEP}.`,
  BackupJobCancelled: `Someone cancelled the first backup: if that was a mistake, ${RUN_SWEEP}.`,
};

const ACTIONS_BY_REASON: Record<string, string> = {
  'no-vault-for-region': `No vault serves %region%: create a Recovery Services vault in %region%, add {"region":"%regionId%","vaultId":"<its id>"} to AUTOPROTECT_VAULTS, ${SWEEP}.`,
  'unknown-policy': `Create the backup policy '%policy%' in vault %vault% (or change the policy rule in AUTOPROTECT_RULES), ${SWEEP}.`,
  'max-attempts-exceeded':
    'autoprotect gave up after repeated transient errors: read why with `autoprotect poison list`, fix the cause, then `autoprotect poison replay <id>`.',
  'retries-exhausted': `The first backup kept failing: fix the cause the error names, ${SWEEP}.`,
  'not-retryable': `The first backup failed: fix the cause the error names, ${SWEEP}.`,
  'job-cancelled': `Someone cancelled the first backup: if that was a mistake, ${RUN_SWEEP}.`,
  'protected-elsewhere': 'Nothing to do: another vault protects this VM.',
  'opted-out': 'Nothing to do: the VM opted out by tag. Remove the tag to protect it.',
  'excluded-by-tag': 'Nothing to do unless the exclusion rule is wrong (AUTOPROTECT_RULES).',
  'not-included': 'Nothing to do unless the VM should match an include rule (AUTOPROTECT_RULES).',
  'resource-group-excluded': 'Nothing to do unless the resource-group exclusion is wrong (AUTOPROTECT_RULES).',
  'resource-group-not-included': 'Nothing to do unless the resource group should be included (AUTOPROTECT_RULES).',
  'vm-deleted': 'Nothing to do: the VM was deleted.',
  'stuck-requested': `autoprotect stopped working on this VM: find it with \`autoprotect poison list\` and replay it, or ${RUN_SWEEP}.`,
  'stuck-protecting': `autoprotect stopped while enabling protection or triggering the backup: find it with \`autoprotect poison list\` and replay it, or ${RUN_SWEEP}.`,
  'protection-error': 'Open the protected item in the vault and resolve the reported protection error.',
  'enhanced-policy-required': `The VM needs an Enhanced (V2) policy (Trusted Launch, Confidential VM, Premium SSD v2 or Ultra disks; the rule says which): create an Enhanced policy for Azure VMs %inVault% (Backup policies > Add > Azure Virtual Machine > Enhanced), or name an existing one as enhancedPolicy of the vault route in AUTOPROTECT_VAULTS, ${SWEEP}.`,
  'policy-type-refused': `Azure refused the policy for this VM configuration (code and message in the reason): protect it with an Enhanced (V2) policy (enhancedPolicy of the vault route in AUTOPROTECT_VAULTS, or a tag rule), ${SWEEP}.`,
  'unsupported:ephemeral-os-disk':
    'Azure Backup cannot back up a VM with an ephemeral OS disk: keep its state on data disks and back them up with Azure Disk Backup, or recreate the VM with a managed OS disk.',
  'unsupported:confidential-vm-cmk-os-disk':
    'Azure Backup does not support a Confidential VM whose confidential OS disk is encrypted with a customer-managed key: use platform-managed keys, or protect its data another way.',
  'unsupported:confidential-vm-without-enhanced-policy': `A Confidential VM can only be backed up with an Enhanced (V2) policy, a limited preview: create one %inVault% (or set enhancedPolicy of the vault route in AUTOPROTECT_VAULTS) once the subscription is enrolled, ${SWEEP}.`,
  'vm-provisioning-failed': `Compute reports the VM provisioning as Failed: fix the VM (redeploy or reapply it), ${SWEEP}.`,
  'first-backup-still-running': `The first backup has run for a week: check the Backup job in the vault, cancel it if it hangs, then ${RUN_SWEEP}.`,
};

const PENDING_BY_REASON: Record<string, string> = {
  'first-backup-retry-scheduled':
    'Nothing to do yet: the first backup failed for a reason that often goes away, and autoprotect retries it.',
  'first-backup-running': 'Nothing to do yet: the first backup is running and autoprotect follows it to its end.',
  'initial-backup-inprogress': 'Nothing to do yet: the first backup is running.',
};

const ACTIONS_BY_KIND: Record<FindingKind, string> = {
  stale: `The first backup has not completed in time: check the VM's Backup jobs in the vault, ${SWEEP}.`,
  failed: `Read the reason and error code, fix the cause, ${SWEEP}.`,
  'first-backup-failed': `The first backup failed: fix the cause the error names, ${SWEEP}.`,
  skipped: 'Nothing to do unless the skip is unexpected.',
  unprotected: `No event reached autoprotect for this VM: check the Event Grid subscription of its subscription, ${SWEEP}.`,
  pending: 'Nothing to do yet: autoprotect is taking the first backup.',
};

/** What to do: by error code, then by reason, then by kind; each action names what it can (region, policy, vault). */
export function remediationFor(
  kind: FindingKind,
  reason: string,
  errorCode?: string,
  context: RemediationContext = {},
): string {
  if (kind === 'pending') return ownEntry(PENDING_BY_REASON, reason) ?? ACTIONS_BY_KIND.pending;
  // A policy-type refusal keeps Azure's own code, which no table names: the reason says what it is.
  if (reason.startsWith('policy-type-refused:')) return fill(ACTIONS_BY_REASON['policy-type-refused'] ?? '', context);
  const byCode = errorCode ? ownEntry(ACTIONS_BY_CODE, errorCode) : undefined;
  if (byCode !== undefined) return fill(byCode, context);
  const reasonKey = reason.startsWith('dry-run:')
    ? 'dry-run'
    : reason.startsWith('protection-state:')
      ? 'protection-state'
      : reason;
  if (reasonKey === 'dry-run') return 'Dry run is on (AUTOPROTECT_DRY_RUN): turn it off to let autoprotect act.';
  if (reasonKey === 'protection-state')
    return 'Protection was stopped or paused on purpose; resume it in the vault if that was a mistake.';
  const byReason = ownEntry(ACTIONS_BY_REASON, reasonKey);
  return byReason === undefined ? ACTIONS_BY_KIND[kind] : fill(byReason, context);
}

/** The action with the finding's region, policy and vault in place of its placeholders (a stand-in when unknown). */
function fill(template: string, context: RemediationContext): string {
  const values: Record<string, string> = {
    '%region%': context.region ?? "the VM's region",
    '%regionId%': context.region ?? '<region>',
    '%policy%': context.policyName ?? '?',
    '%vault%': context.vaultName ?? '?',
    '%theVault%': context.vaultName ? `The vault ${context.vaultName}` : 'The vault',
    '%inVault%': context.vaultName ? `in vault ${context.vaultName}` : "in the vault of the VM's region",
  };
  return template.replace(/%(?:region|regionId|policy|vault|theVault|inVault)%/g, (token) => values[token] ?? token);
}

/** The table's own entry: codes and reasons come from outside, and 'constructor' or 'toString' are not actions. */
function ownEntry<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
