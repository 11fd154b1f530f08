import type { ComputeManagementClient, VirtualMachine } from '@azure/arm-compute';

import { statusCodeOf } from '../errors';
import { tryParseVmResourceId, type VmResourceId } from '../resourceId';
import type { VmConfiguration } from '../rules/vmConfiguration';
import { classifyAzureError } from './classifyAzureError';
import type { VmDetails, VmReader } from './ports';

/** VmReader over `@azure/arm-compute`. Errors other than 404 come out classified (TransientError / PermanentError). */
export function createComputeVmReader(compute: (subscriptionId: string) => ComputeManagementClient): VmReader {
  return {
    async getVm(vm: VmResourceId): Promise<VmDetails | null> {
      try {
        const result = await compute(vm.subscriptionId).virtualMachines.get(vm.resourceGroup, vm.name);
        return { vm, location: result.location, tags: { ...(result.tags ?? {}) }, ...configurationOf(result) };
      } catch (error) {
        if (statusCodeOf(error) === 404) return null;
        throw classifyAzureError(error);
      }
    },

    async *listVms(subscriptionId: string): AsyncIterable<VmDetails> {
      try {
        for await (const page of compute(subscriptionId).virtualMachines.listAll().byPage()) {
          for (const machine of page) {
            const details = toDetails(machine);
            if (details) yield details;
          }
        }
      } catch (error) {
        throw classifyAzureError(error);
      }
    },
  };
}

function toDetails(machine: VirtualMachine): VmDetails | undefined {
  const parsed = tryParseVmResourceId(machine.id ?? '');
  if (!parsed.ok) return undefined;
  return { vm: parsed.vm, location: machine.location, tags: { ...(machine.tags ?? {}) }, ...configurationOf(machine) };
}

/** The backup-relevant part of the Compute body (vm-backup-support.md §3): the same read, no extra call. */
export function configurationOf(machine: VirtualMachine): VmConfiguration {
  const storage = machine.storageProfile;
  const osSecurity = storage?.osDisk?.managedDisk?.securityProfile;
  const dataDiskTypes = (storage?.dataDisks ?? []).flatMap((disk) => disk.managedDisk?.storageAccountType ?? []);
  const configuration: VmConfiguration = {
    ephemeralOsDisk: storage?.osDisk?.diffDiskSettings !== undefined,
    dataDiskTypes,
    ultraSsdEnabled: machine.additionalCapabilities?.ultraSSDEnabled === true,
    confidentialOsDiskCmk:
      osSecurity?.securityEncryptionType !== undefined && osSecurity.diskEncryptionSet?.id !== undefined,
  };
  if (machine.securityProfile?.securityType !== undefined)
    configuration.securityType = machine.securityProfile.securityType;
  if (machine.priority !== undefined) configuration.priority = machine.priority;
  if (machine.provisioningState !== undefined) configuration.provisioningState = machine.provisioningState;
  return configuration;
}
