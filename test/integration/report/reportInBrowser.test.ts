import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Browser } from 'playwright-core';

import { renderHtml } from '../../../src/lib/report/renderHtml';
import type { ComplianceReport, Finding } from '../../../src/lib/report/reportTypes';
import { launchBrowser } from '../../helpers/browser';

const artifacts = resolve(__dirname, '..', '..', '..', 'test-artifacts');

const finding = (overrides: Partial<Finding> & Pick<Finding, 'kind' | 'vmName' | 'reason' | 'action'>): Finding => ({
  vmResourceId: `/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/${overrides.vmName}`,
  ...overrides,
});

const knownReport: ComplianceReport = {
  version: 1,
  generatedAt: '2026-11-25T06:00:00.000Z',
  staleAfterMs: 24 * 3600_000,
  totals: {
    vaults: 2,
    protectedItems: 41,
    itemsByState: { Protected: 39, IRPending: 2 },
    stale: 1,
    failed: 1,
    skipped: 1,
    unprotected: 1,
    watchedVms: 44,
  },
  findings: [
    finding({
      kind: 'skipped',
      vmName: 'lab-01',
      reason: 'opted-out',
      action: 'Nothing to do: the VM opted out by tag.',
    }),
    finding({
      kind: 'stale',
      vmName: 'legacy-01',
      reason: 'initial-backup-failed',
      errorCode: 'UserErrorGuestAgentStatusUnavailable',
      action: 'Make sure the VM agent is running, then trigger a backup.',
      ageMs: 30 * 3600_000,
      vaultName: 'rsv-eastus',
      policyName: 'DefaultPolicy',
      lastJob: { jobId: 'j1', operation: 'Backup', status: 'Failed' },
    }),
    finding({
      kind: 'failed',
      vmName: 'batch-01',
      reason: 'no-vault-for-region',
      action: 'Add a vault route for westus2.',
      ageMs: 3 * 86_400_000,
    }),
    finding({
      kind: 'unprotected',
      vmName: '<script>alert(1)</script>',
      reason: 'no-protected-item-and-no-ledger-row',
      action: 'Run autoprotect sweep.',
    }),
  ],
  problems: [],
  reenqueued: 0,
  blobs: [],
  summaryPublished: false,
};

describe('the HTML compliance report in a real browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    // @sparticuz/chromium from node_modules, else a system Chromium/Chrome, or CHROMIUM_PATH: test/helpers/browser.ts.
    // Never skipped: if no browser launches, this fails with every attempt and its reason.
    ({ browser } = await launchBrowser());
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('loads without console errors or network requests, shows every finding most urgent first, and is kept as a screenshot', async () => {
    mkdirSync(artifacts, { recursive: true });
    const htmlPath = join(artifacts, 'compliance-report.html');
    writeFileSync(htmlPath, renderHtml(knownReport));

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
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

    expect(problems).toEqual([]);
    expect(requests).toEqual([]); // self-contained: no CDN, no fonts, no scripts
    await expect(page.title()).resolves.toContain('autoprotect compliance report');

    const rows = await page
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) =>
          Array.from(tr.querySelectorAll('td')).map((td) => (td as { textContent: string | null }).textContent ?? ''),
        ),
      );
    expect(rows.map((cells) => [cells[0], cells[1]])).toEqual([
      ['failed', 'batch-01'],
      ['stale', 'legacy-01'],
      ['unprotected', '<script>alert(1)</script>'], // shown as text, never run
      ['skipped', 'lab-01'],
    ]);
    const legacy = rows[1] ?? [];
    expect(legacy).toContain('UserErrorGuestAgentStatusUnavailable');
    expect(legacy).toContain('30.0 h');
    expect(rows[0]).toContain('3.0 d');

    const cards = await page.locator('.card').allTextContents();
    expect(cards).toEqual(expect.arrayContaining(['2Vaults', '41Protected items', '1Stale', '1Failed']));
    const bars = await page.locator('svg rect').count();
    expect(bars).toBe(2);

    const screenshot = join(artifacts, 'compliance-report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    await page.close();
  }, 60_000);
});
