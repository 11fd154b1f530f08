/** Renders store records as the JSON bodies the real service returns (shapes from recordings/ and rest-examples/). */
import { armTime } from './http';
import { canonicalNames } from './names';
import {
  type PolicyRecord,
  type ProtectedItemRecord,
  vaultIdOf,
  type VaultRecord,
  vmIdOf,
  type VmRecord,
} from './store/model';

const PUBLIC_HOST = 'https://management.azure.com';

export function protectedItemView(vault: VaultRecord, item: ProtectedItemRecord): Record<string, unknown> {
  const vaultId = vaultIdOf(vault);
  const container = canonicalNames.container(item.vmResourceGroup, item.vmName);
  const name = canonicalNames.item(item.vmResourceGroup, item.vmName);
  const properties: Record<string, unknown> = {
    friendlyName: item.vmName,
    virtualMachineId: item.sourceResourceId,
    protectionStatus: 'Healthy',
    protectionState: item.protectionState,
    healthStatus: 'Passed',
    lastBackupStatus: item.lastBackupStatus,
    lastBackupTime: item.lastBackupTime,
    protectedItemDataId: item.protectedItemDataId,
    protectedItemType: 'Microsoft.Compute/virtualMachines',
    backupManagementType: 'AzureIaasVM',
    workloadType: 'VM',
    containerName: canonicalNames.shortContainer(item.vmResourceGroup, item.vmName),
    sourceResourceId: item.sourceResourceId,
    policyId: item.policyName ? `${vaultId}/backupPolicies/${item.policyName}` : '',
    policyName: item.policyName ?? '',
    vaultId: `${PUBLIC_HOST}${vaultId}`,
    isArchiveEnabled: false,
    softDeleteRetentionPeriod: 0,
  };
  if (item.lastRecoveryPoint) properties.lastRecoveryPoint = item.lastRecoveryPoint;
  return {
    id: `${vaultId}/backupFabrics/Azure/protectionContainers/${container}/protectedItems/${name}`,
    name,
    type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems',
    properties,
  };
}

export function protectableItemView(vault: VaultRecord, vm: VmRecord): Record<string, unknown> {
  const short = canonicalNames.shortContainer(vm.resourceGroup, vm.name);
  return {
    id: `${vaultIdOf(vault)}/backupFabrics/Azure/protectionContainers/${canonicalNames.container(vm.resourceGroup, vm.name)}/protectableItems/vm;${short}`,
    name: short,
    type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectableItems',
    properties: {
      virtualMachineId: vmIdOf(vm.subscriptionId, vm.resourceGroup, vm.name),
      virtualMachineVersion: 'Compute',
      resourceGroup: vm.resourceGroup,
      backupManagementType: 'AzureIaasVM',
      workloadType: 'VM',
      protectableItemType: 'Microsoft.Compute/virtualMachines',
      friendlyName: vm.name,
      protectionState: 'NotProtected',
    },
  };
}

export function containerView(vault: VaultRecord, item: ProtectedItemRecord): Record<string, unknown> {
  const name = canonicalNames.container(item.vmResourceGroup, item.vmName);
  return {
    id: `${vaultIdOf(vault)}/backupFabrics/Azure/protectionContainers/${name}`,
    name,
    type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers',
    properties: {
      virtualMachineId: item.sourceResourceId,
      virtualMachineVersion: 'Compute',
      resourceGroup: item.vmResourceGroup,
      friendlyName: item.vmName,
      backupManagementType: 'AzureIaasVM',
      registrationStatus: 'Registered',
      healthStatus: 'Healthy',
      containerType: 'Microsoft.Compute/virtualMachines',
      protectableObjectType: 'Microsoft.Compute/virtualMachines',
    },
  };
}

export function policyView(
  vault: VaultRecord,
  policy: PolicyRecord,
  protectedItemsCount: number,
): Record<string, unknown> {
  const base = {
    id: `${vaultIdOf(vault)}/backupPolicies/${policy.name}`,
    name: policy.name,
    type: 'Microsoft.RecoveryServices/vaults/backupPolicies',
  };
  if (policy.kind === 'IaasV1Daily') {
    return {
      ...base,
      properties: {
        backupManagementType: 'AzureIaasVM',
        instantRPDetails: {},
        schedulePolicy: {
          schedulePolicyType: 'SimpleSchedulePolicy',
          scheduleRunFrequency: 'Daily',
          scheduleRunTimes: ['2019-03-01T03:30:00Z'],
          scheduleWeeklyFrequency: 0,
        },
        retentionPolicy: {
          retentionPolicyType: 'LongTermRetentionPolicy',
          dailySchedule: {
            retentionTimes: ['2019-03-01T03:30:00Z'],
            retentionDuration: { count: 30, durationType: 'Days' },
          },
        },
        instantRpRetentionRangeInDays: 2,
        timeZone: 'UTC',
        protectedItemsCount,
      },
    };
  }
  if (policy.kind === 'IaasV2Daily') {
    // v2-List-Policies.json lists this V2 policy without `policyType`: only its schedule type says V2.
    return {
      ...base,
      properties: {
        backupManagementType: 'AzureIaasVM',
        schedulePolicy: {
          schedulePolicyType: 'SimpleSchedulePolicyV2',
          scheduleRunFrequency: 'Daily',
          dailySchedule: { scheduleRunTimes: ['2018-01-24T10:00:00Z'] },
        },
        retentionPolicy: {
          retentionPolicyType: 'LongTermRetentionPolicy',
          dailySchedule: {
            retentionTimes: ['2018-01-24T10:00:00Z'],
            retentionDuration: { count: 30, durationType: 'Days' },
          },
        },
        timeZone: 'UTC',
        protectedItemsCount,
      },
    };
  }
  return {
    ...base,
    properties: {
      backupManagementType: 'AzureIaasVM',
      policyType: 'V2',
      instantRPDetails: {},
      schedulePolicy: {
        schedulePolicyType: 'SimpleSchedulePolicyV2',
        scheduleRunFrequency: 'Hourly',
        hourlySchedule: { interval: 4, scheduleWindowStartTime: '2019-03-01T08:00:00Z', scheduleWindowDuration: 12 },
      },
      retentionPolicy: {
        retentionPolicyType: 'LongTermRetentionPolicy',
        dailySchedule: {
          retentionTimes: ['2019-03-01T08:00:00Z'],
          retentionDuration: { count: 30, durationType: 'Days' },
        },
      },
      instantRpRetentionRangeInDays: 7,
      timeZone: 'UTC',
      protectedItemsCount,
    },
  };
}

export function vmView(vm: VmRecord): Record<string, unknown> {
  return {
    name: vm.name,
    id: vmIdOf(vm.subscriptionId, vm.resourceGroup, vm.name),
    type: 'Microsoft.Compute/virtualMachines',
    location: vm.location,
    tags: vm.tags,
    properties: {
      ...vm.properties,
      vmId: vm.vmId,
      provisioningState: vm.provisioningState,
      timeCreated: armTime(vm.createdAt),
    },
  };
}
