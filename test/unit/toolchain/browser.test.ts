import { type BrowserCandidate, browserCandidates, launchBrowser } from '../../helpers/browser';

describe('test/helpers/browser.ts: finding a browser for the browser tests', () => {
  it('tries @sparticuz/chromium first, then a system Chromium or Chrome', () => {
    expect(browserCandidates({ PATH: '/usr/bin' }).map((candidate) => candidate.source)).toEqual([
      expect.stringMatching(/^@sparticuz\/chromium \d+\.\d+\.\d+$/),
      'system chromium',
      'system chromium-browser',
      'system google-chrome',
      'system google-chrome-stable',
    ]);
  });

  it('with CHROMIUM_PATH set, tries that executable and nothing else', async () => {
    const candidates = browserCandidates({ CHROMIUM_PATH: '/nowhere/chrome', PATH: '/usr/bin' });
    expect(candidates.map((candidate) => candidate.source)).toEqual(['CHROMIUM_PATH']);
    await expect(launchBrowser(candidates)).rejects.toThrow(
      '- CHROMIUM_PATH: CHROMIUM_PATH=/nowhere/chrome does not exist',
    );
  });

  it('when nothing launches, names every attempt with its reason and how to get a browser', async () => {
    const missing = (source: string, reason: string): BrowserCandidate => ({
      source,
      args: [],
      executablePath: () => {
        throw new Error(reason);
      },
    });
    const notABrowser: BrowserCandidate = { source: 'system chromium', args: [], executablePath: () => '/bin/false' };
    const error = await launchBrowser([
      missing('@sparticuz/chromium 1.0.0', 'it ships a Linux x64 binary; this is darwin arm64'),
      notABrowser,
    ]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    const lines = (error as Error).message.split('\n');
    expect(lines[0]).toBe('No headless Chromium could be launched for the browser tests. Tried:');
    expect(lines[1]).toBe('- @sparticuz/chromium 1.0.0: it ships a Linux x64 binary; this is darwin arm64');
    expect(lines[2]).toMatch(/^- system chromium \(\/bin\/false\) did not launch: /);
    expect(lines[3]).toContain('set CHROMIUM_PATH');
  }, 60_000);
});
