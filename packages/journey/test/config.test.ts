import { describe, expect, it } from 'vitest';
import { defaultJourneyConfig, resolveJourneyConfig, JourneyConfigError, CHURN_SIGNAL_NAMES } from '../src/core/config/index.js';

describe('journey config', () => {
  it('has the documented defaults', () => {
    const c = defaultJourneyConfig;
    expect(c.reopenWindow).toEqual({ days: 7 });
    expect(c.replyWindowsMs).toEqual({});
    expect(c.businessHours).toEqual({});
    expect(c.identityLimits).toEqual({ user_id: 1, email: 5, phone: 5, device_id: 10 });
    expect(c.sessionGapMs).toBe(30 * 60_000);
    expect(c.funnelWindowMs).toBe(14 * 86_400_000);
    expect(c.sentimentHalfLifeMs).toBe(14 * 86_400_000);
    expect(c.preferredChannelWindowMs).toBe(90 * 86_400_000);
    expect(c.predictiveChurnPeriods).toBe(3);
  });

  it('has the 13 default churn signals with their weights', () => {
    const w = Object.fromEntries(Object.entries(defaultJourneyConfig.churnSignals).map(([k, v]) => [k, v.weight]));
    expect(CHURN_SIGNAL_NAMES).toHaveLength(13);
    expect(w).toEqual({
      inactivity: 3, declining_engagement: 2, negative_sentiment: 2, repeat_contacts: 3, aging_case: 2, low_csat: 2,
      nps_detractor: 3, high_effort: 1, context_lost: 2, channel_hopping: 1, returns_cancellations: 1,
      negative_public_mention: 2, cancel_intent: 3,
    });
    expect(defaultJourneyConfig.churnSignals.low_csat!.max).toBe(2);
    expect(defaultJourneyConfig.churnSignals.nps_detractor!.max).toBe(6);
    expect(defaultJourneyConfig.churnSignals.high_effort!.max).toBe(3);
  });

  it('resolves an empty partial to the defaults', () => {
    expect(resolveJourneyConfig()).toEqual(defaultJourneyConfig);
    expect(resolveJourneyConfig({})).toEqual(defaultJourneyConfig);
  });

  it('merges churn signals per threshold and keeps the other defaults', () => {
    const c = resolveJourneyConfig({ churnSignals: { inactivity: { days: 10 }, custom: { weight: 4 } }, sessionGapMs: 60_000 });
    expect(c.churnSignals.inactivity).toEqual({ weight: 3, days: 10, zeroDays: 90 });
    expect(c.churnSignals.custom).toEqual({ weight: 4 });
    expect(c.churnSignals.low_csat!.weight).toBe(2);
    expect(c.sessionGapMs).toBe(60_000);
  });

  it('does not share mutable parts with the defaults', () => {
    const c = resolveJourneyConfig();
    c.churnSignals.inactivity!.weight = 99;
    expect(defaultJourneyConfig.churnSignals.inactivity!.weight).toBe(3);
  });

  it.each([
    [{ churnSignals: { inactivity: { weight: -1 } } }, 'churnSignals.inactivity.weight must not be negative'],
    [{ churnSignals: { low_csat: { halfLifeDays: 0 } } }, 'churnSignals.low_csat.halfLifeDays must be positive'],
    [{ sessionGapMs: -5 }, 'sessionGapMs must be a positive'],
    [{ funnelWindowMs: Number.NaN }, 'funnelWindowMs must be a positive'],
    [{ predictiveChurnPeriods: 0 }, 'predictiveChurnPeriods must be an integer'],
    [{ reopenWindow: { days: -1 } }, 'reopenWindow must be'],
    [{ replyWindowsMs: { fax: 5 } }, 'replyWindowsMs.fax is not a known channel'],
    [{ replyWindowsMs: { whatsapp: -1 } }, 'replyWindowsMs.whatsapp must be'],
    [{ identityLimits: { email: 0 } }, 'identityLimits.email must be an integer'],
  ])('rejects %j naming the field', (partial, message) => {
    expect(() => resolveJourneyConfig(partial as never)).toThrow(JourneyConfigError);
    expect(() => resolveJourneyConfig(partial as never)).toThrow(message);
  });

  it('accepts reopen window keywords and null (unlimited) reply windows', () => {
    expect(resolveJourneyConfig({ reopenWindow: 'never' }).reopenWindow).toBe('never');
    expect(resolveJourneyConfig({ replyWindowsMs: { whatsapp: null, sms: 1000 } }).replyWindowsMs).toEqual({ whatsapp: null, sms: 1000 });
  });
});
