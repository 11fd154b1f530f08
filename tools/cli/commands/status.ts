import type { VaultRoute } from '../../../src/lib/config';
import { firstBackupTimeline } from '../../../src/lib/ledger/firstBackupTimeline';
import type { Ledger } from '../../../src/lib/ledger/ledger';
import { LEDGER_STATUSES, type LedgerEntry, type LedgerStatus } from '../../../src/lib/ledger/ledgerEntry';
import { regionOf } from '../../../src/lib/ledger/regionOf';
import { retriesUsed } from '../../../src/lib/protection/backupAttempts';
import { formatAge } from '../../../src/lib/report/formatAge';
import { tryParseVmResourceId } from '../../../src/lib/resourceId';
import { booleanOption, type Command, type CommandContext, listOption } from '../command';
import { CliFailure, CliUsageError, EXIT_OK } from '../errors';
import { renderTable, truncate } from '../format/table';
import { writeLine } from '../io';

export const statusCommand: Command = {
  words: ['status'],
  summary: 'the ledger as a table (or --json), filterable by status',
  help: `Usage: autoprotect status [vm] [--status <s>[,<s>...]] [--json]

Shows the ledger: one row per VM with what autoprotect did about it and why: its region (from the vault
route the rules chose, or the region that has none), status, reason, backup policy, its first backup (the time
to its first restore point, the retry or check-back coming, or how it failed), attempts and last change.

Arguments:
  vm                 a VM resource id (exact row) or a VM name (every row with that name, any case)

Options:
  --status <list>    only these statuses (repeatable or comma-separated): ${LEDGER_STATUSES.join(', ')}
  --json             the rows as a JSON array (concurrency tokens and leases left out)

Example:
  autoprotect status --status failed,skipped`,
  options: { status: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  run: runStatus,
};

async function runStatus(context: CommandContext): Promise<number> {
  const statuses = parseStatuses(listOption(context, 'status'));
  const [vm, ...extra] = context.positionals;
  if (extra.length > 0) throw new CliUsageError(`status takes at most one VM, got ${context.positionals.length}`);
  const { config, adapters } = await context.runtime();
  const ledger = adapters.ledger;
  const entries = await selectEntries(ledger, statuses, vm);
  if (vm !== undefined && entries.length === 0)
    throw new CliFailure(`no ledger row for ${vm}${statuses.length > 0 ? ` with status ${statuses.join('|')}` : ''}`);

  if (booleanOption(context, 'json')) {
    writeLine(context.io.stdout, JSON.stringify(entries.map(publicFields), null, 2));
    return EXIT_OK;
  }
  if (entries.length === 0) {
    writeLine(context.io.stdout, `No ledger rows${statuses.length > 0 ? ` with status ${statuses.join('|')}` : ''}.`);
    return EXIT_OK;
  }
  writeLine(context.io.stdout, renderLedgerTable(entries, config.vaults, config.firstBackup.retryDelaysMs.length));
  writeLine(context.io.stdout, countLine(entries));
  return EXIT_OK;
}

function parseStatuses(values: readonly string[]): LedgerStatus[] {
  const unknown = values.filter((value) => !LEDGER_STATUSES.some((status) => status === value));
  if (unknown.length > 0)
    throw new CliUsageError(`unknown status ${unknown.join(', ')} (expected ${LEDGER_STATUSES.join(', ')})`);
  return LEDGER_STATUSES.filter((status) => values.includes(status));
}

async function selectEntries(
  ledger: Ledger,
  statuses: readonly LedgerStatus[],
  vm: string | undefined,
): Promise<LedgerEntry[]> {
  if (vm !== undefined && vm.startsWith('/')) {
    const parsed = tryParseVmResourceId(vm);
    if (!parsed.ok) throw new CliUsageError(`not a VM resource id: ${parsed.reason}`);
    const entry = await ledger.get(parsed.vm.key);
    return entry !== null && (statuses.length === 0 || statuses.includes(entry.status)) ? [entry] : [];
  }
  const entries: LedgerEntry[] = [];
  for await (const entry of ledger.list({ statuses })) {
    if (vm === undefined || vmNameOf(entry).toLowerCase() === vm.toLowerCase()) entries.push(entry);
  }
  return entries.sort((a, b) => a.vmKey.localeCompare(b.vmKey));
}

/**
 * The ledger rows as the operator sees them: VM, resource group, region, status, reason, policy, first backup,
 * attempts, last change. `retries`: how many automatic retries a failed first backup gets.
 */
export function renderLedgerTable(
  entries: readonly LedgerEntry[],
  vaults: readonly VaultRoute[] = [],
  retries = 0,
): string {
  const rows = entries.map((entry) => [
    vmNameOf(entry),
    resourceGroupOf(entry),
    regionOf(entry, vaults) ?? '',
    entry.status,
    truncate(reasonOf(entry), 56),
    entry.policyName ?? '',
    firstBackupOf(entry, retries),
    String(entry.attempts),
    entry.lastChanged,
  ]);
  return renderTable(
    ['VM', 'RESOURCE GROUP', 'REGION', 'STATUS', 'REASON', 'POLICY', 'FIRST BACKUP', 'ATTEMPTS', 'LAST CHANGED'],
    rows,
  );
}

/** The reason, with Azure's code when the first backup failed or waits for a retry. */
function reasonOf(entry: LedgerEntry): string {
  const withCode =
    entry.errorCode !== undefined &&
    (entry.status === 'first-backup-failed' || entry.reason === 'first-backup-retry-scheduled');
  return withCode ? `${entry.reason ?? ''}: ${entry.errorCode ?? ''}` : (entry.reason ?? entry.errorCode ?? '');
}

/**
 * Where the first backup stands: the time to the first restore point, the check-back or retry coming (UTC), or how
 * many retries a failed one had.
 */
export function firstBackupOf(entry: LedgerEntry, retries: number): string {
  const timeline = firstBackupTimeline(entry);
  const extra = timeline.retries === 0 ? '' : `, ${timeline.retries} ${timeline.retries === 1 ? 'retry' : 'retries'}`;
  const at = (iso: string | undefined) => (iso ? `${iso.slice(11, 19)}Z` : '?');
  if (entry.status === 'protected')
    return timeline.toRestorePointMs === undefined
      ? ''
      : `restore point after ${formatAge(timeline.toRestorePointMs)}${extra}`;
  if (entry.status === 'first-backup-failed') return `failed${extra ? ` after${extra.slice(1)}` : ''}`;
  if (entry.status !== 'backup-triggered') return '';
  if (entry.reason === 'first-backup-retry-scheduled') {
    const next = retriesUsed(entry.backupAttempts) + 1;
    return `retry ${next} of ${Math.max(next, retries)} at ${at(entry.nextCheckBackAt)}`;
  }
  return entry.nextCheckBackAt ? `running, next check ${at(entry.nextCheckBackAt)}` : 'running';
}

function countLine(entries: readonly LedgerEntry[]): string {
  const byStatus = LEDGER_STATUSES.map(
    (status) => [status, entries.filter((entry) => entry.status === status).length] as const,
  ).filter(([, count]) => count > 0);
  const detail = byStatus.map(([status, count]) => `${count} ${status}`).join(', ');
  return `${entries.length} VM${entries.length === 1 ? '' : 's'}${detail ? ` (${detail})` : ''}`;
}

function publicFields(entry: LedgerEntry): Omit<LedgerEntry, 'etag' | 'leaseOwner' | 'leaseExpiresAt'> {
  const { etag: _etag, leaseOwner: _owner, leaseExpiresAt: _expires, ...rest } = entry;
  return rest;
}

function vmNameOf(entry: LedgerEntry): string {
  const parsed = tryParseVmResourceId(entry.vmResourceId);
  return parsed.ok ? parsed.vm.name : entry.vmResourceId;
}

function resourceGroupOf(entry: LedgerEntry): string {
  const parsed = tryParseVmResourceId(entry.vmResourceId);
  return parsed.ok ? parsed.vm.resourceGroup : '';
}
