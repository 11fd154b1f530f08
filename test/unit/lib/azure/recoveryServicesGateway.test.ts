import { RecoveryServicesBackupClient } from '@azure/arm-recoveryservicesbackup';

import { createRecoveryServicesGateway } from '../../../../src/lib/azure/recoveryServicesGateway';
import { createLocalTokenCredential } from '../../../../src/lib/clients';
import { PermanentError, TransientError } from '../../../../src/lib/errors';
import { vaultRoute, vmFacts } from '../../../helpers/factories/rules';
import { pathOf, ScriptedHttpClient } from '../../../helpers/fakes/scriptedHttpClient';

const ENDPOINT = 'https://127.0.0.1:9';

function gatewayWith(http: ScriptedHttpClient) {
  const client = new RecoveryServicesBackupClient(
    createLocalTokenCredential(),
    '11111111-1111-1111-1111-111111111111',
    {
      endpoint: ENDPOINT,
      httpClient: http,
      retryOptions: { maxRetries: 0 },
    },
  );
  return createRecoveryServicesGateway(() => client);
}

/** A policy of the vault as backupPolicies.list returns it (v2-List-Policies.json). */
function policy(name: string, properties: Record<string, unknown>) {
  return { id: `/x/backupPolicies/${name}`, name, properties: { backupManagementType: 'AzureIaasVM', ...properties } };
}

describe('createRecoveryServicesGateway', () => {
  const vault = vaultRoute('eastus');
  const vm = vmFacts({ name: 'MyVM', resourceGroup: 'MyRG' }).vm;
  const itemPath = `${vault.vaultId}/backupFabrics/Azure/protectionContainers/iaasvmcontainer;iaasvmcontainerv2;MyRG;MyVM/protectedItems/vm;iaasvmcontainerv2;MyRG;MyVM`;

  it('enables protection with a direct PUT and reads the operation id from Azure-AsyncOperation', async () => {
    const http = new ScriptedHttpClient().on('PUT', (url) => pathOf(url) === itemPath, {
      status: 202,
      headers: {
        'azure-asyncoperation': `${ENDPOINT}${itemPath}/operationsStatus/op-123?api-version=2023-06-01`,
        'retry-after': '60',
      },
    });
    const operation = await gatewayWith(http).enableProtection(vault, vm, 'DefaultPolicy');
    expect(operation).toEqual({ operationId: 'op-123', retryAfterMs: 60_000 });
    expect(http.requests[0]?.url.pathname).toContain('iaasvmcontainer%3Biaasvmcontainerv2%3BMyRG%3BMyVM');
    expect(http.requests[0]?.body).toEqual({
      properties: {
        protectedItemType: 'Microsoft.Compute/virtualMachines',
        sourceResourceId: vm.id,
        policyId: `${vault.vaultId}/backupPolicies/DefaultPolicy`,
      },
    });
  });

  it('lists the vault Azure VM policies, V2 by policyType or by a SimpleSchedulePolicyV2 schedule, never by name', async () => {
    const http = new ScriptedHttpClient().on('GET', (url) => pathOf(url) === `${vault.vaultId}/backupPolicies`, {
      status: 200,
      body: {
        value: [
          policy('DefaultPolicy', { schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicy' } }),
          policy('EnhancedPolicy', {
            policyType: 'V2',
            schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicyV2' },
          }),
          policy('v2-daily-policy', { schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicyV2' } }),
          policy('NamedEnhancedButV1', {
            policyType: 'V1',
            schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicy' },
          }),
        ],
      },
    });
    expect(await gatewayWith(http).listPolicies(vault)).toEqual([
      { name: 'DefaultPolicy', policyType: 'V1' },
      { name: 'EnhancedPolicy', policyType: 'V2' },
      { name: 'v2-daily-policy', policyType: 'V2' },
      { name: 'NamedEnhancedButV1', policyType: 'V1' },
    ]);
    expect(http.requests[0]?.url.searchParams.get('$filter')).toBe("backupManagementType eq 'AzureIaasVM'");
  });

  it('starts a container refresh (202 + Location only) and reads its result (202 running, 204 ended)', async () => {
    const resultPath = `${vault.vaultId}/backupFabrics/Azure/operationResults/refresh-1`;
    let polls = 0;
    const http = new ScriptedHttpClient()
      .on('POST', (url) => pathOf(url) === `${vault.vaultId}/backupFabrics/Azure/refreshContainers`, {
        status: 202,
        headers: { location: `${ENDPOINT}${resultPath}?api-version=2023-06-01`, 'retry-after': '60' },
      })
      .on(
        'GET',
        (url) => pathOf(url) === resultPath,
        () => (++polls === 1 ? { status: 202 } : { status: 204 }),
      );
    const gateway = gatewayWith(http);
    expect(await gateway.refreshContainers(vault)).toEqual({ operationId: 'refresh-1', retryAfterMs: 60_000 });
    expect(http.requests[0]?.url.searchParams.get('$filter')).toBe("backupManagementType eq 'AzureIaasVM'");
    expect(await gateway.getRefreshStatus(vault, 'refresh-1')).toBe('InProgress');
    expect(await gateway.getRefreshStatus(vault, 'refresh-1')).toBe('Succeeded');
  });

  it('triggers a backup with an IaasVMBackupRequest and its expiry', async () => {
    const http = new ScriptedHttpClient().on('POST', (url) => pathOf(url) === `${itemPath}/backup`, {
      status: 202,
      headers: { 'azure-asyncoperation': `${ENDPOINT}${itemPath}/operationsStatus/op-9` },
    });
    const expiry = new Date('2026-04-01T00:00:00Z');
    expect(await gatewayWith(http).triggerBackup(vault, vm, expiry)).toMatchObject({ operationId: 'op-9' });
    expect(http.requests[0]?.body).toEqual({
      properties: { objectType: 'IaasVMBackupRequest', recoveryPointExpiryTimeInUTC: '2026-04-01T00:00:00.000Z' },
    });
  });

  it('returns null for a missing protected item and maps a present one', async () => {
    let gets = 0;
    const http: ScriptedHttpClient = new ScriptedHttpClient()
      .on('GET', (url) => pathOf(url) === itemPath && ++gets === 1, {
        status: 404,
        body: { error: { code: 'BMSUserErrorDataSourceObjectNotFound', message: 'Item not found' } },
      })
      .on('GET', (url) => pathOf(url) === itemPath, {
        status: 200,
        body: {
          name: 'VM;iaasvmcontainerv2;myrg;myvm',
          properties: {
            protectedItemType: 'Microsoft.Compute/virtualMachines',
            protectionState: 'IRPending',
            lastBackupStatus: '',
            lastBackupTime: '2001-01-01T00:00:00Z',
            containerName: 'iaasvmcontainerv2;myrg;myvm',
            sourceResourceId: vm.id,
            policyName: 'DefaultPolicy',
          },
        },
      });
    const gateway = gatewayWith(http);
    expect(await gateway.getProtectedItem(vault, vm)).toBeNull();
    const item = await gateway.getProtectedItem(vault, vm);
    expect(item).toMatchObject({
      protectionState: 'IRPending',
      containerName: 'iaasvmcontainerv2;myrg;myvm',
      vmResourceId: vm.id,
      policyName: 'DefaultPolicy',
    });
    expect(item?.lastBackupStatus).toBeUndefined();
    expect(item?.lastBackupTime).toBeUndefined();
  });

  it('reads operation status with the job id, at vault level', async () => {
    const http = new ScriptedHttpClient().on('GET', (url) => pathOf(url) === `${vault.vaultId}/backupOperations/op-1`, {
      status: 200,
      body: {
        id: 'op-1',
        name: 'op-1',
        status: 'Succeeded',
        properties: { objectType: 'OperationStatusJobExtendedInfo', jobId: 'job-7' },
      },
    });
    expect(await gatewayWith(http).getOperationStatus(vault, 'op-1')).toEqual({
      status: 'Succeeded',
      jobId: 'job-7',
      errorCode: undefined,
      errorMessage: undefined,
    });
  });

  it('lists jobs with the $filter, follows nextLink, and names job errors by their title', async () => {
    const job = (name: string, extra: Record<string, unknown>) => ({
      name,
      properties: {
        jobType: 'AzureIaaSVMJob',
        operation: 'Backup',
        status: 'Failed',
        containerName: 'iaasvmcontainerv2;myrg;myvm',
        entityFriendlyName: 'MyVM',
        startTime: '2026-03-01T10:00:00Z',
        ...extra,
      },
    });
    const http = new ScriptedHttpClient()
      .on('GET', (url) => pathOf(url) === `${vault.vaultId}/backupJobs` && !url.searchParams.has('$skipToken'), {
        status: 200,
        body: {
          value: [job('j1', {})],
          nextLink: `${ENDPOINT}${vault.vaultId}/backupJobs?api-version=2023-06-01&$skipToken=2`,
        },
      })
      .on('GET', (url) => url.searchParams.get('$skipToken') === '2', {
        status: 200,
        body: {
          value: [
            job('j2', {
              errorDetails: [
                {
                  errorCode: 380008,
                  errorTitle: 'UserErrorGuestAgentStatusUnavailable',
                  errorString: 'VM Agent unable to communicate',
                },
              ],
            }),
          ],
        },
      });
    const jobs = [];
    for await (const listed of gatewayWith(http).listJobs(vault, {
      operation: 'Backup',
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-01T13:00:00Z'),
    }))
      jobs.push(listed);
    expect(jobs.map((listed) => [listed.jobId, listed.errorCode, listed.errorMessage])).toEqual([
      ['j1', undefined, undefined],
      ['j2', 'UserErrorGuestAgentStatusUnavailable', 'VM Agent unable to communicate'],
    ]);
    expect(http.requests[0]?.url.searchParams.get('$filter')).toBe(
      "startTime eq '2026-03-01 12:00:00 AM' and endTime eq '2026-03-01 01:00:00 PM' and operation eq 'Backup' and backupManagementType eq 'AzureIaasVM'",
    );
  });

  it('maps backupStatus to protected / vault', async () => {
    const http = new ScriptedHttpClient().on(
      'POST',
      (url) => pathOf(url).toLowerCase().endsWith('/locations/eastus/backupstatus'),
      {
        status: 200,
        body: { protectionStatus: 'Protected', vaultId: vault.vaultId, policyName: 'DefaultPolicy' },
      },
    );
    expect(await gatewayWith(http).getBackupStatus(vm, 'eastus')).toEqual({
      protected: true,
      vaultId: vault.vaultId,
      policyName: 'DefaultPolicy',
      protectionStatus: 'Protected',
    });
    expect(http.requests[0]?.body).toEqual({ resourceType: 'VM', resourceId: vm.id });
  });

  it('reports policy existence', async () => {
    const http = new ScriptedHttpClient()
      .on('GET', (url) => pathOf(url).endsWith('/backupPolicies/DefaultPolicy'), {
        status: 200,
        body: { name: 'DefaultPolicy', properties: { backupManagementType: 'AzureIaasVM' } },
      })
      .on('GET', (url) => pathOf(url).endsWith('/backupPolicies/Nope'), {
        status: 404,
        body: { error: { code: 'BMSUserErrorPolicyNotFound', message: 'no' } },
      });
    const gateway = gatewayWith(http);
    expect(await gateway.policyExists(vault, 'DefaultPolicy')).toBe(true);
    expect(await gateway.policyExists(vault, 'Nope')).toBe(false);
  });

  it('classifies failures: 429 transient with Retry-After, 400 permanent', async () => {
    const http = new ScriptedHttpClient()
      .on('POST', (url) => pathOf(url).endsWith('/backup'), {
        status: 429,
        headers: { 'retry-after': '3' },
        body: { error: { code: 'ResourceRequestsThrottled', message: 'slow down' } },
      })
      .on('PUT', () => true, {
        status: 400,
        body: { error: { code: 'BMSUserErrorInvalidConfigureProtectionRequest', message: 'bad' } },
      });
    const gateway = gatewayWith(http);
    const throttled = await gateway.triggerBackup(vault, vm, new Date()).catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(TransientError);
    expect(throttled).toMatchObject({ code: 'ResourceRequestsThrottled', retryAfterMs: 3000 });
    await expect(gateway.enableProtection(vault, vm, 'DefaultPolicy')).rejects.toBeInstanceOf(PermanentError);
  });
});
