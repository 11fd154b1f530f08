import {
  backupClient,
  BEARER,
  control,
  createVm,
  EAST_VAULT,
  enableProtection,
  names,
  protectAndWait,
  rawRequest,
  SUB,
  useTestSimulator,
  VAULT_RG,
  WEST_VAULT,
} from './helpers';

const V = `/subscriptions/${SUB}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${EAST_VAULT}`;

describe('simulator: what the real service refuses, it refuses', () => {
  const sim = useTestSimulator({ timing: { configureBackupMs: 2000 } });

  it('answers 401 with an ARM error body without a bearer token', async () => {
    const res = await rawRequest(sim(), 'GET', `${V}/backupJobs?api-version=2023-06-01`);
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: { code: 'AuthenticationFailed' } });
    expect(res.headers['x-ms-request-id']).toBeDefined();
  });

  it('answers 501 NotImplemented with an ARM error body for operations it does not model', async () => {
    const res = await rawRequest(
      sim(),
      'GET',
      `${V}/backupFabrics/Azure/protectionContainers/x/protectedItems/y/recoveryPoints?api-version=2023-06-01`,
      undefined,
      BEARER,
    );
    expect(res.status).toBe(501);
    expect(res.json).toMatchObject({ error: { code: 'NotImplemented' } });
    const patch = await rawRequest(sim(), 'PATCH', `${V}/backupJobs?api-version=2023-06-01`, {}, BEARER);
    expect(patch.status).toBe(501);
  });

  it('refuses request bodies over 4 MB with 413', async () => {
    const res = await rawRequest(
      sim(),
      'PUT',
      `${V}/backupFabrics/Azure/protectionContainers/a/protectedItems/b?api-version=2023-06-01`,
      'x'.repeat(5 * 1024 * 1024),
      BEARER,
    );
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ error: { code: 'RequestEntityTooLarge' } });
  });

  it('requires api-version', async () => {
    const res = await rawRequest(sim(), 'GET', `${V}/backupJobs`, undefined, BEARER);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
  });

  it('refuses a VM in another region than the vault (400 UserErrorVmVaultLocationMismatch)', async () => {
    await createVm(sim(), 'vmWest01', { location: 'westus2' });
    await expect(enableProtection(backupClient(sim()), EAST_VAULT, 'rg-app', 'vmWest01')).rejects.toMatchObject({
      statusCode: 400,
      code: 'UserErrorVmVaultLocationMismatch',
    });
  });

  it('refuses a VM already protected by another vault', async () => {
    await createVm(sim(), 'vmTwice', { location: 'eastus' });
    await enableProtection(backupClient(sim()), EAST_VAULT, 'rg-app', 'vmTwice');
    await control(sim(), 'POST', 'seed', {
      subscriptionId: SUB,
      tenantId: '22222222-2222-2222-2222-222222222222',
      vaults: [{ resourceGroup: VAULT_RG, name: 'rsv-eastus-2', location: 'eastus' }],
    });
    await expect(enableProtection(backupClient(sim()), 'rsv-eastus-2', 'rg-app', 'vmTwice')).rejects.toMatchObject({
      statusCode: 400,
      code: 'UserErrorVmAlreadyProtectedByAnotherVault',
    });
  });

  it('refuses an unknown policy and a policy of another vault', async () => {
    await createVm(sim(), 'vmPolicy', { location: 'eastus' });
    await expect(
      enableProtection(backupClient(sim()), EAST_VAULT, 'rg-app', 'vmPolicy', 'NoSuchPolicy'),
    ).rejects.toMatchObject({ statusCode: 404, code: 'BMSUserErrorPolicyNotFound' });
    const n = names('rg-app', 'vmPolicy');
    const foreign = `/subscriptions/${SUB}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${WEST_VAULT}/backupPolicies/DefaultPolicy`;
    const sourceResourceId = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vmPolicy`;
    await expect(
      backupClient(sim()).protectedItems.createOrUpdate(EAST_VAULT, VAULT_RG, 'Azure', n.container, n.item, {
        properties: { protectedItemType: 'Microsoft.Compute/virtualMachines', sourceResourceId, policyId: foreign },
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'BMSUserErrorInvalidPolicyInput' });
  });

  it('refuses a VM that does not exist (BMSUserErrorInvalidConfigureProtectionRequest)', async () => {
    await expect(enableProtection(backupClient(sim()), EAST_VAULT, 'rg-app', 'vmGhost')).rejects.toMatchObject({
      statusCode: 400,
      code: 'BMSUserErrorInvalidConfigureProtectionRequest',
    });
  });

  it('answers 404 BMSUserErrorDataSourceObjectNotFound for a missing item (GET and backup)', async () => {
    const n = names('rg-app', 'vmMissing');
    const client = backupClient(sim());
    await expect(client.protectedItems.get(EAST_VAULT, VAULT_RG, 'Azure', n.container, n.item)).rejects.toMatchObject({
      statusCode: 404,
      code: 'BMSUserErrorDataSourceObjectNotFound',
    });
    await expect(
      client.backups.trigger(EAST_VAULT, VAULT_RG, 'Azure', n.container, n.item, {
        properties: { objectType: 'IaasVMBackupRequest' },
      }),
    ).rejects.toMatchObject({ statusCode: 404 });
  });

  it('refuses concurrent protection changes on one item (409 BMSUserErrorObjectLocked)', async () => {
    await createVm(sim(), 'vmLocked', { location: 'eastus' });
    const client = backupClient(sim());
    await enableProtection(client, EAST_VAULT, 'rg-app', 'vmLocked');
    await expect(enableProtection(client, EAST_VAULT, 'rg-app', 'vmLocked', 'EnhancedPolicy')).rejects.toMatchObject({
      statusCode: 409,
      code: 'BMSUserErrorObjectLocked',
    });
    const n = names('rg-app', 'vmLocked');
    await expect(
      client.backups.trigger(EAST_VAULT, VAULT_RG, 'Azure', n.container, n.item, {
        properties: { objectType: 'IaasVMBackupRequest' },
      }),
    ).rejects.toMatchObject({ statusCode: 409, code: 'BMSUserErrorObjectLocked' });
  });

  it('reports a missing vault with ARM gateway 404 and a missing job with 404', async () => {
    const client = backupClient(sim());
    await expect(client.backupJobs.list('rsv-nowhere', VAULT_RG).next()).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
    await expect(
      client.jobDetails.get(EAST_VAULT, VAULT_RG, '00000000-0000-0000-0000-000000000000'),
    ).rejects.toMatchObject({ statusCode: 404 });
  });

  it('refuses a PUT body without protectedItemType (400 BMSUserErrorInvalidConfigureProtectionRequest)', async () => {
    await createVm(sim(), 'vmBody', { location: 'eastus' });
    const n = names('rg-app', 'vmBody');
    const res = await rawRequest(
      sim(),
      'PUT',
      `${V}/backupFabrics/Azure/protectionContainers/${n.container}/protectedItems/${n.item}?api-version=2023-06-01`,
      { properties: {} },
      BEARER,
    );
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      error: { code: 'BMSUserErrorInvalidConfigureProtectionRequest', message: expect.any(String) },
    });
  });
});

describe('simulator: names, case and ";" as the service accepts them', () => {
  const sim = useTestSimulator();

  it('accepts literal ";" or %3B, any case, and /Subscriptions/, and returns lower-cased canonical names', async () => {
    await createVm(sim(), 'MixedCaseVM', { resourceGroup: 'RG-Mixed', location: 'eastus' });
    const client = backupClient(sim());
    await protectAndWait(client, EAST_VAULT, 'RG-Mixed', 'MixedCaseVM');
    const variants = [
      `/subscriptions/${SUB}/resourceGroups/${VAULT_RG}/providers/Microsoft.RecoveryServices/vaults/${EAST_VAULT}/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;RG-Mixed;MixedCaseVM/protectedItems/VM;iaasvmcontainerv2;RG-Mixed;MixedCaseVM`,
      `/Subscriptions/${SUB}/resourcegroups/${VAULT_RG}/providers/microsoft.recoveryservices/vaults/${EAST_VAULT.toUpperCase()}/backupfabrics/azure/protectionContainers/iaasvmcontainer%3Biaasvmcontainerv2%3Brg-mixed%3Bmixedcasevm/protectedItems/vm%3biaasvmcontainerv2%3brg-mixed%3bmixedcasevm`,
    ];
    for (const path of variants) {
      const res = await rawRequest(sim(), 'GET', `${path}?api-version=2023-06-01`, undefined, BEARER);
      expect(res.status).toBe(200);
      const body = res.json as {
        name: string;
        id: string;
        properties: { friendlyName: string; containerName: string; virtualMachineId: string };
      };
      expect(body.name).toBe('VM;iaasvmcontainerv2;rg-mixed;mixedcasevm');
      expect(body.id).toContain(
        '/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg-mixed;mixedcasevm/protectedItems/',
      );
      expect(body.properties.friendlyName).toBe('MixedCaseVM');
      expect(body.properties.containerName).toBe('iaasvmcontainerv2;rg-mixed;mixedcasevm');
      expect(body.properties.virtualMachineId).toContain(
        '/resourceGroups/RG-Mixed/providers/Microsoft.Compute/virtualMachines/MixedCaseVM',
      );
    }
  });

  it('echoes x-ms-client-request-id and sets the ARM request headers', async () => {
    const res = await rawRequest(sim(), 'GET', `${V}/backupPolicies/DefaultPolicy?api-version=2023-06-01`, undefined, {
      ...BEARER,
      'x-ms-client-request-id': 'abc-123',
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-ms-client-request-id']).toBe('abc-123');
    expect(res.headers['x-ms-correlation-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(String(res.headers['x-ms-routing-request-id'])).toMatch(/^[A-Z]+:\d{8}T\d{6}Z:[0-9a-f-]{36}$/);
    expect(res.headers['x-ms-ratelimit-remaining-subscription-reads']).toMatch(/^\d+$/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers.expires).toBe('-1');
  });
});
