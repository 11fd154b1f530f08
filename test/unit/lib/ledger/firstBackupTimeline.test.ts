import { firstBackupTimeline } from '../../../../src/lib/ledger/firstBackupTimeline';

describe('firstBackupTimeline', () => {
  it('measures first seen -> enabled -> triggered -> completed, and counts the jobs after the first', () => {
    expect(
      firstBackupTimeline({
        firstSeen: '2026-03-01T10:00:00.000Z',
        protectionEnabledAt: '2026-03-01T10:00:41.000Z',
        firstBackupTriggeredAt: '2026-03-01T10:00:42.000Z',
        firstBackupCompletedAt: '2026-03-01T11:12:42.000Z',
        backupAttempts: [
          { trigger: 'first', at: '2026-03-01T10:00:42.000Z' },
          { trigger: 'retry', at: '2026-03-01T10:08:00.000Z' },
        ],
      }),
    ).toEqual({
      toRestorePointMs: 72 * 60_000 + 42_000,
      seenToEnabledMs: 41_000,
      enabledToTriggeredMs: 1_000,
      triggeredToCompletedMs: 72 * 60_000,
      retries: 1,
    });
  });

  it('leaves out what is not known yet', () => {
    expect(firstBackupTimeline({ firstSeen: '2026-03-01T10:00:00.000Z', firstBackupTriggeredAt: 'never' })).toEqual({
      toRestorePointMs: undefined,
      seenToEnabledMs: undefined,
      enabledToTriggeredMs: undefined,
      triggeredToCompletedMs: undefined,
      retries: 0,
    });
  });
});
