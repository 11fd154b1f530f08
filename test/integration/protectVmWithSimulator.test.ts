import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';

import type { SimulatorHandle } from '../../simulator/src/index';
import { createComputeVmReader } from '../../src/lib/azure/computeVmReader';
import { createRecoveryServicesGateway } from '../../src/lib/azure/recoveryServicesGateway';
import { createAzureClients } from '../../src/lib/clients';
import { type AppConfig, loadConfig } from '../../src/lib/config';
import { TableLedger } from '../../src/lib/ledger/tableLedger';
import { createLogger } from '../../src/lib/logger';
import { decodeQueueMessage } from '../../src/lib/messages/protectionRequest';
import {
  handleProtectionMessage,
  type MessageOutcome,
  type ProtectionMessageDeps,
} from '../../src/lib/protection/handleProtectionMessage';
import { systemClock } from '../../src/lib/protection/ports';
import { createStoragePoisonQueue, createStorageRequestQueue } from '../../src/lib/protection/storageQueues';
import { InMemoryRejectStore } from '../../src/lib/rejects/inMemoryRejectStore';
import { reportOptionsOf } from '../../src/lib/report/productionDeps';
import { runComplianceReport } from '../../src/lib/report/runComplianceReport';
import { parseVmResourceId } from '../../src/lib/resourceId';
import { protectionRequest } from '../helpers/factories/protection';
import { RecordingPoisonQueue, RecordingRequestQueue } from '../helpers/fakes/fakeQueues';
import { MemoryReportStore } from '../helpers/fakes/fakeReport';
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
  let ledger: TableLedger;
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
      }),
    );
    ledgerTable = TableClient.fromConnectionString(config.storageConnection, table, { allowInsecureConnection: true });
    ledger = new TableLedger(ledgerTable);
  });

  afterAll(async () => {
    await ledgerTable?.deleteTable().catch(() => undefined);
    await sim?.stop();
  });

  beforeEach(() => {
    requests = new RecordingRequestQueue();
  });

  function deps(): ProtectionMessageDeps {
    const clients = createAzureClients(config);
    const { context } = capturingContext('protectVm');
    return {
      ledger,
      vms: createComputeVmReader(clients.compute),
      backup: createRecoveryServicesGateway(clients.backup),
      clock: systemClock,
      settings: config,
      poll: { minIntervalMs: 50, maxIntervalMs: 200 },
      logger: createLogger(context),
      owner: `it-${++owners}`,
      requests,
      poison: new RecordingPoisonQueue(),
      rejects: new InMemoryRejectStore(),
      maxAttempts: config.maxAttempts,
      retry: { baseDelayMs: 0, maxDelayMs: 0 },
    };
  }

  /** Handles a request, then every re-enqueued follow-up, like the queue would. */
  async function protectUntilSettled(vmId: string, eventId: string): Promise<MessageOutcome[]> {
    const outcomes: MessageOutcome[] = [
      await handleProtectionMessage(deps(), protectionRequest({ vmResourceId: vmId, eventId })),
    ];
    while (requests.sent.length > 0 && outcomes.length < 10) {
      const next = requests.sent.shift()!;
      outcomes.push(await handleProtectionMessage(deps(), next.request));
    }
    return outcomes;
  }

  async function backupJobsOf(vmName: string): Promise<Array<{ status: string }>> {
    const jobs: Array<{ status: string }> = [];
    for await (const job of createRecoveryServicesGateway(createAzureClients(config).backup).listJobs(
      config.vaults[0]!,
      { operation: 'Backup', from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 60_000) },
    )) {
      if (job.entityFriendlyName?.toLowerCase() === vmName.toLowerCase()) jobs.push(job);
    }
    return jobs;
  }

  async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('protects a created VM, triggers exactly one backup, and ends Protected', async () => {
    const id = await createVm(sim, uniqueName('vmnew'));
    const vm = parseVmResourceId(id);
    await protectUntilSettled(id, 'ev-create');
    expect(await ledger.get(vm.key)).toMatchObject({
      status: 'backup-triggered',
      reason: 'first-backup-triggered',
      vaultId: simVaultId(EAST_VAULT),
      policyName: 'DefaultPolicy',
    });

    await waitFor(async () => (await backupJobsOf(vm.name)).every((job) => job.status === 'Completed'));
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
    expect((await ledger.get(vm.key))?.status).toBe('backup-triggered');
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
      expect(await ledger.get(parseVmResourceId(id).key)).toMatchObject({ status: 'backup-triggered' });
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

  it('checks back on a slow enable with one operation poll each, reading neither the VM nor the item again', async () => {
    const id = await createVm(sim, uniqueName('vmslow'));
    const vm = parseVmResourceId(id);
    const { body: timing } = await control<Record<string, number>>(sim, 'POST', 'timing', {});
    await control(sim, 'POST', 'timing', { configureBackupMs: 1_200, retryAfterSeconds: 60 });
    const since = new Date().toISOString();
    try {
      // Azure's Retry-After (60 s) is longer than the hold limit: every invocation releases its slot and checks back.
      const slow = (): ProtectionMessageDeps => ({
        ...deps(),
        poll: { minIntervalMs: 50, maxIntervalMs: 300, holdLimitMs: 100 },
      });
      const outcomes = [
        await handleProtectionMessage(slow(), protectionRequest({ vmResourceId: id, eventId: 'ev-slow' })),
      ];
      while (requests.sent.length > 0 && outcomes.length < 30) {
        const next = requests.sent.shift()!;
        await new Promise((resolve) => setTimeout(resolve, next.delayMs));
        outcomes.push(await handleProtectionMessage(slow(), next.request));
      }
      expect(await ledger.get(vm.key)).toMatchObject({ status: 'backup-triggered', reason: 'first-backup-triggered' });
      const checkBacks = outcomes.length - 1;
      expect(checkBacks).toBeGreaterThanOrEqual(3);
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

  it('reports a guest-agent failure as stale with its error code', async () => {
    const id = await createVm(sim, uniqueName('vmagent'), { guestAgent: 'unavailable' });
    const vm = parseVmResourceId(id);
    await protectUntilSettled(id, 'ev-agent');
    await waitFor(async () => (await backupJobsOf(vm.name)).some((job) => job.status === 'Failed'));

    const clients = createAzureClients(config);
    const store = new MemoryReportStore();
    const { context } = capturingContext('reportPendingBackups');
    const report = await runComplianceReport(
      {
        backup: createRecoveryServicesGateway(clients.backup),
        vms: createComputeVmReader(clients.compute),
        ledger,
        store,
        clock: systemClock,
        logger: createLogger(context),
      },
      { ...reportOptionsOf(config), staleAfterMs: 1 },
    );
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'stale',
          vmName: vm.name,
          reason: 'initial-backup-failed',
          errorCode: 'UserErrorGuestAgentStatusUnavailable',
        }),
      ]),
    );
    expect(store.text('latest.csv')).toContain('UserErrorGuestAgentStatusUnavailable');
  });
});

describe('storage queue adapters on Azurite', () => {
  it('writes base64 JSON requests with a visibility delay, and poison entries the tools can read', async () => {
    const connection = testStorageConnectionString();
    const requestQueue = new QueueClient(connection, uniqueName('requests'));
    const poisonQueue = new QueueClient(connection, uniqueName('poison'));
    try {
      const request = protectionRequest({ attempt: 2 });
      await createStorageRequestQueue(requestQueue).send(request, { delayMs: 0 });
      await createStorageRequestQueue(requestQueue).send({ ...request, attempt: 3 }, { delayMs: 60_000 });
      const visible = await requestQueue.receiveMessages({ numberOfMessages: 32 });
      expect(visible.receivedMessageItems.map((message) => decodeQueueMessage(message.messageText))).toEqual([request]);

      await createStoragePoisonQueue(poisonQueue).send({
        code: 'invalid-message',
        reason: 'not JSON',
        at: '2026-01-01T00:00:00Z',
        raw: 'x'.repeat(20_000),
      });
      const [poisoned] = (await poisonQueue.receiveMessages()).receivedMessageItems;
      const entry = JSON.parse(Buffer.from(poisoned!.messageText, 'base64').toString('utf8')) as {
        code: string;
        raw: string;
      };
      expect(entry.code).toBe('invalid-message');
      expect(entry.raw).toHaveLength(16_000);
    } finally {
      await requestQueue.deleteIfExists();
      await poisonQueue.deleteIfExists();
    }
  });
});
