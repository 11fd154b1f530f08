import type { SimulatorHandle } from '../../simulator/src/index';
import { DEFAULT_BACKUP } from '../../simulator/src/index';
import {
  backupClient,
  BEARER,
  computeClient,
  control,
  createVm,
  EAST_VAULT,
  enableProtection,
  names,
  operationIdOf,
  pollUntil,
  rawRequest,
  startTestSimulator,
  SUB,
  useTestSimulator,
  VAULT_RG,
} from './helpers';

const V = `/subscriptions/${SUB}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${EAST_VAULT}`;

interface StateView {
  vms: Array<{ name: string; securityType: string; provisioningState: string }>;
  policies: Array<{ id: string; name: string; policyType: string }>;
  protectedItems: Array<{ sourceResourceId: string; policyId: string }>;
  jobs: Array<{ operation: string; status: string; entityFriendlyName: string; errorCode?: string }>;
}

async function state(sim: SimulatorHandle): Promise<StateView> {
  return (await control<StateView>(sim, 'GET', 'state')).body;
}

describe('simulator: VMs carry what Compute returns', () => {
  const sim = useTestSimulator();

  it('creates Trusted Launch VMs by default, in the shape virtualMachines.get returns', async () => {
    await control(sim(), 'POST', 'vms', { resourceGroup: 'rg-shape', name: 'vm-default', location: 'eastus' });
    const vm = await computeClient(sim()).virtualMachines.get('rg-shape', 'vm-default');
    expect(vm.securityProfile).toEqual({
      uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
      securityType: 'TrustedLaunch',
    });
    expect(vm.storageProfile?.osDisk).toMatchObject({
      createOption: 'FromImage',
      managedDisk: { storageAccountType: 'Premium_LRS' },
    });
    expect(vm.storageProfile?.osDisk?.diffDiskSettings).toBeUndefined();
    expect(vm.priority).toBe('Regular');
    expect(vm.provisioningState).toBe('Succeeded');
  });

  it('takes securityType, an ephemeral OS disk, data disk types, Spot and a provisioning state', async () => {
    await control(sim(), 'POST', 'vms', {
      resourceGroup: 'rg-shape',
      name: 'vm-custom',
      location: 'eastus',
      securityType: 'Standard',
      ephemeralOsDisk: true,
      dataDisks: [{ storageAccountType: 'PremiumV2_LRS' }, { storageAccountType: 'UltraSSD_LRS' }],
      priority: 'Spot',
      provisioningState: 'Creating',
    });
    const vm = await computeClient(sim()).virtualMachines.get('rg-shape', 'vm-custom');
    expect(vm.securityProfile).toBeUndefined();
    expect(vm.storageProfile?.osDisk?.diffDiskSettings).toEqual({ option: 'Local', placement: 'CacheDisk' });
    expect(vm.storageProfile?.dataDisks?.map((disk) => [disk.managedDisk?.storageAccountType, disk.caching])).toEqual([
      ['PremiumV2_LRS', 'None'],
      ['UltraSSD_LRS', 'None'],
    ]);
    expect(vm.additionalCapabilities).toEqual({ ultraSSDEnabled: true });
    expect(vm.priority).toBe('Spot');
    expect(vm.provisioningState).toBe('Creating');
    expect((await state(sim())).vms.find((v) => v.name === 'vm-custom')).toMatchObject({
      securityType: 'Standard',
      provisioningState: 'Creating',
    });
  });

  it('takes the same fields from a seed, and keeps shared disks out of the VM body', async () => {
    await control(sim(), 'POST', 'seed', {
      subscriptionId: SUB,
      tenantId: '22222222-2222-2222-2222-222222222222',
      vaults: [],
      vms: [
        {
          resourceGroup: 'rg-seeded',
          name: 'vm-confidential',
          location: 'eastus',
          securityType: 'ConfidentialVM',
          dataDisks: [{ storageAccountType: 'Premium_LRS', maxShares: 2 }],
        },
      ],
    });
    const vm = await computeClient(sim()).virtualMachines.get('rg-seeded', 'vm-confidential');
    expect(vm.securityProfile?.securityType).toBe('ConfidentialVM');
    expect(vm.storageProfile?.osDisk?.managedDisk?.securityProfile).toEqual({
      securityEncryptionType: 'VMGuestStateOnly',
    });
    expect(JSON.stringify(vm)).not.toContain('maxShares');
  });

  it('holds DefaultPolicy (V1) and EnhancedPolicy (V2) in every vault, in the REST examples shapes', async () => {
    const listed = await rawRequest(
      sim(),
      'GET',
      `${V}/backupPolicies?api-version=2023-06-01&$filter=${encodeURIComponent("backupManagementType eq 'AzureIaasVM'")}`,
      undefined,
      BEARER,
    );
    const policies = (listed.json as { value: Array<{ name: string; properties: Record<string, unknown> }> }).value;
    const byName = new Map(policies.map((policy) => [policy.name, policy.properties]));
    // ProtectionPolicies_Get.json: V1 has SimpleSchedulePolicy and no policyType.
    expect(byName.get('DefaultPolicy')?.policyType).toBeUndefined();
    expect(byName.get('DefaultPolicy')?.schedulePolicy).toMatchObject({ schedulePolicyType: 'SimpleSchedulePolicy' });
    // AzureIaasVm/V2Policy/IaaS_v2_hourly.json (2023-06-01): policyType V2, SimpleSchedulePolicyV2, hourlySchedule.
    expect(byName.get('EnhancedPolicy')).toMatchObject({
      backupManagementType: 'AzureIaasVM',
      policyType: 'V2',
      instantRpRetentionRangeInDays: expect.any(Number),
      schedulePolicy: {
        schedulePolicyType: 'SimpleSchedulePolicyV2',
        scheduleRunFrequency: 'Hourly',
        hourlySchedule: {
          interval: expect.any(Number),
          scheduleWindowStartTime: expect.any(String),
          scheduleWindowDuration: expect.any(Number),
        },
      },
    });
    expect((await state(sim())).policies.filter((p) => p.id.startsWith(V))).toEqual([
      { id: `${V}/backupPolicies/DefaultPolicy`, name: 'DefaultPolicy', kind: 'IaasV1Daily', policyType: 'V1' },
      { id: `${V}/backupPolicies/EnhancedPolicy`, name: 'EnhancedPolicy', kind: 'IaasV2Hourly', policyType: 'V2' },
    ]);
  });

  it('renders a V2 daily policy without policyType, as v2-List-Policies.json lists one', async () => {
    await control(sim(), 'POST', 'seed', {
      subscriptionId: SUB,
      tenantId: '22222222-2222-2222-2222-222222222222',
      vaults: [
        {
          resourceGroup: 'rg-other',
          name: 'rsv-daily',
          location: 'eastus',
          policies: [{ name: 'v2-daily-policy', kind: 'IaasV2Daily' }],
        },
      ],
    });
    const policy = await backupClient(sim()).protectionPolicies.get('rsv-daily', 'rg-other', 'v2-daily-policy');
    expect(policy.properties).not.toHaveProperty('policyType');
    expect(policy.properties).toMatchObject({
      schedulePolicy: { schedulePolicyType: 'SimpleSchedulePolicyV2', scheduleRunFrequency: 'Daily' },
    });
  });
});

/** Every configuration Azure Backup refuses with a policy type, in both refusal modes (UNVERIFIED which is real). */
describe.each(['sync-400', 'failed-job'] as const)('simulator: refusals of VM configurations (%s)', (mode) => {
  let sim: SimulatorHandle;
  const client = () => backupClient(sim);
  beforeAll(async () => {
    sim = await startTestSimulator({ backup: { refusal: { mode } } });
  });
  afterAll(async () => {
    await sim.stop();
  });

  /** Enables protection and returns how it ended: accepted, or refused with the code and message. */
  async function protect(
    vm: string,
    policy: string,
  ): Promise<{ outcome: 'accepted' | 'refused'; code?: string; message?: string }> {
    try {
      const raw = await enableProtection(client(), EAST_VAULT, 'rg-refuse', vm, policy);
      const opId = operationIdOf(raw);
      const done = await pollUntil(
        () => client().backupOperationStatuses.get(EAST_VAULT, VAULT_RG, opId),
        (status) => status.status !== 'InProgress',
      );
      if (done.status === 'Succeeded') return { outcome: 'accepted' };
      expect(mode).toBe('failed-job');
      return { outcome: 'refused', code: done.error?.code, message: done.error?.message };
    } catch (error) {
      expect(mode).toBe('sync-400');
      const { statusCode, code, message } = error as { statusCode: number; code: string; message: string };
      expect(statusCode).toBe(400);
      return { outcome: 'refused', code, message };
    }
  }

  const cases: Array<[string, Record<string, unknown>, string, 'accepted' | RegExp]> = [
    ['Trusted Launch with DefaultPolicy', {}, 'DefaultPolicy', /Trusted Launch .* Enhanced policy \(policyType V2\)/],
    ['Trusted Launch with EnhancedPolicy', {}, 'EnhancedPolicy', 'accepted'],
    [
      'Confidential VM with DefaultPolicy',
      { securityType: 'ConfidentialVM' },
      'DefaultPolicy',
      /Confidential .* Enhanced policy/,
    ],
    ['Confidential VM with EnhancedPolicy', { securityType: 'ConfidentialVM' }, 'EnhancedPolicy', 'accepted'],
    [
      'Premium SSD v2 disk with DefaultPolicy',
      { securityType: 'Standard', dataDisks: [{ storageAccountType: 'PremiumV2_LRS' }] },
      'DefaultPolicy',
      /Premium SSD v2 or Ultra disks/,
    ],
    [
      'Ultra disk with DefaultPolicy',
      { securityType: 'Standard', dataDisks: [{ storageAccountType: 'UltraSSD_LRS' }] },
      'DefaultPolicy',
      /Premium SSD v2 or Ultra disks/,
    ],
    [
      'Premium SSD v2 disk with EnhancedPolicy',
      { securityType: 'Standard', dataDisks: [{ storageAccountType: 'PremiumV2_LRS' }] },
      'EnhancedPolicy',
      'accepted',
    ],
    [
      'shared disk with DefaultPolicy',
      { securityType: 'Standard', dataDisks: [{ storageAccountType: 'Premium_LRS', maxShares: 2 }] },
      'DefaultPolicy',
      /shared disks/,
    ],
    ['ephemeral OS disk with EnhancedPolicy', { ephemeralOsDisk: true }, 'EnhancedPolicy', /ephemeral OS disk/],
    [
      'ephemeral OS disk with DefaultPolicy',
      { securityType: 'Standard', ephemeralOsDisk: true },
      'DefaultPolicy',
      /ephemeral OS disk/,
    ],
    ['standard VM with DefaultPolicy', { securityType: 'Standard' }, 'DefaultPolicy', 'accepted'],
  ];

  it.each(cases)('%s', async (_label, shape, policy, expected) => {
    const name = `vm-${Math.random().toString(36).slice(2, 10)}`;
    await createVm(sim, name, { resourceGroup: 'rg-refuse', securityType: undefined, ...shape });
    const result = await protect(name, policy);
    if (expected === 'accepted') {
      expect(result).toEqual({ outcome: 'accepted' });
      return;
    }
    expect(result).toMatchObject({ outcome: 'refused', code: DEFAULT_BACKUP.refusal.code });
    expect(result.message).toMatch(expected);
    // Nothing is left protected after a refusal, in either mode.
    const items = (await state(sim)).protectedItems.filter((item) => item.sourceResourceId.endsWith(`/${name}`));
    expect(items).toEqual([]);
  });

  it('refuses a confidential OS disk encrypted with a customer-managed key, even with an Enhanced policy', async () => {
    await computeClient(sim).virtualMachines.beginCreateOrUpdateAndWait('rg-refuse', 'vm-cvm-cmk', {
      location: 'eastus',
      securityProfile: { securityType: 'ConfidentialVM' },
      storageProfile: {
        osDisk: {
          createOption: 'FromImage',
          managedDisk: {
            securityProfile: {
              securityEncryptionType: 'DiskWithVMGuestState',
              diskEncryptionSet: {
                id: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/diskEncryptionSets/z',
              },
            },
          },
        },
      },
    });
    const result = await (async () => {
      try {
        const raw = await enableProtection(client(), EAST_VAULT, 'rg-refuse', 'vm-cvm-cmk', 'EnhancedPolicy');
        return await pollUntil(
          () => client().backupOperationStatuses.get(EAST_VAULT, VAULT_RG, operationIdOf(raw)),
          (status) => status.status !== 'InProgress',
        );
      } catch (error) {
        return { status: 'Refused', error: error as { code: string; message: string } };
      }
    })();
    expect(result.status).toBe(mode === 'sync-400' ? 'Refused' : 'Failed');
    expect(result.error?.message).toMatch(/customer-managed key/);
  });

  it('refuses moving an item from an Enhanced to a Standard policy', async () => {
    await createVm(sim, 'vm-v2-to-v1', { resourceGroup: 'rg-refuse' });
    expect(await protect('vm-v2-to-v1', 'EnhancedPolicy')).toEqual({ outcome: 'accepted' });
    const result = await protect('vm-v2-to-v1', 'DefaultPolicy');
    expect(result.outcome).toBe('refused');
    expect(result.message).toMatch(/cannot move to a Standard policy/);
  });

  it('accepts a Trusted Launch VM with a Standard policy from REST api-version 2025-01-01', async () => {
    await createVm(sim, 'vm-tl-new-api', { resourceGroup: 'rg-refuse', securityType: 'TrustedLaunch' });
    const n = names('rg-refuse', 'vm-tl-new-api');
    const res = await rawRequest(
      sim,
      'PUT',
      `${V}/backupFabrics/Azure/protectionContainers/${n.container}/protectedItems/${n.item}?api-version=2025-01-01`,
      {
        properties: {
          protectedItemType: 'Microsoft.Compute/virtualMachines',
          sourceResourceId: `/subscriptions/${SUB}/resourceGroups/rg-refuse/providers/Microsoft.Compute/virtualMachines/vm-tl-new-api`,
          policyId: `${V}/backupPolicies/DefaultPolicy`,
        },
      },
      BEARER,
    );
    expect(res.status).toBe(202);
  });

  if (mode === 'failed-job') {
    it('ends the ConfigureBackup job Failed with the code as errorTitle, and answers its Location with the error', async () => {
      await createVm(sim, 'vm-failed-job', { resourceGroup: 'rg-refuse', securityType: 'TrustedLaunch' });
      const raw = await enableProtection(client(), EAST_VAULT, 'rg-refuse', 'vm-failed-job', 'DefaultPolicy');
      expect(raw.status).toBe(202);
      const opId = operationIdOf(raw);
      const done = await pollUntil(
        () => client().backupOperationStatuses.get(EAST_VAULT, VAULT_RG, opId),
        (status) => status.status !== 'InProgress',
      );
      expect(done).toMatchObject({ status: 'Failed', error: { code: DEFAULT_BACKUP.refusal.code } });
      const job = (await state(sim)).jobs.find(
        (j) => j.entityFriendlyName === 'vm-failed-job' && j.operation === 'ConfigureBackup',
      );
      expect(job).toMatchObject({ status: 'Failed', errorCode: DEFAULT_BACKUP.refusal.code });
      const location = String(raw.headers.get('location'));
      const result = await rawRequest(
        sim,
        'GET',
        new URL(location).pathname + new URL(location).search,
        undefined,
        BEARER,
      );
      expect(result.status).toBe(400);
      expect(result.json).toMatchObject({ error: { code: DEFAULT_BACKUP.refusal.code } });
    });
  }
});

describe('simulator: refusal settings', () => {
  const sim = useTestSimulator();

  it('takes the refusal code and status from POST /_sim/backup, shows them in settings, and reset restores them', async () => {
    const set = await control(sim(), 'POST', 'backup', { refusal: { statusCode: 409, code: 'UserErrorSomethingNew' } });
    expect(set.body).toMatchObject({ refusal: { mode: 'sync-400', statusCode: 409, code: 'UserErrorSomethingNew' } });
    await createVm(sim(), 'vm-custom-code', { securityType: 'TrustedLaunch' });
    await expect(enableProtection(backupClient(sim()), EAST_VAULT, 'rg-app', 'vm-custom-code')).rejects.toMatchObject({
      statusCode: 409,
      code: 'UserErrorSomethingNew',
    });
    expect((await control(sim(), 'GET', 'settings')).body).toMatchObject({ backup: { refusal: { statusCode: 409 } } });
    expect((await control(sim(), 'POST', 'backup', { refusal: { mode: 'later' } })).status).toBe(400);
    expect((await control(sim(), 'POST', 'backup', { lag: 1 })).status).toBe(400);
    await control(sim(), 'POST', 'reset', {});
    expect((await control(sim(), 'GET', 'settings')).body).toMatchObject({ backup: DEFAULT_BACKUP });
  });
});

describe('simulator: discovery lag', () => {
  const sim = useTestSimulator({ backup: { discoveryLagSeconds: 60 } });
  const filter = encodeURIComponent("backupManagementType eq 'AzureIaasVM'");

  async function protectable(): Promise<string[]> {
    const res = await rawRequest(
      sim(),
      'GET',
      `${V}/backupProtectableItems?api-version=2023-06-01&$filter=${filter}`,
      undefined,
      BEARER,
    );
    return (res.json as { value: Array<{ properties: { friendlyName: string } }> }).value.map(
      (item) => item.properties.friendlyName,
    );
  }

  it('cannot resolve a new VM until a refresh that started after it ran, then can', async () => {
    await createVm(sim(), 'vm-lagging');
    await expect(enableProtection(backupClient(sim()), EAST_VAULT, 'rg-app', 'vm-lagging')).rejects.toMatchObject({
      statusCode: 400,
      code: 'BMSUserErrorInvalidConfigureProtectionRequest',
    });
    expect(await protectable()).not.toContain('vm-lagging');

    const refresh = await rawRequest(
      sim(),
      'POST',
      `${V}/backupFabrics/Azure/refreshContainers?api-version=2023-06-01&$filter=${filter}`,
      undefined,
      BEARER,
    );
    expect(refresh.status).toBe(202);
    expect(refresh.headers['azure-asyncoperation']).toBeUndefined();
    const location = new URL(String(refresh.headers.location));
    expect(location.pathname).toMatch(/\/backupFabrics\/Azure\/operationResults\/[0-9a-f-]+$/);
    // A VM created while the refresh runs is not in it.
    await createVm(sim(), 'vm-after-refresh');
    const first = await rawRequest(sim(), 'GET', `${location.pathname}${location.search}`, undefined, BEARER);
    expect(first.status).toBe(202);
    await pollUntil(
      () => rawRequest(sim(), 'GET', `${location.pathname}${location.search}`, undefined, BEARER),
      (res) => res.status === 204,
    );

    expect(await protectable()).toEqual(expect.arrayContaining(['vm-lagging']));
    expect(await protectable()).not.toContain('vm-after-refresh');
    expect((await enableProtection(backupClient(sim()), EAST_VAULT, 'rg-app', 'vm-lagging')).status).toBe(202);
    await expect(enableProtection(backupClient(sim()), EAST_VAULT, 'rg-app', 'vm-after-refresh')).rejects.toMatchObject(
      { code: 'BMSUserErrorInvalidConfigureProtectionRequest' },
    );
  });

  it('resolves a VM older than the lag without a refresh, and is off after POST /_sim/backup sets it to 0', async () => {
    await control(sim(), 'POST', 'backup', { discoveryLagSeconds: 0 });
    await createVm(sim(), 'vm-no-lag');
    expect((await enableProtection(backupClient(sim()), EAST_VAULT, 'rg-app', 'vm-no-lag')).status).toBe(202);
  });
});
