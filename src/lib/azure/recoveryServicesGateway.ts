import type {
  JobResource,
  ProtectedItemResource,
  ProtectionPolicyResource,
  RecoveryServicesBackupClient,
} from '@azure/arm-recoveryservicesbackup';
import type { FullOperationResponse } from '@azure/core-client';

import type { VaultRoute } from '../config';
import { isoDurationMs } from '../config/formats';
import { statusCodeOf } from '../errors';
import type { VmResourceId } from '../resourceId';
import { AZURE_FABRIC, containerNameOf, operationIdFromUrl, policyIdOf, protectedItemNameOf } from './backupNames';
import { classifyAzureError } from './classifyAzureError';
import { buildJobFilter } from './jobFilter';
import type {
  AsyncOperationRef,
  BackupGateway,
  BackupJobInfo,
  BackupPolicyInfo,
  BackupStatusInfo,
  JobQuery,
  OperationStatusInfo,
  ProtectedItemInfo,
} from './ports';
import { retryAfterMsFrom } from './retryAfter';

const PROTECTED_ITEMS_FILTER = "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'";
/** Azure VM policies only, as the CLI and the v2-List-Policies.json example list them. */
const IAAS_VM_FILTER = "backupManagementType eq 'AzureIaasVM'";
/** `lastBackupTime` sentinel meaning "never backed up". */
const NEVER = Date.UTC(2001, 0, 2);

/** BackupGateway over `@azure/arm-recoveryservicesbackup` 12.x. Every error leaves classified. */
export function createRecoveryServicesGateway(
  backup: (subscriptionId: string) => RecoveryServicesBackupClient,
): BackupGateway {
  const client = (vault: VaultRoute) => backup(vault.vaultSubscriptionId);
  const guarded = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw classifyAzureError(error);
    }
  };

  return {
    getBackupStatus: (vm: VmResourceId, region: string) =>
      guarded(async (): Promise<BackupStatusInfo> => {
        const status = await backup(vm.subscriptionId).backupStatus.get(region, {
          resourceType: 'VM',
          resourceId: vm.id,
        });
        const protectionStatus = status.protectionStatus;
        const isProtected =
          Boolean(status.vaultId) && (protectionStatus === 'Protected' || protectionStatus === 'Protecting');
        return {
          protected: isProtected,
          vaultId: status.vaultId || undefined,
          policyName: status.policyName,
          protectionStatus,
        };
      }),

    policyExists: (vault: VaultRoute, policyName: string) =>
      guarded(async () => {
        try {
          await client(vault).protectionPolicies.get(vault.vaultName, vault.vaultResourceGroup, policyName);
          return true;
        } catch (error) {
          if (statusCodeOf(error) === 404) return false;
          throw error;
        }
      }),

    listPolicies: (vault: VaultRoute) =>
      guarded(async () => {
        const policies: BackupPolicyInfo[] = [];
        const pages = client(vault)
          .backupPolicies.list(vault.vaultName, vault.vaultResourceGroup, { filter: IAAS_VM_FILTER })
          .byPage();
        for await (const page of pages) {
          for (const policy of page)
            if (policy.name) policies.push({ name: policy.name, policyType: policyTypeOf(policy) });
        }
        return policies;
      }),

    refreshContainers: (vault: VaultRoute) =>
      guarded(() =>
        startOperation((onResponse) =>
          client(vault).protectionContainers.refresh(vault.vaultName, vault.vaultResourceGroup, AZURE_FABRIC, {
            filter: IAAS_VM_FILTER,
            onResponse,
          }),
        ),
      ),

    getRefreshStatus: (vault: VaultRoute, operationId: string) =>
      guarded(async () => {
        let status: number | undefined;
        await client(vault).protectionContainerRefreshOperationResults.get(
          vault.vaultName,
          vault.vaultResourceGroup,
          AZURE_FABRIC,
          operationId,
          { onResponse: (response) => (status = response.status) },
        );
        return status === 202 ? 'InProgress' : 'Succeeded';
      }),

    getProtectedItem: (vault: VaultRoute, vm: VmResourceId) =>
      guarded(async () => {
        try {
          const item = await client(vault).protectedItems.get(
            vault.vaultName,
            vault.vaultResourceGroup,
            AZURE_FABRIC,
            containerNameOf(vm),
            protectedItemNameOf(vm),
          );
          return toItemInfo(item);
        } catch (error) {
          if (statusCodeOf(error) === 404) return null;
          throw error;
        }
      }),

    enableProtection: (vault: VaultRoute, vm: VmResourceId, policyName: string) =>
      guarded(() =>
        startOperation((onResponse) =>
          client(vault).protectedItems.createOrUpdate(
            vault.vaultName,
            vault.vaultResourceGroup,
            AZURE_FABRIC,
            containerNameOf(vm),
            protectedItemNameOf(vm),
            {
              properties: {
                protectedItemType: 'Microsoft.Compute/virtualMachines',
                sourceResourceId: vm.id,
                policyId: policyIdOf(vault.vaultId, policyName),
              },
            },
            { onResponse },
          ),
        ),
      ),

    getOperationStatus: (vault: VaultRoute, operationId: string) =>
      guarded(async (): Promise<OperationStatusInfo> => {
        const status = await client(vault).backupOperationStatuses.get(
          vault.vaultName,
          vault.vaultResourceGroup,
          operationId,
        );
        const properties = status.properties as { jobId?: string } | undefined;
        return {
          status: status.status ?? 'Invalid',
          startedAt: validDate(status.startTime),
          jobId: properties?.jobId,
          errorCode: status.error?.code,
          errorMessage: status.error?.message,
        };
      }),

    triggerBackup: (vault: VaultRoute, vm: VmResourceId, expiry: Date) =>
      guarded(() =>
        startOperation((onResponse) =>
          client(vault).backups.trigger(
            vault.vaultName,
            vault.vaultResourceGroup,
            AZURE_FABRIC,
            containerNameOf(vm),
            protectedItemNameOf(vm),
            { properties: { objectType: 'IaasVMBackupRequest', recoveryPointExpiryTimeInUTC: expiry } },
            { onResponse },
          ),
        ),
      ),

    async *listJobs(vault: VaultRoute, query: JobQuery): AsyncIterable<BackupJobInfo> {
      try {
        const pages = client(vault)
          .backupJobs.list(vault.vaultName, vault.vaultResourceGroup, { filter: buildJobFilter(query) })
          .byPage();
        for await (const page of pages) {
          for (const job of page) yield toJobInfo(job);
        }
      } catch (error) {
        throw classifyAzureError(error);
      }
    },

    getJob: (vault: VaultRoute, jobId: string) =>
      guarded(async () => {
        try {
          return toJobInfo(await client(vault).jobDetails.get(vault.vaultName, vault.vaultResourceGroup, jobId));
        } catch (error) {
          if (statusCodeOf(error) === 404) return null;
          throw error;
        }
      }),

    async *listProtectedItems(vault: VaultRoute): AsyncIterable<ProtectedItemInfo> {
      try {
        const pages = client(vault)
          .backupProtectedItems.list(vault.vaultName, vault.vaultResourceGroup, { filter: PROTECTED_ITEMS_FILTER })
          .byPage();
        for await (const page of pages) {
          for (const item of page) yield toItemInfo(item);
        }
      } catch (error) {
        throw classifyAzureError(error);
      }
    },
  };
}

/**
 * Sends a call that answers 202 and returns the operation it started: the 12.x SDK drops the Azure-AsyncOperation,
 * Location and Retry-After headers, so they are read from the raw response.
 */
async function startOperation(
  send: (onResponse: (response: FullOperationResponse) => void) => Promise<unknown>,
): Promise<AsyncOperationRef> {
  let raw: FullOperationResponse | undefined;
  await send((response) => (raw = response));
  return operationRefOf(raw);
}

function operationRefOf(raw: FullOperationResponse | undefined): AsyncOperationRef {
  const headers = raw?.headers;
  const url = headers?.get('azure-asyncoperation') ?? headers?.get('location');
  return { operationId: operationIdFromUrl(url), retryAfterMs: retryAfterMsFrom(headers) };
}

/**
 * V2 when `policyType` is V2 or the schedule is `SimpleSchedulePolicyV2`: one spec example lists a V2 policy without
 * `policyType` (vm-backup-support.md §4). Never by name.
 */
function policyTypeOf(policy: ProtectionPolicyResource): BackupPolicyInfo['policyType'] {
  const properties = (policy.properties ?? {}) as {
    policyType?: unknown;
    schedulePolicy?: { schedulePolicyType?: unknown };
  };
  const declared = typeof properties.policyType === 'string' ? properties.policyType.toUpperCase() : '';
  return declared === 'V2' || properties.schedulePolicy?.schedulePolicyType === 'SimpleSchedulePolicyV2' ? 'V2' : 'V1';
}

function toItemInfo(item: ProtectedItemResource): ProtectedItemInfo {
  const properties = (item.properties ?? {}) as Record<string, unknown>;
  const text = (field: string) =>
    typeof properties[field] === 'string' && properties[field] !== '' ? String(properties[field]) : undefined;
  const lastBackupTime =
    properties.lastBackupTime instanceof Date && properties.lastBackupTime.getTime() > NEVER
      ? properties.lastBackupTime
      : undefined;
  return {
    protectionState: text('protectionState') ?? 'Invalid',
    lastBackupStatus: text('lastBackupStatus'),
    lastBackupTime,
    policyName: text('policyName'),
    containerName: text('containerName'),
    friendlyName: text('friendlyName'),
    vmResourceId: text('sourceResourceId') ?? text('virtualMachineId'),
    healthStatus: text('healthStatus'),
  };
}

function toJobInfo(job: JobResource): BackupJobInfo {
  const properties = (job.properties ?? {}) as Record<string, unknown> & {
    errorDetails?: Array<{ errorCode?: number; errorTitle?: string; errorString?: string }>;
  };
  const firstError = properties.errorDetails?.[0];
  // `duration` is ISO-8601 in current versions (`PT3.2525219S`); old `hh:mm:ss` values are left out.
  const duration = typeof properties.duration === 'string' ? isoDurationMs(properties.duration) : undefined;
  const date = (field: string) => (properties[field] instanceof Date ? properties[field] : undefined);
  const text = (field: string) => (typeof properties[field] === 'string' ? String(properties[field]) : undefined);
  return {
    jobId: job.name ?? '',
    operation: text('operation') ?? '',
    status: text('status') ?? '',
    entityFriendlyName: text('entityFriendlyName'),
    containerName: text('containerName'),
    startTime: date('startTime'),
    endTime: date('endTime'),
    ...(duration === undefined ? {} : { durationMs: duration }),
    errorCode: firstError
      ? firstError.errorTitle || (firstError.errorCode !== undefined ? String(firstError.errorCode) : undefined)
      : undefined,
    errorMessage: firstError?.errorString,
  };
}

/** A date the SDK parsed, unless it is missing or not a date. */
function validDate(value: Date | undefined): Date | undefined {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value : undefined;
}
