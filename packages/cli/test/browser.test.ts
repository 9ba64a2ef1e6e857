import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ReplayReport } from '@omnitrail/journey';
import { renderHtmlReport } from '../src/index.js';
import { OPERATIONS_TABLES, operationsFixture } from './fixtures/operations.js';
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

// What the functions run in the page (playwright sends them there) touch of the DOM: the project compiles
// without the DOM library, so these few shapes are declared here, for this module only.
interface PageElement {
  hidden: boolean;
  value: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; right: number; top: number };
  querySelectorAll(selector: string): Iterable<PageElement> & ArrayLike<PageElement>;
  tBodies: ArrayLike<{ rows: ArrayLike<unknown> }>;
}
declare const document: { querySelectorAll(selector: string): Iterable<PageElement> & ArrayLike<PageElement>; documentElement: { scrollWidth: number } };
declare function getComputedStyle(element: unknown): { display: string };

/** The charts of every tenant section, in page order. */
const TENANT_CHARTS = [
  'inbound-trend', 'cases-flow', 'backlog-trend', 'first-response-trend', 'resolution-trend', 'csat-trend', 'nps-trend', 'health-trend',
  'channel-transitions', 'stage-funnel', 'case-status', 'response-times', 'csat', 'nps', 'channel-mix', 'health',
];

/** What the page shows for the visible tenant: its charts and tables, as the browser draws them. */
interface Visible {
  tenants: (string | null)[];
  charts: { name: string | null; marks: number; width: number }[];
  tables: { name: string | null; rows: number; width: number }[];
  hiddenCharts: number;
  lostExplanations: string[];
}

async function visible(page: Page): Promise<Visible> {
  return page.evaluate(() => {
    const shown = [...document.querySelectorAll('section.tenant')].filter((s) => !s.hidden);
    const section = shown[0]!;
    return {
      tenants: shown.map((s) => s.getAttribute('data-tenant')),
      charts: [...section.querySelectorAll('svg.chart')].map((s) => ({ name: s.getAttribute('data-chart'), marks: s.querySelectorAll('.mark').length, width: s.getBoundingClientRect().width })),
      tables: [...section.querySelectorAll('table.data')].map((t) => ({ name: t.getAttribute('data-table'), rows: t.tBodies[0]!.rows.length, width: t.getBoundingClientRect().width })),
      // Charts of other tenants must not be drawn at all (zero size), not merely scrolled away.
      hiddenCharts: [...document.querySelectorAll('section.tenant[hidden] svg.chart')].filter((s) => s.getBoundingClientRect().width > 0).length,
      lostExplanations: [...section.querySelectorAll('.lost > p')].map((p) => p.textContent ?? ''),
    };
  });
}

// Under CI a missing browser fails the test instead of skipping it.
describe.runIf(hasChromium || inCi)('the HTML report in headless Chromium', () => {
  it('draws every chart and table of every tenant, switches them all with the tenant picker, fits a phone and keeps screenshots under .artifacts/', async () => {
    expect(hasChromium, `${CHROMIUM} is missing: install Debian's chromium`).toBe(true);
    const dir = tempDir();
    const demo = await run(['demo', '--out', dir, '--events', '4000', '--customers', '120', '--seed', '11']);
    expect(demo.code, demo.stderr).toBe(0);
    // Two bad lines, so the rejected-lines table has rows; then the report of the replay, with the operational
    // views of operations.md, built by hand, on the first tenant only.
    appendFileSync(join(dir, 'events.ndjson'), '{"id":"bad-1","type":"SurveyAnswered"}\nnot json\n');
    const replay = await run(['replay', join(dir, 'events.ndjson'), '--json', join(dir, 'report.json')]);
    expect(replay.code, replay.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ReplayReport;
    const ids = Object.keys(report.tenants);
    expect(ids).toEqual(['tenant-1', 'tenant-2']);
    report.tenants['tenant-1']!.operations = operationsFixture();
    writeFileSync(join(dir, 'report.html'), renderHtmlReport(report));

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
      expect(await page.$$eval('#tenant option', (os) => os.map((o) => (o as unknown as PageElement).value))).toEqual(ids);

      for (const id of ids) {
        await page.selectOption('#tenant', id);
        const v = await visible(page);
        const t = report.tenants[id]!;
        expect(v.tenants).toEqual([id]);
        expect(v.hiddenCharts).toBe(0);
        // Every tenant of a real report has the stage-channels view (tenant-1's is the hand-built fixture's).
        const stageChannels = (t.operations as { stageChannels?: Record<string, unknown> } | undefined)?.stageChannels ?? {};
        expect(v.charts.map((c) => c.name)).toEqual(Object.keys(stageChannels).length > 0 ? [...TENANT_CHARTS, 'ops-stage-channels'] : TENANT_CHARTS);
        for (const chart of v.charts) {
          expect(chart.marks, `${id}: chart ${chart.name} has no marks`).toBeGreaterThan(0);
          expect(chart.width).toBeGreaterThan(100);
        }
        const lostTables = (['unthreaded_switch', 'forced_restart', 'blind_handoff', 'identity_gap'] as const)
          .filter((k) => t.journeys.contextLost[k] > 0)
          .map((k) => `context-lost-${k.replace(/_/g, '-')}`);
        expect(lostTables.length, 'the demo has context-lost annotations').toBeGreaterThan(0);
        // tenant-1 shows the fixture's views; tenant-2 its real ones, where the at-risk table needs a red customer
        // and the costs table a cost table (the replay here has none).
        // (and the pending-callbacks table a callback still pending at the report's instant).
        const ops = t.operations as { segments?: { atRisk: unknown[] }; costs?: unknown; callbacks?: { pending: unknown[] } } | undefined;
        const realTables = OPERATIONS_TABLES.filter(
          (x) =>
            (x !== 'ops-at-risk' || (ops?.segments?.atRisk.length ?? 0) > 0) &&
            (x !== 'ops-costs' || (ops?.costs ?? null) !== null) &&
            (x !== 'ops-callbacks-pending' || (ops?.callbacks?.pending.length ?? 0) > 0),
        );
        const expectedTables = ['open-cases', ...(id === 'tenant-1' ? OPERATIONS_TABLES : realTables), ...lostTables, ...(t.cases.anomalies.length > 0 ? ['anomalies'] : [])];
        expect(v.tables.map((x) => x.name)).toEqual(expectedTables);
        for (const table of v.tables) {
          expect(table.rows, `${id}: table ${table.name} is empty`).toBeGreaterThan(0);
          expect(table.width).toBeGreaterThan(100);
        }
        expect(v.lostExplanations).toHaveLength(4);
        for (const p of v.lostExplanations) expect(p.length).toBeGreaterThan(40);
        const openRows = v.tables.find((x) => x.name === 'open-cases')!.rows;
        expect(openRows).toBe(Math.min(200, t.cases.open.length));
      }

      // The open-cases table sorts by the column pressed: reopens, most first; then waiting, longest first.
      await page.selectOption('#tenant', 'tenant-1');
      const column = (i: number) =>
        page.$$eval(`section.tenant:not([hidden]) table[data-table="open-cases"] tbody tr td:nth-child(${i})`, (tds) => tds.map((td) => Number(td.getAttribute('data-sort'))));
      const header = (label: string) => page.locator('section.tenant:not([hidden]) table[data-table="open-cases"] th button', { hasText: label });
      await header('Reopens').click();
      const reopens = await column(7);
      expect(reopens).toEqual([...reopens].sort((a, b) => b - a));
      await header('Reopens').click();
      expect(await column(7)).toEqual([...reopens].sort((a, b) => a - b));
      await header('Waiting').click();
      const waiting = await column(4);
      expect(waiting).toEqual([...waiting].sort((a, b) => b - a));

      expect(await page.$$eval('table[data-table="rejected"] tbody tr', (rs) => rs.length)).toBe(2);
      const artifacts = join(repoRoot, '.artifacts');
      mkdirSync(artifacts, { recursive: true });
      writeFileSync(join(artifacts, 'cli-report.png'), await page.screenshot({ fullPage: true }));

      // A phone: nothing wider than the screen, so nothing scrolls sideways.
      await page.setViewportSize({ width: 400, height: 860 });
      const phone = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        widest: Math.max(...[...document.querySelectorAll('section.tenant:not([hidden]) *')].map((e) => e.getBoundingClientRect().right)),
      }));
      expect(phone.scrollWidth).toBeLessThanOrEqual(400);
      expect(phone.widest).toBeLessThanOrEqual(400);
      writeFileSync(join(artifacts, 'cli-report-phone.png'), await page.screenshot({ fullPage: true }));

      // Print: the picker is not printed and the page still fits.
      await page.emulateMedia({ media: 'print' });
      expect(await page.$eval('label.picker', (l) => getComputedStyle(l).display)).toBe('none');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);

      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
