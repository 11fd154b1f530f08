import type { FullOperationResponse } from '@azure/core-client';

import {
  backupClient,
  control,
  createVm,
  EAST_VAULT,
  enableProtection,
  FAST_TIMING,
  names,
  operationIdOf,
  pollUntil,
  protectAndWait,
  SUB,
  triggerBackup,
  useTestSimulator,
  VAULT_RG,
  vmItem,
} from './helpers';

describe('simulator: enable protection, back up, stop (real SDK)', () => {
  const sim = useTestSimulator();

  it('answers the PUT with 202 and item-level async headers that echo the caller names and api-version', async () => {
    await createVm(sim(), 'vmPut01');
    const raw = await enableProtection(backupClient(sim()), EAST_VAULT, 'rg-app', 'vmPut01');
    expect(raw.status).toBe(202);
    expect(raw.bodyAsText ?? '').toBe('');
    const location = raw.headers.get('location') ?? '';
    const asyncOp = raw.headers.get('azure-asyncoperation') ?? '';
    expect(
      location.startsWith(
        `${sim().url}/subscriptions/${SUB}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${EAST_VAULT}/backupFabrics/Azure/protectionContainers/iaasvmcontainer;iaasvmcontainerv2;rg-app;vmPut01/protectedItems/vm;iaasvmcontainerv2;rg-app;vmPut01/operationResults/`,
      ),
    ).toBe(true);
    expect(asyncOp).toContain('/operationsStatus/');
    expect(asyncOp.endsWith('?api-version=2023-06-01')).toBe(true);
    expect(raw.headers.get('retry-after')).toBe('0');
    expect(raw.headers.get('x-ms-ratelimit-remaining-subscription-writes')).toMatch(/^\d+$/);
    expect(raw.headers.get('x-ms-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(raw.headers.get('x-ms-client-request-id')).toBe(raw.request.headers.get('x-ms-client-request-id'));
  });

  it('runs ConfigureBackup: operation InProgress then Succeeded with jobId at both levels; item IRPending with the sentinel', async () => {
    const client = backupClient(sim());
    await createVm(sim(), 'vmCfg01');
    // Long enough that the two reads below see the operation still running on a loaded machine.
    await control(sim(), 'POST', 'timing', { configureBackupMs: 2000 });
    const raw = await enableProtection(client, EAST_VAULT, 'rg-app', 'vmCfg01');
    await control(sim(), 'POST', 'timing', { configureBackupMs: FAST_TIMING.configureBackupMs });
    const opId = operationIdOf(raw);
    const n = names('rg-app', 'vmCfg01');
    const first = await client.backupOperationStatuses.get(EAST_VAULT, VAULT_RG, opId);
    expect(first.status).toBe('InProgress');
    const pending = await client.protectedItemOperationResults.get(
      EAST_VAULT,
      VAULT_RG,
      'Azure',
      n.container,
      n.item,
      opId,
    );
    expect(pending).toEqual({});
    const done = await pollUntil(
      () => client.backupOperationStatuses.get(EAST_VAULT, VAULT_RG, opId),
      (s) => s.status !== 'InProgress',
    );
    expect(done.status).toBe('Succeeded');
    const jobId = (done.properties as { jobId?: string } | undefined)?.jobId ?? '';
    const itemLevel = await client.protectedItemOperationStatuses.get(
      EAST_VAULT,
      VAULT_RG,
      'Azure',
      n.container,
      n.item,
      opId,
    );
    expect(itemLevel.status).toBe('Succeeded');
    expect((itemLevel.properties as { jobId?: string }).jobId).toBe(jobId);
    const job = await client.jobDetails.get(EAST_VAULT, VAULT_RG, jobId);
    expect(job.properties).toMatchObject({
      jobType: 'AzureIaaSVMJob',
      operation: 'ConfigureBackup',
      status: 'Completed',
      entityFriendlyName: 'vmCfg01',
    });
    const item = await client.protectedItems.get(EAST_VAULT, VAULT_RG, 'Azure', n.container, n.item);
    expect(item.name).toBe('VM;iaasvmcontainerv2;rg-app;vmcfg01');
    expect(item.properties).toMatchObject({
      protectionState: 'IRPending',
      lastBackupStatus: '',
      friendlyName: 'vmCfg01',
      policyName: 'DefaultPolicy',
    });
    expect(vmItem(item).lastBackupTime?.toISOString()).toBe('2001-01-01T00:00:00.000Z');
    const result = await client.protectedItemOperationResults.get(
      EAST_VAULT,
      VAULT_RG,
      'Azure',
      n.container,
      n.item,
      opId,
    );
    expect(result.name).toBe('VM;iaasvmcontainerv2;rg-app;vmcfg01');
  });

  it('triggers a backup (exactly 202), refuses a second one while it runs, then turns the item Protected', async () => {
    const client = backupClient(sim());
    await createVm(sim(), 'vmBak01');
    const n = names('rg-app', 'vmBak01');
    await protectAndWait(client, EAST_VAULT, 'rg-app', 'vmBak01');
    const raw = await triggerBackup(client, 'rg-app', 'vmBak01');
    expect(raw.status).toBe(202);
    const backupOp = operationIdOf(raw);
    await expect(
      client.backups.trigger(EAST_VAULT, VAULT_RG, 'Azure', n.container, n.item, {
        properties: { objectType: 'IaasVMBackupRequest' },
      }),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'UserErrorBackupOperationInProgress',
    });
    const op = await pollUntil(
      () => client.backupOperationStatuses.get(EAST_VAULT, VAULT_RG, backupOp),
      (s) => s.status === 'Succeeded',
    );
    const jobId = (op.properties as { jobId: string }).jobId;
    const running = await client.jobDetails.get(EAST_VAULT, VAULT_RG, jobId);
    expect(running.properties).toMatchObject({ operation: 'Backup', status: 'InProgress' });
    const finished = await pollUntil(
      () => client.jobDetails.get(EAST_VAULT, VAULT_RG, jobId),
      (j) => j.properties?.status !== 'InProgress',
    );
    expect(finished.properties?.status).toBe('Completed');
    expect(finished.properties?.endTime).toBeInstanceOf(Date);
    const item = await client.protectedItems.get(EAST_VAULT, VAULT_RG, 'Azure', n.container, n.item);
    expect(item.properties).toMatchObject({ protectionState: 'Protected', lastBackupStatus: 'Completed' });
    expect(vmItem(item).lastBackupTime?.getTime()).toBeGreaterThan(Date.parse('2020-01-01'));
  });

  it('fails the backup job of a VM whose guest agent is unavailable and leaves the item IRPending', async () => {
    const client = backupClient(sim());
    await createVm(sim(), 'vmNoAgent', { guestAgent: 'unavailable' });
    const n = names('rg-app', 'vmNoAgent');
    await protectAndWait(client, EAST_VAULT, 'rg-app', 'vmNoAgent');
    const raw = await triggerBackup(client, 'rg-app', 'vmNoAgent');
    const op = await pollUntil(
      () => client.backupOperationStatuses.get(EAST_VAULT, VAULT_RG, operationIdOf(raw)),
      (s) => s.status === 'Succeeded',
    );
    const jobId = (op.properties as { jobId: string }).jobId;
    const job = await pollUntil(
      () => client.jobDetails.get(EAST_VAULT, VAULT_RG, jobId),
      (j) => j.properties?.status !== 'InProgress',
    );
    expect(job.properties?.status).toBe('Failed');
    const details = (job.properties as { errorDetails?: Array<{ errorTitle?: string }> }).errorDetails;
    expect(details?.[0]?.errorTitle).toBe('UserErrorGuestAgentStatusUnavailable');
    const item = await client.protectedItems.get(EAST_VAULT, VAULT_RG, 'Azure', n.container, n.item);
    expect(vmItem(item).protectionState).toBe('IRPending');
    const state = await control<{ jobs: Array<{ name: string; status: string; errorCode?: string }> }>(
      sim(),
      'GET',
      'state',
    );
    expect(state.body.jobs.find((j) => j.name === jobId)).toMatchObject({
      status: 'Failed',
      errorCode: 'UserErrorGuestAgentStatusUnavailable',
    });
  });

  it('reports the protecting vault through backupStatus (POST /Subscriptions/.../backupStatus)', async () => {
    const client = backupClient(sim());
    const vmId = await createVm(sim(), 'vmStatus01');
    expect((await client.backupStatus.get('eastus', { resourceType: 'VM', resourceId: vmId })).protectionStatus).toBe(
      'NotProtected',
    );
    await enableProtection(client, EAST_VAULT, 'rg-app', 'vmStatus01');
    const status = await client.backupStatus.get('eastus', { resourceType: 'VM', resourceId: vmId });
    expect(status).toMatchObject({
      protectionStatus: 'Protected',
      fabricName: 'Azure',
      policyName: 'DefaultPolicy',
      protectedItemName: 'vm;iaasvmcontainerv2;rg-app;vmstatus01',
    });
    expect(status.vaultId?.toLowerCase()).toBe(
      `/subscriptions/${SUB}/resourcegroups/${VAULT_RG}/providers/microsoft.recoveryservices/vaults/${EAST_VAULT}`,
    );
  });

  it('deletes with vault-level async headers; GET then answers 404 BMSUserErrorDataSourceObjectNotFound', async () => {
    const client = backupClient(sim());
    await createVm(sim(), 'vmDel01');
    const n = names('rg-app', 'vmDel01');
    await protectAndWait(client, EAST_VAULT, 'rg-app', 'vmDel01');
    let raw: FullOperationResponse | undefined;
    await client.protectedItems.delete(EAST_VAULT, VAULT_RG, 'Azure', n.container, n.item, {
      onResponse: (r) => {
        raw = r;
      },
    });
    expect(raw?.status).toBe(202);
    expect(raw?.headers.get('azure-asyncoperation')).toMatch(
      new RegExp(`/vaults/${EAST_VAULT}/backupOperations/[0-9a-f-]{36}\\?api-version=2023-06-01$`),
    );
    expect(raw?.headers.get('location')).toMatch(/\/backupOperationResults\/[0-9a-f-]{36}\?api-version=/);
    expect(raw?.headers.get('x-ms-ratelimit-remaining-subscription-deletes')).toMatch(/^\d+$/);
    await expect(client.protectedItems.get(EAST_VAULT, VAULT_RG, 'Azure', n.container, n.item)).rejects.toMatchObject({
      statusCode: 404,
      code: 'BMSUserErrorDataSourceObjectNotFound',
    });
    const deleteOp = operationIdOf(raw as FullOperationResponse);
    const done = await pollUntil(
      () => client.backupOperationStatuses.get(EAST_VAULT, VAULT_RG, deleteOp),
      (s) => s.status !== 'InProgress',
    );
    expect(done.status).toBe('Succeeded');
    let result: FullOperationResponse | undefined;
    await client.backupOperationResults.get(EAST_VAULT, VAULT_RG, deleteOp, {
      onResponse: (r) => {
        result = r;
      },
    });
    expect(result?.status).toBe(204);
  });
});
