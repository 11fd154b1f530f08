import type { TableClient } from '@azure/data-tables';

import type { SimulatorHandle } from '../../simulator/src/index';
import { type AppRuntime, complianceReportOf, createAppRuntime, protectionDepsOf } from '../../src/lib/appRuntime';
import { type AppConfig, loadConfig } from '../../src/lib/config';
import type { Ledger } from '../../src/lib/ledger/ledger';
import {
  handleProtectionMessage,
  type MessageOutcome,
  type ProtectionMessageDeps,
} from '../../src/lib/protection/handleProtectionMessage';
import { OperationTimings } from '../../src/lib/protection/operationTimings';
import { runComplianceReport } from '../../src/lib/report/runComplianceReport';
import { parseVmResourceId } from '../../src/lib/resourceId';
import { protectionRequest } from '../helpers/factories/protection';
import { RecordingPoisonQueue, RecordingRequestQueue } from '../helpers/fakes/fakeQueues';
import { MemoryReportStore } from '../helpers/fakes/fakeReport';
import { InMemoryRejectStore } from '../helpers/fakes/inMemoryRejectStore';
import { capturingContext } from '../helpers/logCapture';
import { testStorageConnectionString, uniqueName } from '../helpers/storage';
import {
  control,
  createVm,
  EAST_VAULT,
  simulatorAppSettings,
  simVaultId,
  startTestSimulator,
} from '../simulator/helpers';

describe('protectVm workflow against the ARM simulator and Azurite', () => {
  let sim: SimulatorHandle;
  let config: AppConfig;
  let runtime: AppRuntime;
  let ledger: Ledger;
  let ledgerTable: TableClient;
  let requests: RecordingRequestQueue;
  let owners = 0;

  beforeAll(async () => {
    sim = await startTestSimulator();
    const table = uniqueName('ledger');
    config = loadConfig(
      simulatorAppSettings(sim, testStorageConnectionString(), {
        AUTOPROTECT_LEDGER_TABLE: table,
        AUTOPROTECT_INVOCATION_BUDGET: '10',
        // First backups (400 ms jobs here) are followed every second of job time, and retried once after a second.
        AUTOPROTECT_FIRST_BACKUP_CHECK_BACKS: 'PT1S',
        AUTOPROTECT_FIRST_BACKUP_RETRY_DELAYS: 'PT1S',
      }),
    );
    runtime = createAppRuntime(config);
    ledgerTable = runtime.clients.ledgerTable;
    ledger = runtime.adapters.ledger;
  });

  afterAll(async () => {
    await ledgerTable?.deleteTable().catch(() => undefined);
    await sim?.stop();
  });

  beforeEach(() => {
    requests = new RecordingRequestQueue();
  });

  function deps(): ProtectionMessageDeps {
    const { context } = capturingContext('protectVm');
    return {
      ...protectionDepsOf(runtime, context),
      poll: { minIntervalMs: 50, maxIntervalMs: 200 },
      owner: `it-${++owners}`,
      requests,
      poison: new RecordingPoisonQueue(),
      rejects: new InMemoryRejectStore(),
      retry: { baseDelayMs: 0, maxDelayMs: 0 },
    };
  }

  /** Handles a request, then every re-enqueued follow-up after its delay, like the queue would. */
  async function protectUntilSettled(vmId: string, eventId: string): Promise<MessageOutcome[]> {
    const outcomes: MessageOutcome[] = [
      await handleProtectionMessage(deps(), protectionRequest({ vmResourceId: vmId, eventId })),
    ];
    while (requests.sent.length > 0 && outcomes.length < 30) {
      const next = requests.sent.shift()!;
      await new Promise((resolve) => setTimeout(resolve, Math.min(next.delayMs, 2_000)));
      outcomes.push(await handleProtectionMessage(deps(), next.request));
    }
    return outcomes;
  }

  async function backupJobsOf(vmName: string): Promise<Array<{ status: string }>> {
    const jobs: Array<{ status: string }> = [];
    for await (const job of runtime.adapters.backup.listJobs(config.vaults[0]!, {
      operation: 'Backup',
      from: new Date(Date.now() - 3600_000),
      to: new Date(Date.now() + 60_000),
    })) {
      if (job.entityFriendlyName?.toLowerCase() === vmName.toLowerCase()) jobs.push(job);
    }
    return jobs;
  }

  it('protects a created VM, triggers exactly one backup, and ends Protected', async () => {
    const id = await createVm(sim, uniqueName('vmnew'));
    const vm = parseVmResourceId(id);
    await protectUntilSettled(id, 'ev-create');
    // The first backup was followed to its end.
    const [job] = await backupJobsOf(vm.name);
    expect(await ledger.get(vm.key)).toMatchObject({
      status: 'protected',
      reason: 'first-backup-completed',
      vaultId: simVaultId(EAST_VAULT),
      policyName: 'DefaultPolicy',
      firstBackupJobId: (job as { jobId?: string } | undefined)?.jobId,
    });

    // A later update event finds the VM protected and says so again.
    await protectUntilSettled(id, 'ev-update');
    expect(await ledger.get(vm.key)).toMatchObject({
      status: 'protected',
      reason: 'first-backup-completed',
      lastEventId: 'ev-update',
    });
    expect(await backupJobsOf(vm.name)).toHaveLength(1);
  });

  it('lets only one of two concurrent duplicate events trigger a backup', async () => {
    const id = await createVm(sim, uniqueName('vmdup'));
    const vm = parseVmResourceId(id);
    const outcomes = await Promise.all([
      handleProtectionMessage(deps(), protectionRequest({ vmResourceId: id, eventId: 'dup-1' })),
      handleProtectionMessage(deps(), protectionRequest({ vmResourceId: id, eventId: 'dup-2' })),
    ]);
    expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['done', 'requeued']);
    expect(outcomes.find((outcome) => outcome.kind === 'requeued')).toMatchObject({ code: 'claim-held' });
    for (const next of requests.sent.splice(0)) await handleProtectionMessage(deps(), next.request);
    expect(await backupJobsOf(vm.name)).toHaveLength(1);
    // Followed by the duplicate's retry: the first backup may have ended by then (the process looks at the enable
    // after the simulator's Retry-After, 1 s, until it learned this vault's faster ConfigureBackup).
    expect(['backup-triggered', 'protected']).toContain((await ledger.get(vm.key))?.status);
  });

  it('records a VM in a region without a vault as failed, and an opted-out VM as skipped', async () => {
    const west = await createVm(sim, uniqueName('vmwest'), { location: 'westus2' });
    await protectUntilSettled(west, 'ev-west');
    expect(await ledger.get(parseVmResourceId(west).key)).toMatchObject({
      status: 'failed',
      reason: 'no-vault-for-region',
    });

    const optOut = await control(sim, 'POST', 'vms', {
      resourceGroup: 'rg-app',
      name: uniqueName('vmskip'),
      location: 'eastus',
      tags: { 'autoprotect:skip': 'true' },
      emitEvents: false,
    });
    const optOutId = String(optOut.body.id);
    await protectUntilSettled(optOutId, 'ev-skip');
    expect(await ledger.get(parseVmResourceId(optOutId).key)).toMatchObject({
      status: 'skipped',
      reason: 'opted-out',
      rule: 'opt-out-tag:autoprotect:skip',
    });
  });

  it('survives injected 429s and 500s through queue retries', async () => {
    const id = await createVm(sim, uniqueName('vmfault'));
    await control(sim, 'POST', 'faults', {
      faults: [
        { operationId: 'ProtectedItems_Get', kind: '429', times: 3, retryAfterSeconds: 0 },
        { operationId: 'ProtectedItems_CreateOrUpdate', kind: '500', times: 3 },
      ],
    });
    try {
      const outcomes = await protectUntilSettled(id, 'ev-fault');
      expect(
        outcomes
          .filter((outcome) => outcome.kind === 'requeued')
          .map((outcome) => outcome.kind === 'requeued' && outcome.code),
      ).toEqual(['ResourceRequestsThrottled', 'InternalServerError']);
      expect(await ledger.get(parseVmResourceId(id).key)).toMatchObject({ status: 'protected' });
      expect(await backupJobsOf(parseVmResourceId(id).name)).toHaveLength(1);
    } finally {
      await control(sim, 'POST', 'faults', { faults: [] });
    }
  });

  it('replays a crash between enable and trigger without a second backup', async () => {
    const id = await createVm(sim, uniqueName('vmcrash'));
    const vm = parseVmResourceId(id);
    await control(sim, 'POST', 'faults', { faults: [{ operationId: 'Backups_Trigger', kind: 'drop', times: 3 }] });
    try {
      const first = await handleProtectionMessage(deps(), protectionRequest({ vmResourceId: id, eventId: 'ev-crash' }));
      expect(first).toMatchObject({ kind: 'requeued' });
      expect(await backupJobsOf(vm.name)).toHaveLength(0);
      // The host redelivers the original message and the retry arrives too.
      await handleProtectionMessage(deps(), protectionRequest({ vmResourceId: id, eventId: 'ev-crash' }));
      await handleProtectionMessage(deps(), requests.sent.shift()!.request);
      expect(await backupJobsOf(vm.name)).toHaveLength(1);
    } finally {
      await control(sim, 'POST', 'faults', { faults: [] });
    }
  });

  it('checks back on a slow enable when it is expected to have ended, one poll each, reading nothing else again', async () => {
    const id = await createVm(sim, uniqueName('vmslow'));
    const vm = parseVmResourceId(id);
    const { body: timing } = await control<Record<string, number>>(sim, 'POST', 'timing', {});
    await control(sim, 'POST', 'timing', { configureBackupMs: 1_200, backupOperationMs: 200, retryAfterSeconds: 60 });
    const since = new Date().toISOString();
    // This vault's operations as if learned: ConfigureBackup 1.2 s, the trigger's 0.2 s (first looks 2.5 % later).
    const poll = { minIntervalMs: 50, maxIntervalMs: 300, holdLimitMs: 100 };
    const timings = new OperationTimings(poll, { enable: 1_200, backup: 200 });
    try {
      // Both first looks are longer than the hold limit: every invocation releases its slot and checks back.
      const slow = (): ProtectionMessageDeps => ({ ...deps(), poll, timings });
      const outcomes = [
        await handleProtectionMessage(slow(), protectionRequest({ vmResourceId: id, eventId: 'ev-slow' })),
      ];
      // Until the first backup is followed: the check-backs on the enable and trigger operations, not on the job.
      while (requests.sent.length > 0 && !requests.sent[0]?.request.checkBackToken && outcomes.length < 30) {
        const next = requests.sent.shift()!;
        await new Promise((resolve) => setTimeout(resolve, next.delayMs));
        outcomes.push(await handleProtectionMessage(slow(), next.request));
      }
      expect(await ledger.get(vm.key)).toMatchObject({ status: 'backup-triggered', reason: 'first-backup-triggered' });
      // The first look at the enable comes when it is expected to end, not at Azure's Retry-After (60 s).
      expect(outcomes[0]).toMatchObject({ kind: 'requeued', delayMs: 1_250 });
      const checkBacks = outcomes.length - 1;
      expect(checkBacks).toBeGreaterThanOrEqual(2);
      expect(checkBacks).toBeLessThanOrEqual(4);
      // Learned from Azure's own startTime: the enable ended between its start and the look that found it done.
      expect(timings.expectedMs(runtime.config.vaults[0]!.vaultId, 'enable')).toBeGreaterThan(1_100);
      const { body } = await control<{ entries: Array<{ time: string; operationId: string; path: string }> }>(
        sim,
        'GET',
        'requests',
      );
      const made = body.entries.filter((entry) => entry.time >= since);
      const count = (operationId: string) => made.filter((entry) => entry.operationId === operationId).length;
      expect(count('VirtualMachines_Get')).toBe(1);
      expect(count('ProtectedItems_Get')).toBe(1);
      expect(count('ProtectedItems_CreateOrUpdate')).toBe(1);
      expect(count('Backups_Trigger')).toBe(1);
      expect(count('BackupOperationStatuses_Get')).toBe(checkBacks);
      expect(count('BackupJobs_List') + count('JobDetails_Get')).toBe(0);
    } finally {
      await control(sim, 'POST', 'timing', timing);
    }
  });

  it('reports a first backup that failed on the guest agent, after its retry, with its error code', async () => {
    const id = await createVm(sim, uniqueName('vmagent'), { guestAgent: 'unavailable' });
    const vm = parseVmResourceId(id);
    await protectUntilSettled(id, 'ev-agent');
    expect(await ledger.get(vm.key)).toMatchObject({
      status: 'first-backup-failed',
      reason: 'retries-exhausted',
      errorCode: 'UserErrorGuestAgentStatusUnavailable',
    });
    expect(await backupJobsOf(vm.name)).toHaveLength(2);

    const store = new MemoryReportStore();
    const { context } = capturingContext('reportPendingBackups');
    const { deps, options } = complianceReportOf(runtime, context);
    const report = await runComplianceReport(
      { ...deps, store, requests: undefined, publisher: undefined },
      { ...options, staleAfterMs: 1 },
    );
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'first-backup-failed',
          vmName: vm.name,
          reason: 'retries-exhausted',
          errorCode: 'UserErrorGuestAgentStatusUnavailable',
          retries: 1,
          lastJob: expect.objectContaining({ status: 'Failed' }),
        }),
      ]),
    );
    expect(store.text('latest.csv')).toContain('UserErrorGuestAgentStatusUnavailable');
  });
});
