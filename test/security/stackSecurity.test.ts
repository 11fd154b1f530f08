import { join } from 'node:path';

import { grantsFromBicep, permissionProblems, readPermissionTable } from '../../tools/infra/permissionCoverage';
import { requestJson } from '../../tools/shared/httpsJson';
import { DEMO_RULES } from '../../tools/stack/demoVms';
import type { Stack } from '../../tools/stack/startStack';
import {
  createSimVm,
  ledgerOf,
  ledgerRow,
  rejects,
  repoRoot,
  simPost,
  startE2eStack,
  vmId,
  waitFor,
} from '../helpers/e2eStack';
import { requiredActionOf, sdkOperationOf } from './armPermissions';

/**
 * Security checks on the running stack with the unmodified app: refused webhook calls act on nothing, events from
 * subscriptions off the allow-list are ignored and logged, and the ARM operations of a full run are exactly those
 * infra/permissions.json grants (each action derived independently from the request's REST path).
 */
const OTHER_SUBSCRIPTION = '33333333-3333-3333-3333-333333333333';
const TENANT = '22222222-2222-2222-2222-222222222222';
const PERMISSIONS = join(repoRoot, 'infra', 'permissions.json');

/** A host log line; for `category: user` the app's own structured entry (the line's message). */
function parseLine(line: string): Record<string, unknown> {
  try {
    const hostEntry = JSON.parse(line) as Record<string, unknown>;
    return hostEntry.category === 'user' && typeof hostEntry.message === 'string'
      ? (JSON.parse(hostEntry.message) as Record<string, unknown>)
      : hostEntry;
  } catch {
    return { unstructured: line };
  }
}

interface LoggedRequest {
  method: string;
  path: string;
  operationId: string;
  status: number;
  subscriptionId: string;
}

describe('security of the running stack', () => {
  let stack: Stack;
  let hostLog: string[];
  let firstAppRequest = 0;

  beforeAll(async () => {
    ({ stack, hostLog } = await startE2eStack({
      rules: DEMO_RULES,
      simTiming: { configureBackupMs: 300, backupOperationMs: 100, backupJobMs: 30_000, retryAfterSeconds: 1 },
    }));
    // Someone else's vault in eastus protecting vm-elsewhere: set up through ARM before the app does anything.
    await simPost(stack, 'seed', {
      subscriptionId: stack.info.subscriptionIds[0],
      tenantId: TENANT,
      extraSubscriptionIds: [OTHER_SUBSCRIPTION],
      vaults: [
        {
          resourceGroup: 'rg-other-backup',
          name: 'rsv-other',
          location: 'eastus',
          policies: [{ name: 'DefaultPolicy', kind: 'IaasV1Daily' }],
        },
      ],
    });
    // Protected there with DefaultPolicy (V1): a standard VM, not Trusted Launch.
    await simPost(stack, 'vms', {
      resourceGroup: 'rg-sec',
      name: 'vm-elsewhere',
      location: 'eastus',
      securityType: 'Standard',
      emitEvents: false,
    });
    const vault = `/subscriptions/${stack.info.subscriptionIds[0]}/resourceGroups/rg-other-backup/providers/Microsoft.RecoveryServices/vaults/rsv-other`;
    const item = `${vault}/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg-sec;vm-elsewhere/protectedItems/VM;iaasvmcontainerv2;rg-sec;vm-elsewhere`;
    const put = await requestJson('PUT', `${stack.info.armEndpoint}${item}?api-version=2023-06-01`, {
      ca: stack.sim.caCert,
      headers: { authorization: 'Bearer someone-else' },
      body: {
        properties: {
          protectedItemType: 'Microsoft.Compute/virtualMachines',
          sourceResourceId: vmId(stack, 'rg-sec', 'vm-elsewhere'),
          policyId: `${vault}/backupPolicies/DefaultPolicy`,
        },
      },
    });
    expect(put.status).toBe(202);
    firstAppRequest = (
      await requestJson<{ entries: unknown[] }>('GET', `${stack.info.simControlUrl}/requests`, { ca: stack.sim.caCert })
    ).body.entries.length;
  }, 60_000);

  afterAll(async () => stack?.stop(), 60_000);

  it('refuses webhook calls without the key, with a wrong key or a wrong aeg-event-type, and acts on none of them', async () => {
    const url = new URL(stack.info.eventGridWebhookUrl);
    const keyless = `${url.origin}${url.pathname}?functionName=enqueueProtection`;
    const event = (id: string, name: string) => [
      {
        id,
        topic: `/subscriptions/${stack.info.subscriptionIds[0]}`,
        subject: vmId(stack, 'rg-sec', name),
        eventType: 'Microsoft.Resources.ResourceWriteSuccess',
        eventTime: new Date().toISOString(),
        dataVersion: '2',
        metadataVersion: '1',
        data: {
          resourceUri: vmId(stack, 'rg-sec', name),
          operationName: 'Microsoft.Compute/virtualMachines/write',
          status: 'Succeeded',
          subscriptionId: stack.info.subscriptionIds[0],
        },
      },
    ];
    const post = (target: string, body: unknown, headers: Record<string, string>) =>
      fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }).then((response) => response.status);
    await simPost(stack, 'vms', { resourceGroup: 'rg-sec', name: 'vm-refused', location: 'eastus', emitEvents: false });

    expect(await post(keyless, event('refused-no-key', 'vm-refused'), { 'aeg-event-type': 'Notification' })).toBe(401);
    expect(
      await post(
        `${keyless}&code=${encodeURIComponent(stack.info.masterKey.slice(1))}`,
        event('refused-wrong-key', 'vm-refused'),
        { 'aeg-event-type': 'Notification' },
      ),
    ).toBe(401);
    expect(
      await post(stack.info.eventGridWebhookUrl, event('refused-header-key', 'vm-refused'), {
        'aeg-event-type': 'Notification',
        'x-functions-key': 'not-the-key',
      }),
    ).toBe(401);
    expect(await post(stack.info.eventGridWebhookUrl, event('refused-no-type', 'vm-refused'), {})).toBe(400);
    expect(
      await post(stack.info.eventGridWebhookUrl, event('refused-bad-type', 'vm-refused'), {
        'aeg-event-type': 'SubscriptionDeletion',
      }),
    ).toBe(400);
    expect(await post(stack.info.eventGridWebhookUrl, '{"truncated": ', { 'aeg-event-type': 'Notification' })).toBe(
      400,
    );

    // Positive control through the same door: the right key and type are acted on.
    await simPost(stack, 'vms', {
      resourceGroup: 'rg-sec',
      name: 'vm-accepted',
      location: 'eastus',
      emitEvents: false,
    });
    expect(
      await post(stack.info.eventGridWebhookUrl, event('accepted-1', 'vm-accepted'), {
        'aeg-event-type': 'Notification',
      }),
    ).toBe(202);
    await waitFor(
      'the accepted event to be processed',
      async () => (await ledgerRow(stack, vmId(stack, 'rg-sec', 'vm-accepted')))?.status === 'backup-triggered',
    );

    expect(await ledgerRow(stack, vmId(stack, 'rg-sec', 'vm-refused'))).toBeNull();
    const log = hostLog.join('\n');
    expect(log).toContain('accepted-1');
    expect(log).not.toMatch(/refused-(no-key|wrong-key|header-key|no-type|bad-type)/);
    expect((await rejects(stack)).filter((record) => record.raw.includes('refused-'))).toEqual([]);
  }, 60_000);

  it('ignores and logs events from a subscription that is not on the allow-list, and never acts on them', async () => {
    await simPost(stack, 'eventSubscriptions', {
      name: 'unwatched-subscription',
      endpoint: stack.info.eventGridWebhookUrl,
      subscriptionId: OTHER_SUBSCRIPTION,
      schema: 'EventGridSchema',
      filter: { includedEventTypes: ['Microsoft.Resources.ResourceWriteSuccess'] },
    });
    await simPost(stack, 'vms', {
      subscriptionId: OTHER_SUBSCRIPTION,
      resourceGroup: 'rg-foreign',
      name: 'vm-foreign',
      location: 'eastus',
    });
    const ignored = await waitFor('the ignored-event log line', async () =>
      hostLog
        .map(parseLine)
        .find((entry) => entry.code === 'subscription-not-watched' && String(entry.subject).includes('vm-foreign')),
    );
    expect(ignored).toMatchObject({
      outcome: 'ignored',
      level: 'info',
      message: 'event ignored',
      reason: expect.stringContaining(OTHER_SUBSCRIPTION),
    });
    const foreignId = `/subscriptions/${OTHER_SUBSCRIPTION}/resourceGroups/rg-foreign/providers/Microsoft.Compute/virtualMachines/vm-foreign`;
    expect(await ledgerOf(stack).get(foreignId.toLowerCase())).toBeNull();
    const requests = (
      await requestJson<{ entries: LoggedRequest[] }>('GET', `${stack.info.simControlUrl}/requests`, {
        ca: stack.sim.caCert,
      })
    ).body.entries;
    expect(
      requests.filter(
        (entry) => entry.subscriptionId.toLowerCase() === OTHER_SUBSCRIPTION || entry.path.includes('vm-foreign'),
      ),
    ).toEqual([]);
    // Nothing was enqueued for it (the queue itself holds the check-backs following the other VMs' first backups).
    expect(
      hostLog
        .map(parseLine)
        .filter(
          (entry) => entry.message === 'protection request enqueued' && JSON.stringify(entry).includes('vm-foreign'),
        ),
    ).toEqual([]);
  }, 60_000);

  it('calls exactly the ARM operations infra/permissions.json lists, each with an action its roles grant', async () => {
    // A full run: protect (then a duplicate that finds the running job), opt out, a VM protected elsewhere, a VM the
    // vault must discover first, the report.
    const protectedId = await createSimVm(stack, {
      resourceGroup: 'rg-sec',
      name: 'vm-perm',
      location: 'westeurope',
      tags: { tier: 'critical' },
    });
    await waitFor(
      'vm-perm backup triggered',
      async () => (await ledgerRow(stack, protectedId))?.status === 'backup-triggered',
    );
    await createSimVm(stack, {
      resourceGroup: 'rg-sec',
      name: 'vm-perm',
      location: 'westeurope',
      tags: { tier: 'critical' },
    });
    // The update finds the first backup followed by its check-backs, and leaves it to them.
    await waitFor('the update to be handled', async () =>
      hostLog
        .map(parseLine)
        .some(
          (entry) =>
            entry.message === 'protection request handled' &&
            entry.reason === 'first-backup-followed' &&
            String(entry.vmKey).includes('vm-perm'),
        ),
    );
    const optOut = await createSimVm(stack, {
      resourceGroup: 'rg-sec',
      name: 'vm-optout',
      location: 'eastus',
      tags: { 'autoprotect:skip': 'true' },
    });
    const elsewhere = await createSimVm(stack, { resourceGroup: 'rg-sec', name: 'vm-elsewhere', location: 'eastus' });
    // A standard VM (the policy looked up by name) that the vault cannot resolve yet (a container refresh).
    await simPost(stack, 'backup', { discoveryLagSeconds: 600 });
    const discovered = await createSimVm(stack, {
      resourceGroup: 'rg-sec',
      name: 'vm-discovered',
      location: 'eastus',
      securityType: 'Standard',
    });
    await waitFor(
      'vm-discovered backup triggered',
      async () => (await ledgerRow(stack, discovered))?.status === 'backup-triggered',
    );
    await simPost(stack, 'backup', { discoveryLagSeconds: 0 });
    await waitFor('vm-optout skipped', async () => (await ledgerRow(stack, optOut))?.reason === 'opted-out');
    await waitFor(
      'vm-elsewhere skipped',
      async () => (await ledgerRow(stack, elsewhere))?.reason === 'protected-elsewhere',
    );
    await stack.runner.invoke('reportPendingBackups');
    await waitFor(
      'the report',
      async () => hostLog.some((line) => line.includes('reportPendingBackups finished')),
      30_000,
    );

    const entries = (
      await requestJson<{ entries: LoggedRequest[] }>('GET', `${stack.info.simControlUrl}/requests`, {
        ca: stack.sim.caCert,
      })
    ).body.entries.slice(firstAppRequest);
    const table = readPermissionTable(PERMISSIONS);
    const byName = new Map(table.operations.map((operation) => [operation.operation.toLowerCase(), operation]));
    const problems: string[] = [];
    for (const entry of entries) {
      const listed = byName.get(sdkOperationOf(entry.operationId).toLowerCase());
      if (!listed) {
        problems.push(`${entry.operationId} (${entry.method} ${entry.path}) is not in permissions.json`);
        continue;
      }
      if (!listed.request.toUpperCase().startsWith(`${entry.method.toUpperCase()} `))
        problems.push(`${listed.operation}: permissions.json says ${listed.request}, the app sent ${entry.method}`);
      const needed = requiredActionOf(entry.method, entry.path);
      if (
        !listed.requires.some(
          (requirement) =>
            requirement.scope === needed.scope && requirement.action.toLowerCase() === needed.action.toLowerCase(),
        )
      ) {
        problems.push(
          `${listed.operation}: ${entry.method} ${entry.path} needs ${needed.action} on ${needed.scope}, permissions.json lists ${JSON.stringify(listed.requires)}`,
        );
      }
    }
    expect([...new Set(problems)]).toEqual([]);
    const seen = new Set(entries.map((entry) => sdkOperationOf(entry.operationId).toLowerCase()));
    expect([...seen].sort()).toEqual(table.operations.map((operation) => operation.operation.toLowerCase()).sort());
    expect(permissionProblems(table, grantsFromBicep(table, PERMISSIONS))).toEqual([]);
  }, 90_000);
});
