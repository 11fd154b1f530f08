import { escapeHtml, formatAge, renderHtml } from '../../../../src/lib/report/renderHtml';
import type { ComplianceReport, Finding } from '../../../../src/lib/report/reportTypes';
import { complianceReport, reportFinding as finding, runSummary } from '../../../helpers/factories/report';

const HOUR = 3600_000;

function report(findings: Finding[], overrides: Partial<ComplianceReport> = {}): ComplianceReport {
  return complianceReport({ findings, ...overrides });
}

const hostile: Finding = {
  kind: 'stale',
  group: 'attention',
  vmResourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm<script>',
  vmName: '<script>alert("x")</script>',
  subscriptionId: '<sub>',
  resourceGroup: '<rg>',
  region: '<region>',
  reason: 'initial-backup-failed',
  errorCode: '<img src=x onerror=alert(1)>',
  errorMessage: '"><svg onload=alert(1)>',
  troubleshootingUrl: 'javascript:alert(1)" onclick="x',
  action: "Fix it & retry 'now'",
  policyName: '</td></tr></table><script>',
  vaultName: '<b>vault</b>',
  lastJob: { jobId: 'j', operation: '<i>Backup</i>', status: 'Failed' },
  ageMs: 90 * HOUR,
  waitingMs: 91 * HOUR,
};

/** The rows of the findings tables: kind class, title and cell contents. */
function rowsOf(html: string): Array<{ kind: string; title: string; cells: string[] }> {
  return [...html.matchAll(/<tr class="kind-([^"]*)" title="([^"]*)">(.*?)<\/tr>/g)].map((match) => ({
    kind: match[1]!,
    title: match[2]!,
    cells: [...match[3]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((cell) => cell[1]!),
  }));
}

/** The text between `<h2 id="...">` and the next `<h2`. */
function section(html: string, id: string): string {
  const start = html.indexOf(`<h2 id="${id}">`);
  if (start < 0) throw new Error(`no section ${id}`);
  const end = html.indexOf('<h2', start + 4);
  return html.slice(start, end < 0 ? undefined : end);
}

describe('renderHtml', () => {
  describe('escaping', () => {
    it('escapes every value of a finding, in cells and the title attribute, and links no script URL', () => {
      const html = renderHtml(report([hostile]));
      expect(html).not.toMatch(/<(script|img|i)\b/i);
      expect(html).not.toMatch(/<svg onload|<b>vault/);
      expect(html).not.toContain('</td></tr></table><script>');
      expect(html).not.toContain('onclick="x');
      expect(html).not.toContain('javascript:');
      const [row] = rowsOf(html);
      expect(row?.title).toBe(
        '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm&lt;script&gt;',
      );
      expect(row?.cells).toEqual([
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;',
        '&lt;sub&gt;',
        '&lt;rg&gt;',
        '&lt;region&gt;',
        '&lt;b&gt;vault&lt;/b&gt;',
        '&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;',
        'stale: initial-backup-failed',
        // A link only to an https page: this one is shown as text.
        '&lt;img src=x onerror=alert(1)&gt;<br>&quot;&gt;&lt;svg onload=alert(1)&gt;',
        'Fix it &amp; retry &#39;now&#39;',
        'none yet (3.8 d so far)',
        '3.8 d',
      ]);
    });

    it('escapes the vault problems, the generation time and the state names of the chart', () => {
      const html = renderHtml(
        report([], {
          generatedAt: '<now>',
          totals: { ...complianceReport().totals, itemsByState: { '<State>': 1 } },
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

  it('is self-contained: no script, no external style, image or frame; the only links are troubleshooting pages', () => {
    const html = renderHtml(
      report([
        finding({
          errorCode: 'UserErrorGuestAgentStatusUnavailable',
          troubleshootingUrl: 'https://learn.microsoft.com/azure/backup/x',
        }),
      ]),
    );
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/<[^>]+\ssrc=/i);
    expect(html).not.toMatch(/url\(/i);
    expect([...html.matchAll(/<(\w+)[^>]*\shref="([^"]*)"/g)].map((match) => [match[1], match[2]])).toEqual([
      ['a', 'https://learn.microsoft.com/azure/backup/x'],
    ]);
  });

  describe('headline', () => {
    it('says N of M watched VMs have a restore point, then what is pending and what needs attention, apart', () => {
      const html = renderHtml(
        report([], {
          headline: {
            watchedVms: 12,
            inScope: 10,
            withRestorePoint: 7,
            percent: 70,
            pending: 2,
            attention: 1,
            notCounted: 2,
          },
        }),
      );
      expect(html).toContain('<p class="big"><b>7 of 10</b> watched VMs have a restore point (<b>70 %</b>)</p>');
      expect(html).toContain('<li class="pending"><b>2</b> pending</li>');
      expect(html).toContain('<li class="attention"><b>1</b> needs attention</li>');
      expect(html).toContain(
        '<li class="muted"><b>2</b> not counted (opted out, excluded, protected elsewhere, cannot be backed up)</li>',
      );
    });

    it('shows the median and 95th percentile of the time to first restore point, or says there was none', () => {
      expect(renderHtml(report([]))).toContain(
        'Time to first restore point (2 VMs, last 7.0 d): median <b>20 min</b>, 95th percentile <b>50 min</b>.',
      );
      expect(renderHtml(report([], { timeToRestorePoint: { windowMs: 7 * 24 * HOUR, count: 0 } }))).toContain(
        'No first backup completed in the last 7.0 d.',
      );
    });

    it('says how many VMs were re-enqueued only when some were, and the stale age in words', () => {
      expect(renderHtml(report([]))).not.toContain('Re-enqueued');
      expect(renderHtml(report([], { reenqueued: 4 }))).toContain(' Re-enqueued 4 VM(s).');
      expect(renderHtml(report([]))).toContain('a first backup is overdue after 24.0 h.');
    });
  });

  describe('history charts', () => {
    const history = [
      runSummary('2026-02-28T06:00:00.000Z', 50, 30, 60),
      runSummary('2026-03-01T06:00:00.000Z', 80),
      runSummary('2026-03-02T06:00:00.000Z', 90, 20, 40),
    ];

    it('draws the protected percentage with one point per run, each titled with its run and value', () => {
      const chart =
        /<figure class="chart" id="chart-protected">(.*?)<\/figure>/.exec(renderHtml(report([], { history })))?.[1] ??
        '';
      expect(chart).toContain('Watched VMs with a restore point (%), last 3 runs');
      const titles = [...chart.matchAll(/<circle class="point point-protected"[^>]*><title>([^<]*)<\/title>/g)].map(
        (match) => match[1],
      );
      expect(titles).toEqual([
        '2026-02-28T06:00:00.000Z: protected 50 %',
        '2026-03-01T06:00:00.000Z: protected 80 %',
        '2026-03-02T06:00:00.000Z: protected 90 %',
      ]);
      // Higher is up: 90 % sits above 50 %.
      const ys = [...chart.matchAll(/<circle [^>]*cy="([\d.]+)"/g)].map((match) => Number(match[1]));
      expect(ys[2]).toBeLessThan(ys[0]!);
    });

    it('draws the median and the 95th percentile, skipping runs without a first restore point', () => {
      const chart =
        /<figure class="chart" id="chart-time">(.*?)<\/figure>/.exec(renderHtml(report([], { history })))?.[1] ?? '';
      expect((chart.match(/class="point point-median"/g) ?? []).length).toBe(2);
      expect((chart.match(/class="point point-p95"/g) ?? []).length).toBe(2);
      expect(chart).toContain('<title>2026-02-28T06:00:00.000Z: p95 60 min</title>');
    });

    it('says so before the first run', () => {
      expect(renderHtml(report([], { history: [] }))).toContain('<p>No runs yet.</p>');
    });
  });

  describe('vaults', () => {
    it('draws one bar per state in name order, Protected in green, the largest 300 px long', () => {
      const html = renderHtml(
        report([], {
          totals: { ...complianceReport().totals, itemsByState: { Protected: 6, IRPending: 3, ProtectionError: 0 } },
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

    it('says so when there are no protected items, and lists unreadable vaults only when there are some', () => {
      const html = renderHtml(report([], { totals: { ...complianceReport().totals, itemsByState: {} } }));
      expect(html).toContain('<p>No protected items.</p>');
      expect(html).not.toContain('Could not be read');
      expect(
        renderHtml(report([], { problems: [{ vaultId: 'v1', code: 'AuthorizationFailed', message: 'denied' }] })),
      ).toContain('<p>Could not be read:</p><ul><li>v1: AuthorizationFailed denied</li></ul>');
    });
  });

  describe('tables', () => {
    it('has the columns a manager asks for: subscription, resource group, region, vault, policy, time to first restore point', () => {
      const html = renderHtml(report([finding()]));
      const header = [...section(html, 'attention').matchAll(/<th>([^<]*)<\/th>/g)].map((match) => match[1]);
      expect(header).toEqual([
        'VM',
        'Subscription',
        'Resource group',
        'Region',
        'Vault',
        'Policy',
        'Status',
        'Error',
        'What to do',
        'Time to first restore point',
        'Since',
      ]);
    });

    it('puts each finding under its group: need attention, pending, not counted', () => {
      const html = renderHtml(
        report([
          finding({ kind: 'skipped', group: 'not-counted', vmName: 'skipped' }),
          finding({ kind: 'pending', group: 'pending', vmName: 'pending' }),
          finding({ kind: 'failed', vmName: 'failed' }),
        ]),
      );
      expect(section(html, 'attention')).toContain('Need attention (1)');
      expect(rowsOf(section(html, 'attention')).map((row) => row.cells[0])).toEqual(['failed']);
      expect(rowsOf(section(html, 'pending')).map((row) => row.cells[0])).toEqual(['pending']);
      expect(rowsOf(section(html, 'not-counted')).map((row) => row.cells[0])).toEqual(['skipped']);
    });

    it('orders what needs attention by urgency, then oldest first; what is pending by waiting time', () => {
      const html = renderHtml(
        report([
          finding({ kind: 'stale', vmName: 'stale-young', ageMs: HOUR }),
          finding({ kind: 'unprotected', vmName: 'unprotected' }),
          finding({ kind: 'stale', vmName: 'stale-undated' }),
          finding({ kind: 'stale', vmName: 'stale-old', ageMs: 50 * HOUR }),
          finding({ kind: 'failed', vmName: 'failed' }),
          finding({ kind: 'first-backup-failed', vmName: 'first-backup-failed' }),
          finding({ kind: 'pending', group: 'pending', vmName: 'p-short', waitingMs: HOUR }),
          finding({ kind: 'pending', group: 'pending', vmName: 'p-long', waitingMs: 5 * HOUR }),
        ]),
      );
      expect(rowsOf(section(html, 'attention')).map((row) => row.cells[0])).toEqual([
        'first-backup-failed',
        'failed',
        'stale-old',
        'stale-young',
        'stale-undated',
        'unprotected',
      ]);
      expect(rowsOf(section(html, 'pending')).map((row) => row.cells[0])).toEqual(['p-long', 'p-short']);
    });

    it('does not reorder the report’s own findings', () => {
      const findings = [finding({ kind: 'skipped', vmName: 'a' }), finding({ kind: 'failed', vmName: 'b' })];
      renderHtml(report(findings));
      expect(findings.map((item) => item.vmName)).toEqual(['a', 'b']);
    });

    it('leaves absent values empty, and counts retries in the status', () => {
      const [row] = rowsOf(renderHtml(report([finding({ retries: 2 })])));
      expect(row?.cells).toEqual([
        'vm-1',
        '',
        '',
        '',
        '',
        '',
        'stale: initial-backup-pending (2 retries)',
        '',
        'Check it.',
        'none yet',
        '',
      ]);
    });

    it('lists the recent first restore points with their time, and says when only the latest are listed', () => {
      const html = renderHtml(
        report([], {
          timeToRestorePoint: { windowMs: 7 * 24 * HOUR, count: 60, medianMs: HOUR, p95Ms: 2 * HOUR },
          restorePoints: [
            {
              vmResourceId: 'id',
              vmName: 'web-01',
              subscriptionId: 'sub',
              resourceGroup: 'rg-web',
              region: 'eastus',
              vaultName: 'rsv-eastus',
              policyName: 'DefaultPolicy',
              firstBackupCompletedAt: '2026-03-02T11:00:00.000Z',
              timeToRestorePointMs: 25 * 60_000,
              retries: 1,
            },
          ],
        }),
      );
      const restore = section(html, 'restore-points');
      expect(restore).toContain('First restore points in the last 7.0 d (60)');
      expect(restore).toContain(
        '<tr><td>web-01</td><td class="id">sub</td><td>rg-web</td><td>eastus</td><td>rsv-eastus</td><td>DefaultPolicy</td><td>2026-03-02 11:00:00</td><td class="time">25 min</td><td>1</td></tr>',
      );
      expect(restore).toContain('<p>1 of 60 listed: the most recent.</p>');
    });

    it('says so when a section is empty', () => {
      const html = renderHtml(report([]));
      expect(html).toContain('<p>Nothing needs attention.</p>');
      expect(html).toContain('<p>Nothing pending.</p>');
      expect(html).toContain('<p>None: every watched VM is in scope.</p>');
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
