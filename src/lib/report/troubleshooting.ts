import { AGENT_ARTICLE_CODES, JOB_CANCELLED, JOB_FAILED } from '../azure/firstBackupCodes';

/**
 * Microsoft's troubleshooting page for an Azure Backup error code. Codes of the agent and extension article
 * (vm-backup-support.md §5; MicrosoftDocs/azure-docs
 * `articles/backup/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout.md`) link there; any other Azure code
 * (`UserError*`, `BMS*`, ...) links to the VM backup troubleshooting article
 * (`articles/backup/backup-azure-vms-troubleshoot.md`), where the codes are listed. Anchors inside the pages are not
 * linked: their ids are not published and change with the headings. autoprotect's own codes have no page.
 */
const AGENT_ARTICLE =
  'https://learn.microsoft.com/azure/backup/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout';
const VM_BACKUP_ARTICLE = 'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot';

const AGENT_CODES: ReadonlySet<string> = new Set(AGENT_ARTICLE_CODES);

/** Azure's codes are PascalCase words (or the numeric job codes); autoprotect's own are kebab-case. */
const AZURE_CODE = /^(?:[A-Z][A-Za-z0-9]+|\d{5,6})$/;

/** autoprotect's names for a job that ended without Azure's own code. */
const OWN_CODES: ReadonlySet<string> = new Set([JOB_CANCELLED, JOB_FAILED]);

export function troubleshootingUrlFor(code: string | undefined): string | undefined {
  if (code === undefined || OWN_CODES.has(code)) return undefined;
  if (AGENT_CODES.has(code)) return AGENT_ARTICLE;
  return AZURE_CODE.test(code) ? VM_BACKUP_ARTICLE : undefined;
}
