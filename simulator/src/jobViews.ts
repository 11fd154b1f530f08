/** Renders operations and jobs as the service returns them (recordings/ and rest-examples/ shapes). */
import { armTime, DOTNET_MIN_DATE, isoDuration } from './http';
import { type JobRecord, type OperationRecord, vaultIdOf, type VaultRecord } from './store/model';

export function operationStatusView(
  op: OperationRecord,
  now: number,
  failure?: { code: string; message: string },
): Record<string, unknown> {
  if (now < op.endTime) {
    return { id: op.id, name: op.id, status: 'InProgress', startTime: armTime(op.startTime), endTime: DOTNET_MIN_DATE };
  }
  if (failure)
    return {
      id: op.id,
      name: op.id,
      status: 'Failed',
      startTime: armTime(op.startTime),
      endTime: armTime(op.endTime),
      error: failure,
    };
  // Both recordings (PUT and POST) show a succeeded operation with endTime == startTime [live].
  const body: Record<string, unknown> = {
    id: op.id,
    name: op.id,
    status: 'Succeeded',
    startTime: armTime(op.startTime),
    endTime: armTime(op.startTime),
  };
  if (op.jobId) body.properties = { objectType: 'OperationStatusJobExtendedInfo', jobId: op.jobId };
  return body;
}

export function jobStatus(job: JobRecord, now: number): string {
  return now < job.endTime ? 'InProgress' : job.outcome.status;
}

export function jobView(vault: VaultRecord, job: JobRecord, now: number): Record<string, unknown> {
  const running = now < job.endTime;
  const status = jobStatus(job, now);
  const properties: Record<string, unknown> = {
    jobType: 'AzureIaaSVMJob',
    actionsInfo: job.operation === 'Backup' ? [1] : [],
    containerName: job.containerName,
    duration: isoDuration(Math.min(now, job.endTime) - job.startTime),
    virtualMachineVersion: 'Compute',
    extendedInfo: {
      tasksList: job.operation === 'Backup' ? backupTasks(job, now) : [],
      propertyBag: propertyBagOf(job, running),
      ...(job.operation === 'Backup' ? { internalPropertyBag: { IsInstantRpJob: 'True' } } : {}),
    },
    entityFriendlyName: job.entityFriendlyName,
    backupManagementType: 'AzureIaasVM',
    operation: job.operation,
    status,
    startTime: armTime(job.startTime),
    activityId: job.activityId,
  };
  if (!running) properties.endTime = armTime(job.endTime);
  if (!running && job.outcome.status === 'Failed') {
    properties.errorDetails = [
      {
        errorCode: job.outcome.errorCode,
        errorString: job.outcome.errorString,
        errorTitle: job.outcome.errorTitle,
        recommendations: [],
      },
    ];
  }
  return {
    id: `${vaultIdOf(vault)}/backupJobs/${job.id}`,
    name: job.id,
    type: 'Microsoft.RecoveryServices/vaults/backupJobs',
    properties,
  };
}

function propertyBagOf(job: JobRecord, running: boolean): Record<string, string> {
  const bag: Record<string, string> = { 'VM Name': job.entityFriendlyName };
  if (job.operation === 'ConfigureBackup' && job.policyName) bag['Policy Name'] = job.policyName;
  if (job.operation === 'Backup' && !running && job.outcome.status === 'Completed') bag['Backup Size'] = '33854 MB';
  return bag;
}

/** Snapshot takes the first tenth of the job, transfer the rest (7.5 of 71 min in the recording). */
function backupTasks(job: JobRecord, now: number): Array<Record<string, string>> {
  const split = job.startTime + Math.round((job.endTime - job.startTime) / 10);
  const failed = job.outcome.status === 'Failed';
  const task = (taskId: string, start: number, end: number, failsHere: boolean): Record<string, string> => {
    if (now < start)
      return { taskId, startTime: DOTNET_MIN_DATE, endTime: DOTNET_MIN_DATE, duration: 'PT0S', status: 'NotStarted' };
    if (now < end)
      return {
        taskId,
        startTime: armTime(start),
        endTime: DOTNET_MIN_DATE,
        duration: isoDuration(now - start),
        status: 'InProgress',
      };
    return {
      taskId,
      startTime: armTime(start),
      endTime: armTime(end),
      duration: isoDuration(end - start),
      status: failsHere ? 'Failed' : 'Completed',
    };
  };
  if (failed) return [task('Take Snapshot', job.startTime, job.endTime, true)];
  return [
    task('Take Snapshot', job.startTime, split, false),
    task('Transfer data to vault', split, job.endTime, false),
  ];
}
