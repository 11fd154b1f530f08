import { escapeHtml, formatAge, renderHtml } from '../../../../src/lib/report/renderHtml';
import type { ComplianceReport, Finding } from '../../../../src/lib/report/reportTypes';

const HOUR = 3600_000;

function report(findings: Finding[], overrides: Partial<ComplianceReport> = {}): ComplianceReport {
  return {
    version: 1,
    generatedAt: '2026-03-02T12:00:00.000Z',
    staleAfterMs: 24 * HOUR,
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
    ...overrides,
  };
}

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    kind: 'stale',
    vmResourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1',
    vmName: 'vm-1',
    reason: 'initial-backup-pending',
    action: 'Check it.',
    ...overrides,
  };
}

const hostile: Finding = {
  kind: 'stale',
  vmResourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm<script>',
  vmName: '<script>alert("x")</script>',
  reason: 'initial-backup-failed',
  errorCode: '<img src=x onerror=alert(1)>',
  errorMessage: '"><svg onload=alert(1)>',
  action: "Fix it & retry 'now'",
  policyName: '</td></tr></table><script>',
  vaultName: '<b>vault</b>',
  lastJob: { jobId: 'j', operation: '<i>Backup</i>', status: 'Failed' },
  ageMs: 90 * HOUR,
};

/** The findings table's rows: kind class, title and cell texts. */
function rowsOf(html: string): Array<{ kind: string; title: string; cells: string[] }> {
  return [...html.matchAll(/<tr class="kind-([^"]*)" title="([^"]*)">(.*?)<\/tr>/g)].map((match) => ({
    kind: match[1]!,
    title: match[2]!,
    cells: [...match[3]!.matchAll(/<td>(.*?)<\/td>/g)].map((cell) => cell[1]!),
  }));
}

describe('renderHtml', () => {
  describe('escaping', () => {
    it('escapes every value of a finding, in cells and in the title attribute', () => {
      const html = renderHtml(report([hostile]));
      expect(html).not.toMatch(/<(script|img|i)\b/i);
      expect(html).not.toMatch(/<svg onload|<b>vault/);
      expect(html).not.toContain('</td></tr></table><script>');
      const [row] = rowsOf(html);
      expect(row?.title).toBe(
        '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm&lt;script&gt;',
      );
      expect(row?.cells).toEqual([
        'stale',
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;',
        'initial-backup-failed: &quot;&gt;&lt;svg onload=alert(1)&gt;',
        '&lt;img src=x onerror=alert(1)&gt;',
        'Fix it &amp; retry &#39;now&#39;',
        '3.8 d',
        '&lt;b&gt;vault&lt;/b&gt;',
        '&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;',
        '&lt;i&gt;Backup&lt;/i&gt; Failed',
      ]);
    });

    it('escapes the vault problems, the generation time and the state names of the chart', () => {
      const html = renderHtml(
        report([], {
          generatedAt: '<now>',
          totals: { ...report([]).totals, itemsByState: { '<State>': 1 } },
          problems: [{ vaultId: '<vault>', code: '<code>', message: 'a & b' }],
        }),
      );
      expect(html).toContain('<title>autoprotect compliance report &lt;now&gt;</title>');
      expect(html).toContain('<li>&lt;vault&gt;: &lt;code&gt; a &amp; b</li>');
      expect(html).toContain('>&lt;State&gt;</text>');
      expect(html).not.toMatch(/<(now|vault|code|State)>/);
    });

    it('escapes a finding kind used as a class name', () => {
      const html = renderHtml(report([finding({ kind: 'x" onclick="alert(1)' as Finding['kind'] })]));
      expect(html).not.toContain('onclick="');
    });
  });

  it('is self-contained: no external scripts, styles, images or links', () => {
    const html = renderHtml(report([hostile]));
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/<[^>]+\s(src|href)=/i);
    expect(html).not.toMatch(/url\(/i);
  });

  it('shows the totals as cards and the stale age in words', () => {
    const html = renderHtml(report([]));
    expect(html).toContain('<b>3</b>Protected items');
    expect(html).toContain('<b>1</b>Vaults');
    expect(html).toContain('<b>3</b>Watched VMs');
    expect(html).toContain('an initial backup is stale after 24.0 h.');
  });

  it('says how many VMs were re-enqueued only when some were', () => {
    expect(renderHtml(report([]))).not.toContain('Re-enqueued');
    expect(renderHtml(report([], { reenqueued: 4 }))).toContain(' Re-enqueued 4 VM(s).');
  });

  it('lists unreadable vaults only when there are some', () => {
    expect(renderHtml(report([]))).not.toContain('Vaults that could not be read');
    expect(
      renderHtml(report([], { problems: [{ vaultId: 'v1', code: 'AuthorizationFailed', message: 'denied' }] })),
    ).toContain('<h2>Vaults that could not be read</h2><ul><li>v1: AuthorizationFailed denied</li></ul>');
  });

  describe('chart', () => {
    it('draws one bar per state in name order, Protected in green, the largest 300 px long', () => {
      const html = renderHtml(
        report([], {
          totals: { ...report([]).totals, itemsByState: { Protected: 6, IRPending: 3, ProtectionError: 0 } },
        }),
      );
      const bars = [
        ...html.matchAll(
          /<text x="0" y="\d+" font-size="13">([^<]*)<\/text><rect [^>]*width="(\d+)"[^>]*fill="([^"]*)"/g,
        ),
      ].map((match) => [match[1], Number(match[2]), match[3]]);
      expect(bars).toEqual([
        ['IRPending', 150, '#c77700'],
        ['Protected', 300, '#2e7d32'],
        ['ProtectionError', 2, '#c77700'],
      ]);
    });

    it('says so when there are no protected items', () => {
      const html = renderHtml(report([], { totals: { ...report([]).totals, itemsByState: {} } }));
      expect(html).toContain('<p>No protected items.</p>');
      expect(html).not.toContain('<svg');
    });
  });

  describe('findings table', () => {
    it("says 'Nothing to report.' and draws no table without findings", () => {
      const html = renderHtml(report([]));
      expect(html).toContain('VMs that need attention (0)');
      expect(html).toContain('<p>Nothing to report.</p>');
      expect(html).not.toContain('<table>');
    });

    it('orders rows failed, stale, unprotected, skipped, and the oldest first within a kind', () => {
      const html = renderHtml(
        report([
          finding({ kind: 'skipped', vmName: 'skipped' }),
          finding({ kind: 'stale', vmName: 'stale-young', ageMs: HOUR }),
          finding({ kind: 'unprotected', vmName: 'unprotected' }),
          finding({ kind: 'stale', vmName: 'stale-undated' }),
          finding({ kind: 'stale', vmName: 'stale-old', ageMs: 50 * HOUR }),
          finding({ kind: 'failed', vmName: 'failed' }),
        ]),
      );
      expect(html).toContain('VMs that need attention (6)');
      expect(rowsOf(html).map((row) => row.cells[1])).toEqual([
        'failed',
        'stale-old',
        'stale-young',
        'stale-undated',
        'unprotected',
        'skipped',
      ]);
    });

    it('does not reorder the report’s own findings', () => {
      const findings = [finding({ kind: 'skipped', vmName: 'a' }), finding({ kind: 'failed', vmName: 'b' })];
      renderHtml(report(findings));
      expect(findings.map((item) => item.vmName)).toEqual(['a', 'b']);
    });

    it('leaves absent values empty and shows the reason alone without an error message', () => {
      const [row] = rowsOf(renderHtml(report([finding()])));
      expect(row?.cells).toEqual(['stale', 'vm-1', 'initial-backup-pending', '', 'Check it.', '', '', '', '']);
    });
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML special characters, every occurrence', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
    expect(escapeHtml('a && b << c')).toBe('a &amp;&amp; b &lt;&lt; c');
  });

  it('does not escape twice or touch other text', () => {
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
    expect(escapeHtml('plain text / é ✓')).toBe('plain text / é ✓');
  });
});

describe('formatAge', () => {
  it.each([
    [0, '0 s'],
    [5_000, '5 s'],
    [89_000, '89 s'],
    [90_000, '2 min'],
    [12 * 60_000, '12 min'],
    [89 * 60_000, '89 min'],
    [90 * 60_000, '1.5 h'],
    [5.5 * HOUR, '5.5 h'],
    [47.9 * HOUR, '47.9 h'],
    [48 * HOUR, '2.0 d'],
    [3.2 * 86_400_000, '3.2 d'],
    [-10, '0 s'],
  ])('shows %d ms as %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
