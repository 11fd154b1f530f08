import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Browser, Page } from 'playwright-core';

import { renderHtml } from '../../../src/lib/report/renderHtml';
import type { ComplianceReport, Finding } from '../../../src/lib/report/reportTypes';
import { launchBrowser } from '../../helpers/browser';
import { complianceReport, runSummary } from '../../helpers/factories/report';

const artifacts = resolve(__dirname, '..', '..', '..', 'test-artifacts');
const SUB = '11111111-1111-1111-1111-111111111111';
const HOUR = 3600_000;

const finding = (
  overrides: Partial<Finding> & Pick<Finding, 'kind' | 'group' | 'vmName' | 'reason' | 'action'>,
): Finding => ({
  vmResourceId: `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/${overrides.vmName}`,
  subscriptionId: SUB,
  resourceGroup: 'rg-app',
  ...overrides,
});

/** Six daily runs: the share of protected VMs rising, the time to first restore point falling. */
const HISTORY = [
  runSummary('2026-11-20T06:00:00.000Z', 62.5, 95, 240),
  runSummary('2026-11-21T06:00:00.000Z', 70, 80, 200),
  runSummary('2026-11-22T06:00:00.000Z', 75, 70, 150),
  runSummary('2026-11-23T06:00:00.000Z', 82.3, 52, 120),
  runSummary('2026-11-24T06:00:00.000Z', 88.6, 41, 95),
  runSummary('2026-11-25T06:00:00.000Z', 90.9, 38, 80),
];

const knownReport: ComplianceReport = complianceReport({
  generatedAt: '2026-11-25T06:00:00.000Z',
  headline: {
    watchedVms: 47,
    inScope: 44,
    withRestorePoint: 40,
    percent: 90.9,
    pending: 2,
    attention: 2,
    notCounted: 3,
  },
  timeToRestorePoint: { windowMs: 7 * 24 * HOUR, count: 12, medianMs: 38 * 60_000, p95Ms: 80 * 60_000 },
  history: HISTORY,
  findings: [
    finding({
      kind: 'skipped',
      group: 'not-counted',
      vmName: 'lab-01',
      reason: 'opted-out',
      action: 'Nothing to do: the VM opted out by tag.',
    }),
    finding({
      kind: 'first-backup-failed',
      group: 'attention',
      vmName: 'legacy-01',
      region: 'eastus',
      reason: 'retries-exhausted',
      errorCode: 'UserErrorGuestAgentStatusUnavailable',
      errorMessage: 'VM Agent unable to communicate with Azure Backup.',
      troubleshootingUrl:
        'https://learn.microsoft.com/azure/backup/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout',
      action: 'Make sure the VM agent is running and Ready, then run `autoprotect sweep`.',
      ageMs: 30 * HOUR,
      waitingMs: 31 * HOUR,
      retries: 3,
      vaultName: 'rsv-eastus',
      policyName: 'DefaultPolicy',
    }),
    finding({
      kind: 'failed',
      group: 'attention',
      vmName: 'batch-01',
      region: 'westus2',
      reason: 'no-vault-for-region',
      action: 'No vault serves westus2: create a Recovery Services vault in westus2, then run `autoprotect sweep`.',
      ageMs: 3 * 86_400_000,
    }),
    finding({
      kind: 'pending',
      group: 'pending',
      vmName: '<script>alert(1)</script>',
      region: 'westeurope',
      reason: 'first-backup-running',
      action: 'Nothing to do yet.',
      waitingMs: 25 * 60_000,
      vaultName: 'rsv-westeurope',
      policyName: 'EnhancedPolicy',
    }),
  ],
  restorePoints: [
    {
      vmResourceId: `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/web-01`,
      vmName: 'web-01',
      subscriptionId: SUB,
      resourceGroup: 'rg-web',
      region: 'eastus',
      vaultName: 'rsv-eastus',
      policyName: 'DefaultPolicy',
      firstBackupCompletedAt: '2026-11-25T05:10:00.000Z',
      timeToRestorePointMs: 38 * 60_000,
      retries: 0,
    },
  ],
});

describe('the HTML compliance report in a real browser', () => {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    // @sparticuz/chromium from node_modules, else a system Chromium/Chrome, or CHROMIUM_PATH: test/helpers/browser.ts.
    // Never skipped: if no browser launches, this fails with every attempt and its reason.
    ({ browser } = await launchBrowser());
    mkdirSync(artifacts, { recursive: true });
    const htmlPath = join(artifacts, 'compliance-report.html');
    writeFileSync(htmlPath, renderHtml(knownReport));
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('request', (request) => {
      if (!request.url().startsWith('file://')) requests.push(request.url());
    });
    await page.goto(`file://${htmlPath}`, { waitUntil: 'load' });
  }, 180_000);

  afterAll(async () => {
    await page?.close();
    await browser?.close();
  });

  it('loads without console errors or network requests (one self-contained file)', async () => {
    expect(problems).toEqual([]);
    expect(requests).toEqual([]); // no CDN, no fonts, no scripts
    await expect(page.title()).resolves.toContain('autoprotect compliance report');
    expect(await page.locator('script').count()).toBe(0);
  });

  it('opens with the headline: N of M watched VMs have a restore point, then pending and attention apart', async () => {
    await expect(page.locator('.headline .big').innerText()).resolves.toBe(
      '40 of 44 watched VMs have a restore point (90.9 %)',
    );
    const counts = await page.locator('.headline .counts li').allInnerTexts();
    expect(counts).toEqual([
      '2 pending',
      '2 need attention',
      '3 not counted (opted out, excluded, protected elsewhere, cannot be backed up)',
    ]);
    await expect(page.locator('.headline').innerText()).resolves.toContain('median 38 min, 95th percentile 80 min');
  });

  it('draws the history as charts with one point per run', async () => {
    expect(await page.locator('#chart-protected svg').isVisible()).toBe(true);
    expect(await page.locator('#chart-protected circle.point').count()).toBe(HISTORY.length);
    expect(await page.locator('#chart-time circle.point-median').count()).toBe(HISTORY.length);
    expect(await page.locator('#chart-time circle.point-p95').count()).toBe(HISTORY.length);
    const lastPoint = await page.locator('#chart-protected circle.point').last().locator('title').textContent();
    expect(lastPoint).toBe('2026-11-25T06:00:00.000Z: protected 90.9 %');
    // The rising share is drawn rising: the last point sits higher (a smaller y) than the first.
    const ys = await page
      .locator('#chart-protected circle.point')
      .evaluateAll((circles) => circles.map((circle) => Number(circle.getAttribute('cy'))));
    expect(ys.at(-1)).toBeLessThan(ys[0]!);
  });

  it('lists what needs attention most urgent first, with subscription, resource group, region, vault, policy and time', async () => {
    const attention = page.locator('h2#attention + table');
    const header = await attention.locator('th').allInnerTexts();
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
    const rows = await attention
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) =>
          Array.from(tr.querySelectorAll('td')).map((td) => (td as { textContent: string | null }).textContent ?? ''),
        ),
      );
    expect(rows.map((cells) => cells[0])).toEqual(['legacy-01', 'batch-01']);
    expect(rows[0]).toEqual([
      'legacy-01',
      SUB,
      'rg-app',
      'eastus',
      'rsv-eastus',
      'DefaultPolicy',
      'first-backup-failed: retries-exhausted (3 retries)',
      'UserErrorGuestAgentStatusUnavailableVM Agent unable to communicate with Azure Backup.',
      'Make sure the VM agent is running and Ready, then run `autoprotect sweep`.',
      'none yet (31.0 h so far)',
      '30.0 h',
    ]);
    expect(await attention.locator('a').getAttribute('href')).toBe(
      'https://learn.microsoft.com/azure/backup/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout',
    );
  });

  it('lists pending VMs, recent first restore points and the VMs not counted, each under its heading', async () => {
    const pending = await page.locator('h2#pending + table tbody tr td:first-child').allInnerTexts();
    expect(pending).toEqual(['<script>alert(1)</script>']); // shown as text, never run
    const restored = await page.locator('h2#restore-points + table tbody tr').first().locator('td').allInnerTexts();
    expect(restored).toEqual([
      'web-01',
      SUB,
      'rg-web',
      'eastus',
      'rsv-eastus',
      'DefaultPolicy',
      '2026-11-25 05:10:00',
      '38 min',
      '0',
    ]);
    expect(await page.locator('h2#not-counted + table tbody tr td:first-child').allInnerTexts()).toEqual(['lab-01']);
  });

  it('is kept as a screenshot', async () => {
    const screenshot = join(artifacts, 'compliance-report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
  });
});
