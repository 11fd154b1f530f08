import { remediationFor } from '../../../../src/lib/report/remediation';
import { reportPaths } from '../../../../src/lib/report/reportStore';

describe('reportPaths', () => {
  it('partitions by UTC date and names the file by timestamp', () => {
    expect(reportPaths('', new Date('2026-12-31T23:59:58.123Z'), 'json')).toEqual({
      dated: '2026/12/31/report-20261231T235958Z.json',
      latest: 'latest.json',
    });
    expect(reportPaths('prod/', new Date('2026-01-05T01:02:03Z'), 'html').latest).toBe('prod/latest.html');
    expect(reportPaths('prod/eu', new Date('2026-01-05T01:02:03Z'), 'csv')).toEqual({
      dated: 'prod/eu/2026/01/05/report-20260105T010203Z.csv',
      latest: 'prod/eu/latest.csv',
    });
  });
});

describe('remediationFor', () => {
  it('prefers the error code, then the reason, then the kind', () => {
    expect(remediationFor('stale', 'initial-backup-failed', 'UserErrorGuestAgentStatusUnavailable')).toMatch(
      /VM agent/,
    );
    expect(remediationFor('failed', 'unknown-policy')).toMatch(/policy/);
    expect(remediationFor('skipped', 'dry-run:would-enable-protection')).toMatch(/AUTOPROTECT_DRY_RUN/);
    expect(remediationFor('unprotected', 'something-new')).toMatch(/Event Grid/);
  });
});
