import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot, run, tempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const inCi = process.env.CI === 'true';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !inCi) console.warn(`skipping the HTML browser test: ${CHROMIUM} is missing (apt-get install chromium)`);

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
