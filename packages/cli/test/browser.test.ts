import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot, run, tempDir } from './helpers.js';

/**
 * The browser: `OMNITRAIL_CHROMIUM` (or `CHROME_PATH`) when set, else the first of chromium, chromium-browser,
 * google-chrome-stable or google-chrome on the PATH, else Debian's /usr/bin/chromium.
 */
function findChromium(): string {
  const named = process.env.OMNITRAIL_CHROMIUM ?? process.env.CHROME_PATH;
  if (named) return named;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
      if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return '/usr/bin/chromium';
}
const CHROMIUM = findChromium();
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const inCi = process.env.CI === 'true';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !inCi) console.warn(`skipping the HTML browser test: no Chromium found (apt-get install chromium, or set OMNITRAIL_CHROMIUM to a Chromium or Chrome binary)`);

// Under CI a missing browser fails the test instead of skipping it.
describe.runIf(hasChromium || inCi)('the HTML report in headless Chromium', () => {
  it('renders every chart with no console error and keeps a screenshot under .artifacts/', async () => {
    expect(hasChromium, `${CHROMIUM} is missing: install Debian's chromium`).toBe(true);
    const dir = tempDir();
    const r = await run(['demo', '--out', dir, '--events', '4000', '--customers', '120', '--seed', '11']);
    expect(r.code, r.stderr).toBe(0);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (q) => {
        if (!q.url().startsWith('file:') && !q.url().startsWith('data:')) requests.push(q.url());
      });
      await page.goto(pathToFileURL(join(dir, 'report.html')).href, { waitUntil: 'load' });
      const charts = await page.$$eval('section.tenant:not([hidden]) svg.chart', (svgs) =>
        svgs.map((s) => ({ name: s.getAttribute('data-chart'), marks: s.querySelectorAll('.mark').length, width: s.getBoundingClientRect().width })),
      );
      expect(charts.map((c) => c.name)).toEqual(['channel-transitions', 'stage-funnel', 'case-status', 'response-times', 'csat', 'nps', 'channel-mix', 'health']);
      for (const chart of charts) {
        expect(chart.marks, `chart ${chart.name} has no marks`).toBeGreaterThan(0);
        expect(chart.width).toBeGreaterThan(100);
      }
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      const artifacts = join(repoRoot, '.artifacts');
      mkdirSync(artifacts, { recursive: true });
      writeFileSync(join(artifacts, 'cli-report.png'), await page.screenshot({ fullPage: true }));
    } finally {
      await browser.close();
    }
  });
});
