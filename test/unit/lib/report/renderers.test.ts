import { csvCell, renderCsv } from '../../../../src/lib/report/renderCsv';
import { escapeHtml, formatAge, renderHtml } from '../../../../src/lib/report/renderHtml';
import type { ComplianceReport, Finding } from '../../../../src/lib/report/reportTypes';

function report(findings: Finding[]): ComplianceReport {
  return {
    version: 1,
    generatedAt: '2026-03-02T12:00:00.000Z',
    staleAfterMs: 24 * 3600_000,
    totals: {
      vaults: 1,
      protectedItems: 3,
      itemsByState: { IRPending: 1, Protected: 2 },
      stale: 1,
      failed: 0,
      skipped: 0,
      unprotected: 0,
      watchedVms: 3,
    },
    findings,
    problems: [],
    reenqueued: 0,
    blobs: [],
    summaryPublished: false,
  };
}

const hostile: Finding = {
  kind: 'stale',
  vmResourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm<script>',
  vmName: '<script>alert("x")</script>',
  reason: 'initial-backup-failed',
  errorCode: '=HYPERLINK("http://evil")',
  errorMessage: 'line one,\r\nline "two"',
  action: "Fix it & retry 'now'",
  ageMs: 90 * 3600_000,
};

describe('renderCsv', () => {
  it('quotes commas, quotes and line breaks, and defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell(' padded ')).toBe('" padded "');
  });

  it('writes a header and one row per finding', () => {
    const csv = renderCsv(report([hostile]));
    const [header, row] = csv.split('\r\n');
    expect(header).toBe(
      'kind,vmName,vmResourceId,subscriptionId,reason,errorCode,errorMessage,action,ageHours,since,vaultName,policyName,protectionState,lastJobId,lastJobOperation,lastJobStatus,rule',
    );
    expect(row).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv).toContain('"line one,\r\nline ""two"""');
    expect(csv).toContain(',90.0,');
  });
});

describe('renderHtml', () => {
  it('escapes every value', () => {
    const html = renderHtml(report([hostile]));
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('Fix it &amp; retry &#39;now&#39;');
    expect(html).toContain(
      'title="/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm&lt;script&gt;"',
    );
  });

  it('is self-contained: no external scripts, styles, images or links', () => {
    const html = renderHtml(report([hostile]));
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/\s(src|href)=/i);
  });

  it('draws a bar per protection state and shows the totals', () => {
    const html = renderHtml(report([]));
    expect(html.match(/<rect /g)).toHaveLength(2);
    expect(html).toContain('>IRPending</text>');
    expect(html).toContain('Nothing to report.');
    expect(html).toContain('<b>3</b>Protected items');
  });

  it('escapes the five HTML special characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('formatAge', () => {
  it.each([
    [5_000, '5 s'],
    [89_000, '89 s'],
    [12 * 60_000, '12 min'],
    [5.5 * 3600_000, '5.5 h'],
    [3.2 * 86_400_000, '3.2 d'],
    [-10, '0 s'],
  ])('shows %d ms as %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
