import { CSV_COLUMNS, csvCell, renderCsv } from '../../../../src/lib/report/renderCsv';
import type { ComplianceReport, Finding, RestorePoint } from '../../../../src/lib/report/reportTypes';
import { complianceReport, reportFinding as finding } from '../../../helpers/factories/report';

function report(findings: Finding[], restorePoints: RestorePoint[] = []): ComplianceReport {
  return complianceReport({ findings, restorePoints });
}

/**
 * A strict RFC 4180 reader (CRLF records, quoted fields with doubled quotes), to check what a spreadsheet would see.
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const character = text[i]!;
    if (quoted) {
      if (character === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (character === '"') {
        quoted = false;
      } else {
        field += character;
      }
    } else if (character === '"' && field === '') {
      quoted = true;
    } else if (character === ',') {
      record.push(field);
      field = '';
    } else if (character === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else {
      if (character === '"' || character === '\n' || character === '\r')
        throw new Error(`bare ${JSON.stringify(character)} at ${i}`);
      field += character;
    }
  }
  if (quoted || field !== '' || record.length > 0) throw new Error('the CSV does not end with CRLF');
  return records;
}

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a=b', 'a=b'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['carriage\rreturn', '"carriage\rreturn"'],
    [' padded ', '" padded "'],
    ['trailing ', '"trailing "'],
  ])('writes %j as %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it.each([
    ['=1+1', "'=1+1"],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2', "'-2"],
    ['@cmd', "'@cmd"],
    ['\tTAB', "'\tTAB"],
  ])('defuses %j, which a spreadsheet would run as a formula, as %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('defuses before quoting, so the apostrophe stays inside the quotes', () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvCell('\rline')).toBe(`"'\rline"`);
  });
});

describe('renderCsv', () => {
  it('writes only the header, CRLF-terminated, when there is nothing to report', () => {
    expect(renderCsv(report([]))).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
  });

  it('writes the columns in a fixed order', () => {
    expect(renderCsv(report([])).split('\r\n')[0]).toBe(
      'kind,group,vmName,subscriptionId,resourceGroup,region,vaultName,policyName,reason,errorCode,errorMessage,troubleshootingUrl,action,timeToRestorePointMinutes,waitingMinutes,retries,firstBackupCompletedAt,ageHours,since,protectionState,lastJobId,lastJobOperation,lastJobStatus,rule,vmResourceId',
    );
  });

  it('writes one record per finding, every field in its column, in the order of the findings', () => {
    const full = finding({
      kind: 'first-backup-failed',
      subscriptionId: 'sub',
      resourceGroup: 'rg',
      region: 'eastus',
      reason: 'retries-exhausted',
      errorCode: 'E1',
      errorMessage: 'it broke',
      troubleshootingUrl: 'https://learn.microsoft.com/azure/backup/x',
      action: 'Fix it.',
      waitingMs: 90 * 60_000,
      retries: 2,
      ageMs: 1.25 * 3600_000,
      since: '2026-03-02T10:45:00.000Z',
      vaultId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/rsv',
      vaultName: 'rsv',
      policyName: 'DefaultPolicy',
      protectionState: 'IRPending',
      rule: 'default',
      lastJob: { jobId: 'job-1', operation: 'Backup', status: 'Failed' },
    });
    const [header, first, second] = parseCsv(renderCsv(report([full, finding({ vmName: 'vm-2' })])));
    const byColumn = (record: string[] | undefined) =>
      Object.fromEntries(CSV_COLUMNS.map((column, index) => [column, record?.[index]]));
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(byColumn(first)).toEqual({
      kind: 'first-backup-failed',
      group: 'attention',
      vmName: 'vm-1',
      vmResourceId: full.vmResourceId,
      subscriptionId: 'sub',
      resourceGroup: 'rg',
      region: 'eastus',
      reason: 'retries-exhausted',
      errorCode: 'E1',
      errorMessage: 'it broke',
      troubleshootingUrl: 'https://learn.microsoft.com/azure/backup/x',
      action: 'Fix it.',
      timeToRestorePointMinutes: '',
      waitingMinutes: '90.0',
      retries: '2',
      firstBackupCompletedAt: '',
      ageHours: '1.3',
      since: '2026-03-02T10:45:00.000Z',
      vaultName: 'rsv',
      policyName: 'DefaultPolicy',
      protectionState: 'IRPending',
      lastJobId: 'job-1',
      lastJobOperation: 'Backup',
      lastJobStatus: 'Failed',
      rule: 'default',
    });
    expect(second).toHaveLength(CSV_COLUMNS.length);
    expect(second?.[CSV_COLUMNS.indexOf('vmName')]).toBe('vm-2');
  });

  it('writes the recent first restore points after the findings, with their time to first restore point', () => {
    const point: RestorePoint = {
      vmResourceId: '/subscriptions/s/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-01',
      vmName: 'web-01',
      subscriptionId: 's',
      resourceGroup: 'rg-web',
      region: 'eastus',
      vaultName: 'rsv-eastus',
      policyName: 'DefaultPolicy',
      firstBackupCompletedAt: '2026-03-02T11:00:00.000Z',
      timeToRestorePointMs: 25 * 60_000,
      retries: 1,
    };
    const [, findingRow, pointRow] = parseCsv(renderCsv(report([finding()], [point])));
    const byColumn = (record: string[] | undefined) =>
      Object.fromEntries(CSV_COLUMNS.map((column, index) => [column, record?.[index]]));
    expect(byColumn(findingRow).kind).toBe('stale');
    expect(byColumn(pointRow)).toMatchObject({
      kind: 'protected',
      group: 'restore-point',
      vmName: 'web-01',
      subscriptionId: 's',
      resourceGroup: 'rg-web',
      region: 'eastus',
      vaultName: 'rsv-eastus',
      policyName: 'DefaultPolicy',
      reason: 'first-backup-completed',
      timeToRestorePointMinutes: '25.0',
      retries: '1',
      firstBackupCompletedAt: '2026-03-02T11:00:00.000Z',
      vmResourceId: point.vmResourceId,
      action: '',
      errorCode: '',
    });
  });

  it('leaves absent values empty (no "undefined"), an age of zero included as 0.0', () => {
    const csv = renderCsv(report([finding(), finding({ ageMs: 0 })]));
    expect(csv).not.toContain('undefined');
    const [, absent, zero] = parseCsv(csv);
    expect(absent?.[CSV_COLUMNS.indexOf('ageHours')]).toBe('');
    expect(absent?.[CSV_COLUMNS.indexOf('lastJobId')]).toBe('');
    expect(zero?.[CSV_COLUMNS.indexOf('ageHours')]).toBe('0.0');
  });

  it('keeps hostile values inside their field and defused, so the file still has one record per finding', () => {
    const hostile = finding({
      vmName: 'vm,"evil"\r\nkind,injected',
      errorCode: '=HYPERLINK("http://evil")',
      errorMessage: 'line one,\r\nline "two"',
      action: '@SUM(1)',
      rule: ' spaced ',
    });
    const records = parseCsv(renderCsv(report([hostile])));
    expect(records).toHaveLength(2);
    const row = records[1]!;
    expect(row).toHaveLength(CSV_COLUMNS.length);
    expect(row[CSV_COLUMNS.indexOf('vmName')]).toBe('vm,"evil"\r\nkind,injected');
    expect(row[CSV_COLUMNS.indexOf('errorCode')]).toBe(`'=HYPERLINK("http://evil")`);
    expect(row[CSV_COLUMNS.indexOf('errorMessage')]).toBe('line one,\r\nline "two"');
    expect(row[CSV_COLUMNS.indexOf('action')]).toBe("'@SUM(1)");
    expect(row[CSV_COLUMNS.indexOf('rule')]).toBe(' spaced ');
    for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });
});
