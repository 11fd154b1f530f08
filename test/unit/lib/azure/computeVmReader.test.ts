import { ComputeManagementClient } from '@azure/arm-compute';

import { createComputeVmReader } from '../../../../src/lib/azure/computeVmReader';
import { createLocalTokenCredential } from '../../../../src/lib/clients';
import { PermanentError, TransientError } from '../../../../src/lib/errors';
import { OTHER_SUBSCRIPTION, vmFacts } from '../../../helpers/factories/rules';
import { pathOf, ScriptedHttpClient } from '../../../helpers/fakes/scriptedHttpClient';

const ENDPOINT = 'https://127.0.0.1:9';
/** What the reader says about a VM whose body names no disks, security type or priority. */
const PLAIN = { ephemeralOsDisk: false, dataDiskTypes: [], ultraSsdEnabled: false, confidentialOsDiskCmk: false };

describe('createComputeVmReader', () => {
  const vm = vmFacts({ name: 'vm-1', resourceGroup: 'rg-app' }).vm;
  const listPath = `/subscriptions/${vm.subscriptionId}/providers/Microsoft.Compute/virtualMachines`;

  /** A reader over a real ComputeManagementClient whose HTTP is scripted; records the subscriptions asked for. */
  function readerWith(http: ScriptedHttpClient) {
    const subscriptions: string[] = [];
    const reader = createComputeVmReader((subscriptionId) => {
      subscriptions.push(subscriptionId);
      return new ComputeManagementClient(createLocalTokenCredential(), subscriptionId, {
        endpoint: ENDPOINT,
        httpClient: http,
        retryOptions: { maxRetries: 0 },
      });
    });
    return { reader, subscriptions };
  }

  async function listAll(reader: ReturnType<typeof readerWith>['reader'], subscriptionId: string) {
    const listed = [];
    for await (const details of reader.listVms(subscriptionId)) listed.push(details);
    return listed;
  }

  describe('getVm', () => {
    it('reads location and tags through the client of the VM’s subscription', async () => {
      const http = new ScriptedHttpClient().on('GET', (url) => pathOf(url) === vm.id, {
        status: 200,
        body: { id: vm.id, name: 'vm-1', location: 'eastus', tags: { env: 'prod' } },
      });
      const { reader, subscriptions } = readerWith(http);
      expect(await reader.getVm(vm)).toEqual({ vm, location: 'eastus', tags: { env: 'prod' }, ...PLAIN });
      expect(subscriptions).toEqual([vm.subscriptionId]);
    });

    it('gives empty tags, not undefined, for a VM without tags', async () => {
      const http = new ScriptedHttpClient().on('GET', (url) => pathOf(url) === vm.id, {
        status: 200,
        body: { id: vm.id, location: 'westeurope' },
      });
      expect(await readerWith(http).reader.getVm(vm)).toEqual({ vm, location: 'westeurope', tags: {}, ...PLAIN });
    });

    it('reads the configuration that decides the policy type from the same body (vm-backup-support.md §3)', async () => {
      const http = new ScriptedHttpClient().on('GET', (url) => pathOf(url) === vm.id, {
        status: 200,
        body: {
          id: vm.id,
          location: 'eastus',
          properties: {
            securityProfile: {
              uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
              securityType: 'TrustedLaunch',
            },
            storageProfile: {
              osDisk: {
                createOption: 'FromImage',
                diffDiskSettings: { option: 'Local', placement: 'CacheDisk' },
                managedDisk: { storageAccountType: 'Standard_LRS' },
              },
              dataDisks: [
                { lun: 0, createOption: 'Empty', managedDisk: { storageAccountType: 'PremiumV2_LRS' } },
                { lun: 1, createOption: 'Attach', managedDisk: { id: '/subscriptions/x/disks/d' } },
              ],
            },
            additionalCapabilities: { ultraSSDEnabled: true },
            priority: 'Spot',
            provisioningState: 'Creating',
          },
        },
      });
      expect(await readerWith(http).reader.getVm(vm)).toEqual({
        vm,
        location: 'eastus',
        tags: {},
        securityType: 'TrustedLaunch',
        ephemeralOsDisk: true,
        dataDiskTypes: ['PremiumV2_LRS'],
        ultraSsdEnabled: true,
        confidentialOsDiskCmk: false,
        priority: 'Spot',
        provisioningState: 'Creating',
      });
    });

    it('tells a confidential OS disk encrypted with a customer-managed key', async () => {
      const http = new ScriptedHttpClient().on('GET', (url) => pathOf(url) === vm.id, {
        status: 200,
        body: {
          id: vm.id,
          location: 'eastus',
          properties: {
            securityProfile: { securityType: 'ConfidentialVM' },
            storageProfile: {
              osDisk: {
                createOption: 'FromImage',
                managedDisk: {
                  securityProfile: {
                    securityEncryptionType: 'DiskWithVMGuestState',
                    diskEncryptionSet: { id: '/subscriptions/x/diskEncryptionSets/des' },
                  },
                },
              },
            },
          },
        },
      });
      expect(await readerWith(http).reader.getVm(vm)).toMatchObject({
        securityType: 'ConfidentialVM',
        confidentialOsDiskCmk: true,
      });
    });

    it('returns null for a deleted VM (404)', async () => {
      const http = new ScriptedHttpClient().on('GET', (url) => pathOf(url) === vm.id, {
        status: 404,
        body: { error: { code: 'ResourceNotFound', message: 'gone' } },
      });
      expect(await readerWith(http).reader.getVm(vm)).toBeNull();
    });

    it('classifies throttling and server errors as transient, keeping Retry-After', async () => {
      const http = new ScriptedHttpClient().on('GET', (url) => pathOf(url) === vm.id, {
        status: 429,
        headers: { 'retry-after': '17' },
        body: { error: { code: 'TooManyRequests', message: 'slow down' } },
      });
      const error = await readerWith(http)
        .reader.getVm(vm)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'TooManyRequests', retryAfterMs: 17_000 });
    });

    it('classifies a refusal (403) as permanent with the ARM code and status', async () => {
      const http = new ScriptedHttpClient().on('GET', (url) => pathOf(url) === vm.id, {
        status: 403,
        body: { error: { code: 'AuthorizationFailed', message: 'no read on the VM' } },
      });
      const error = await readerWith(http)
        .reader.getVm(vm)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({
        code: 'AuthorizationFailed',
        context: { statusCode: 403, armCode: 'AuthorizationFailed' },
      });
      expect((error as Error).message).toContain('Azure call failed (403 AuthorizationFailed)');
    });
  });

  describe('listVms', () => {
    it('follows nextLink across pages and skips ids that are not VMs', async () => {
      const other = vmFacts({ name: 'vm-2', resourceGroup: 'rg-two' }).vm;
      const http = new ScriptedHttpClient().on(
        'GET',
        (url) => pathOf(url) === listPath,
        (url) =>
          url.searchParams.get('page') === '2'
            ? { status: 200, body: { value: [{ id: other.id, location: 'westeurope', tags: { tier: 'gold' } }] } }
            : {
                status: 200,
                body: {
                  value: [
                    { id: vm.id, location: 'eastus' },
                    { id: '/not/a/vm', location: 'eastus' },
                    { id: `${vm.id}/extensions/ext`, location: 'eastus' },
                    { location: 'eastus' },
                  ],
                  nextLink: `${ENDPOINT}${listPath}?api-version=2024-07-01&page=2`,
                },
              },
      );
      const listed = await listAll(readerWith(http).reader, vm.subscriptionId);
      expect(listed).toEqual([
        { vm, location: 'eastus', tags: {}, ...PLAIN },
        { vm: other, location: 'westeurope', tags: { tier: 'gold' }, ...PLAIN },
      ]);
      expect(http.requests).toHaveLength(2);
    });

    it('asks the client of the listed subscription', async () => {
      const http = new ScriptedHttpClient().on('GET', () => true, { status: 200, body: { value: [] } });
      const { reader, subscriptions } = readerWith(http);
      expect(await listAll(reader, OTHER_SUBSCRIPTION)).toEqual([]);
      expect(subscriptions).toEqual([OTHER_SUBSCRIPTION]);
      expect(pathOf(http.requests[0]!.url)).toBe(
        `/subscriptions/${OTHER_SUBSCRIPTION}/providers/Microsoft.Compute/virtualMachines`,
      );
    });

    it('classifies a failure on a later page, after yielding the first page', async () => {
      const http = new ScriptedHttpClient().on(
        'GET',
        (url) => pathOf(url) === listPath,
        (url) =>
          url.searchParams.get('page') === '2'
            ? { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'busy' } } }
            : {
                status: 200,
                body: { value: [{ id: vm.id, location: 'eastus' }], nextLink: `${ENDPOINT}${listPath}?page=2` },
              },
      );
      const seen: string[] = [];
      const error = await (async () => {
        for await (const details of readerWith(http).reader.listVms(vm.subscriptionId)) seen.push(details.vm.key);
      })().catch((caught: unknown) => caught);
      expect(seen).toEqual([vm.key]);
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'ServiceUnavailable' });
    });

    it('classifies a 404 on the listing as permanent (only getVm maps 404 to "gone")', async () => {
      const http = new ScriptedHttpClient().on('GET', () => true, {
        status: 404,
        body: { error: { code: 'SubscriptionNotFound', message: 'The subscription could not be found.' } },
      });
      await expect(listAll(readerWith(http).reader, vm.subscriptionId)).rejects.toBeInstanceOf(PermanentError);
    });
  });
});
