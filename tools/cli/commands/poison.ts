import { createProtectionRequest } from '../../../src/lib/messages/protectionRequest';
import { tryParseVmResourceId } from '../../../src/lib/resourceId';
import { booleanOption, type Command, type CommandContext } from '../command';
import { CliUsageError, EXIT_FAILURE, EXIT_OK, oneLineMessage } from '../errors';
import { renderTable, truncate } from '../format/table';
import { writeLine } from '../io';
import { type PoisonBody, receivePoisonMessages, replayableRequest, restoreVisibility } from '../poison/poisonMessages';

export const poisonListCommand: Command = {
  words: ['poison', 'list'],
  summary: 'poison messages with their reasons',
  help: `Usage: autoprotect poison list [--json]

Shows the messages on protection-requests-poison: id, VM, code, reason, when, and how often they were read.
Messages are received with a short visibility timeout and made visible again right after, so nothing is lost.

Options:
  --json             the messages as JSON

Example:
  autoprotect poison list`,
  options: { json: { type: 'boolean' } },
  run: runPoisonList,
};

export const poisonReplayCommand: Command = {
  words: ['poison', 'replay'],
  summary: 're-enqueue chosen poison messages (by id, or --all)',
  help: `Usage: autoprotect poison replay <message-id>... | --all

Re-enqueues each chosen poison message's request on protection-requests as a fresh request (attempt 1, source
'replay', same VM, event and correlation ids), then deletes it from the poison queue. A message whose body is not
a protection request cannot be replayed: it stays, and the command exits 1. Other messages are left untouched.

Options:
  --all              replay every replayable message

Example:
  autoprotect poison replay 5b1c7a3e-0d3f-4c55-9b43-2f4c1d2e9a10`,
  options: { all: { type: 'boolean' } },
  run: runPoisonReplay,
};

async function runPoisonList(context: CommandContext): Promise<number> {
  const queue = (await context.runtime()).clients.poisonQueue;
  const messages = await receivePoisonMessages(queue);
  await restoreVisibility(queue, messages);
  if (booleanOption(context, 'json')) {
    writeLine(
      context.io.stdout,
      JSON.stringify(
        messages.map(({ popReceipt: _receipt, ...rest }) => rest),
        null,
        2,
      ),
    );
    return EXIT_OK;
  }
  if (messages.length === 0) {
    writeLine(context.io.stdout, 'No poison messages.');
    return EXIT_OK;
  }
  const rows = messages.map((message) => {
    const view = describeBody(message.body);
    return [
      message.messageId,
      view.vm,
      view.code,
      truncate(view.reason, 60),
      view.at ?? message.insertedOn?.toISOString() ?? '',
      String(message.dequeueCount),
    ];
  });
  writeLine(context.io.stdout, renderTable(['ID', 'VM', 'CODE', 'REASON', 'AT', 'READS'], rows));
  writeLine(context.io.stdout, `${messages.length} poison message${messages.length === 1 ? '' : 's'}`);
  return EXIT_OK;
}

async function runPoisonReplay(context: CommandContext): Promise<number> {
  const all = booleanOption(context, 'all');
  const ids = [...context.positionals];
  if (!all && ids.length === 0) throw new CliUsageError('poison replay needs message ids or --all');
  if (all && ids.length > 0) throw new CliUsageError('poison replay takes message ids or --all, not both');

  const { clients, adapters } = await context.runtime();
  const requests = adapters.requests;
  const messages = await receivePoisonMessages(clients.poisonQueue);
  const replayed = new Set<string>();
  let failed = 0;
  try {
    for (const message of messages) {
      if (!all && !ids.includes(message.messageId)) continue;
      const replay = replayableRequest(message.body);
      if ('problem' in replay) {
        writeLine(context.io.stderr, `${message.messageId}: ${replay.problem}`);
        if (!all) failed++;
        continue;
      }
      const { vmResourceId, eventId, eventTime, correlationId } = replay.request;
      await requests.send(
        createProtectionRequest({ vmResourceId, source: 'replay', eventId, eventTime, correlationId }),
        { delayMs: 0 },
      );
      await clients.poisonQueue.deleteMessage(message.messageId, message.popReceipt);
      replayed.add(message.messageId);
      writeLine(context.io.stdout, `replayed ${message.messageId} ${vmResourceId}`);
    }
  } finally {
    await restoreVisibility(
      clients.poisonQueue,
      messages.filter((message) => !replayed.has(message.messageId)),
    );
  }
  writeLine(
    context.io.stdout,
    `${replayed.size} replayed, ${messages.length - replayed.size} left on the poison queue`,
  );
  const missing = ids.filter((id) => !messages.some((message) => message.messageId === id));
  for (const id of missing) writeLine(context.io.stderr, `${id}: no such poison message`);
  return failed + missing.length > 0 ? EXIT_FAILURE : EXIT_OK;
}

function describeBody(body: PoisonBody): { vm: string; code: string; reason: string; at?: string } {
  if (body.shape === 'host')
    return {
      vm: vmNameOf(body.request.vmResourceId),
      code: 'max-dequeue-count',
      reason: 'moved here by the Functions host after maxDequeueCount failed deliveries',
    };
  if (body.shape === 'app')
    return {
      vm: body.request ? vmNameOf(body.request.vmResourceId) : '(unparseable)',
      code: body.code,
      reason: body.reason,
      at: body.at,
    };
  return { vm: '(unreadable)', code: 'unreadable', reason: oneLineMessage(truncate(body.raw, 60)) };
}

function vmNameOf(vmResourceId: string): string {
  const parsed = tryParseVmResourceId(vmResourceId);
  return parsed.ok ? `${parsed.vm.resourceGroup}/${parsed.vm.name}` : vmResourceId;
}
