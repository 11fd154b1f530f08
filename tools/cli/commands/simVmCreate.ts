import { readFileSync } from 'node:fs';

import { requestJson } from '../../shared/httpsJson';
import { booleanOption, type Command, type CommandContext, repeatedOption, stringOption } from '../command';
import { CliFailure, CliUsageError, EXIT_OK, oneLineMessage } from '../errors';
import { writeLine } from '../io';
import { START_STACK_HINT } from '../localStack';

const GUEST_AGENT_STATES = ['ready', 'unavailable'] as const;

export const simVmCreateCommand: Command = {
  words: ['sim', 'vm', 'create'],
  summary: 'create (or update) a VM in the local ARM simulator',
  help: `Usage: autoprotect sim vm create --name <vm> [--resource-group <rg>] [--location <region>]
                                [--tag <name>=<value>]... [--subscription <id>]
                                [--guest-agent ready|unavailable] [--no-events] [--json]

Creates a VM in the simulator of the running local stack (.local/stack.json, or --stack-file), through the same
code path as a Compute PUT. Unless --no-events, the simulator raises the VM-write event, so the local app sees
the VM as new and applies the rules: a quick way to try a rule by hand.

Options:
  --name <vm>             VM name (required)
  --resource-group <rg>   default rg-app (created if missing)
  --location <region>     default eastus (the default seed has vaults in eastus and westeurope)
  --tag <name>=<value>    a tag; repeatable; <name>= for an empty value
  --subscription <id>     default: the simulator's first subscription
  --guest-agent <state>   ready (default) or unavailable (the first backup then fails)
  --no-events             do not raise the Event Grid event
  --json                  print the simulator's answer as JSON

Example:
  autoprotect sim vm create --name vm-web-01 --location eastus --tag backup-tier=gold`,
  options: {
    name: { type: 'string' },
    'resource-group': { type: 'string' },
    location: { type: 'string' },
    tag: { type: 'string', multiple: true },
    subscription: { type: 'string' },
    'guest-agent': { type: 'string' },
    'no-events': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  run: runSimVmCreate,
};

interface SimVm {
  id: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  guestAgent?: string;
}

async function runSimVmCreate(context: CommandContext): Promise<number> {
  if (context.positionals.length > 0) throw new CliUsageError(`unexpected argument '${context.positionals[0]}'`);
  const body = requestBody(context);
  const stack = await context.stack();
  const ca = readCa(stack.caCertPath);
  const response = await requestJson<SimVm | { error?: { code?: string; message?: string } }>(
    'POST',
    `${stack.simControlUrl}/vms`,
    { body, ca, timeoutMs: 10_000 },
  ).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code ?? oneLineMessage(error);
    throw new CliFailure(
      `cannot reach the simulator of the local stack at ${stack.simControlUrl} (${code}); if the stack stopped, ${START_STACK_HINT}`,
      { cause: error },
    );
  });
  if (response.status !== 200 && response.status !== 201)
    throw new CliFailure(`the simulator refused the VM (${response.status}): ${errorText(response.body)}`);
  const vm = response.body as SimVm;
  if (booleanOption(context, 'json')) {
    writeLine(context.io.stdout, JSON.stringify(vm, null, 2));
    return EXIT_OK;
  }
  const tags = Object.entries(vm.tags ?? {})
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  writeLine(context.io.stdout, `${response.status === 201 ? 'Created' : 'Updated'} ${vm.id}`);
  writeLine(
    context.io.stdout,
    `  location ${vm.location}${tags ? `, tags ${tags}` : ''}${body.emitEvents ? ', VM-write event raised' : ', no event'}`,
  );
  return EXIT_OK;
}

function requestBody(context: CommandContext): Record<string, unknown> & { emitEvents: boolean } {
  const name = stringOption(context, 'name');
  if (name === undefined || name.trim() === '') throw new CliUsageError('sim vm create needs --name <vm>');
  const guestAgent = stringOption(context, 'guest-agent');
  if (guestAgent !== undefined && !GUEST_AGENT_STATES.some((state) => state === guestAgent)) {
    throw new CliUsageError(`--guest-agent must be ${GUEST_AGENT_STATES.join(' or ')}, got '${guestAgent}'`);
  }
  const subscriptionId = stringOption(context, 'subscription');
  return {
    name,
    resourceGroup: stringOption(context, 'resource-group') ?? 'rg-app',
    location: stringOption(context, 'location') ?? 'eastus',
    tags: parseTags(repeatedOption(context, 'tag')),
    ...(subscriptionId === undefined ? {} : { subscriptionId }),
    ...(guestAgent === undefined ? {} : { guestAgent }),
    emitEvents: !booleanOption(context, 'no-events'),
  };
}

/**
 * `name=value` pairs, split at the first '='; `name=` is an empty value, a bare `name` is refused (a typo, usually).
 */
export function parseTags(pairs: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const index = pair.indexOf('=');
    const name = index === -1 ? '' : pair.slice(0, index).trim();
    if (name === '')
      throw new CliUsageError(
        `--tag needs <name>=<value>, got '${pair}'${index === -1 ? ` (for an empty value write --tag ${pair}=)` : ''}`,
      );
    tags[name] = pair.slice(index + 1);
  }
  return tags;
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliFailure(`cannot read the simulator's CA certificate ${path}`, { cause: error });
  }
}

function errorText(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 300);
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return error ? `${error.code ?? 'error'}: ${error.message ?? ''}` : JSON.stringify(body).slice(0, 300);
}
