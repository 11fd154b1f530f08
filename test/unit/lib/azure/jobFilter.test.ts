import { buildJobFilter, formatJobFilterTime } from '../../../../src/lib/azure/jobFilter';

describe('job filter', () => {
  it.each([
    ['2026-01-02T00:05:06Z', '2026-01-02 12:05:06 AM'],
    ['2026-01-02T11:59:59Z', '2026-01-02 11:59:59 AM'],
    ['2026-01-02T12:00:00Z', '2026-01-02 12:00:00 PM'],
    ['2026-12-31T23:01:02Z', '2026-12-31 11:01:02 PM'],
  ])('formats %s as %s', (iso, expected) => {
    expect(formatJobFilterTime(new Date(iso))).toBe(expected);
  });

  it('builds the IaaS job filter with window and operation', () => {
    expect(
      buildJobFilter({
        operation: 'Backup',
        from: new Date('2026-01-01T00:00:00Z'),
        to: new Date('2026-01-01T13:00:00Z'),
      }),
    ).toBe(
      "startTime eq '2026-01-01 12:00:00 AM' and endTime eq '2026-01-01 01:00:00 PM' and operation eq 'Backup' and backupManagementType eq 'AzureIaasVM'",
    );
  });
});
