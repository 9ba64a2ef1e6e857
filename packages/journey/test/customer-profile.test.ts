import { describe, expect, it } from 'vitest';
import { customerProfile } from '../src/core/customer-profile/index.js';
import { resolveJourneyConfig, defaultJourneyConfig } from '../src/core/config/index.js';
import { DAY, HOUR, T0, fakeCases, fold, je } from './helpers/customers-fixture.js';

const cfg = defaultJourneyConfig;
const iso = (ms: number) => new Date(ms).toISOString();

describe('customer profile', () => {
  it('identities by channel with first and last seen (normalised, blocked values dropped)', () => {
    const state = fold([
      je({ type: 'MessageReceived', channel: 'email', identities: [{ type: 'email', value: ' Ann@X.com ' }, { type: 'device_id', value: 'unknown' }] }),
      je({ type: 'MessageReceived', at: T0 + HOUR, channel: 'email', identities: [{ type: 'email', value: 'ann@x.com', verified: true }] }),
      je({ type: 'CustomerIdentified', at: T0 + 2 * HOUR, data: { identities: [{ type: 'user_id', value: 'u1' }], traits: { plan: 'pro' } } }),
    ]);
    const p = customerProfile(state, 'c1', T0 + DAY, fakeCases(), cfg)!;
    expect(p.identities).toEqual({
      email: [{ type: 'email', value: 'ann@x.com', verified: true, firstSeen: iso(T0), lastSeen: iso(T0 + HOUR) }],
      none: [{ type: 'user_id', value: 'u1', verified: false, firstSeen: iso(T0 + 2 * HOUR), lastSeen: iso(T0 + 2 * HOUR) }],
    });
    expect(p.firstSeen).toBe(iso(T0));
    expect(p.lastSeen).toBe(iso(T0 + 2 * HOUR));
  });

  it('traits: later events win per key; locale, region, language', () => {
    const state = fold([
      je({ type: 'CustomerProfileUpdated', data: { traits: { plan: 'free', age: 30 }, locale: 'fr-FR', region: 'EU' } }),
      je({ type: 'CustomerIdentified', at: T0 + 1, data: { identities: [], traits: { plan: 'pro' } } }),
      je({ type: 'CustomerProfileUpdated', at: T0 + 2, data: { preferredLanguage: 'fr', region: 'FR' } }),
    ]);
    const p = customerProfile(state, 'c1', T0 + 3, fakeCases(), cfg)!;
    expect(p.traits).toEqual({ plan: 'pro', age: 30 });
    expect([p.locale, p.region, p.preferredLanguage]).toEqual(['fr-FR', 'FR', 'fr']);
  });

  it('preferred channel: most inbound touchpoints in the last 90 days, ties by latest', () => {
    const m = (ch: 'email' | 'sms' | 'voice', at: number) => je({ type: 'MessageReceived', channel: ch, actor: 'customer', at });
    const asOf = T0 + 100 * DAY;
    const state = fold([
      m('voice', T0), m('voice', T0 + 1), m('voice', T0 + 2), // older than 90 days
      m('email', T0 + 20 * DAY), m('sms', T0 + 30 * DAY), m('email', T0 + 40 * DAY), m('sms', T0 + 50 * DAY),
      je({ type: 'MessageReceived', channel: 'voice', at: T0 + 60 * DAY }), // not inbound (actor system)
    ]);
    expect(customerProfile(state, 'c1', asOf, fakeCases(), cfg)!.preferredChannel).toBe('sms');
    expect(customerProfile(state, 'c1', T0 + 45 * DAY, fakeCases(), cfg)!.preferredChannel).toBe('voice'); // still inside 90 days
    expect(customerProfile(fold([je({ type: 'PageViewed', data: { url: '/' } })]), 'c1', T0, fakeCases(), cfg)!.preferredChannel).toBeNull();
  });

  it('open cases via the case lookup, sorted by id', () => {
    const cases = fakeCases();
    cases.put({ caseId: 'b', status: 'pending_customer', channels: new Set(['sms', 'email']) });
    cases.put({ caseId: 'a', status: 'bot' });
    cases.put({ caseId: 'c', status: 'resolved' });
    cases.put({ caseId: 'd', status: 'open', customerId: 'other' });
    const p = customerProfile(fold([je({ type: 'PageViewed', data: { url: '/' } })]), 'c1', T0, cases, cfg)!;
    expect(p.openCases).toEqual([
      { caseId: 'a', status: 'bot', openedAt: iso(T0), channels: [] },
      { caseId: 'b', status: 'pending_customer', openedAt: iso(T0), channels: ['email', 'sms'] },
    ]);
  });

  it('last CSAT and NPS answers', () => {
    const s = (kind: string, score: number, at: number, id: string) => je({ id, type: 'SurveyAnswered', at, data: { kind, score } });
    const state = fold([s('csat', 2, T0, 'c-1'), s('nps', 9, T0 + 1, 'n-1'), s('csat', 5, T0 + 2, 'c-2')]);
    const p = customerProfile(state, 'c1', T0 + 3, fakeCases(), cfg)!;
    expect(p.lastCsat).toEqual({ score: 5, at: iso(T0 + 2), eventId: 'c-2' });
    expect(p.lastNps).toEqual({ score: 9, at: iso(T0 + 1), eventId: 'n-1' });
    expect(customerProfile(state, 'c1', T0 + 1, fakeCases(), cfg)!.lastCsat!.eventId).toBe('c-1');
  });

  it('orders by sales channel and lifetime value per currency (returns subtract, full when no amount; cancellations excluded)', () => {
    const o = (id: string, amount: number, currency: string, salesChannel = 'web') => je({ type: 'OrderPlaced', data: { orderId: id, salesChannel, amount, currency } });
    const state = fold([
      o('o1', 100, 'EUR'), o('o2', 50, 'eur', 'store'), o('o3', 30, 'USD', 'store'), o('o4', 20, 'EUR'),
      je({ type: 'OrderReturned', data: { orderId: 'o1', amount: 40 } }),
      je({ type: 'OrderReturned', data: { orderId: 'o3' } }), // full return
      je({ type: 'OrderCancelled', data: { orderId: 'o4' } }),
      je({ type: 'OrderReturned', data: { orderId: 'unknown', amount: 5 } }), // ignored for value
    ]);
    const p = customerProfile(state, 'c1', T0, fakeCases(), cfg)!;
    expect(p.ordersBySalesChannel).toEqual({ web: 2, store: 2 });
    expect(p.lifetimeValue).toEqual({ EUR: 110, USD: 0 });
  });

  it('sentiment is exponentially weighted with a 14-day half-life at asOf', () => {
    const s = (score: number, at: number) => je({ type: 'SentimentScored', at, data: { score, model: 'm', modelVersion: '1' } });
    const state = fold([s(-1, T0), s(1, T0 + 14 * DAY)]);
    const p = customerProfile(state, 'c1', T0 + 14 * DAY, fakeCases(), cfg)!;
    // weights 0.5 and 1: (−0.5 + 1) / 1.5
    expect(p.sentiment!.score).toBeCloseTo(1 / 3, 12);
    expect(p.sentiment!.weight).toBeCloseTo(1.5, 12);
    expect(customerProfile(state, 'c1', T0 + 28 * DAY, fakeCases(), cfg)!.sentiment!.weight).toBeCloseTo(0.75, 12);
    expect(customerProfile(fold([je({ type: 'PageViewed', data: { url: '/' } })]), 'c1', T0, fakeCases(), cfg)!.sentiment).toBeNull();
  });

  it('reply windows: last inbound message + window per channel; unlimited is null (always open); overrides apply', () => {
    const m = (ch: 'whatsapp' | 'email' | 'messenger', at: number) => je({ type: 'MessageReceived', channel: ch, actor: 'customer', at });
    const state = fold([m('whatsapp', T0), m('email', T0 + 1), m('whatsapp', T0 + HOUR), m('messenger', T0 + 2 * HOUR)]);
    const p = customerProfile(state, 'c1', T0 + 25 * HOUR, fakeCases(), cfg)!;
    expect(p.replyWindows).toEqual({
      email: { lastInboundAt: iso(T0 + 1), openUntil: null, open: true },
      messenger: { lastInboundAt: iso(T0 + 2 * HOUR), openUntil: iso(T0 + 26 * HOUR), open: true },
      whatsapp: { lastInboundAt: iso(T0 + HOUR), openUntil: iso(T0 + 25 * HOUR), open: true },
    });
    expect(customerProfile(state, 'c1', T0 + 25 * HOUR + 1, fakeCases(), cfg)!.replyWindows.whatsapp!.open).toBe(false);
    const custom = resolveJourneyConfig({ replyWindowsMs: { email: HOUR, whatsapp: null } });
    const q = customerProfile(state, 'c1', T0 + 25 * HOUR, fakeCases(), custom)!;
    expect(q.replyWindows.email).toEqual({ lastInboundAt: iso(T0 + 1), openUntil: iso(T0 + HOUR + 1), open: false });
    expect(q.replyWindows.whatsapp!.openUntil).toBeNull();
  });

  it('health with its explanation; unknown customer is undefined', () => {
    const state = fold([je({ type: 'PageViewed', data: { url: '/' } })]);
    expect(customerProfile(state, 'c1', T0, fakeCases(), cfg)!.health).toEqual({ customerId: 'c1', score: null, band: 'na', contributions: [] });
    expect(customerProfile(state, 'zz', T0, fakeCases(), cfg)).toBeUndefined();
  });
});
