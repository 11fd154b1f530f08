import { JOB_CANCELLED, JOB_FAILED } from '../../../../src/lib/azure/firstBackupCodes';
import {
  type FirstBackupStep,
  type JobReading,
  nextFirstBackupStep,
  RETRYABLE_FIRST_BACKUP_CODES,
} from '../../../../src/lib/protection/firstBackupRetry';

const MIN = 60_000;
const SETTINGS = { checkBackDelaysMs: [2 * MIN, 5 * MIN, 10 * MIN], retryDelaysMs: [5 * MIN, 15 * MIN, 45 * MIN] };
const AGENT = 'UserErrorGuestAgentStatusUnavailable';

/** The retry decision: job outcome x error code x retries already made -> the next step. */
describe('nextFirstBackupStep', () => {
  it.each<{ job: JobReading; retries: number; step: FirstBackupStep }>([
    // Still running: check back on the schedule, by job age.
    { job: { status: 'InProgress', ageMs: 0 }, retries: 0, step: { kind: 'check-back', delayMs: 2 * MIN } },
    { job: { status: 'InProgress', ageMs: 30 * MIN }, retries: 2, step: { kind: 'check-back', delayMs: 7 * MIN } },
    { job: { status: 'Cancelling', ageMs: 8 * MIN }, retries: 0, step: { kind: 'check-back', delayMs: 9 * MIN } },
    { job: { status: 'InProgress', ageMs: 8 * 24 * 60 * MIN }, retries: 0, step: { kind: 'stop-following' } },
    // A restore point.
    { job: { status: 'Completed', ageMs: 20 * MIN }, retries: 0, step: { kind: 'protected' } },
    { job: { status: 'CompletedWithWarnings', ageMs: 20 * MIN }, retries: 3, step: { kind: 'protected' } },
    { job: { status: 'completed', ageMs: 20 * MIN }, retries: 1, step: { kind: 'protected' } },
    // Failed, for a reason that goes away: retried after the next delay while retries remain.
    {
      job: { status: 'Failed', errorCode: AGENT, ageMs: 3 * MIN },
      retries: 0,
      step: { kind: 'retry', delayMs: 5 * MIN, code: AGENT, retry: 1 },
    },
    {
      job: { status: 'Failed', errorCode: AGENT, ageMs: 3 * MIN },
      retries: 1,
      step: { kind: 'retry', delayMs: 15 * MIN, code: AGENT, retry: 2 },
    },
    {
      job: { status: 'Failed', errorCode: 'BackUpOperationFailedV2', ageMs: 3 * MIN },
      retries: 2,
      step: { kind: 'retry', delayMs: 45 * MIN, code: 'BackUpOperationFailedV2', retry: 3 },
    },
    {
      job: { status: 'Failed', errorCode: AGENT, ageMs: 3 * MIN },
      retries: 3,
      step: { kind: 'failed', reason: 'retries-exhausted', code: AGENT },
    },
    // Failed for good: recorded at once, whatever the retries left.
    {
      job: { status: 'Failed', errorCode: 'UserErrorVmNotFoundV2', ageMs: 3 * MIN },
      retries: 0,
      step: { kind: 'failed', reason: 'not-retryable', code: 'UserErrorVmNotFoundV2' },
    },
    {
      job: { status: 'Failed', errorCode: '400094', ageMs: 3 * MIN },
      retries: 0,
      step: { kind: 'failed', reason: 'not-retryable', code: '400094' },
    },
    {
      job: { status: 'Failed', ageMs: 3 * MIN },
      retries: 0,
      step: { kind: 'failed', reason: 'not-retryable', code: JOB_FAILED },
    },
    // Cancelled by a person: not retried.
    {
      job: { status: 'Cancelled', ageMs: 3 * MIN },
      retries: 0,
      step: { kind: 'failed', reason: 'job-cancelled', code: JOB_CANCELLED },
    },
  ])('$job.status $job.errorCode after $retries retries -> $step.kind', ({ job, retries, step }) => {
    expect(nextFirstBackupStep(job, retries, SETTINGS)).toEqual(step);
  });

  it('records a retryable failure at once when retries are off (no delays)', () => {
    expect(
      nextFirstBackupStep({ status: 'Failed', errorCode: AGENT, ageMs: 0 }, 0, { ...SETTINGS, retryDelaysMs: [] }),
    ).toEqual({ kind: 'failed', reason: 'retries-exhausted', code: AGENT });
  });

  it('retries exactly the codes of vm-backup-support.md §5, plus another backup running', () => {
    expect([...RETRYABLE_FIRST_BACKUP_CODES].sort()).toEqual(
      [
        'BackUpOperationFailed',
        'BackUpOperationFailedV2',
        'ExtensionOperationFailedForManagedDisks',
        'ExtensionSnapshotFailedNoNetwork',
        'GuestAgentSnapshotTaskStatusError',
        'UserErrorBackupOperationInProgress',
        'UserErrorGuestAgentStatusUnavailable',
        'UserErrorKeyvaultPermissionsNotConfigured',
        'UserErrorRpCollectionLimitReached',
        'UserErrorVmProvisioningStateFailed',
      ].sort(),
    );
  });
});
