import { type SimulatorHandle, startSimulator } from '../../simulator/src';
import { createAzureClients } from '../../src/lib/clients';
import { loadConfig } from '../../src/lib/config';
import { testStorageConnectionString } from '../helpers/storage';
import { tempDir } from '../helpers/tempDir';

/** The composition root against the HTTPS ARM simulator: endpoint, CA (agent option) and local token wired right. */
const SUB = '11111111-1111-1111-1111-111111111111';
const VAULT_RG = 'rg-backup';

describe('createAzureClients against the ARM simulator', () => {
  let sim: SimulatorHandle;

  beforeAll(async () => {
    sim = await startSimulator({
      quiet: true,
      dataDir: tempDir('sim-clients-'),
      seed: {
        subscriptionId: SUB,
        tenantId: '22222222-2222-2222-2222-222222222222',
        vaults: [{ resourceGroup: VAULT_RG, name: 'rsv-eastus', location: 'eastus' }],
        vms: [{ resourceGroup: 'rg-app', name: 'vm-clients-01', location: 'eastus', tags: { team: 'a' } }],
      },
    });
  });
  afterAll(async () => sim?.stop());

  function clients() {
    return createAzureClients(
      loadConfig({
        AzureWebJobsStorage: testStorageConnectionString(),
        AUTOPROTECT_SUBSCRIPTION_IDS: SUB,
        AUTOPROTECT_VAULTS: JSON.stringify([
          {
            region: 'eastus',
            vaultId: `/subscriptions/${SUB}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/rsv-eastus`,
          },
        ]),
        AUTOPROTECT_ARM_ENDPOINT: sim.url,
        AUTOPROTECT_ARM_CA_CERT: sim.caCertPath,
      }),
    );
  }

  it('reads a VM with the compute client over TLS with the simulator CA and the local token', async () => {
    const vm = await clients().compute(SUB).virtualMachines.get('rg-app', 'vm-clients-01');
    expect(vm.location).toBe('eastus');
    expect(vm.tags).toEqual({ team: 'a' });
  });

  it('lists protected items of a vault with the backup client (URLs built from $host)', async () => {
    const items = [];
    for await (const item of clients()
      .backup(SUB)
      .backupProtectedItems.list('rsv-eastus', VAULT_RG, { filter: "backupManagementType eq 'AzureIaasVM'" }))
      items.push(item);
    expect(items).toEqual([]);
  });

  it('a missing VM surfaces as the simulator 404, not a TLS or auth failure', async () => {
    await expect(clients().compute(SUB).virtualMachines.get('rg-app', 'vm-missing')).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
