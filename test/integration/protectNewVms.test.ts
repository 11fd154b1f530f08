import { type RunnerHandle, startRunner } from '../../tools/local-runner/index';
import { DEMO_RULES } from '../../tools/stack/demoVms';
import { appQueue } from '../../tools/stack/stackRuntime';
import type { Stack } from '../../tools/stack/startStack';
import {
  backupJobsOf,
  createSimVm,
  itemOf,
  latestReport,
  ledgerRow,
  peekJson,
  rejects,
  repoRoot,
  simPost,
  simState,
  startE2eStack,
  waitFor,
} from '../helpers/e2eStack';

/**
 * The product end to end, as in Azure: the simulator emits ResourceWriteSuccess events to the local runner's Event Grid
 * webhook, enqueueProtection queues a request, protectVm protects the VM and triggers its first backup, the report
 * lists what is stuck. Everything runs on 127.0.0.1: Azurite, the ARM simulator, the runner with the unmodified app.
 */
describe('protecting new VMs end to end', () => {
  let stack: Stack;
  const extraRunners: RunnerHandle[] = [];

  beforeAll(async () => {
    ({ stack } = await startE2eStack({
      rules: DEMO_RULES,
      staleAfter: 'PT1S',
      extraSettings: { AUTOPROTECT_LEASE_SECONDS: '6', AUTOPROTECT_INVOCATION_BUDGET: '5' },
    }));
  }, 60_000);

  afterAll(async () => {
    for (const runner of extraRunners) await runner.stop().catch(() => undefined);
    await stack?.stop();
  }, 60_000);

  it('protects a new (Trusted Launch) VM with the Enhanced policy and takes exactly one first backup', async () => {
    const id = await createSimVm(stack, { resourceGroup: 'rg-e2e', name: 'vm-happy', location: 'eastus' });

    const state = await waitFor('the item to be Protected', async () => {
      const s = await simState(stack);
      return itemOf(s, id)?.protectionState === 'Protected' ? s : undefined;
    });
    expect(backupJobsOf(state, 'vm-happy')).toHaveLength(1);
    // The simulator creates Trusted Launch VMs by default, as Azure does: DefaultPolicy (V1) cannot protect them.
    expect(itemOf(state, id)?.policyId?.split('/').pop()).toBe('EnhancedPolicy');
    expect(itemOf(state, id)?.vaultId.toLowerCase()).toContain('/vaults/rsv-eastus');
    const row = await ledgerRow(stack, id);
    expect(row?.status).toMatch(/^(backup-triggered|protected)$/);
    expect(row?.jobIds.length).toBeGreaterThanOrEqual(1);
    expect(row?.vaultId?.toLowerCase()).toContain('rsv-eastus');
    expect(row?.rule).toBe(
      'vault-route:eastus->rsv-eastus; default-policy->DefaultPolicy; enhanced-required:trusted-launch->EnhancedPolicy (the V2 policy of rsv-eastus)',
    );
  });

  it('chooses the policy by tag rule (tier=critical -> EnhancedPolicy) in the VM region vault', async () => {
    const id = await createSimVm(stack, {
      resourceGroup: 'rg-e2e',
      name: 'vm-critical',
      location: 'westeurope',
      tags: { tier: 'critical' },
    });
    const state = await waitFor('the item to exist', async () => {
      const s = await simState(stack);
      return itemOf(s, id) ? s : undefined;
    });
    expect(itemOf(state, id)?.policyId?.split('/').pop()).toBe('EnhancedPolicy');
    expect(itemOf(state, id)?.vaultId.toLowerCase()).toContain('/vaults/rsv-westeurope');
  });

  it('survives duplicate deliveries and update/extension events without a second backup', async () => {
    await simPost(stack, 'noise', {
      updateAfterCreate: true,
      extensionWriteAfterCreate: true,
      duplicateDeliveryRate: 1,
    });
    try {
      const id = await createSimVm(stack, { resourceGroup: 'rg-e2e', name: 'vm-noisy', location: 'eastus' });
      await waitFor(
        'the item to be Protected',
        async () => itemOf(await simState(stack), id)?.protectionState === 'Protected',
      );
      // Let late duplicates drain through the queue, then count.
      await waitFor(
        'the request queue to drain',
        async () => (await appQueue(stack, 'requests').getProperties()).approximateMessagesCount === 0,
        20_000,
      );
      const state = await simState(stack);
      expect(backupJobsOf(state, 'vm-noisy')).toHaveLength(1);
      expect(
        state.jobs.filter((j) => j.operation === 'ConfigureBackup' && j.entityFriendlyName === 'vm-noisy'),
      ).toHaveLength(1);
    } finally {
      await simPost(stack, 'noise', {
        updateAfterCreate: false,
        extensionWriteAfterCreate: false,
        duplicateDeliveryRate: 0,
      });
    }
  });

  it('records a VM in a region without a vault as failed with the reason, and never writes to ARM for it', async () => {
    const id = await createSimVm(stack, { resourceGroup: 'rg-e2e', name: 'vm-nowhere', location: 'westus2' });
    const row = await waitFor('a failed ledger row', async () => {
      const r = await ledgerRow(stack, id);
      return r?.status === 'failed' ? r : undefined;
    });
    expect(row.reason).toBe('no-vault-for-region');
    expect(itemOf(await simState(stack), id)).toBeUndefined();
  });

  it('skips an opted-out VM with the rule that decided it', async () => {
    const id = await createSimVm(stack, {
      resourceGroup: 'rg-e2e',
      name: 'vm-optout',
      location: 'eastus',
      tags: { 'autoprotect:skip': 'true' },
    });
    const row = await waitFor('a skipped ledger row', async () => {
      const r = await ledgerRow(stack, id);
      return r?.status === 'skipped' ? r : undefined;
    });
    expect(row.reason).toBe('opted-out');
    expect(row.rule).toMatch(/autoprotect:skip/);
    expect(itemOf(await simState(stack), id)).toBeUndefined();
  });

  it('follows a first backup that failed on the guest agent to first-backup-failed, and reports it with its code', async () => {
    const id = await createSimVm(stack, {
      resourceGroup: 'rg-e2e',
      name: 'vm-noagent',
      location: 'eastus',
      guestAgent: 'unavailable',
    });
    // The first Backup job and its two retries (E2E_SETTINGS) fail: the ledger says how it ended.
    const row = await waitFor(
      'first-backup-failed',
      async () => {
        const r = await ledgerRow(stack, id);
        return r?.status === 'first-backup-failed' ? r : undefined;
      },
      45_000,
    );
    expect(row).toMatchObject({ reason: 'retries-exhausted', errorCode: 'UserErrorGuestAgentStatusUnavailable' });
    expect(backupJobsOf(await simState(stack), 'vm-noagent')).toHaveLength(3);
    expect(itemOf(await simState(stack), id)?.protectionState).toBe('IRPending');

    await stack.runner.invoke('reportPendingBackups');
    const report = await waitFor('the report to list vm-noagent', async () => {
      const r = await latestReport(stack).catch(() => undefined);
      return r?.findings.some((f) => f.vmName.toLowerCase() === 'vm-noagent') ? r : undefined;
    });
    const finding = report.findings.find((f) => f.vmName.toLowerCase() === 'vm-noagent');
    expect(finding).toMatchObject({
      kind: 'first-backup-failed',
      group: 'attention',
      errorCode: 'UserErrorGuestAgentStatusUnavailable',
      retries: 2,
      region: 'eastus',
      vaultName: 'rsv-eastus',
      troubleshootingUrl: expect.stringMatching(/^https:\/\/learn\.microsoft\.com\//),
      action: expect.stringMatching(/autoprotect sweep/),
    });
    // The VM without a vault is in the same report, with its region named in what to do.
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          vmName: 'vm-nowhere',
          kind: 'failed',
          reason: 'no-vault-for-region',
          action: expect.stringMatching(/^No vault serves westus2/),
        }),
      ]),
    );
    expect(report.headline.attention).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('survives injected 429s and 500s on the calls it makes', async () => {
    await simPost(stack, 'faults', {
      faults: [
        { operationId: 'ProtectedItems_CreateOrUpdate', kind: '429', rate: 1, times: 2, retryAfterSeconds: 1 },
        { operationId: 'Backups_Trigger', kind: '500', rate: 1, times: 3 },
        { operationId: 'VirtualMachines_Get', kind: '503', rate: 1, times: 1 },
      ],
    });
    try {
      const before = (await simState(stack)).requests.throttled;
      const id = await createSimVm(stack, { resourceGroup: 'rg-e2e', name: 'vm-faults', location: 'eastus' });
      const state = await waitFor(
        'the item to be Protected despite faults',
        async () => {
          const s = await simState(stack);
          return itemOf(s, id)?.protectionState === 'Protected' ? s : undefined;
        },
        45_000,
      );
      expect(backupJobsOf(state, 'vm-faults')).toHaveLength(1);
      expect(state.requests.throttled).toBeGreaterThan(before);
      expect(await peekJson(appQueue(stack, 'poison'))).toEqual([]);
    } finally {
      await simPost(stack, 'faults', { faults: [] });
    }
  }, 60_000);

  it('replays a crash between enabling protection and triggering the backup without a second backup', async () => {
    await simPost(stack, 'timing', { configureBackupMs: 4_000 });
    try {
      const id = await createSimVm(stack, { resourceGroup: 'rg-e2e', name: 'vm-crash', location: 'eastus' });
      // Protection is being enabled (the runner polls the operation): kill the worker process right there.
      await waitFor(
        'protection to be enabling',
        async () => itemOf(await simState(stack), id) !== undefined,
        20_000,
        50,
      );
      expect(backupJobsOf(await simState(stack), 'vm-crash')).toHaveLength(0);
      await stack.runner.kill();

      // A new host instance; Event Grid redelivers the VM's write (at-least-once), so the request is replayed.
      const runner = await startRunner({
        appDir: repoRoot,
        settings: stack.info.appSettings,
        port: 0,
        onLog: () => undefined,
      });
      extraRunners.push(runner);
      const webhook = runner.eventGridWebhookUrl('enqueueProtection');
      await simPost(stack, 'eventSubscriptions', {
        name: 'replay-after-crash',
        endpoint: webhook,
        schema: 'EventGridSchema',
        filter: {
          includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'],
          advancedFilters: [
            {
              operatorType: 'StringIn',
              key: 'data.operationName',
              values: ['Microsoft.Compute/virtualMachines/write'],
            },
          ],
        },
      });
      await createSimVm(stack, { resourceGroup: 'rg-e2e', name: 'vm-crash', location: 'eastus' }); // an update: same VM, new write event

      const state = await waitFor(
        'the crashed VM to be Protected',
        async () => {
          const s = await simState(stack);
          return itemOf(s, id)?.protectionState === 'Protected' ? s : undefined;
        },
        45_000,
      );
      expect(backupJobsOf(state, 'vm-crash')).toHaveLength(1);
    } finally {
      await simPost(stack, 'timing', { configureBackupMs: 300 });
    }
  }, 90_000);

  it('records a malformed event and a malformed queue message with their reasons, and loses nothing else', async () => {
    const webhook = extraRunners[0]?.eventGridWebhookUrl('enqueueProtection') ?? stack.info.eventGridWebhookUrl;
    const response = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
      body: JSON.stringify([
        {
          id: 'bad-1',
          eventType: 'Microsoft.Resources.ResourceWriteSuccess',
          subject: 42,
          data: 'nope',
          eventTime: 'x',
          dataVersion: '2',
          metadataVersion: '1',
          topic: '/subscriptions/x',
        },
      ]),
    });
    expect(response.status).toBe(202);

    const requests = appQueue(stack, 'requests');
    await requests.sendMessage(Buffer.from(JSON.stringify({ version: 99, hello: 'world' }), 'utf8').toString('base64'));

    const records = await waitFor('both rejects', async () => {
      const all = await rejects(stack);
      return all.some((r) => r.kind === 'event') && all.some((r) => r.kind === 'message') ? all : undefined;
    });
    const eventReject = records.find((r) => r.kind === 'event');
    expect(eventReject?.raw).toContain('bad-1');
    expect(eventReject?.reason.length).toBeGreaterThan(5);
    const poison = await waitFor('the poison entry', async () => {
      const bodies = (await peekJson(appQueue(stack, 'poison'))) as Array<{
        reason?: string;
        raw?: string;
      }>;
      return bodies.find((b) => b.raw?.includes('hello'));
    });
    expect(poison.reason).toMatch(/version/i);
  }, 60_000);
});
