import type { BackupAttempt } from '../../../../src/lib/ledger/ledgerEntry';
import {
  attachJob,
  claimTrigger,
  closeAttempt,
  latestAttempt,
  retriesUsed,
} from '../../../../src/lib/protection/backupAttempts';

const AT = new Date('2026-03-01T10:00:00Z');
const LATER = new Date('2026-03-01T10:05:00Z');
const failed = (trigger: BackupAttempt['trigger'], jobId: string): BackupAttempt => ({
  trigger,
  at: AT.toISOString(),
  jobId,
  status: 'Failed',
  errorCode: 'UserErrorGuestAgentStatusUnavailable',
});

describe('backup attempts', () => {
  it('claims a trigger before the POST, and reuses an open claim (a crash never makes two)', () => {
    const claimed = claimTrigger(undefined, { trigger: 'first', at: AT });
    expect(claimed).toEqual([{ trigger: 'first', at: AT.toISOString() }]);
    expect(claimTrigger(claimed, { trigger: 'request', at: LATER })).toEqual(claimed);
    const retry = claimTrigger([failed('first', 'j1')], { trigger: 'retry', at: LATER, after: 'X' });
    expect(retry.at(-1)).toEqual({ trigger: 'retry', at: LATER.toISOString(), after: 'X' });
  });

  it('attaches a job to the open claim, leaves a known job alone, and adds a job nobody claimed', () => {
    const open = claimTrigger([failed('first', 'j1')], { trigger: 'retry', at: AT, after: 'X' });
    const attached = attachJob(open, 'j2', LATER, 'found');
    expect(attached.at(-1)).toEqual({ trigger: 'retry', at: AT.toISOString(), after: 'X', jobId: 'j2' });
    expect(attachJob(attached, 'J2', LATER, 'found')).toEqual(attached);
    expect(attachJob(attached, 'j3', LATER, 'found').at(-1)).toEqual({
      trigger: 'found',
      at: LATER.toISOString(),
      jobId: 'j3',
    });
  });

  it('closes the job with how it ended', () => {
    const closed = closeAttempt(
      [{ trigger: 'first', at: AT.toISOString(), jobId: 'j1' }],
      { jobId: 'j1', status: 'Failed', endTime: LATER, errorCode: 'E' },
      AT,
    );
    expect(closed).toEqual([
      {
        trigger: 'first',
        at: AT.toISOString(),
        jobId: 'j1',
        status: 'Failed',
        endedAt: LATER.toISOString(),
        errorCode: 'E',
      },
    ]);
    const completed = closeAttempt(undefined, { jobId: 'j9', status: 'Completed' }, LATER);
    expect(completed).toEqual([
      { trigger: 'found', at: LATER.toISOString(), jobId: 'j9', status: 'Completed', endedAt: LATER.toISOString() },
    ]);
  });

  it('counts the automatic retries since the last trigger that was not one', () => {
    expect(retriesUsed(undefined)).toBe(0);
    expect(retriesUsed([failed('first', 'a')])).toBe(0);
    expect(retriesUsed([failed('first', 'a'), failed('retry', 'b'), failed('retry', 'c')])).toBe(2);
    expect(retriesUsed([failed('first', 'a'), failed('retry', 'b'), failed('request', 'c')])).toBe(0);
    expect(
      retriesUsed([failed('first', 'a'), failed('retry', 'b'), failed('request', 'c'), failed('retry', 'd')]),
    ).toBe(1);
    expect(latestAttempt([failed('first', 'a'), failed('retry', 'b')])?.jobId).toBe('b');
  });
});
