import { createProtectionRequest } from '../../../src/lib/messages/protectionRequest';
import { booleanOption, type Command, type CommandContext, positiveNumberOption } from '../command';
import { EXIT_FAILURE, EXIT_OK, oneLineMessage } from '../errors';
import { createProgress, type Progress } from '../format/progress';
import { createRateLimiter } from '../format/rateLimiter';
import { renderTable } from '../format/table';
import { writeLine } from '../io';
import { CHECK_FAILED, planSweep, type SweepDecision } from '../sweep/planSweep';

export const DEFAULT_SWEEP_RATE = 5;

export const sweepCommand: Command = {
  words: ['sweep'],
  summary: "enqueue the watched subscriptions' VMs nobody protects (backfill; --dry-run, --rate)",
  help: `Usage: autoprotect sweep [--dry-run] [--rate <per-second>] [--json]

Lists every VM of AUTOPROTECT_SUBSCRIPTION_IDS and enqueues a protection request (source 'sweep') for each VM
that the rules include and route to a vault and that has no restore point in a configured vault: either no vault
protects it (and backupStatus does not report another vault: reason unprotected), or its first backup is still
missing (reason first-backup-missing: it failed, or never ran). protectVm then protects it like a new VM, or takes
its first backup (leaving a first backup it is already following alone). A VM whose backupStatus cannot be
read is not enqueued (reason check-failed) and makes the command exit 1 after the others are enqueued.

Options:
  --dry-run          only show what would be enqueued and why each other VM is left alone
  --rate <n>         at most n enqueues per second (default ${DEFAULT_SWEEP_RATE})
  --json             print the decisions as JSON (no progress bar)

Progress goes to stderr: a bar on a terminal, a line every 2 s otherwise.

Example:
  autoprotect sweep --dry-run`,
  options: { 'dry-run': { type: 'boolean' }, rate: { type: 'string' }, json: { type: 'boolean' } },
  run: (context) => runSweep(context),
};

/** Runs the sweep, pacing the enqueues at `--rate` per second. */
async function runSweep(context: CommandContext): Promise<number> {
  const rate = positiveNumberOption(context, 'rate', DEFAULT_SWEEP_RATE);
  const dryRun = booleanOption(context, 'dry-run');
  const json = booleanOption(context, 'json');
  const config = await context.config();
  const { adapters } = await context.runtime();
  const stderr = context.io.stderr;

  let checking: Progress | undefined;
  const decisions = await planSweep(
    { vms: adapters.vms, backup: adapters.backup },
    { subscriptionIds: config.watchedSubscriptionIds, vaults: config.vaults, rules: config.rules },
    {
      onListed: (count) => (checking = json ? undefined : createProgress(stderr, 'checking', count)),
      onDecided: (decision) => checking?.tick(decision.vmName),
      onVaultError: (vault, error) =>
        writeLine(
          stderr,
          `warning: could not list protected items of ${vault.vaultName}: ${oneLineMessage(error)} (checking its VMs one by one)`,
        ),
    },
  );
  checking?.done();
  const chosen = decisions.filter((decision) => decision.action === 'enqueue');

  if (!dryRun) {
    const queue = adapters.requests;
    const limiter = createRateLimiter(rate);
    const enqueueing = json ? undefined : createProgress(stderr, 'enqueueing', chosen.length);
    for (const decision of chosen) {
      await limiter.acquire();
      await queue.send(createProtectionRequest({ vmResourceId: decision.vmResourceId, source: 'sweep' }), {
        delayMs: 0,
      });
      enqueueing?.tick(decision.vmName);
    }
    enqueueing?.done();
  }

  if (json)
    writeLine(context.io.stdout, JSON.stringify({ dryRun, enqueued: dryRun ? 0 : chosen.length, decisions }, null, 2));
  else writeLine(context.io.stdout, sweepText(decisions, dryRun));
  const unchecked = decisions.filter((decision) => decision.reason === CHECK_FAILED).length;
  if (unchecked === 0) return EXIT_OK;
  writeLine(
    stderr,
    `autoprotect: ${unchecked} VM${unchecked === 1 ? '' : 's'} could not be checked (reason ${CHECK_FAILED}); run the sweep again later`,
  );
  return EXIT_FAILURE;
}

/** The decisions as a table plus a one-line total. */
export function sweepText(decisions: readonly SweepDecision[], dryRun: boolean): string {
  const enqueueWord = dryRun ? 'would enqueue' : 'enqueued';
  const rows = decisions.map((decision) => [
    decision.vmName,
    decision.resourceGroup,
    decision.location,
    decision.action === 'enqueue' ? enqueueWord : 'leave',
    decision.reason,
    decision.action === 'enqueue'
      ? `${decision.vaultName ?? ''} / ${decision.policyName ?? ''}${decision.enhancedRequired ? ` -> Enhanced (${decision.enhancedRequired})` : ''}`
      : (decision.rule ?? ''),
  ]);
  const count = decisions.filter((decision) => decision.action === 'enqueue').length;
  const table = renderTable(['VM', 'RESOURCE GROUP', 'LOCATION', 'ACTION', 'REASON', 'VAULT / POLICY OR RULE'], rows);
  return `${table}\n${dryRun ? 'Dry run: would enqueue' : 'Enqueued'} ${count} of ${decisions.length} VM${decisions.length === 1 ? '' : 's'}.`;
}
