import { withCachedPolicyLookup } from '../../../../src/lib/azure/cachedPolicyLookup';
import { vaultRoute } from '../../../helpers/factories/rules';
import { FakeBackupGateway } from '../../../helpers/fakes/fakeAzure';

describe('withCachedPolicyLookup', () => {
  it('asks ARM once per vault and policy within the TTL, again after it, and never caches a missing policy', async () => {
    const fake = new FakeBackupGateway();
    const vault = vaultRoute('eastus');
    let t = 0;
    const gateway = withCachedPolicyLookup(fake, 1000, () => t);
    expect(await gateway.policyExists(vault, 'Missing')).toBe(false);
    expect(await gateway.policyExists(vault, 'Missing')).toBe(false);
    expect(fake.count('policyExists')).toBe(2);

    fake.addPolicy(vault, 'DefaultPolicy');
    expect(await gateway.policyExists(vault, 'DefaultPolicy')).toBe(true);
    t = 999;
    expect(await gateway.policyExists(vault, 'defaultpolicy')).toBe(true);
    expect(fake.count('policyExists')).toBe(3);
    t = 1000;
    expect(await gateway.policyExists(vault, 'DefaultPolicy')).toBe(true);
    expect(fake.count('policyExists')).toBe(4);
  });

  it('shares one request among concurrent first look-ups', async () => {
    const fake = new FakeBackupGateway();
    const vault = vaultRoute('eastus');
    fake.addPolicy(vault, 'DefaultPolicy');
    const gateway = withCachedPolicyLookup(fake);
    expect(await Promise.all([1, 2, 3].map(() => gateway.policyExists(vault, 'DefaultPolicy')))).toEqual([
      true,
      true,
      true,
    ]);
    expect(fake.count('policyExists')).toBe(1);
  });

  it('lists a vault policies once within the TTL, shares concurrent listings, and re-lists on `fresh` after 15 s', async () => {
    const fake = new FakeBackupGateway();
    const vault = vaultRoute('eastus');
    fake.addPolicy(vault, 'DefaultPolicy', 'V1');
    let t = 0;
    const gateway = withCachedPolicyLookup(fake, 600_000, () => t);
    const listed = await Promise.all([gateway.listPolicies(vault), gateway.listPolicies(vault)]);
    expect(listed).toEqual([
      [{ name: 'DefaultPolicy', policyType: 'V1' }],
      [{ name: 'DefaultPolicy', policyType: 'V1' }],
    ]);
    expect(fake.count('listPolicies')).toBe(1);

    fake.addPolicy(vault, 'EnhancedPolicy', 'V2');
    t = 14_999;
    expect(await gateway.listPolicies(vault, { fresh: true })).toHaveLength(1);
    t = 15_000;
    expect(await gateway.listPolicies(vault, { fresh: true })).toHaveLength(2);
    t = 600_000;
    expect(await gateway.listPolicies(vault)).toHaveLength(2);
    expect(fake.count('listPolicies')).toBe(2);
    t = 615_000;
    await gateway.listPolicies(vault);
    expect(fake.count('listPolicies')).toBe(3);
    expect(await gateway.listPolicies(vaultRoute('westeurope'))).toEqual([]);
  });

  it('delegates every other call unchanged', async () => {
    const fake = new FakeBackupGateway();
    const gateway = withCachedPolicyLookup(fake);
    const vault = vaultRoute('eastus');
    expect(await gateway.getJob(vault, 'nope')).toBeNull();
    expect(await gateway.getOperationStatus(vault, 'nope')).toEqual({ status: 'Invalid' });
    const refresh = await gateway.refreshContainers(vault);
    expect(await gateway.getRefreshStatus(vault, refresh.operationId ?? '')).toBe('Succeeded');
    expect(fake.count('getJob') + fake.count('getOperationStatus')).toBe(2);
    expect(fake.count('refreshContainers') + fake.count('getRefreshStatus')).toBe(2);
  });
});
