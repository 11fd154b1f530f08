import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SimulatorHandle } from '../../simulator/src/index';
import {
  BEARER,
  createVm,
  EAST_VAULT,
  names,
  policyId,
  pollUntil,
  rawRequest,
  type RawResponse,
  startTestSimulator,
  SUB,
  VAULT_RG,
} from './helpers';
import { shapeDifferences } from './replay';

interface Example {
  responses: Record<string, { body?: unknown; headers?: Record<string, unknown> }>;
}

function example(file: string): Example {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', 'rest-examples', file), 'utf8')) as Example;
}

/** Differences against an example, minus the fields listed (and documented in docs/simulator.md) as not modelled. */
function differences(file: string, status: string, ours: unknown, notModelled: string[] = []): string[] {
  return shapeDifferences(example(file).responses[status]?.body, ours).filter(
    (d) => !notModelled.some((n) => d.startsWith(n)),
  );
}

function expectAsyncHeaders(file: string, res: RawResponse): void {
  const documented = Object.keys(example(file).responses['202']?.headers ?? {});
  expect(documented.length).toBeGreaterThan(0);
  for (const header of documented) expect(res.headers[header.toLowerCase()]).toBeDefined();
  if (!documented.includes('Azure-AsyncOperation')) expect(res.headers['azure-asyncoperation']).toBeUndefined();
}

const V = `/subscriptions/${SUB}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${EAST_VAULT}`;
const Q = '?api-version=2023-06-01';

describe('simulator: responses compared with the azure-rest-api-specs examples', () => {
  let sim: SimulatorHandle;
  const n = names('rg-ex', 'vm-ex');
  const itemPath = `${V}/backupFabrics/Azure/protectionContainers/${n.container}/protectedItems/${n.item}`;
  let configureOp = '';
  let backupJobId = '';
  beforeAll(async () => {
    sim = await startTestSimulator({ timing: { backupJobMs: 1500 } });
    await createVm(sim, 'vm-ex', { resourceGroup: 'rg-ex' });
    await createVm(sim, 'vm-unprotected', { resourceGroup: 'rg-ex' });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('ConfigureProtection: 202 with Location, Azure-AsyncOperation, Retry-After; then 200 item at operationResults', async () => {
    const body = {
      properties: {
        protectedItemType: 'Microsoft.Compute/virtualMachines',
        sourceResourceId: `/subscriptions/${SUB}/resourceGroups/rg-ex/providers/Microsoft.Compute/virtualMachines/vm-ex`,
        policyId: policyId(EAST_VAULT),
      },
    };
    const res = await rawRequest(sim, 'PUT', `${itemPath}${Q}`, body, BEARER);
    expect(res.status).toBe(202);
    expectAsyncHeaders('ConfigureProtection.json', res);
    configureOp = new URL(String(res.headers['azure-asyncoperation'])).pathname.split('/').pop() ?? '';
    const status = await pollUntil(
      () => rawRequest(sim, 'GET', `${itemPath}/operationsStatus/${configureOp}${Q}`, undefined, BEARER),
      (r) => (r.json as { status: string }).status === 'Succeeded',
    );
    expect(differences('ProtectedItemOperationStatus.json', '200', status.json)).toEqual([]);
    const result = await pollUntil(
      () => rawRequest(sim, 'GET', `${itemPath}/operationResults/${configureOp}${Q}`, undefined, BEARER),
      (r) => r.status !== 202,
    );
    expect(result.status).toBe(200);
    expect(
      differences('ConfigureProtection.json', '200', result.json, [
        '$.properties.extendedInfo',
        '$.properties.healthDetails',
        '$.properties.lastRecoveryPoint',
      ]),
    ).toEqual([]);
  });

  it('Compute_ProtectedItem_Get and ProtectionPolicies_Get', async () => {
    const item = await rawRequest(sim, 'GET', `${itemPath}${Q}`, undefined, BEARER);
    expect(
      differences('Compute_ProtectedItem_Get.json', '200', item.json, [
        '$.properties.extendedInfo',
        '$.properties.healthDetails',
        '$.properties.lastRecoveryPoint',
        '$.properties.kpisHealths',
      ]),
    ).toEqual([]);
    const policy = await rawRequest(sim, 'GET', `${V}/backupPolicies/DefaultPolicy${Q}`, undefined, BEARER);
    expect(differences('ProtectionPolicies_Get.json', '200', policy.json)).toEqual([]);
  });

  it('TriggerBackup_Post, GetJobDetails, ListJobs and the vault-level operation status', async () => {
    const res = await rawRequest(
      sim,
      'POST',
      `${itemPath}/backup${Q}`,
      { properties: { objectType: 'IaasVMBackupRequest' } },
      BEARER,
    );
    expect(res.status).toBe(202);
    expectAsyncHeaders('TriggerBackup_Post.json', res);
    const op = new URL(String(res.headers['azure-asyncoperation'])).pathname.split('/').pop() ?? '';
    const vaultLevel = await pollUntil(
      () => rawRequest(sim, 'GET', `${V}/backupOperations/${op}${Q}`, undefined, BEARER),
      (r) => (r.json as { status: string }).status === 'Succeeded',
    );
    expect(differences('ProtectedItem_Delete_OperationStatus.json', '200', vaultLevel.json)).toEqual([]);
    backupJobId = (vaultLevel.json as { properties: { jobId: string } }).properties.jobId;
    const job = await rawRequest(sim, 'GET', `${V}/backupJobs/${backupJobId}${Q}`, undefined, BEARER);
    expect(differences('GetJobDetails.json', '200', job.json)).toEqual([]);
    const jobs = await rawRequest(sim, 'GET', `${V}/backupJobs${Q}`, undefined, BEARER);
    expect(differences('ListJobs.json', '200', jobs.json, ['$.value[0].properties.errorDetails'])).toEqual([]);
  });

  it('BackupProtectableItems_List and GetBackupStatus', async () => {
    const list = await rawRequest(
      sim,
      'GET',
      `${V}/backupProtectableItems${Q}&$filter=${encodeURIComponent("backupManagementType eq 'AzureIaasVM'")}`,
      undefined,
      BEARER,
    );
    expect((list.json as { value: unknown[] }).value).toHaveLength(1);
    expect(differences('BackupProtectableItems_List.json', '200', list.json)).toEqual([]);
    const status = await rawRequest(
      sim,
      'POST',
      `/Subscriptions/${SUB}/providers/Microsoft.RecoveryServices/locations/eastus/backupStatus${Q}`,
      {
        resourceType: 'VM',
        resourceId: `/subscriptions/${SUB}/resourceGroups/rg-ex/providers/Microsoft.Compute/virtualMachines/vm-ex`,
      },
      BEARER,
    );
    expect(differences('GetBackupStatus.json', '200', status.json, ['$.errorCode', '$.errorMessage'])).toEqual([]);
  });

  it('RefreshContainers: 202 with Location and Retry-After only; its result 202 then 204', async () => {
    const res = await rawRequest(sim, 'POST', `${V}/backupFabrics/Azure/refreshContainers${Q}`, undefined, BEARER);
    expect(res.status).toBe(202);
    expectAsyncHeaders('RefreshContainers.json', res);
    const location = new URL(String(res.headers.location));
    const first = await rawRequest(sim, 'GET', `${location.pathname}${location.search}`, undefined, BEARER);
    expect([202, 204]).toContain(first.status);
    const done = await pollUntil(
      () => rawRequest(sim, 'GET', `${location.pathname}${location.search}`, undefined, BEARER),
      (r) => r.status !== 202,
    );
    expect(done.status).toBe(204);
  });

  it('ProtectedItem_Delete: 202 with vault-level headers (a running backup locks the item first)', async () => {
    const locked = await rawRequest(sim, 'DELETE', `${itemPath}${Q}`, undefined, BEARER);
    expect(locked.status).toBe(409);
    await pollUntil(
      () => rawRequest(sim, 'GET', `${V}/backupJobs/${backupJobId}${Q}`, undefined, BEARER),
      (r) => (r.json as { properties: { status: string } }).properties.status !== 'InProgress',
      7000,
    );
    const res = await rawRequest(sim, 'DELETE', `${itemPath}${Q}`, undefined, BEARER);
    expect(res.status).toBe(202);
    expectAsyncHeaders('ProtectedItem_Delete.json', res);
    expect(String(res.headers['azure-asyncoperation'])).toContain(`/vaults/${EAST_VAULT}/backupOperations/`);
  });

  it('VirtualMachine_Get: the modelled subset of the Compute example', async () => {
    const vm = await rawRequest(
      sim,
      'GET',
      `/subscriptions/${SUB}/resourceGroups/rg-ex/providers/Microsoft.Compute/virtualMachines/vm-ex?api-version=2024-03-01`,
      undefined,
      BEARER,
    );
    const modelled = [
      '$.name',
      '$.id',
      '$.type',
      '$.location',
      '$.tags',
      '$.properties.vmId',
      '$.properties.provisioningState',
    ];
    const diffs = shapeDifferences(example('VirtualMachine_Get.json').responses['200']?.body, vm.json);
    expect(diffs.filter((d) => modelled.some((m) => d.startsWith(`${m}:`)))).toEqual([]);
  });
});
