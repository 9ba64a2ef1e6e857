import { describe, expect, it } from 'vitest';
import { churnPeriodFor, customerMetrics, previousChurnPeriods, churnCounts, predictiveChurnRate } from '../src/core/metrics/index.js';
import { defaultJourneyConfig } from '../src/core/config/index.js';
import { DAY, T0, fold, je } from './helpers/customers-fixture.js';

const survey = (customerId: string, kind: string, score: number, at = T0) => je({ customerId, type: 'SurveyAnswered', at, data: { kind, score } });
const sent = (customerId: string, kind: string, at = T0) => je({ customerId, type: 'SurveySent', at, data: { surveyId: `s${at}`, kind } });
const period = (from: number, to: number) => ({ asOf: to, from, to });
const noChurn = { from: T0, to: T0 + DAY, explicit: true };

describe('survey metrics', () => {
  it('CSAT percent and a response rate that can exceed 1 (not matched by survey id)', () => {
    const state = fold([sent('a', 'csat'), survey('a', 'csat', 5), survey('a', 'csat', 4), survey('b', 'csat', 3), survey('b', 'csat', 1), sent('b', 'nps')]);
    const m = customerMetrics(state, period(T0, T0 + DAY), noChurn, defaultJourneyConfig);
    expect(m.csat).toEqual({ answers: 4, percent: 50, responseRate: 4 });
  });

  it('zero denominators are null, never 0', () => {
    const before = { from: T0 - 2 * DAY, to: T0 - DAY, explicit: true };
    const m = customerMetrics(fold([je({ type: 'PageViewed', data: { url: '/' } })]), period(T0, T0 + DAY), before, defaultJourneyConfig);
    expect(m.csat).toEqual({ answers: 0, percent: null, responseRate: null });
    expect(m.nps).toEqual({ answers: 0, promoters: 0, detractors: 0, score: null });
    expect(m.ces).toEqual({ answers: 0, mean: null, shareAtLeast5: null });
    expect(m.channelMix).toEqual({});
    expect(m.churn.simpleRate).toBeNull();
    expect(m.churn.adjustedRate).toBeNull();
    expect(m.churn.predictiveRate).toBeNull();
    // S = 0 but E = 1: the simple rate is null while the adjusted one is a real 0
    const m2 = customerMetrics(fold([je({ type: 'PageViewed', data: { url: '/' } })]), period(T0, T0 + DAY), noChurn, defaultJourneyConfig);
    expect(m2.churn).toMatchObject({ atStart: 0, churned: 0, atEnd: 1, simpleRate: null, adjustedRate: 0 });
    // answers without any SurveySent: percent is known, response rate is null
    const only = customerMetrics(fold([survey('a', 'csat', 5)]), period(T0, T0 + DAY), noChurn, defaultJourneyConfig);
    expect(only.csat).toEqual({ answers: 1, percent: 100, responseRate: null });
  });

  it('NPS counts each customer latest answer in the period once', () => {
    const state = fold([
      survey('a', 'nps', 0, T0 - DAY), // before the period
      survey('a', 'nps', 3, T0), survey('a', 'nps', 10, T0 + 1), // latest: promoter
      survey('b', 'nps', 9, T0), survey('b', 'nps', 6, T0 + 2), // latest: detractor
      survey('c', 'nps', 7, T0), survey('c', 'nps', 2, T0 + DAY), // latest in period: passive; the 2 is at `to`
    ]);
    const m = customerMetrics(state, period(T0, T0 + DAY), noChurn, defaultJourneyConfig);
    expect(m.nps).toEqual({ answers: 3, promoters: 1, detractors: 1, score: 0 });
  });

  it('CES mean and share of answers ≥ 5; survey answers naming a closed case still count', () => {
    const state = fold([survey('a', 'ces', 7), survey('a', 'ces', 4), je({ customerId: 'b', type: 'SurveyAnswered', caseId: 'closed-case', data: { kind: 'ces', score: 5 } })]);
    const m = customerMetrics(state, period(T0, T0 + DAY), noChurn, defaultJourneyConfig);
    expect(m.ces).toEqual({ answers: 3, mean: 16 / 3, shareAtLeast5: 2 / 3 });
  });
});

describe('channel mix', () => {
  it('counts inbound touchpoints in [from, to) per channel, keys sorted, zero channels omitted', () => {
    const state = fold([
      je({ type: 'MessageReceived', at: T0 - 1, channel: 'email', actor: 'customer' }), // before from
      je({ type: 'MessageReceived', at: T0, channel: 'whatsapp', actor: 'customer' }), // at from: in
      je({ type: 'PageViewed', at: T0 + 1, channel: 'web', actor: 'customer', data: { url: '/' } }),
      je({ type: 'MessageReceived', at: T0 + 2, channel: 'whatsapp', actor: 'customer' }),
      je({ type: 'MessageSent', at: T0 + 3, channel: 'email', actor: 'agent', data: { senderKind: 'agent' } }), // outbound
      je({ type: 'MessageReceived', at: T0 + 4, channel: 'sms' }), // actor system: not inbound
      je({ type: 'MessageReceived', at: T0 + DAY, channel: 'api', actor: 'customer' }), // at to: excluded
    ]);
    const m = customerMetrics(state, period(T0, T0 + DAY), noChurn, defaultJourneyConfig);
    expect(m.channelMix).toEqual({ web: 1, whatsapp: 2 });
    expect(Object.keys(m.channelMix)).toEqual(['web', 'whatsapp']);
  });
});

describe('churn', () => {
  const at = (s: string) => Date.parse(s);

  it('default churn period is the last full UTC calendar month before asOf', () => {
    expect(churnPeriodFor(at('2024-03-15T12:00:00Z'))).toEqual({ from: at('2024-02-01T00:00:00Z'), to: at('2024-03-01T00:00:00Z'), explicit: false });
    expect(churnPeriodFor(at('2024-03-01T00:00:00Z'))).toEqual({ from: at('2024-02-01T00:00:00Z'), to: at('2024-03-01T00:00:00Z'), explicit: false });
    expect(churnPeriodFor(at('2024-01-10T00:00:00Z')).from).toBe(at('2023-12-01T00:00:00Z'));
    expect(churnPeriodFor(0, { from: 5, to: 10 })).toEqual({ from: 5, to: 10, explicit: true });
  });

  it('previous periods: calendar months by default, same-length periods when explicit, oldest first', () => {
    const p = churnPeriodFor(at('2024-03-15T00:00:00Z'));
    expect(previousChurnPeriods(p, 3)).toEqual([
      { from: at('2023-11-01T00:00:00Z'), to: at('2023-12-01T00:00:00Z') },
      { from: at('2023-12-01T00:00:00Z'), to: at('2024-01-01T00:00:00Z') },
      { from: at('2024-01-01T00:00:00Z'), to: at('2024-02-01T00:00:00Z') },
    ]);
    expect(previousChurnPeriods({ from: 100, to: 110, explicit: true }, 2)).toEqual([{ from: 80, to: 90 }, { from: 90, to: 100 }]);
  });

  it('S, L, E, simple, adjusted and predictive rates on a hand-computed example', () => {
    // Months: Dec 2023 (k-3), Jan 2024 (k-2), Feb 2024 (k-1), Mar 2024 (churn period), asOf in April.
    const seen = (id: string, when: string) => je({ customerId: id, type: 'PageViewed', at: at(when), data: { url: '/' } });
    const churned = (id: string, when: string) => je({ customerId: id, type: 'CustomerChurned', at: at(when), data: {} });
    const events = [
      seen('a', '2024-01-05T00:00:00Z'),
      seen('b', '2024-01-06T00:00:00Z'),
      seen('c', '2024-01-07T00:00:00Z'),
      seen('d', '2024-01-08T00:00:00Z'),
      churned('d', '2024-02-10T00:00:00Z'), // churns in Feb
      churned('a', '2024-03-01T00:00:00Z'), // churns at the very start of March
      seen('e', '2024-03-10T00:00:00Z'), // new in March
      churned('b', '2024-04-01T00:00:00Z'), // at `to`: not in March
    ].sort((x, y) => x.at - y.at);
    const state = fold(events);
    const p = churnPeriodFor(at('2024-04-15T00:00:00Z'));
    expect(p.from).toBe(at('2024-03-01T00:00:00Z'));
    // March: S = {a,b,c} (d churned before), L = {a}, E = {b,c,e} (a churned before Apr 1; b's churn is at Apr 1, not before)
    const m = customerMetrics(state, period(at('2024-03-01T00:00:00Z'), at('2024-04-01T00:00:00Z')), p, defaultJourneyConfig);
    expect(m.churn).toMatchObject({ from: '2024-03-01T00:00:00.000Z', to: '2024-04-01T00:00:00.000Z', atStart: 3, churned: 1, atEnd: 3, simpleRate: 1 / 3, adjustedRate: 1 / 3 });
    // previous: Dec S=0 → null (left out with weight 1); Jan S=0 → null (weight 2); Feb S={a,b,c,d}, L={d} → 1/4 (weight 3)
    expect(churnCounts(state, at('2024-02-01T00:00:00Z'), at('2024-03-01T00:00:00Z'))).toMatchObject({ atStart: 4, churned: 1, atEnd: 3 });
    expect(m.churn.predictiveRate).toBe(0.25);
    // with k = 1 only Feb; with an explicit 10-day period the previous periods are 10-day ones
    expect(predictiveChurnRate(state, p, 1)).toBe(0.25);
  });

  it('predictive rate weights 1…k from oldest to newest and skips null periods with their weight', () => {
    const seen = (id: string, when: number) => je({ customerId: id, type: 'PageViewed', at: when, data: { url: '/' } });
    const churned = (id: string, when: number) => je({ customerId: id, type: 'CustomerChurned', at: when, data: {} });
    // explicit period [40, 50) days; previous [10,20) [20,30) [30,40)
    const d = (n: number) => T0 + n * DAY;
    const events = [
      seen('a', d(0)), seen('b', d(1)), // present before day 10
      churned('a', d(15)), // period 1: S={a,b}, L={a} → 1/2 (weight 1)
      churned('b', d(35)), // period 2: S={b}, L={} → 0 (weight 2); period 3: S={b}, L={b} → 1 (weight 3)
    ];
    const state = fold(events);
    const p = { from: d(40), to: d(50), explicit: true };
    expect(predictiveChurnRate(state, p, 3)).toBeCloseTo((1 * 0.5 + 2 * 0 + 3 * 1) / 6, 12);
    // a customer churned twice only counts from its first churn
    expect(churnCounts(state, d(40), d(50))).toEqual({ atStart: 0, churned: 0, atEnd: 0, simpleRate: null, adjustedRate: null });
  });
});
