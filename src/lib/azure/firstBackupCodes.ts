/**
 * The job error codes of Microsoft's troubleshooting article on agent and extension failures (vm-backup-support.md §5;
 * MicrosoftDocs/azure-docs `articles/backup/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout.md`). Each says
 * "retry later": the first backup of a brand-new VM often meets an agent or extension that is not ready yet. The
 * retry decision and the report's troubleshooting links both read this one list.
 */
export const AGENT_ARTICLE_CODES: readonly string[] = [
  'UserErrorGuestAgentStatusUnavailable',
  'GuestAgentSnapshotTaskStatusError',
  'UserErrorVmProvisioningStateFailed',
  'ExtensionSnapshotFailedNoNetwork',
  'ExtensionOperationFailedForManagedDisks',
  'BackUpOperationFailed',
  'BackUpOperationFailedV2',
  'UserErrorKeyvaultPermissionsNotConfigured',
  'UserErrorRpCollectionLimitReached',
];

/** The code of a job that was cancelled (Azure gives none): a person stopped it, so it is not retried. */
export const JOB_CANCELLED = 'BackupJobCancelled';
/** The code of a failed job that carries no error details. */
export const JOB_FAILED = 'BackupJobFailed';
