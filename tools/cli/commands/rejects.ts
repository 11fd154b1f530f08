import type { RejectKind, RejectRecord } from '../../../src/lib/rejects/rejectStore';
import { booleanOption, type Command, type CommandContext, stringOption } from '../command';
import { CliUsageError, EXIT_OK } from '../errors';
import { renderTable, truncate } from '../format/table';
import { writeLine } from '../io';

const KINDS: readonly RejectKind[] = ['event', 'message'];

export const rejectsListCommand: Command = {
  words: ['rejects', 'list'],
  summary: 'events and queue messages the app rejected, with the reason',
  help: `Usage: autoprotect rejects list [--kind event|message] [--json]

Shows what the app rejected instead of acting on it, read from its rejects table (AUTOPROTECT_REJECTS_TABLE):
Event Grid events it could not use (e.g. a VM write whose resource id is not a valid VM id, so no ledger row
exists for it) and protection requests it could not parse. Oldest first. A redelivered payload is one row.

Options:
  --kind <kind>      only events or only messages
  --json             the records as JSON, with the raw payload as stored

Example:
  autoprotect rejects list --kind event`,
  options: { kind: { type: 'string' }, json: { type: 'boolean' } },
  run: runRejectsList,
};

async function runRejectsList(context: CommandContext): Promise<number> {
  if (context.positionals.length > 0) throw new CliUsageError(`unexpected argument '${context.positionals[0]}'`);
  const kind = stringOption(context, 'kind');
  if (kind !== undefined && !KINDS.some((known) => known === kind))
    throw new CliUsageError(`--kind must be ${KINDS.join(' or ')}, got '${kind}'`);

  const { adapters } = await context.runtime();
  const records: RejectRecord[] = [];
  for await (const record of adapters.rejects.list())
    if (kind === undefined || record.kind === kind) records.push(record);
  records.sort((a, b) => a.recordedAt.localeCompare(b.recordedAt) || a.id.localeCompare(b.id));

  if (booleanOption(context, 'json')) {
    writeLine(context.io.stdout, JSON.stringify(records, null, 2));
    return EXIT_OK;
  }
  if (records.length === 0) {
    writeLine(context.io.stdout, `No rejected ${kind === undefined ? 'events or messages' : `${kind}s`}.`);
    return EXIT_OK;
  }
  writeLine(context.io.stdout, renderRejectsTable(records));
  writeLine(context.io.stdout, countLine(records));
  return EXIT_OK;
}

/** One row per reject: when, kind, code, what it was about (the event's subject), why. */
export function renderRejectsTable(records: readonly RejectRecord[]): string {
  const rows = records.map((record) => [
    record.recordedAt,
    record.kind,
    record.code,
    truncate(aboutOf(record), 60),
    truncate(record.reason, 120),
  ]);
  return renderTable(['RECORDED AT', 'KIND', 'CODE', 'SUBJECT', 'REASON'], rows);
}

/** The event's subject, shortened to `<resource group>/<name>` for a Compute VM path; a message's queue. */
function aboutOf(record: RejectRecord): string {
  const subject = record.context.subject;
  if (typeof subject === 'string' && subject !== '') {
    const vm = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/(.+)$/i.exec(subject);
    return vm ? `${vm[1]}/${vm[2]}` : subject;
  }
  const queue = record.context.queue;
  return typeof queue === 'string' ? `queue ${queue}` : '';
}

function countLine(records: readonly RejectRecord[]): string {
  const counts = KINDS.map((kind) => [kind, records.filter((record) => record.kind === kind).length] as const)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kind}${count === 1 ? '' : 's'}`);
  return `${records.length} rejected (${counts.join(', ')})`;
}
