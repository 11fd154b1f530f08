import type { LedgerEntry, NewLedgerEntry } from '../../../src/lib/ledger/ledgerEntry';
import { createLogger } from '../../../src/lib/logger';
import type { ProtectionRequest } from '../../../src/lib/messages/protectionRequest';
import type { ProtectionMessageDeps } from '../../../src/lib/protection/handleProtectionMessage';
import { LedgerSession } from '../../../src/lib/protection/ledgerSession';
import type { OperationTimings } from '../../../src/lib/protection/operationTimings';
import type { ProtectionRunContext } from '../../../src/lib/protection/protectionTypes';
import type { ProtectionSettings } from '../../../src/lib/protection/runProtectionWorkflow';
import { type PollSettings, waitForOperation } from '../../../src/lib/protection/waitForOperation';
import { parseVmResourceId, type VmResourceId } from '../../../src/lib/resourceId';
import type { VmConfiguration } from '../../../src/lib/rules/vmConfiguration';
import { FakeBackupGateway, FakeVmReader } from '../fakes/fakeAzure';
import { FakeClock, RecordingPoisonQueue, RecordingRequestQueue } from '../fakes/fakeQueues';
import { InMemoryLedger } from '../fakes/inMemoryLedger';
import { InMemoryRejectStore } from '../fakes/inMemoryRejectStore';
import { InMemoryVaultRefreshStore } from '../fakes/inMemoryVaultRefreshStore';
import { capturingContext } from '../logCapture';
import { rulesConfig, TEST_SUBSCRIPTION, vaultRoute, vmId } from './rules';

export function protectionRequest(overrides: Partial<ProtectionRequest> = {}): ProtectionRequest {
  return {
    version: 1,
    vmResourceId: vmId(),
    subscriptionId: TEST_SUBSCRIPTION,
    eventId: 'event-1',
    eventTime: '2026-03-01T09:59:58Z',
    correlationId: 'corr-1',
    source: 'event',
    attempt: 1,
    ...overrides,
  };
}

export function protectionSettings(overrides: Partial<ProtectionSettings> = {}): ProtectionSettings {
  return {
    rules: rulesConfig(),
    vaults: [vaultRoute('eastus'), vaultRoute('westeurope')],
    dryRun: false,
    backupExpiryDays: 30,
    invocationBudgetMs: 60_000,
    leaseMs: 300_000,
    firstBackup: FIRST_BACKUP_DEFAULTS,
    ...overrides,
  };
}

/** The app defaults: check-backs at 2, 7, 17, 27... min of job time; retries at 5, 15, 45 min. */
export const FIRST_BACKUP_DEFAULTS = {
  checkBackDelaysMs: [120_000, 300_000, 600_000],
  retryDelaysMs: [300_000, 900_000, 2_700_000],
};

/**
 * Everything protectVm needs, as fakes: one VM (vm-web-1 in eastus, a standard VM unless `configuration` says
 * otherwise) and both vaults with DefaultPolicy (V1) and EnhancedPolicy (V2).
 */
export function protectionHarness(
  options: {
    settings?: Partial<ProtectionSettings>;
    tags?: Record<string, string>;
    location?: string;
    /** What Compute says about the VM's configuration (none: a standard VM). */
    configuration?: VmConfiguration;
    maxAttempts?: number;
    /** Poll settings; the default polls fast and never releases the queue slot (no holdLimitMs). */
    poll?: PollSettings;
    /** What the process learned of operation durations; unset: the fixed poll cadence. */
    timings?: OperationTimings;
    /** Jitter source of retry delays; the default 0.5 puts every delay halfway into its range. */
    random?: () => number;
  } = {},
) {
  const settings = protectionSettings(options.settings);
  const clock = new FakeClock();
  const ledger = new InMemoryLedger();
  const refreshes = new InMemoryVaultRefreshStore();
  const vms = new FakeVmReader();
  const backup = new FakeBackupGateway(() => clock.now());
  for (const vault of settings.vaults)
    backup.addPolicy(vault, 'DefaultPolicy', 'V1').addPolicy(vault, 'EnhancedPolicy', 'V2');
  const vm: VmResourceId = parseVmResourceId(vmId());
  vms.add({ vm, location: options.location ?? 'eastus', tags: options.tags ?? {}, ...options.configuration });
  const requests = new RecordingRequestQueue();
  const poison = new RecordingPoisonQueue();
  const rejects = new InMemoryRejectStore();
  const { context, logs } = capturingContext('protectVm');
  let owners = 0;
  const deps = (): ProtectionMessageDeps => ({
    ledger,
    refreshes,
    vms,
    backup,
    clock,
    settings,
    poll: options.poll ?? { minIntervalMs: 100, maxIntervalMs: 1_000 },
    ...(options.timings ? { timings: options.timings } : {}),
    logger: createLogger(context),
    owner: `owner-${++owners}`,
    requests,
    poison,
    rejects,
    maxAttempts: options.maxAttempts ?? 3,
    retry: { baseDelayMs: 5_000, maxDelayMs: 900_000 },
    random: options.random ?? (() => 0.5),
  });
  const vault = settings.vaults[0]!;
  return { settings, clock, ledger, refreshes, vms, backup, vm, vault, requests, poison, rejects, context, logs, deps };
}

export type ProtectionHarness = ReturnType<typeof protectionHarness>;

/** Production-like poll settings: a wait longer than 5 s (Azure's Retry-After of 60 s) releases the queue slot. */
export const HOLDING_POLL: PollSettings = { minIntervalMs: 100, maxIntervalMs: 10_000, holdLimitMs: 5_000 };

/** A VM's ledger row as claimVm creates it (status `requested`, no lease), with overrides. */
export function ledgerRow(vm: VmResourceId, overrides: Partial<NewLedgerEntry> = {}): NewLedgerEntry {
  const at = '2026-03-01T10:00:00.000Z';
  return {
    vmKey: vm.key,
    vmResourceId: vm.id,
    subscriptionId: vm.subscriptionId,
    status: 'requested',
    attempts: 1,
    operationIds: [],
    jobIds: [],
    firstSeen: at,
    lastChanged: at,
    ...overrides,
  };
}

/**
 * A ProtectionRunContext for the step suites (followPendingOperation, ensureFirstBackup), as runProtectionWorkflow
 * builds it: the harness VM's row (`row` over a fresh claim) held by this run, a LedgerSession on it, waits bounded by
 * the invocation budget, and `finish` writing the final status through the session. The outcome's jobId is the one
 * the step passed (the workflow's fallback to the row's last job is runProtectionWorkflow's, tested there).
 */
export async function protectionRun(
  h: ProtectionHarness,
  row: Partial<NewLedgerEntry> = {},
  request: ProtectionRequest = protectionRequest(),
) {
  const deps = h.deps();
  const claimed: LedgerEntry = await h.ledger.create(
    ledgerRow(h.vm, {
      leaseOwner: deps.owner,
      leaseExpiresAt: new Date(h.clock.now().getTime() + deps.settings.leaseMs).toISOString(),
      ...row,
    }),
  );
  const session = new LedgerSession(h.ledger, claimed, h.clock);
  const deadline = h.clock.now().getTime() + deps.settings.invocationBudgetMs;
  const run: ProtectionRunContext = {
    deps,
    request,
    vm: h.vm,
    session,
    deadline,
    wait: (vault, operation, kind) =>
      waitForOperation(deps.backup, vault, operation, {
        clock: deps.clock,
        deadline,
        poll: deps.poll,
        ...(deps.timings && kind ? { learned: { timings: deps.timings, kind } } : {}),
      }),
    async finish(status, changes, jobId) {
      const entry = await session.finish(status, changes);
      return {
        vmKey: h.vm.key,
        status,
        reason: changes.reason,
        rule: entry.rule,
        vaultId: entry.vaultId,
        policyName: entry.policyName,
        jobId,
        dryRun: deps.settings.dryRun,
      };
    },
    async release(reason) {
      const entry = await session.release();
      return {
        vmKey: h.vm.key,
        status: entry.status,
        reason,
        rule: entry.rule,
        vaultId: entry.vaultId,
        policyName: entry.policyName,
        dryRun: deps.settings.dryRun,
      };
    },
  };
  return { run, session, deps };
}
