import { classifyAzureError } from '../azure/classifyAzureError';
import type { VaultRoute } from '../config';
import { type AutoprotectError, OPERATION_IN_PROGRESS, OperationPendingError, PermanentError } from '../errors';
import { LedgerConflictError } from '../ledger/ledger';
import type { VaultRefresh } from '../ledger/vaultRefresh';
import type { ProtectionRunContext } from './protectionTypes';
import { waitForOperation } from './waitForOperation';

/** The code of a PUT whose container the vault cannot resolve (recovery-services-api.md §3 and §7). */
export const UNRESOLVABLE_CODES: ReadonlySet<string> = new Set(['BMSUserErrorInvalidConfigureProtectionRequest']);

/**
 * The VM row's mark while it waits for its vault's refresh: `refresh:<epoch ms>`, the time the vault first refused to
 * resolve the VM. Only a refresh that started at or after it can have discovered the VM.
 */
const MARK = 'refresh:';

export function isUnresolvableVm(error: AutoprotectError): boolean {
  return error.kind === 'permanent' && UNRESOLVABLE_CODES.has(error.code);
}

/**
 * A check-back of a VM waiting on its vault's container refresh: before anything else is read, the vault's refresh
 * row says whether to wait more (OperationPendingError, no ARM call but at most one poll of the refresh) or to run the
 * workflow, whose PUT is then sent once more. Returns without doing anything for any other row.
 */
export async function awaitContainerRefresh(run: ProtectionRunContext): Promise<void> {
  const entry = run.session.entry;
  const since = unresolvedSince(run);
  if (since === undefined || entry.errorCode !== OPERATION_IN_PROGRESS || !entry.vaultId) return;
  const vaultId = entry.vaultId.toLowerCase();
  const vault = run.deps.settings.vaults.find((route) => route.vaultId.toLowerCase() === vaultId);
  if (!vault) return;
  const refresh = await settle(run, vault, await run.deps.refreshes.get(vault.vaultId));
  if (refresh && isRunning(run, refresh)) throw waitFor(run, vault, since);
}

/**
 * The PUT sent at `sentAt` was refused because the vault cannot resolve the VM (Azure discovers new VMs on its own
 * schedule; a refresh makes it look now). Returns when a PUT once more makes sense: a refresh ended after `sentAt`
 * (this invocation ran it, or saw it end), so the PUT may have come too early. Throws OperationPendingError while a
 * refresh runs (the VM checks back through the queue without holding a worker or spending an attempt), and a
 * PermanentError with the service's code when a refresh that started after the first refusal had ended before the
 * PUT: the VM is still unresolvable. A refresh that ended before the PUT but started before the first refusal may not
 * have seen the VM (created after it started): a new one is run.
 *
 * One refresh per vault at a time, across every runner process: it is claimed with a conditional write on the vault's
 * refresh row (a create, or a replace of an ended or abandoned one), and the VMs refused while it runs wait for it.
 */
export async function resolveByRefresh(
  run: ProtectionRunContext,
  vault: VaultRoute,
  refusal: AutoprotectError,
  sentAt: number,
): Promise<void> {
  const since = unresolvedSince(run) ?? sentAt;
  const current = await settle(run, vault, await run.deps.refreshes.get(vault.vaultId));
  if (current?.state === 'ended') {
    // It ended after the PUT went out: the PUT may have reached the vault before the refresh did its work.
    if (Date.parse(current.endedAt ?? current.startedAt) > sentAt) return;
    // It started after the vault refused the VM, so it saw the VM, and ended before the PUT: still unresolvable.
    if (Date.parse(current.startedAt) >= since) throw stillUnresolvable(refusal);
  } else if (current && isRunning(run, current)) throw waitFor(run, vault, since);
  const claimed = await claim(run, vault, current);
  if (!claimed) throw waitFor(run, vault, since);
  await runRefresh(run, vault, claimed, since);
}

/** Sends the refresh this invocation claimed and follows it to its end within the invocation's budget. */
async function runRefresh(run: ProtectionRunContext, vault: VaultRoute, claimed: VaultRefresh, since: number) {
  const operation = await run.deps.backup.refreshContainers(vault);
  let refresh = claimed;
  if (operation.operationId) {
    refresh = await run.deps.refreshes
      .replace(claimed, { ...withoutEtag(claimed), operationId: operation.operationId })
      .catch((error: unknown) => {
        if (error instanceof LedgerConflictError) throw waitFor(run, vault, since);
        throw error;
      });
  }
  run.deps.logger.info('container refresh started', {
    vmKey: run.vm.key,
    vaultId: vault.vaultId,
    operationId: operation.operationId,
  });
  try {
    await waitForOperation(
      { getOperationStatus: async (route, id) => ({ status: await run.deps.backup.getRefreshStatus(route, id) }) },
      vault,
      operation,
      { clock: run.deps.clock, deadline: run.deadline, poll: run.deps.poll },
    );
  } catch (caught) {
    const error = classifyAzureError(caught);
    // Still running: anyone who checks back on it sees its end (settle).
    if (error.kind === 'transient' && error.code === OPERATION_IN_PROGRESS)
      throw waitFor(run, vault, since, error.retryAfterMs);
    throw error;
  }
  await markEnded(run, refresh);
}

/**
 * The refresh row as it stands: a running refresh whose operation is known is polled once and, when it has ended (or
 * Azure no longer knows it), written `ended` (the first writer wins; the others re-read).
 */
async function settle(
  run: ProtectionRunContext,
  vault: VaultRoute,
  refresh: VaultRefresh | null,
): Promise<VaultRefresh | null> {
  if (!refresh || refresh.state === 'ended' || !refresh.operationId || !isRunning(run, refresh)) return refresh;
  try {
    if ((await run.deps.backup.getRefreshStatus(vault, refresh.operationId)) === 'InProgress') return refresh;
  } catch (caught) {
    const error = classifyAzureError(caught);
    if (error.kind === 'transient') throw error;
    run.deps.logger.warn('container refresh could not be read; taking it as ended', {
      vaultId: vault.vaultId,
      operationId: refresh.operationId,
      code: error.code,
    });
  }
  return markEnded(run, refresh);
}

async function markEnded(run: ProtectionRunContext, refresh: VaultRefresh): Promise<VaultRefresh | null> {
  try {
    const ended = await run.deps.refreshes.replace(refresh, {
      ...withoutEtag(refresh),
      state: 'ended',
      endedAt: run.deps.clock.now().toISOString(),
    });
    run.deps.logger.info('container refresh ended', { vaultId: refresh.vaultId, operationId: refresh.operationId });
    return ended;
  } catch (error) {
    if (error instanceof LedgerConflictError) return run.deps.refreshes.get(refresh.vaultId);
    throw error;
  }
}

/** Claims the vault's refresh for this invocation; null when another invocation claimed it first. */
async function claim(
  run: ProtectionRunContext,
  vault: VaultRoute,
  current: VaultRefresh | null,
): Promise<VaultRefresh | null> {
  const now = run.deps.clock.now();
  const next = {
    vaultId: vault.vaultId,
    state: 'running' as const,
    owner: run.deps.owner,
    startedAt: now.toISOString(),
    leaseExpiresAt: new Date(now.getTime() + run.deps.settings.leaseMs).toISOString(),
  };
  try {
    return current ? await run.deps.refreshes.replace(current, next) : await run.deps.refreshes.create(next);
  } catch (error) {
    if (error instanceof LedgerConflictError) return null;
    throw error;
  }
}

function isRunning(run: ProtectionRunContext, refresh: VaultRefresh): boolean {
  return refresh.state === 'running' && Date.parse(refresh.leaseExpiresAt) > run.deps.clock.now().getTime();
}

/** When the vault first refused to resolve this VM, if the row is marked waiting for a refresh. */
function unresolvedSince(run: ProtectionRunContext): number | undefined {
  const latest = run.session.latestOperation();
  if (latest?.kind !== 'refresh') return undefined;
  const since = Number(latest.operationId);
  return Number.isFinite(since) ? since : undefined;
}

/**
 * Marks the VM row as waiting (written with the error that follows) and asks to check back: no attempt spent, no
 * worker held.
 */
function waitFor(run: ProtectionRunContext, vault: VaultRoute, since: number, retryAfterMs?: number) {
  const mark = `${MARK}${since}`;
  const ids = run.session.entry.operationIds;
  if (ids.at(-1) !== mark) run.session.stage({ operationIds: [...ids, mark] });
  const delayMs = retryAfterMs ?? run.deps.poll.maxIntervalMs;
  return new OperationPendingError(
    `Waiting for the container refresh of ${vault.vaultName}; checking back in ${delayMs} ms`,
    {
      retryAfterMs: delayMs,
      context: { vaultId: vault.vaultId },
    },
  );
}

function stillUnresolvable(refusal: AutoprotectError): PermanentError {
  return new PermanentError(`The vault could not resolve the VM, also after a container refresh: ${refusal.message}`, {
    cause: refusal,
    code: refusal.code,
    context: refusal.context,
  });
}

function withoutEtag(refresh: VaultRefresh): Omit<VaultRefresh, 'etag'> {
  const { etag: _etag, ...rest } = refresh;
  return rest;
}
