import { describe, expect, it } from 'vitest';
import { customerHealth, healthBand, healthOf, healthSection, decay, settledHealthFacts } from '../src/core/churn/index.js';
import { resolveJourneyConfig } from '../src/core/config/index.js';
import { NO_CASES } from '../src/core/customers/index.js';
import type { JourneyConfig } from '../src/core/model/index.js';
import { DAY, HOUR, T0, fakeCases, fold, je, type FakeCases, type Step } from './helpers/customers-fixture.js';

/** Only the named signal is enabled, so its score is the health score. */
const only = (name: string, extra: Record<string, number> = {}): JourneyConfig => {
  const c = resolveJourneyConfig({ churnSignals: { [name]: extra } });
  for (const k of Object.keys(c.churnSignals)) if (k !== name) c.churnSignals[k]!.weight = 0;
  return c;
};
const touch = (at: number, id?: string) => je({ id, type: 'MessageReceived', at, channel: 'email', actor: 'customer' });
// Every example also checks the settled summary (core/churn/facts.ts): from the customer's last event on,
// it judges as the record does, evidence and details included.
const health = (steps: (Step | ReturnType<typeof je>)[], asOf: number, config: JourneyConfig, cases: FakeCases = fakeCases()) => {
  const state = fold(steps, cases, config);
  const h = customerHealth(state, 'c1', asOf, cases, config)!;
  const rec = state.customers.get('c1')!;
  if (rec.ats.length > 0 && asOf >= rec.ats[rec.ats.length - 1]!) expect(healthOf(settledHealthFacts(rec, config), asOf, cases, config)).toEqual(h);
  return h;
};
const contribution = (h: ReturnType<typeof health>, signal: string) => h.contributions.find((c) => c.signal === signal);

describe('health score', () => {
  it('bands: 50 red, 50.49 red, 50.5 yellow, 51 yellow, 75 yellow, 75.5 green, 76 green; null na', () => {
    expect(healthBand(50)).toBe('red');
    expect(healthBand(0)).toBe('red');
    expect(healthBand(50.49)).toBe('red');
    expect(healthBand(50.5)).toBe('yellow');
    expect(healthBand(51)).toBe('yellow');
    expect(healthBand(75)).toBe('yellow');
    expect(healthBand(75.5)).toBe('green');
    expect(healthBand(76)).toBe('green');
    expect(healthBand(100)).toBe('green');
    expect(healthBand(null)).toBe('na');
    // the limits are configuration (healthBands)
    expect(healthBand(55, { redMax: 60, yellowMax: 80 })).toBe('red');
    expect(healthBand(80, { redMax: 60, yellowMax: 80 })).toBe('yellow');
    expect(healthBand(80.5, { redMax: 60, yellowMax: 80 })).toBe('green');
    const cfg = resolveJourneyConfig({ healthBands: { redMax: 65 } });
    expect(health([je({ type: 'SurveyAnswered', data: { kind: 'csat', score: 1 } }), je({ type: 'SurveyAnswered', at: T0 + 1, data: { kind: 'nps', score: 10 } })], T0 + 1, cfg).band).toBe('red'); // 60
  });

  it('a new customer (one event) is na, not red, whatever the event', () => {
    const cfg = resolveJourneyConfig();
    for (const e of [touch(T0), je({ type: 'SurveyAnswered', data: { kind: 'csat', score: 1 } }), je({ type: 'OrderPlaced', data: { orderId: 'o', salesChannel: 'web', amount: 1, currency: 'EUR' } })]) {
      const h = health([e], T0 + 100 * DAY, cfg);
      expect(h).toMatchObject({ score: null, band: 'na', contributions: [] });
    }
  });

  it('is the weighted mean over applicable signals only (no data ≠ 0), with evidence', () => {
    const cfg = resolveJourneyConfig();
    // csat 1 just now (low_csat 0, weight 2) and nps 10 (nps 100, weight 3); nothing else applies
    const h = health([je({ id: 's1', type: 'SurveyAnswered', data: { kind: 'csat', score: 1 } }), je({ id: 's2', type: 'SurveyAnswered', at: T0 + 1, data: { kind: 'nps', score: 10 } })], T0 + 1, cfg);
    expect(h.contributions.map((c) => c.signal).sort()).toEqual(['low_csat', 'nps_detractor']);
    expect(h.score).toBeCloseTo((2 * 0 + 3 * 100) / 5, 1);
    expect(h.band).toBe('yellow');
    expect(contribution(h, 'low_csat')!.evidence).toEqual(['s1']);
  });

  it('healthSection counts customers by band at asOf and skips customers first seen after it', () => {
    const cfg = resolveJourneyConfig();
    const state = fold([
      je({ customerId: 'new', type: 'PageViewed', data: { url: '/' } }),
      je({ customerId: 'bad', type: 'SurveyAnswered', data: { kind: 'csat', score: 1 } }),
      je({ customerId: 'bad', type: 'SurveyAnswered', data: { kind: 'nps', score: 0 } }),
      je({ customerId: 'good', type: 'SurveyAnswered', data: { kind: 'csat', score: 5 } }),
      je({ customerId: 'good', type: 'SurveyAnswered', data: { kind: 'nps', score: 10 } }),
      je({ customerId: 'later', type: 'PageViewed', at: T0 + DAY, data: { url: '/' } }),
    ], NO_CASES, cfg);
    expect(healthSection(state, T0, NO_CASES, cfg)).toEqual({ red: 1, yellow: 0, green: 1, na: 1 });
  });
});

describe('signals', () => {
  it('decay halves per half-life', () => {
    expect(decay(0, DAY)).toBe(1);
    expect(decay(DAY, DAY)).toBe(0.5);
    expect(decay(-5, DAY)).toBe(1);
  });

  it('triggered signals decay back to healthy over their half-life', () => {
    const cfg = only('low_csat'); // half-life 30 days
    const steps = [touch(T0), je({ type: 'SurveyAnswered', at: T0, data: { kind: 'csat', score: 2 } })];
    expect(health(steps, T0, cfg).score).toBe(0);
    expect(health(steps, T0 + 30 * DAY, cfg).score).toBeCloseTo(50, 9);
    expect(health(steps, T0 + 60 * DAY, cfg).score).toBeCloseTo(75, 9);
    expect(health(steps, T0 + 600 * DAY, cfg).band).toBe('green');
  });

  it('inactivity: applies once known for `days`; 100 until 30 days idle, 0 at 90', () => {
    const cfg = only('inactivity');
    const steps = [touch(T0, 'a1'), je({ type: 'CaseAssigned', caseId: 'k', at: T0 + DAY, data: { assigneeKind: 'agent', assigneeId: 'x' } })];
    expect(health(steps, T0 + 10 * DAY, cfg).band).toBe('na');
    expect(health(steps, T0 + 30 * DAY, cfg).score).toBe(100);
    expect(health(steps, T0 + 60 * DAY, cfg).score).toBeCloseTo(50, 9);
    const h = health(steps, T0 + 90 * DAY, cfg);
    expect(h.score).toBe(0);
    expect(h.contributions[0]!.evidence).toEqual(['a1']); // the system event is not activity
  });

  it('declining engagement: recent vs previous window; needs minPrevious activities', () => {
    const cfg = only('declining_engagement');
    const asOf = T0 + 60 * DAY;
    const prev = [touch(T0 + 5 * DAY), touch(T0 + 6 * DAY), touch(T0 + 7 * DAY), touch(T0 + 8 * DAY)];
    expect(health([...prev, touch(T0 + 40 * DAY)], asOf, cfg).score).toBe(25);
    expect(health([...prev, touch(T0 + 40 * DAY), touch(T0 + 41 * DAY), touch(T0 + 42 * DAY), touch(T0 + 43 * DAY), touch(T0 + 44 * DAY)], asOf, cfg).score).toBe(100);
    expect(health([touch(T0 + 5 * DAY), touch(T0 + 40 * DAY)], asOf, cfg).band).toBe('na'); // 1 previous < 2
  });

  it('negative sentiment: recency-weighted mean below the threshold, decaying from the latest score', () => {
    const cfg = only('negative_sentiment');
    const s = (score: number, at: number, id?: string) => je({ id, type: 'SentimentScored', at, data: { score, model: 'm', modelVersion: '1' } });
    expect(health([touch(T0)], T0 + 1, cfg).band).toBe('na');
    const h = health([touch(T0), s(-0.8, T0, 'n1')], T0, cfg);
    expect(h.score).toBeCloseTo(20, 9);
    expect(h.contributions[0]!.evidence).toEqual(['n1']);
    expect(health([touch(T0), s(0.5, T0)], T0, cfg).score).toBe(100);
    expect(health([touch(T0), s(-0.8, T0)], T0 + 14 * DAY, cfg).score).toBeCloseTo(60, 9);
  });

  it('negative sentiment takes the severity into account: a negative score counts severity / 3 times, bounded at −1', () => {
    const cfg = only('negative_sentiment');
    const s = (score: number, severity?: number) => je({ type: 'SentimentScored', at: T0, data: { score, model: 'm', modelVersion: '1', ...(severity === undefined ? {} : { severity }) } });
    // −0.6 at severity 3 (or none): depth 0.6 → 40; severity 1: −0.2 → 80; severity 5: −1 → 0
    expect(health([touch(T0), s(-0.6)], T0, cfg).score).toBeCloseTo(40, 9);
    expect(health([touch(T0), s(-0.6, 3)], T0, cfg).score).toBeCloseTo(40, 9);
    expect(health([touch(T0), s(-0.6, 1)], T0, cfg).score).toBeCloseTo(80, 9);
    expect(health([touch(T0), s(-0.6, 5)], T0, cfg).score).toBeCloseTo(0, 9);
    // −0.3 at severity 4: −0.4 → 60; a positive score ignores the severity
    expect(health([touch(T0), s(-0.3, 4)], T0, cfg).score).toBeCloseTo(60, 9);
    expect(health([touch(T0), s(0.4, 5)], T0, cfg).score).toBe(100);
    // mixed: (−1 + 0.4) / 2 = −0.3 → 70
    expect(health([touch(T0), s(-0.6, 5), s(0.4, 1)], T0, cfg).score).toBeCloseTo(70, 9);
  });

  it('repeat contacts: 2+ cases on one topic within 30 days', () => {
    const cfg = only('repeat_contacts');
    const cases = fakeCases();
    cases.put({ caseId: 'k1', topic: 'billing', openedAt: T0, openedEventId: 'o1' });
    expect(health([touch(T0), touch(T0 + 1)], T0 + 1, cfg, cases).score).toBe(100);
    cases.put({ caseId: 'k2', topic: 'billing', openedAt: T0 + 20 * DAY, openedEventId: 'o2' });
    cases.put({ caseId: 'k3', topic: 'shipping', openedAt: T0 + 21 * DAY, openedEventId: 'o3' });
    const h = health([touch(T0), touch(T0 + 1)], T0 + 20 * DAY, cfg, cases);
    expect(h.score).toBe(0);
    expect(h.contributions[0]!.evidence).toEqual(['o1', 'o2']);
    expect(health([touch(T0), touch(T0 + 1)], T0 + 34 * DAY, cfg, cases).score).toBeCloseTo(50, 9);
    const far = fakeCases();
    far.put({ caseId: 'k1', topic: 'billing', openedAt: T0 });
    far.put({ caseId: 'k2', topic: 'billing', openedAt: T0 + 31 * DAY });
    expect(health([touch(T0), touch(T0 + 1)], T0 + 31 * DAY, cfg, far).score).toBe(100);
    expect(health([touch(T0), touch(T0 + 1)], T0, cfg, fakeCases()).band).toBe('na');
  });

  it('aging case or SLA miss', () => {
    const cfg = only('aging_case');
    const cases = fakeCases();
    cases.put({ caseId: 'k', status: 'open', openedAt: T0, openedEventId: 'ko' });
    const steps = [touch(T0), touch(T0 + 1)];
    expect(health(steps, T0 + 6 * DAY, cfg, cases).score).toBe(100);
    expect(health(steps, T0 + 7 * DAY, cfg, cases).score).toBeCloseTo(50, 9);
    expect(health(steps, T0 + 14 * DAY, cfg, cases).score).toBe(0);
    cases.put({ caseId: 'k', status: 'resolved', openedAt: T0, resolvedAt: T0 + DAY });
    expect(health(steps, T0 + 14 * DAY, cfg, cases).score).toBe(100);
    // the lookup's SLA misses (the cases projection's slaMissesOf; folded for real in health-sla.test.ts)
    cases.slaMisses = (caseId, asOf) => (caseId === 'k' && T0 + 2 * DAY < asOf ? [{ target: 'firstResponse', dueAt: T0 + 2 * DAY }] : []);
    expect(health(steps, T0 + 2 * DAY, cfg, cases).score).toBe(100);
    expect(health(steps, T0 + 2 * DAY + 1, cfg, cases).score).toBeCloseTo(100 * (1 - decay(1, 14 * DAY)), 9);
    expect(health(steps, T0 + 16 * DAY, cfg, cases).score).toBeCloseTo(50, 9);
    expect(contribution(health(steps, T0 + 16 * DAY, cfg, cases), 'aging_case')!.detail).toBe('case k missed its firstResponse SLA target 14 d ago (1 missed)');
    expect(health(steps, T0, cfg, fakeCases()).band).toBe('na');
  });

  it.each([
    ['low_csat', 'csat', 2, 3],
    ['nps_detractor', 'nps', 6, 7],
    ['high_effort', 'ces', 3, 4],
  ])('%s: the latest %s answer at or below %d triggers; above it is healthy', (signal, kind, bad, good) => {
    const cfg = only(signal);
    const ans = (score: number, at: number) => je({ type: 'SurveyAnswered', at, data: { kind, score } });
    expect(health([touch(T0), touch(T0 + 1)], T0 + 1, cfg).band).toBe('na');
    expect(health([touch(T0), ans(bad, T0)], T0, cfg).score).toBe(0);
    expect(health([touch(T0), ans(good, T0)], T0, cfg).score).toBe(100);
    expect(health([touch(T0), ans(bad, T0), ans(good, T0 + 1)], T0 + 1, cfg).score).toBe(100);
  });

  it('context lost: annotations decay; applies with a case or an annotation', () => {
    const cfg = only('context_lost');
    const steps: Step[] = [{ je: je({ id: 'm1', type: 'MessageReceived', channel: 'email' }), effects: { caseId: 'm1', opened: { caseId: 'm1', how: 'follow_up', handledBy: 'human' } } }, { je: touch(T0 + 1) }];
    const h = health(steps, T0 + 14 * DAY, cfg);
    expect(h.score).toBeCloseTo(50, 6);
    expect(h.contributions[0]!.evidence).toEqual(['m1']);
    expect(health([touch(T0), touch(T0 + 1)], T0 + 1, cfg).band).toBe('na');
    const cases = fakeCases();
    cases.put({ caseId: 'k' });
    expect(health([touch(T0), touch(T0 + 1)], T0 + 1, cfg, cases).score).toBe(100);
  });

  it('channel hopping: one case on 3+ channels within 48 h', () => {
    const cfg = only('channel_hopping');
    const cases = fakeCases();
    cases.put({ caseId: 'k' });
    const on = (ch: 'email' | 'sms' | 'voice', at: number, id: string): Step => ({ je: je({ id, type: 'MessageReceived', at, channel: ch, actor: 'customer', caseId: 'k' }), effects: { caseId: 'k' } });
    const hop = health([on('email', T0, 'h1'), on('sms', T0 + HOUR, 'h2'), on('voice', T0 + 48 * HOUR, 'h3')], T0 + 48 * HOUR, cfg, cases);
    expect(hop.score).toBe(0);
    expect(hop.contributions[0]!.evidence.sort()).toEqual(['h1', 'h2', 'h3']);
    expect(health([on('email', T0, 'h1'), on('sms', T0 + HOUR, 'h2'), on('voice', T0 + 49 * HOUR + 1, 'h3')], T0 + 50 * HOUR, cfg, cases).score).toBe(100);
    // a run on one channel keeps its latest instant
    expect(health([on('email', T0, 'h1'), on('email', T0 + 40 * HOUR, 'h1b'), on('sms', T0 + 60 * HOUR, 'h2'), on('voice', T0 + 80 * HOUR, 'h3')], T0 + 80 * HOUR, cfg, cases).score).toBe(0);
    expect(health([touch(T0), touch(T0 + 1)], T0 + 1, cfg).band).toBe('na');
  });

  it('returns or cancellations: applies with orders', () => {
    const cfg = only('returns_cancellations');
    const order = je({ type: 'OrderPlaced', data: { orderId: 'o', salesChannel: 'web', amount: 5, currency: 'EUR' } });
    expect(health([touch(T0), order], T0, cfg).score).toBe(100);
    const h = health([order, je({ id: 'r', type: 'OrderReturned', at: T0 + 1, data: { orderId: 'o' } })], T0 + 1 + 30 * DAY, cfg);
    expect(h.score).toBeCloseTo(50, 9);
    expect(h.contributions[0]!.evidence).toEqual(['r']);
    expect(health([order, je({ type: 'OrderCancelled', at: T0 + 1, data: { orderId: 'o' } })], T0 + 1, cfg).score).toBe(0);
    expect(health([touch(T0), touch(T0 + 1)], T0 + 1, cfg).band).toBe('na');
  });

  it('negative public mention: a negative SentimentScored targeting a public mention', () => {
    const cfg = only('negative_public_mention');
    const mention = je({ id: 'pm', type: 'SocialMentionObserved', channel: 'social_public', data: { network: 'x', postId: 'p' } });
    expect(health([touch(T0), touch(T0 + 1)], T0 + 1, cfg).band).toBe('na');
    expect(health([touch(T0), mention], T0, cfg).score).toBe(100);
    const h = health([mention, je({ id: 'ss', type: 'SentimentScored', at: T0 + 1, data: { targetEventId: 'pm', score: -0.9, model: 'm', modelVersion: '1' } })], T0 + 1, cfg);
    expect(h.score).toBe(0);
    expect(h.contributions[0]!.evidence).toEqual(['pm', 'ss']);
    expect(health([mention, je({ type: 'SentimentScored', at: T0 + 1, data: { targetEventId: 'pm', score: 0.4, model: 'm', modelVersion: '1' } })], T0 + 1, cfg).score).toBe(100);
  });

  it('cancel intent: SubscriptionCancelled or a cancel-like bot intent', () => {
    const cfg = only('cancel_intent');
    expect(health([touch(T0), touch(T0 + 1)], T0 + 1, cfg).band).toBe('na');
    expect(health([touch(T0), je({ type: 'BotTurn', data: { botId: 'b', intent: 'track_order' } })], T0, cfg).score).toBe(100);
    expect(health([touch(T0), je({ id: 'bi', type: 'BotTurn', data: { botId: 'b', intent: 'cancel_subscription' } })], T0, cfg).contributions[0]).toMatchObject({ score: 0, evidence: ['bi'] });
    expect(health([touch(T0), je({ type: 'SubscriptionCancelled', data: {} })], T0 + 30 * DAY, cfg).score).toBeCloseTo(50, 9);
  });

  it('weights are configuration: weight 0 disables a signal', () => {
    const cfg = resolveJourneyConfig({ churnSignals: { low_csat: { weight: 0 } } });
    const h = health([touch(T0), je({ type: 'SurveyAnswered', data: { kind: 'csat', score: 1 } })], T0, cfg);
    expect(contribution(h, 'low_csat')).toBeUndefined();
  });
});
