import { triggerBackup } from './handlers/backups';
import { getBackupStatus } from './handlers/backupStatus';
import { getJob, listJobs } from './handlers/jobs';
import {
  getItemOperationResult,
  getItemOperationStatus,
  getVaultOperationResult,
  getVaultOperationStatus,
} from './handlers/operations';
import { getPolicy, listPolicies } from './handlers/policies';
import { deleteProtectedItem, getProtectedItem, putProtectedItem } from './handlers/protectedItems';
import { getRefreshResult, refreshContainers } from './handlers/refresh';
import { getVault, listContainers, listProtectableItems, listProtectedItems } from './handlers/vaultLists';
import { deleteVmHandler, getVm, listAllVms, listVmsInGroup, putVm } from './handlers/virtualMachines';
import type { Route } from './router';

const V =
  'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.RecoveryServices/vaults/{vaultName}';
const F = `${V}/backupFabrics/{fabricName}`;
const I = `${F}/protectionContainers/{containerName}/protectedItems/{protectedItemName}`;
const VM_GROUP =
  'subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachines';

/** Every ARM operation the simulator implements, named by its swagger operationId. Anything else answers 501. */
export const ROUTES: Route[] = [
  { method: 'GET', template: V, operationId: 'Vaults_Get', handle: getVault },
  { method: 'GET', template: `${V}/backupPolicies`, operationId: 'BackupPolicies_List', handle: listPolicies },
  {
    method: 'GET',
    template: `${V}/backupPolicies/{policyName}`,
    operationId: 'ProtectionPolicies_Get',
    handle: getPolicy,
  },
  {
    method: 'GET',
    template: `${V}/backupProtectedItems`,
    operationId: 'BackupProtectedItems_List',
    handle: listProtectedItems,
  },
  {
    method: 'GET',
    template: `${V}/backupProtectableItems`,
    operationId: 'BackupProtectableItems_List',
    handle: listProtectableItems,
  },
  {
    method: 'GET',
    template: `${V}/backupProtectionContainers`,
    operationId: 'BackupProtectionContainers_List',
    handle: listContainers,
  },
  {
    method: 'POST',
    template: `${F}/refreshContainers`,
    operationId: 'ProtectionContainers_Refresh',
    handle: refreshContainers,
  },
  {
    method: 'GET',
    template: `${F}/operationResults/{operationId}`,
    operationId: 'ProtectionContainerRefreshOperationResults_Get',
    handle: getRefreshResult,
  },
  { method: 'PUT', template: I, operationId: 'ProtectedItems_CreateOrUpdate', handle: putProtectedItem },
  { method: 'GET', template: I, operationId: 'ProtectedItems_Get', handle: getProtectedItem },
  { method: 'DELETE', template: I, operationId: 'ProtectedItems_Delete', handle: deleteProtectedItem },
  { method: 'POST', template: `${I}/backup`, operationId: 'Backups_Trigger', handle: triggerBackup },
  {
    method: 'GET',
    template: `${I}/operationsStatus/{operationId}`,
    operationId: 'ProtectedItemOperationStatuses_Get',
    handle: getItemOperationStatus,
  },
  {
    method: 'GET',
    template: `${I}/operationResults/{operationId}`,
    operationId: 'ProtectedItemOperationResults_Get',
    handle: getItemOperationResult,
  },
  {
    method: 'GET',
    template: `${V}/backupOperations/{operationId}`,
    operationId: 'BackupOperationStatuses_Get',
    handle: getVaultOperationStatus,
  },
  {
    method: 'GET',
    template: `${V}/backupOperationResults/{operationId}`,
    operationId: 'BackupOperationResults_Get',
    handle: getVaultOperationResult,
  },
  { method: 'GET', template: `${V}/backupJobs`, operationId: 'BackupJobs_List', handle: listJobs },
  { method: 'GET', template: `${V}/backupJobs/{jobName}`, operationId: 'JobDetails_Get', handle: getJob },
  {
    method: 'POST',
    template:
      'subscriptions/{subscriptionId}/providers/Microsoft.RecoveryServices/locations/{azureRegion}/backupStatus',
    operationId: 'BackupStatus_Get',
    handle: getBackupStatus,
  },
  { method: 'GET', template: `${VM_GROUP}/{vmName}`, operationId: 'VirtualMachines_Get', handle: getVm },
  { method: 'PUT', template: `${VM_GROUP}/{vmName}`, operationId: 'VirtualMachines_CreateOrUpdate', handle: putVm },
  {
    method: 'DELETE',
    template: `${VM_GROUP}/{vmName}`,
    operationId: 'VirtualMachines_Delete',
    handle: deleteVmHandler,
  },
  { method: 'GET', template: VM_GROUP, operationId: 'VirtualMachines_List', handle: listVmsInGroup },
  {
    method: 'GET',
    template: 'subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachines',
    operationId: 'VirtualMachines_ListAll',
    handle: listAllVms,
  },
];
