// Customer segments (operations.md, segments), hand-computed: the at-risk customers' fields (value per
// currency, stage, last seen, the three largest negative signals), their order, and the segment filters.
import { describe, expect, it } from 'vitest';
import { atRiskCustomers, replayReport, resolveJourneyConfig, segmentCustomers, type JourneyConfig } from '../src/index.js';
import { foldTenant } from '../src/internal.js';
import { DAY, HOUR, MIN, T0, ev, type RawCaseEvent } from './helpers/cases-fixtures.js';

/** Only these signals weigh (default weights), so scores can be computed by hand. */
function only(...names: string[]): JourneyConfig {
  const c = resolveJourneyConfig();
  for (const [name, s] of Object.entries(c.churnSignals)) if (!names.includes(name)) s.weight = 0;
  return c;
}

const config = only('low_csat', 'nps_detractor', 'high_effort', 'returns_cancellations', 'cancel_intent');
const answer = (customerId: string, t: number, kind: string, score: number): RawCaseEvent => ({ type: 'SurveyAnswered', customerId, t, channel: 'email', actor: { kind: 'customer' }, data: { kind, score } });
const order = (customerId: string, t: number, orderId: string, amount: number, currency = 'EUR'): RawCaseEvent => ({ type: 'OrderPlaced', customerId, t, channel: 'web', actor: { kind: 'customer' }, data: { orderId, salesChannel: 'web', amount, currency } });

// ann: everything at asOf, so every triggered signal scores 0 (no decay yet)
const asOf = T0 + 10 * DAY;
const ann: RawCaseEvent[] = [
  { type: 'CustomerIdentified', customerId: 'ann', t: 0, channel: 'web', actor: { kind: 'customer' }, data: { identities: [{ type: 'email', value: 'Ann@Example.com' }, { type: 'phone', value: '+33 6 12 34 56 78' }] } },
  order('ann', HOUR, 'o1', 100),
  order('ann', 2 * HOUR, 'o2', 50),
  order('ann', 3 * HOUR, 'o3', 30),
  order('ann', 4 * HOUR, 'o4', 10, 'USD'),
  { type: 'OrderReturned', customerId: 'ann', t: 10 * DAY, channel: 'web', actor: { kind: 'customer' }, data: { orderId: 'o2', amount: 20 } },
  { type: 'OrderCancelled', customerId: 'ann', t: 10 * DAY, channel: 'web', actor: { kind: 'customer' }, data: { orderId: 'o3' } },
  { type: 'MessageReceived', customerId: 'ann', t: 10 * DAY - MIN, channel: 'whatsapp', actor: { kind: 'customer' }, data: { text: 'I want to cancel' } },
  answer('ann', 10 * DAY, 'csat', 1),
  answer('ann', 10 * DAY, 'nps', 2),
  answer('ann', 10 * DAY, 'ces', 1),
  { type: 'SubscriptionCancelled', customerId: 'ann', t: 10 * DAY, channel: 'web', actor: { kind: 'customer' }, data: {} },
];
// bob: a low csat 10 days before asOf (half-life 30 d): 100 × (1 − 2^(−10/30)) ≈ 20.6, red
const bob: RawCaseEvent[] = [
  { type: 'PageViewed', customerId: 'bob', t: 0, channel: 'web', actor: { kind: 'customer' }, data: { url: '/', pageKind: 'product' } },
  answer('bob', 0, 'csat', 2),
];
// cat: csat 1 now (0, weight 2) and nps 10 (100, weight 3): 60, yellow; dan: nps 9 only: 100, green
const cat: RawCaseEvent[] = [answer('cat', 10 * DAY, 'csat', 1), answer('cat', 10 * DAY, 'nps', 10)];
const dan: RawCaseEvent[] = [answer('dan', 0, 'nps', 9), { type: 'MessageReceived', customerId: 'dan', t: HOUR, channel: 'sms', actor: { kind: 'customer' }, data: {} }];
const later: RawCaseEvent[] = [answer('eve', 11 * DAY, 'csat', 1), answer('eve', 11 * DAY, 'nps', 0)];

const fold = foldTenant('t1', [...ann, ...bob, ...cat, ...dan, ...later].map(ev), asOf, config);

describe('segments.atRisk', () => {
  it('lists the red customers at asOf with score, stage, last seen, value per currency and the three largest negative signals', () => {
    // bob's csat is at T0 (10 days before asOf): 100 × (1 − 2^(−10/30))
    const bobScore = 100 * (1 - Math.pow(2, -10 / 30));
    expect(atRiskCustomers(fold, asOf)).toEqual([
      {
        customerId: 'ann',
        score: 0,
        stage: 'post_sale_support',
        lastSeenAt: new Date(asOf).toISOString(),
        // o1 100 + (o2 50 − 20 returned) + o3 cancelled → 130 EUR; o4 10 USD
        value: { EUR: 130, USD: 10 },
        // shortfall weight × (100 − score): cancel_intent 300, nps_detractor 300, low_csat 200, then high_effort
        // and returns_cancellations 100 each, left out
        signals: ['cancel_intent', 'nps_detractor', 'low_csat'],
      },
      { customerId: 'bob', score: bobScore, stage: 'consideration', lastSeenAt: new Date(T0).toISOString(), value: {}, signals: ['low_csat'] },
    ]);
  });

  it('is the replay report section operations.segments, in the same order', () => {
    const events = [...ann, ...bob, ...cat, ...dan, ...later].map(ev);
    const report = replayReport({ events, asOf, config });
    expect(report.tenants.t1!.operations!.segments).toEqual({ atRisk: atRiskCustomers(fold, asOf) });
    expect((report.tenants.t1!.operations!.segments as { atRisk: { customerId: string }[] }).atRisk.map((c) => c.customerId)).toEqual(['ann', 'bob']);
  });
});

describe('segmentCustomers', () => {
  it('without a filter: every customer seen at asOf, by score (none last), with band, emails and phones', () => {
    const all = segmentCustomers(fold, asOf);
    expect(all.map((c) => [c.customerId, c.band])).toEqual([['ann', 'red'], ['bob', 'red'], ['cat', 'yellow'], ['dan', 'green']]);
    expect(all[0]).toMatchObject({ emails: ['ann@example.com'], phones: ['+33612345678'] });
    expect(all[2]).toMatchObject({ score: 60, emails: [], phones: [] });
  });

  it('filters by band, stage, channel of an inbound touchpoint and inactivity, each alone and together', () => {
    const ids = (f: Parameters<typeof segmentCustomers>[2]) => segmentCustomers(fold, asOf, f).map((c) => c.customerId);
    expect(ids({ band: 'yellow' })).toEqual(['cat']);
    expect(ids({ band: 'green' })).toEqual(['dan']);
    expect(ids({ stage: 'consideration' })).toEqual(['bob', 'dan']); // dan's message makes him consider
    expect(ids({ channel: 'whatsapp' })).toEqual(['ann']);
    expect(ids({ channel: 'email' })).toEqual(['ann', 'bob', 'cat', 'dan']); // survey answers on email
    // dan's last activity is T0 + 1 h: 10 d − 1 h before asOf; bob's T0: 10 d
    expect(ids({ inactiveDays: 10 })).toEqual(['bob']);
    expect(ids({ inactiveDays: 9 })).toEqual(['bob', 'dan']);
    expect(ids({ inactiveDays: 9, band: 'green' })).toEqual(['dan']);
    expect(ids({ inactiveDays: 9, channel: 'sms', stage: 'consideration' })).toEqual(['dan']);
    expect(ids({ inactiveDays: 9, channel: 'whatsapp' })).toEqual([]);
  });
});
