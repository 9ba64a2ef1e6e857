import { describe, expect, it } from 'vitest';
import { parseEventOrThrow } from '@omnitrail/events';
import { replayReport, type ReplayReport } from '@omnitrail/journey';
import { generateWorkload } from '@omnitrail/testing';
import { renderHtmlReport } from '../src/index.js';
import { OPERATIONS_TABLES, operationsFixture } from './fixtures/operations.js';

function demoReport(): ReplayReport {
  const events = [...generateWorkload({ seed: 5, customers: 30, events: 900, tenants: 2 })].map((e) => parseEventOrThrow(e));
  const result = replayReport({ events });
  return { omnitrailReport: 1, asOf: result.asOf, from: result.from, to: result.to, input: { read: events.length, accepted: events.length, duplicates: 0, rejected: [] }, tenants: result.tenants };
}

/** The HTML of one tenant's section. */
function sectionOf(html: string, tenant: string): string {
  const start = html.indexOf(`<section class="tenant" data-tenant="${tenant}"`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = html.indexOf('<section class="tenant"', start + 10);
  return html.slice(start, end < 0 ? html.indexOf('</main>') : end);
}

const tablesIn = (html: string): string[] => [...html.matchAll(/<table class="[^"]*" data-table="([^"]+)"/g)].map((m) => m[1]!);
const chartsIn = (html: string): string[] => [...html.matchAll(/<svg class="chart" data-chart="([^"]+)"/g)].map((m) => m[1]!);

describe('the HTML report page', () => {
  const report = demoReport();
  const [first, second] = Object.keys(report.tenants);

  it('draws the operational views present in a hand-built operations section, and none for a tenant without one', () => {
    // The second tenant's real operations section is taken away: a report of a version without the views.
    const { operations: _dropped, ...plainTenant } = report.tenants[second!]!;
    const withOps: ReplayReport = { ...report, tenants: { [first!]: { ...report.tenants[first!]!, operations: operationsFixture() }, [second!]: plainTenant } };
    const html = renderHtmlReport(withOps);
    const ops = sectionOf(html, first!);
    expect(tablesIn(ops).filter((t) => t.startsWith('ops-'))).toEqual(OPERATIONS_TABLES);
    expect(chartsIn(ops)).toContain('ops-stage-channels');
    for (const view of ['triage', 'callbacks', 'sla', 'byChannel', 'voice', 'selfService', 'contactDrivers', 'agents', 'segments', 'marketplaces', 'stageChannels', 'costs']) {
      expect(ops, view).toContain(`data-view="${view}"`);
    }
    expect(ops).toContain('overdue');
    expect(ops).toContain('80.0 %'); // first-response attainment
    const plain = sectionOf(html, second!);
    expect(plain).not.toContain('class="ops"');
    expect(tablesIn(plain).filter((t) => t.startsWith('ops-'))).toEqual([]);
  });

  it('leaves out absent, null and malformed views instead of failing', () => {
    const only = (operations: Record<string, unknown>) =>
      sectionOf(renderHtmlReport({ ...report, tenants: { [first!]: { ...report.tenants[first!]!, operations } } }), first!);
    const triageOnly = only({ triage: operationsFixture().triage, costs: null, sla: 'not an object', agents: { not: 'a list' } });
    expect(tablesIn(triageOnly).filter((t) => t.startsWith('ops-'))).toEqual(['ops-triage']);
    expect(only({})).not.toContain('<h3>Operations</h3>');
    expect(only({ triage: [] })).toContain('The queue is empty.');
  });

  it('explains every context-lost kind in a sentence and shows channels by their names for people', () => {
    const html = renderHtmlReport(report);
    for (const kind of ['Unthreaded switch', 'Forced restart', 'Blind handoff', 'Identity gap']) expect(html).toMatch(new RegExp(`<h4>${kind}: [0-9,]+</h4><p>[A-Z][^<]{40,}\\.</p>`));
    // No channel's raw snake_case name is shown as text.
    expect(html).not.toMatch(/>[^<]*\b(web_chat|in_app_chat|social_public|knowledge_base|mobile_app|instagram_dm)\b/);
    expect(html).toContain('Web chat');
  });

  it('draws the trend charts of every tenant from its series and the period charts as markers, not bars', () => {
    const html = renderHtmlReport(report);
    for (const tenant of [first!, second!]) {
      expect(chartsIn(sectionOf(html, tenant))).toEqual([
        'inbound-trend', 'cases-flow', 'backlog-trend', 'first-response-trend', 'resolution-trend', 'csat-trend', 'nps-trend', 'health-trend',
        'channel-transitions', 'stage-funnel', 'case-status', 'response-times', 'csat', 'nps', 'channel-mix', 'health',
        'ops-stage-channels', // the real operations section of every tenant
      ]);
    }
    const times = html.slice(html.indexOf('data-chart="response-times"'));
    expect(times.slice(0, times.indexOf('</svg>'))).toMatch(/<circle class="mark"/);
    expect(tablesIn(sectionOf(html, first!))).toContain('open-cases');
  });

  it('escapes what the input controls and lists rejected lines', () => {
    const t = report.tenants[first!]!;
    const html = renderHtmlReport({
      ...report,
      input: { ...report.input, rejected: [{ line: 3, id: '<b>x</b>', errors: [{ path: 'data.score', message: 'must be a number <10>' }] }] },
      tenants: { '<script>alert(1)</script>': t },
    });
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(tablesIn(html)).toContain('rejected');
    expect(html).toContain('must be a number &lt;10&gt;');
  });
});
