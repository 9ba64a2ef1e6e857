import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { describe, expect, it } from 'vitest';
import { replayReport } from '../src/index.js';

// A hand-computed report: every figure below was worked out from domain.md and report.md by hand.
const raw = [
  { id: 'e01', type: 'CaseOpened', occurredAt: '2024-03-01T10:00:00Z', customerId: 'A', channel: 'email', caseId: 'c1', actor: { kind: 'agent' }, data: {} },
  { id: 'e02', type: 'MessageReceived', occurredAt: '2024-03-01T10:00:00Z', customerId: 'A', channel: 'email', caseId: 'c1', actor: { kind: 'customer' }, data: { text: 'hello' } },
  { id: 'e03', type: 'MessageSent', occurredAt: '2024-03-01T10:30:00Z', customerId: 'A', channel: 'email', caseId: 'c1', actor: { kind: 'agent' }, data: { senderKind: 'agent' } },
  { id: 'e04', type: 'MessageReceived', occurredAt: '2024-03-01T11:00:00Z', customerId: 'A', channel: 'whatsapp', caseId: 'c1', actor: { kind: 'customer' }, data: {} },
  { id: 'e05', type: 'MessageSent', occurredAt: '2024-03-01T11:10:00Z', customerId: 'A', channel: 'whatsapp', caseId: 'c1', actor: { kind: 'agent' }, data: { senderKind: 'agent' } },
  { id: 'e06', type: 'CaseResolved', occurredAt: '2024-03-01T12:00:00Z', customerId: 'A', caseId: 'c1', actor: { kind: 'agent' }, data: {} },
  { id: 'e07', type: 'SurveySent', occurredAt: '2024-03-01T12:01:00Z', customerId: 'A', actor: { kind: 'automation' }, data: { surveyId: 's1', kind: 'csat' } },
  { id: 'e08', type: 'SurveyAnswered', occurredAt: '2024-03-01T12:05:00Z', customerId: 'A', actor: { kind: 'customer' }, data: { surveyId: 's1', kind: 'csat', score: 5 } },
  { id: 'e10', type: 'CaseOpened', occurredAt: '2024-03-02T09:00:00Z', customerId: 'B', channel: 'chatbot', caseId: 'c2', actor: { kind: 'bot' }, data: { handledBy: 'bot' } },
  { id: 'e11', type: 'MessageReceived', occurredAt: '2024-03-02T09:00:00Z', customerId: 'B', channel: 'chatbot', caseId: 'c2', actor: { kind: 'customer' }, data: {} },
  { id: 'e12', type: 'CaseEscalated', occurredAt: '2024-03-02T09:05:00Z', customerId: 'B', caseId: 'c2', actor: { kind: 'bot' }, data: { from: 'bot', to: 'human' } },
  { id: 'e13', type: 'MessageSent', occurredAt: '2024-03-02T09:20:00Z', customerId: 'B', channel: 'chatbot', caseId: 'c2', actor: { kind: 'agent' }, data: { senderKind: 'agent' } },
  { id: 'e14', type: 'SurveyAnswered', occurredAt: '2024-03-02T10:00:00Z', customerId: 'B', actor: { kind: 'customer' }, data: { kind: 'nps', score: 3 } },
  { id: 'e15', type: 'SurveyAnswered', occurredAt: '2024-03-02T11:00:00Z', customerId: 'A', actor: { kind: 'customer' }, data: { kind: 'nps', score: 10 } },
].map((e) => ({ tenantId: 't1', ...e }));

const events: CatalogEvent[] = raw.map((e) => parseEventOrThrow(e));

describe('replayReport, a hand-computed example', () => {
  const report = replayReport({ events });
  const t = report.tenants.t1!;

  it('uses the default instants: asOf = latest + 1 ms, from = earliest, to = asOf', () => {
    expect(report.asOf).toBe('2024-03-02T11:00:00.001Z');
    expect(report.from).toBe('2024-03-01T10:00:00.000Z');
    expect(report.to).toBe('2024-03-02T11:00:00.001Z');
  });

  it('counts customers and cases, with the open list', () => {
    expect(t.customers).toEqual({ count: 2, merged: 0 });
    expect(t.cases.count).toBe(2);
    expect(t.cases.byStatus).toEqual({ bot: 0, open: 1, pending_customer: 0, on_hold: 0, snoozed: 0, resolved: 1, closed: 0, merged: 0 });
    expect(t.cases.open).toEqual([
      { caseId: 'c2', customerId: 'B', status: 'open', openedAt: '2024-03-02T09:00:00.000Z', channels: ['chatbot'], reopenCount: 0, waitingSince: null, firstResponseAt: '2024-03-02T09:20:00.000Z' },
    ]);
    expect(t.cases.anomalies).toEqual([]);
  });

  it('computes response and resolution times (first response restarts at the bot handoff)', () => {
    expect(t.metrics.firstResponseMs).toEqual({ count: 2, mean: 1_350_000, median: 1_350_000, p90: 1_800_000 });
    expect(t.metrics.replyMs).toEqual({ count: 3, mean: 1_100_000, median: 900_000, p90: 1_800_000 });
    expect(t.metrics.resolutionMs).toEqual({ count: 1, mean: 7_200_000, median: 7_200_000, p90: 7_200_000 });
  });

  it('computes FCR, surveys, channel mix, multi-channel share and bot containment', () => {
    expect(t.metrics.fcr).toEqual({ resolved: 1, firstContact: 0, rate: 0 });
    expect(t.metrics.csat).toEqual({ answers: 1, percent: 100, responseRate: 1 });
    expect(t.metrics.nps).toEqual({ answers: 2, promoters: 1, detractors: 1, score: 0 });
    expect(t.metrics.ces).toEqual({ answers: 0, mean: null, shareAtLeast5: null });
    expect(t.metrics.channelMix).toEqual({ chatbot: 1, email: 1, whatsapp: 1 });
    expect(Object.keys(t.metrics.channelMix)).toEqual(['chatbot', 'email', 'whatsapp']);
    expect(t.metrics.multiChannelCaseShare).toBe(0.5);
    expect(t.metrics.botContainment).toEqual({ botHandled: 1, contained: 0, rate: 0 });
  });

  it('uses the last full calendar month before asOf as the churn period, null on empty denominators', () => {
    expect(t.metrics.churn).toEqual({ from: '2024-02-01T00:00:00.000Z', to: '2024-03-01T00:00:00.000Z', atStart: 0, churned: 0, atEnd: 0, simpleRate: null, adjustedRate: null, predictiveRate: null });
  });

  it('reports stages, transitions and context lost', () => {
    expect(t.journeys.stages).toEqual({ awareness: 0, consideration: 2, purchase: 0, post_sale_support: 0 });
    expect(t.journeys.transitions).toEqual([{ from: 'email', to: 'whatsapp', count: 1 }]);
    expect(t.journeys.contextLost).toEqual({ unthreaded_switch: 0, forced_restart: 0, blind_handoff: 1, identity_gap: 0 });
    const h = t.health;
    expect(h.red + h.yellow + h.green + h.na).toBe(2);
  });

  it('keeps the report key order of report.md', () => {
    expect(Object.keys(t)).toEqual(['customers', 'cases', 'metrics', 'journeys', 'health', 'operations', 'series', 'examples']);
    // report.md's order of the operational views.
    expect(Object.keys(t.operations!)).toEqual(['sla', 'voice', 'callbacks', 'byChannel', 'selfService', 'contactDrivers', 'agents', 'triage', 'segments', 'marketplaces', 'stageChannels', 'costs']);
    expect(Object.keys(t.metrics)).toEqual(['csat', 'nps', 'ces', 'firstResponseMs', 'replyMs', 'resolutionMs', 'fcr', 'channelMix', 'multiChannelCaseShare', 'botContainment', 'churn']);
  });

  it('leaves out events after asOf and puts one exactly at asOf in the state but not in the period', () => {
    const at = replayReport({ events, asOf: Date.parse('2024-03-02T11:00:00Z') });
    expect(at.tenants.t1!.metrics.nps.answers).toBe(1); // e15 is at asOf: in the state, outside [from, to)
    const before = replayReport({ events, asOf: Date.parse('2024-03-01T12:00:00Z') });
    expect(before.tenants.t1!.cases.count).toBe(1);
    expect(before.tenants.t1!.cases.byStatus.resolved).toBe(1);
    expect(before.tenants.t1!.metrics.resolutionMs.count).toBe(0);
  });

  it('returns null instants and no tenants for no events', () => {
    expect(replayReport({ events: [] })).toEqual({ asOf: null, from: null, to: null, tenants: {} });
    // "With no accepted event, asOf, from and to are null", also when instants are given.
    const instants = { asOf: Date.parse('2024-03-01T00:00:00Z'), from: Date.parse('2024-02-01T00:00:00Z'), to: Date.parse('2024-02-15T00:00:00Z') };
    for (const given of [{ asOf: instants.asOf }, { from: instants.from, to: instants.to }, instants]) {
      expect(replayReport({ events: [], ...given })).toEqual({ asOf: null, from: null, to: null, tenants: {} });
    }
  });
});

describe('replayReport tenants', () => {
  it('treats a tenant named __proto__ as a tenant', () => {
    const e = parseEventOrThrow({ ...raw[0], tenantId: '__proto__' });
    const r = replayReport({ events: [e] });
    expect(Object.keys(r.tenants)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(r)).tenants.__proto__.cases.count).toBe(1);
    expect(({} as Record<string, unknown>).cases).toBeUndefined();
  });
});
