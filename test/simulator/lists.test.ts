import type { SimulatorHandle } from '../../simulator/src/index';
import { DEFAULT_SEED } from '../../simulator/src/index';
import {
  backupClient,
  BEARER,
  computeClient,
  control,
  EAST_VAULT,
  enableProtection,
  rawRequest,
  startTestSimulator,
  SUB,
  VAULT_RG,
  vmItem,
} from './helpers';

const VM_COUNT = 1005;
const V = `/subscriptions/${SUB}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${EAST_VAULT}`;

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterator) out.push(item);
  return out;
}

describe('simulator: lists with real paging and $filter', () => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    const vms = Array.from({ length: VM_COUNT }, (_, i) => ({
      resourceGroup: 'rg-fleet',
      name: `vm-${String(i).padStart(4, '0')}`,
      location: 'eastus',
      // Protected with DefaultPolicy (V1) below: standard VMs.
      securityType: 'Standard' as const,
    }));
    sim = await startTestSimulator({
      seed: { ...DEFAULT_SEED, vms: [...vms, { resourceGroup: 'rg-fleet', name: 'vm-west', location: 'westeurope' }] },
      throttling: { enabled: false },
      timing: { configureBackupMs: 0 },
    });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('pages backupProtectableItems 200 at a time with an absolute nextLink that keeps api-version and $filter', async () => {
    const filter = "backupManagementType eq 'AzureIaasVM'";
    const first = await rawRequest(
      sim,
      'GET',
      `${V}/backupProtectableItems?api-version=2023-06-01&$filter=${encodeURIComponent(filter)}`,
      undefined,
      BEARER,
    );
    const page = first.json as { value: unknown[]; nextLink: string };
    expect(page.value).toHaveLength(200);
    const next = new URL(page.nextLink);
    expect(next.origin).toBe(sim.url);
    expect(next.searchParams.get('api-version')).toBe('2023-06-01');
    expect(next.searchParams.get('$filter')).toBe(filter);
    expect(next.searchParams.get('$skipToken')).toBeTruthy();
    const all = await collect(backupClient(sim).backupProtectableItems.list(EAST_VAULT, VAULT_RG, { filter }));
    expect(all).toHaveLength(VM_COUNT);
    expect(new Set(all.map((i) => i.name)).size).toBe(VM_COUNT);
    expect(all.every((i) => i.properties?.protectableItemType === 'Microsoft.Compute/virtualMachines')).toBe(true);
  });

  it('pages protected items and jobs over 1,000 entries through the SDK iterators', async () => {
    const client = backupClient(sim);
    for (let start = 0; start < VM_COUNT; start += 25) {
      const batch = Array.from(
        { length: Math.min(25, VM_COUNT - start) },
        (_, k) => `vm-${String(start + k).padStart(4, '0')}`,
      );
      await Promise.all(batch.map((vm) => enableProtection(client, EAST_VAULT, 'rg-fleet', vm)));
    }
    const items = await collect(
      client.backupProtectedItems.list(EAST_VAULT, VAULT_RG, {
        filter: "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'",
      }),
    );
    expect(items).toHaveLength(VM_COUNT);
    const pages: number[] = [];
    for await (const page of client.backupJobs.list(EAST_VAULT, VAULT_RG).byPage()) pages.push(page.length);
    expect(pages).toEqual([200, 200, 200, 200, 200, 5]);
    const protectableLeft = await collect(client.backupProtectableItems.list(EAST_VAULT, VAULT_RG));
    expect(protectableLeft).toHaveLength(0);
  }, 60_000);

  it('filters jobs on status, operation, backupManagementType, startTime and endTime (service date format)', async () => {
    const client = backupClient(sim);
    const completedConfigure = await collect(
      client.backupJobs.list(EAST_VAULT, VAULT_RG, {
        filter: "operation eq 'ConfigureBackup' and status eq 'Completed' and backupManagementType eq 'AzureIaasVM'",
      }),
    );
    expect(completedConfigure.length).toBe(VM_COUNT);
    expect(
      await collect(client.backupJobs.list(EAST_VAULT, VAULT_RG, { filter: "operation eq 'Backup'" })),
    ).toHaveLength(0);
    expect(
      await collect(client.backupJobs.list(EAST_VAULT, VAULT_RG, { filter: "status eq 'InProgress'" })),
    ).toHaveLength(0);
    const future = await collect(
      client.backupJobs.list(EAST_VAULT, VAULT_RG, {
        filter: "startTime eq '2099-01-01 00:00:00 AM' and endTime eq '2099-12-31 11:59:59 PM'",
      }),
    );
    expect(future).toHaveLength(0);
    const window = await collect(
      client.backupJobs.list(EAST_VAULT, VAULT_RG, {
        filter:
          "startTime eq '2020-01-01 00:00:00 AM' and endTime eq '2099-12-31 11:59:59 PM' and operation eq 'ConfigureBackup'",
      }),
    );
    expect(window).toHaveLength(VM_COUNT);
  });

  it('filters protected items by friendlyName and policyName and refuses unknown filter keys', async () => {
    const client = backupClient(sim);
    const one = await collect(
      client.backupProtectedItems.list(EAST_VAULT, VAULT_RG, {
        filter: "backupManagementType eq 'AzureIaasVM' and friendlyName eq 'vm-0042'",
      }),
    );
    expect(one.map((i) => vmItem(i).friendlyName)).toEqual(['vm-0042']);
    expect(
      await collect(
        client.backupProtectedItems.list(EAST_VAULT, VAULT_RG, { filter: "policyName eq 'EnhancedPolicy'" }),
      ),
    ).toHaveLength(0);
    await expect(
      collect(client.backupProtectedItems.list(EAST_VAULT, VAULT_RG, { filter: "color eq 'blue'" })),
    ).rejects.toMatchObject({ statusCode: 400, code: 'BMSUserErrorInvalidInput' });
  });

  it('requires a backupManagementType filter on backupProtectionContainers', async () => {
    const client = backupClient(sim);
    await expect(collect(client.backupProtectionContainers.list(EAST_VAULT, VAULT_RG))).rejects.toMatchObject({
      statusCode: 400,
      code: 'BMSUserErrorInvalidInput',
    });
    const containers = await collect(
      client.backupProtectionContainers.list(EAST_VAULT, VAULT_RG, {
        filter: "backupManagementType eq 'AzureIaasVM' and status eq 'Registered'",
      }),
    );
    expect(containers).toHaveLength(VM_COUNT);
    expect(containers[0]?.name).toMatch(/^IaasVMContainer;iaasvmcontainerv2;rg-fleet;vm-\d{4}$/);
  });

  it('pages Compute listAll and list by resource group', async () => {
    const compute = computeClient(sim);
    const all = await collect(compute.virtualMachines.listAll());
    expect(all).toHaveLength(VM_COUNT + 1);
    const inGroup = await collect(compute.virtualMachines.list('rg-fleet'));
    expect(inGroup).toHaveLength(VM_COUNT + 1);
    const state = await control<{ requests: { byOperation: Record<string, number> } }>(sim, 'GET', 'state');
    expect(state.body.requests.byOperation.VirtualMachines_ListAll).toBe(Math.ceil((VM_COUNT + 1) / 200));
  });
});
