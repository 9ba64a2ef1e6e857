import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../src/server.js';

// Chromium as the CLI's report test finds it: OMNITRAIL_CHROMIUM or CHROME_PATH, else the PATH, else Debian's.
function findChromium(): string {
  const named = process.env.OMNITRAIL_CHROMIUM ?? process.env.CHROME_PATH;
  if (named) return named;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return '/usr/bin/chromium';
}
const CHROMIUM = findChromium();
const hasChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';
if (!hasChromium && !inCi) console.warn('skipping the live dashboard browser test: no Chromium found (apt-get install chromium, or set OMNITRAIL_CHROMIUM)');
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// The page's DOM, as the functions run in it see it (the project compiles without the DOM library).
interface PageNode {
  getAttribute(name: string): string | null;
  textContent: string | null;
}
declare const document: { querySelectorAll(selector: string): Iterable<PageNode> & ArrayLike<PageNode>; body: PageNode };

const T0 = Date.parse('2024-05-06T09:00:00Z');
const message = (id: string, customer: string, minutes: number, text: string) => ({
  id,
  type: 'MessageReceived' as const,
  tenantId: 'acme',
  occurredAt: new Date(T0 + minutes * 60_000).toISOString(),
  customerId: customer,
  caseId: `case-${customer}`,
  channel: 'whatsapp' as const,
  actor: { kind: 'customer' as const },
  data: { text },
});

describe.runIf(hasChromium || inCi)('the live dashboard in headless Chromium', () => {
  const directory = mkdtempSync(join(tmpdir(), 'omnitrail-dashboard-test-'));
  let dashboard: Dashboard | undefined;
  afterAll(async () => {
    await dashboard?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('shows a recorded message within a second, opens its timeline, and catches up after a server restart without losing or repeating an update', async () => {
    expect(hasChromium, `${CHROMIUM} is missing: install Debian's chromium`).toBe(true);
    let now = T0 + 10 * 60_000;
    const options = { directory, tenantId: 'acme', clock: () => now, retryMs: 200 };
    dashboard = await startDashboard(options);
    await dashboard.engine.record([
      message('m1', 'ann', 0, 'Where is my parcel?'),
      { id: 'r1', type: 'MessageSent', tenantId: 'acme', occurredAt: new Date(T0 + 2 * 60_000).toISOString(), customerId: 'ann', caseId: 'case-ann', channel: 'whatsapp', actor: { kind: 'agent', id: 'bob' }, data: { senderKind: 'agent', text: 'On it' } },
    ]);

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        // While the server is down, Chromium logs the refused reconnections: that is the restart being tested.
        if (m.type() === 'error' && !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(m.text())) errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(dashboard.url);
      await page.waitForSelector('#connection[data-state="live"]');
      await page.waitForSelector('#feed li[data-event="r1"]');
      expect(await page.locator('[data-metric="first-response"] b').textContent()).toBe('2 min 0 s');

      // A customer writes: within a second the case is in the queue, with its waiting clock.
      now = T0 + 11 * 60_000;
      await dashboard.engine.record(message('m2', 'cleo', 10, 'I was charged twice'));
      await page.waitForSelector('tr[data-queue-case="case-cleo"]', { timeout: 1000 });
      expect(await page.locator('[data-status="open"] b').textContent()).toBe('2');
      expect(await page.locator('tr[data-queue-case="case-cleo"] .clock').textContent()).toMatch(/^1 min/);

      // Its timeline, on click.
      await page.click('tr[data-queue-case="case-cleo"]');
      await page.waitForSelector('#timeline [data-timeline-case="case-cleo"]');
      expect(await page.locator('#timeline li').allTextContents()).toEqual([expect.stringContaining('I was charged twice')]);

      // The server restarts on the same file store and port; a message is recorded before the page is back.
      const port = dashboard.port;
      await dashboard.close();
      dashboard = undefined;
      await page.waitForSelector('#connection[data-state="reconnecting"]');
      dashboard = await startDashboard({ ...options, port });
      now = T0 + 11 * 60_000;
      await dashboard.engine.record(message('m3', 'dev', 11, 'Can I change the address?'));
      await page.waitForSelector('tr[data-queue-case="case-dev"]', { timeout: 5000 });
      await page.waitForSelector('#connection[data-state="live"]');
      // And one recorded after it is back, live again.
      now = T0 + 12 * 60_000;
      await dashboard.engine.record(message('m4', 'ann', 12, 'Thanks!'));
      await page.waitForSelector('#feed li[data-event="m4"]', { timeout: 1000 });

      const shown = await page.evaluate(() => [...document.querySelectorAll('#feed li')].map((li) => li.getAttribute('data-position')!).reverse());
      expect(shown).toEqual(await dashboard.positions());
      expect(new Set(shown).size).toBe(5); // m1, r1, m2, m3 (recorded while the page was away), m4
      expect(await page.evaluate(() => document.body.getAttribute('data-last-event-id'))).toBe(shown[shown.length - 1]);
      // Only the first connection started from scratch: the reconnection resumed after the last id it had.
      expect(await page.evaluate(() => document.body.getAttribute('data-resets'))).toBe('1');
      // The metrics follow: four customer messages, one first response.
      expect(await page.locator('[data-metric="inbound"] b').textContent()).toBe('4');
      expect(await page.locator('[data-metric="open"] b').textContent()).toBe('3');
      expect(errors).toEqual([]);

      const artifacts = join(repoRoot, '.artifacts');
      mkdirSync(artifacts, { recursive: true });
      writeFileSync(join(artifacts, 'live-dashboard.png'), await page.screenshot({ fullPage: true }));
      await page.setViewportSize({ width: 400, height: 900 });
      expect(await page.evaluate(() => (document as unknown as { documentElement: { scrollWidth: number } }).documentElement.scrollWidth)).toBeLessThanOrEqual(400);
      writeFileSync(join(artifacts, 'live-dashboard-phone.png'), await page.screenshot({ fullPage: true }));
    } finally {
      await browser.close();
    }
  }, 30_000);
});
