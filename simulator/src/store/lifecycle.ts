import { randomUUID } from 'node:crypto';

import type { SimulatorTiming } from '../config';
import { canonicalNames } from '../names';
import type { JobOutcome, OperationKind, OperationRecord, ProtectedItemRecord, VmRecord } from './model';
import { vmIdOf } from './model';
import type { SimulatorStore } from './store';

export interface StartOperationInput {
  vaultKey: string;
  itemKey: string;
  item: ProtectedItemRecord;
  kind: OperationKind;
  activityId: string;
  now: number;
  /** The operation and its job end Failed with this error (a refusal in `failed-job` mode). */
  failure?: { code: string; message: string };
}

/** The numeric `errorCode` of a failed ConfigureBackup job: a placeholder, the real numbers are not published. */
export const REFUSAL_ERROR_NUMBER = 400001;

/**
 * Starts an operation and its job. ConfigureBackup and DeleteBackupData: the operation and the job last the same time.
 * Backup: the operation ends when the job exists (backupOperationMs), the job runs backupJobMs (or the VM's own) and
 * may fail.
 */
export function startOperation(
  store: SimulatorStore,
  timing: SimulatorTiming,
  input: StartOperationInput,
): OperationRecord {
  const { item, now } = input;
  const operationMs = durationOf(input.kind, timing, 'operation');
  const vm = input.kind === 'Backup' ? store.vm(item.sourceResourceId) : undefined;
  const jobMs = vm?.backupJobMs ?? durationOf(input.kind, timing, 'job');
  const jobId = randomUUID();
  store.jobs.set(jobId, {
    id: jobId,
    vaultKey: input.vaultKey,
    itemKey: input.itemKey,
    operation: input.kind,
    entityFriendlyName: item.vmName,
    containerName: canonicalNames.shortContainer(item.vmResourceGroup, item.vmName),
    policyName: item.policyName,
    activityId: input.activityId,
    startTime: now,
    endTime: now + jobMs,
    outcome: input.failure
      ? {
          status: 'Failed',
          errorCode: REFUSAL_ERROR_NUMBER,
          errorString: input.failure.message,
          errorTitle: input.failure.code,
        }
      : input.kind === 'Backup'
        ? backupOutcome(store, vm)
        : { status: 'Completed' },
    settled: false,
  });
  const op: OperationRecord = {
    id: randomUUID(),
    vaultKey: input.vaultKey,
    itemKey: input.itemKey,
    kind: input.kind,
    startTime: now,
    endTime: now + operationMs,
    jobId,
    ...(input.failure ? { failure: input.failure } : {}),
  };
  store.operations.set(op.id, op);
  return op;
}

function durationOf(kind: OperationKind, timing: SimulatorTiming, what: 'operation' | 'job'): number {
  if (kind === 'ConfigureBackup' || kind === 'DisableBackup') return timing.configureBackupMs;
  if (kind === 'DeleteBackupData') return timing.deleteMs;
  return what === 'operation' ? timing.backupOperationMs : timing.backupJobMs;
}

/**
 * A backup fails when the VM is gone or its guest agent does not answer (troubleshooting-doc codes), or when the test
 * knob `failNextBackupJobs` still has failures to give (this job takes one).
 */
function backupOutcome(store: SimulatorStore, vm: VmRecord | undefined): JobOutcome {
  if (!vm) {
    return {
      status: 'Failed',
      errorCode: 400094,
      errorString: 'The VM no longer exists. Stop protection and delete backup data, or restore the VM.',
      errorTitle: 'UserErrorVmNotFoundV2',
    };
  }
  const failNext = vm.failNextBackupJobs ?? 0;
  if (failNext > 0)
    store.vms.set(vmIdOf(vm.subscriptionId, vm.resourceGroup, vm.name).toLowerCase(), {
      ...vm,
      failNextBackupJobs: failNext - 1,
    });
  if (vm.guestAgent === 'unavailable' || failNext > 0) {
    return {
      status: 'Failed',
      errorCode: 400047,
      errorString: 'VM Agent unable to communicate with Azure Backup.',
      errorTitle: 'UserErrorGuestAgentStatusUnavailable',
    };
  }
  return { status: 'Completed' };
}
