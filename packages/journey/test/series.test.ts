import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { assertProperty, fcParameters, parseAll, tenantJourneysArbitrary } from '@omnitrail/testing';
import { replayReport } from '../src/index.js';

const H = 3_600_000;

// Three days, worked out by hand: c1 resolved on day 1, reopened on day 2, resolved again on day 3; c2 opened
// on day 1 and closed (without a resolution) on day 3.
const raw = [
  { id: 'e01', type: 'CaseOpened', occurredAt: '2024-03-04T10:00:00Z', customerId: 'A', channel: 'email', caseId: 'c1', actor: { kind: 'agent' }, data: {} },
  { id: 'e02', type: 'MessageReceived', occurredAt: '2024-03-04T10:00:00Z', customerId: 'A', channel: 'email', caseId: 'c1', actor: { kind: 'customer' }, data: {} },
  { id: 'e03', type: 'MessageSent', occurredAt: '2024-03-04T11:00:00Z', customerId: 'A', channel: 'email', caseId: 'c1', actor: { kind: 'agent' }, data: { senderKind: 'agent' } },
  { id: 'e04', type: 'CaseResolved', occurredAt: '2024-03-04T12:00:00Z', customerId: 'A', caseId: 'c1', actor: { kind: 'agent' }, data: {} },
  { id: 'e05', type: 'CaseOpened', occurredAt: '2024-03-04T13:00:00Z', customerId: 'B', channel: 'web_chat', caseId: 'c2', actor: { kind: 'agent' }, data: {} },
  { id: 'e06', type: 'MessageReceived', occurredAt: '2024-03-04T13:00:00Z', customerId: 'B', channel: 'web_chat', caseId: 'c2', actor: { kind: 'customer' }, data: {} },
  { id: 'e07', type: 'CaseReopened', occurredAt: '2024-03-05T09:00:00Z', customerId: 'A', caseId: 'c1', actor: { kind: 'agent' }, data: {} },
  { id: 'e08', type: 'SurveyAnswered', occurredAt: '2024-03-05T10:00:00Z', customerId: 'A', actor: { kind: 'customer' }, data: { kind: 'csat', score: 5 } },
  { id: 'e09', type: 'SurveyAnswered', occurredAt: '2024-03-05T10:00:00Z', customerId: 'B', actor: { kind: 'customer' }, data: { kind: 'csat', score: 2 } },
  { id: 'e10', type: 'SurveyAnswered', occurredAt: '2024-03-05T11:00:00Z', customerId: 'A', actor: { kind: 'customer' }, data: { kind: 'nps', score: 10 } },
  { id: 'e11', type: 'SurveyAnswered', occurredAt: '2024-03-05T12:00:00Z', customerId: 'A', actor: { kind: 'customer' }, data: { kind: 'nps', score: 3 } },
  { id: 'e12', type: 'CaseResolved', occurredAt: '2024-03-06T09:00:00Z', customerId: 'A', caseId: 'c1', actor: { kind: 'agent' }, data: {} },
  { id: 'e13', type: 'CaseClosed', occurredAt: '2024-03-06T10:00:00Z', customerId: 'B', caseId: 'c2', actor: { kind: 'agent' }, data: {} },
  { id: 'e14', type: 'SurveyAnswered', occurredAt: '2024-03-06T11:00:00Z', customerId: 'A', actor: { kind: 'customer' }, data: { kind: 'nps', score: 10 } },
].map((e) => ({ tenantId: 't1', ...e }));
const events: CatalogEvent[] = raw.map((e) => parseEventOrThrow(e));

describe('the report time series, a hand-computed example', () => {
  const t = replayReport({ events }).tenants.t1!;
  const [d1, d2, d3] = t.series.buckets;

  it('has one bucket per UTC day of a short period', () => {
    expect(t.series.interval).toBe('day');
    expect(t.series.buckets.map((b) => [b.start, b.end])).toEqual([
      ['2024-03-04T00:00:00.000Z', '2024-03-05T00:00:00.000Z'],
      ['2024-03-05T00:00:00.000Z', '2024-03-06T00:00:00.000Z'],
      ['2024-03-06T00:00:00.000Z', '2024-03-07T00:00:00.000Z'],
    ]);
  });

  it('counts inbound touchpoints, openings, resolutions and the backlog at each bucket end', () => {
    expect([d1!.inbound, d2!.inbound, d3!.inbound]).toEqual([{ email: 1, web_chat: 1 }, {}, {}]);
    expect(Object.keys(d1!.inbound)).toEqual(['email', 'web_chat']);
    expect([d1!.casesOpened, d2!.casesOpened, d3!.casesOpened]).toEqual([2, 0, 0]);
    expect([d1!.resolutions, d2!.resolutions, d3!.resolutions]).toEqual([1, 0, 1]);
    // end of day 1: c2 open; day 2: c1 reopened too; day 3: c1 resolved, c2 closed
    expect([d1!.backlog, d2!.backlog, d3!.backlog]).toEqual([1, 2, 0]);
  });

  it('puts each duration sample in the bucket of the event completing it', () => {
    expect(d1!.firstResponseMs).toEqual({ count: 1, p10: H, p25: H, median: H, p75: H, p90: H });
    expect(d1!.resolutionMs).toEqual({ count: 1, p10: 2 * H, p25: 2 * H, median: 2 * H, p75: 2 * H, p90: 2 * H });
    expect(d2!.resolutionMs).toEqual({ count: 0, p10: null, p25: null, median: null, p75: null, p90: null });
    expect(d3!.resolutionMs.median).toBe(24 * H); // the second cycle, from the reopening
  });

  it('computes CSAT and NPS per bucket (each customer’s latest NPS answer in the bucket)', () => {
    expect(d2!.csat).toEqual({ answers: 2, percent: 50 });
    expect(d1!.csat).toEqual({ answers: 0, percent: null });
    expect(d2!.nps).toEqual({ answers: 1, promoters: 0, detractors: 1, score: -100 });
    expect(d3!.nps).toEqual({ answers: 1, promoters: 1, detractors: 0, score: 100 });
  });

  it('counts every customer seen by a bucket end in one health band', () => {
    for (const b of t.series.buckets) expect(b.health!.red + b.health!.yellow + b.health!.green + b.health!.na).toBe(2);
  });

  it('judges health at the end of the last 13 buckets only', () => {
    const r = replayReport({ events, from: Date.parse('2024-01-01T00:00:00Z'), to: Date.parse('2024-03-07T00:00:00Z') }).tenants.t1!;
    expect(r.series.interval).toBe('week');
    const d = replayReport({ events, from: Date.parse('2024-01-20T00:00:00Z'), to: Date.parse('2024-03-07T00:00:00Z') }).tenants.t1!;
    expect(d.series.interval).toBe('day');
    expect(d.series.buckets).toHaveLength(47);
    expect(d.series.buckets.map((b) => b.health === null)).toEqual([...Array<boolean>(34).fill(true), ...Array<boolean>(13).fill(false)]);
    expect(d.series.buckets.at(-1)!.health).not.toBeNull();
  });

  it('leaves out events outside the metrics period and stops the buckets at its end', () => {
    const r = replayReport({ events, from: Date.parse('2024-03-05T00:00:00Z'), to: Date.parse('2024-03-06T00:00:00Z') }).tenants.t1!;
    expect(r.series.buckets.map((b) => b.start)).toEqual(['2024-03-05T00:00:00.000Z']);
    expect(r.series.buckets[0]!.resolutions).toBe(0);
    expect(r.series.buckets[0]!.backlog).toBe(2);
  });

  it('switches to weeks starting on Monday past 62 days', () => {
    const r = replayReport({ events, from: Date.parse('2024-01-03T00:00:00Z'), to: Date.parse('2024-03-07T00:00:00Z') }).tenants.t1!;
    expect(r.series.interval).toBe('week');
    expect(r.series.buckets[0]!.start).toBe('2024-01-01T00:00:00.000Z'); // a Monday
    expect(r.series.buckets.at(-1)!.start).toBe('2024-03-04T00:00:00.000Z');
    const last = r.series.buckets.at(-1)!;
    expect(last.casesOpened).toBe(2);
    expect(last.resolutions).toBe(2);
    expect(last.csat.answers).toBe(2);
    expect(last.nps).toEqual({ answers: 1, promoters: 1, detractors: 0, score: 100 }); // A's latest answer of the week
  });
});

describe('the report time series over generated journeys', () => {
  const journeys = tenantJourneysArbitrary({ customers: { min: 1, max: 8 }, eventsPerCustomer: { min: 1, max: 25 }, tenants: 2, sharedDeviceRate: 0.2, lateMergeRate: 0.2 });

  it('adds up to the period totals: inbound = channel mix, samples = counts, last backlog = open cases', async () => {
    await assertProperty(
      fc.property(journeys, (j) => {
        const report = replayReport({ events: parseAll(j.events) });
        for (const t of Object.values(report.tenants)) {
          const inbound: Record<string, number> = {};
          let firstResponses = 0;
          let resolutionSamples = 0;
          let csat = 0;
          for (const b of t.series.buckets) {
            for (const [ch, n] of Object.entries(b.inbound)) inbound[ch] = (inbound[ch] ?? 0) + n;
            firstResponses += b.firstResponseMs.count;
            resolutionSamples += b.resolutionMs.count;
            csat += b.csat.answers;
            expect(b.backlog).toBeGreaterThanOrEqual(0);
          }
          expect(inbound).toEqual(t.metrics.channelMix);
          expect(firstResponses).toBe(t.metrics.firstResponseMs.count);
          expect(resolutionSamples).toBe(t.metrics.resolutionMs.count);
          expect(csat).toBe(t.metrics.csat.answers);
          const starts = t.series.buckets.map((b) => b.start);
          expect([...starts].sort()).toEqual(starts);
          if (t.series.buckets.length > 0) expect(t.series.buckets.at(-1)!.backlog).toBe(t.cases.open.length);
          const lost = t.examples.contextLost;
          for (const kind of Object.keys(lost) as (keyof typeof lost)[]) {
            expect(lost[kind].length).toBe(Math.min(5, t.journeys.contextLost[kind]));
            for (const e of lost[kind]) expect(e.evidence.length).toBeGreaterThan(0);
          }
        }
      }),
      fcParameters({ numRuns: 40 }),
    );
  });
});
