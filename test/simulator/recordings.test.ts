import { BEARER, control, pollUntil, rawRequest, useTestSimulator } from './helpers';
import { loadRecording, Replayer, shapeDifferences } from './replay';

/** Compares one replayed exchange with the recorded one: status code, body shape, async headers. */
function expectLikeRecording(
  entry: ReturnType<typeof loadRecording>[number],
  res: Awaited<ReturnType<Replayer['replay']>>,
): void {
  expect({ uri: entry.RequestUri, status: res.status }).toEqual({ uri: entry.RequestUri, status: entry.StatusCode });
  if (entry.ResponseBody) {
    const recorded = JSON.parse(entry.ResponseBody) as { status?: string; properties?: { status?: string } };
    expect(shapeDifferences(recorded, res.json)).toEqual([]);
    const ours = res.json as { status?: string; properties?: { status?: string } };
    expect(ours.status ?? ours.properties?.status).toBe(recorded.status ?? recorded.properties?.status);
  } else expect(res.text).toBe('');
  for (const header of ['Location', 'Azure-AsyncOperation']) {
    const recorded = entry.ResponseHeaders[header]?.[0];
    if (!recorded) continue;
    expect(Replayer.headerPath(String(res.headers[header.toLowerCase()]))).toBe(Replayer.headerPath(recorded));
    if (recorded.includes(';')) expect(String(res.headers[header.toLowerCase()])).toContain(';');
  }
  if (entry.ResponseHeaders['Retry-After']) expect(res.headers['retry-after']).toBeDefined();
  for (const name of Object.keys(entry.ResponseHeaders).filter((h) =>
    h.startsWith('x-ms-ratelimit-remaining-subscription-'),
  )) {
    expect(res.headers[name]).toMatch(/^\d+$/);
  }
}

describe('simulator: replaying TestAzureVMProtection (Azure PowerShell, live 2022)', () => {
  const SUB = 'e37510d7-33b6-4676-886f-ee75bcc01871';
  const sim = useTestSimulator({
    seed: {
      subscriptionId: SUB,
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      vaults: [{ resourceGroup: 'PSTestRGf27fbc22', name: 'PSTestRSVf27fbc22', location: 'southeastasia' }],
      // The recorded VM was protected with DefaultPolicy (V1): it was not a Trusted Launch VM.
      vms: [
        {
          resourceGroup: 'PSTestRGf27fbc22',
          name: 'PSTestVMf27fb0',
          location: 'southeastasia',
          securityType: 'Standard',
        },
      ],
    },
  });

  it('answers every recorded request with the recorded status code, body shape and async headers', async () => {
    const replayer = new Replayer(sim());
    for (const entry of loadRecording('TestAzureVMProtection.excerpt.json'))
      expectLikeRecording(entry, await replayer.replay(entry));
  });
});

describe('simulator: replaying TestAzureVMBackup (Azure PowerShell, live 2023)', () => {
  const SUB = '38304e13-357e-405e-9e9a-220351dcce8c';
  const VAULT = `/subscriptions/${SUB}/resourceGroups/hiagarg/providers/Microsoft.RecoveryServices/vaults/hiaga-adhoc-vault`;
  const sim = useTestSimulator({
    seed: {
      subscriptionId: SUB,
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      vaults: [{ resourceGroup: 'hiagarg', name: 'hiaga-adhoc-vault', location: 'westindia' }],
      // Both recorded VMs were protected with DefaultPolicy (V1): neither was a Trusted Launch VM.
      vms: [
        { resourceGroup: 'hiagarg', name: 'hiaga-adhoc-vm', location: 'westindia', securityType: 'Standard' },
        { resourceGroup: 'hiagarg', name: 'hiaganewVM3', location: 'westindia', securityType: 'Standard' },
      ],
    },
  });
  beforeAll(async () => {
    // The recording starts with both VMs already protected (IRPending): reproduce that state first.
    for (const vm of ['hiaga-adhoc-vm', 'hiaganewVM3']) {
      const res = await rawRequest(
        sim(),
        'PUT',
        `${VAULT}/backupFabrics/Azure/protectionContainers/iaasvmcontainer;iaasvmcontainerv2;hiagarg;${vm}/protectedItems/vm;iaasvmcontainerv2;hiagarg;${vm}?api-version=2023-01-01`,
        {
          properties: {
            protectedItemType: 'Microsoft.Compute/virtualMachines',
            sourceResourceId: `/subscriptions/${SUB}/resourceGroups/hiagarg/providers/Microsoft.Compute/virtualMachines/${vm}`,
            policyId: `${VAULT}/backupPolicies/DefaultPolicy`,
          },
        },
        BEARER,
      );
      expect(res.status).toBe(202);
    }
    await pollUntil(
      async () => (await control<{ jobs: Array<{ status: string }> }>(sim(), 'GET', 'state')).body.jobs,
      (jobs) => jobs.every((j) => j.status === 'Completed'),
    );
  });

  it('answers every recorded request with the recorded status code, body shape and async headers', async () => {
    const replayer = new Replayer(sim());
    for (const entry of loadRecording('TestAzureVMBackup.excerpt.json'))
      expectLikeRecording(entry, await replayer.replay(entry));
  });
});
