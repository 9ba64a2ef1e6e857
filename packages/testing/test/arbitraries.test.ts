import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOG_EVENT_TYPES, parseEvent } from '@omnitrail/events';
import {
  anyEventArbitrary,
  eventArbitrary,
  journeyArbitrary,
  tenantJourneysArbitrary,
  type Journey,
  type RawEvent,
} from '../src/arbitraries/index.js';
import { fcParameters } from '../src/invariants/properties.js';

const params = fcParameters({ numRuns: 50 });

function expectValid(events: readonly RawEvent[]): void {
  for (const e of events) {
    const result = parseEvent(e);
    if (!result.success) throw new Error(`${JSON.stringify(e)}\n${result.error.message}`);
  }
}

/** Causality per case: opened before anything else, replies after a customer message, resolution after the opening. */
function expectCausal(journey: Journey): void {
  const times = journey.events.map((e) => Date.parse(e.occurredAt));
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1] as number);
  const opened = new Map<string, number>();
  const lastInbound = new Map<string, number>();
  for (const e of journey.events) {
    const at = Date.parse(e.occurredAt);
    const caseId = e.caseId;
    if (caseId === undefined) continue;
    if (e.type === 'CaseOpened' || (e.type === 'MessageReceived' && !opened.has(caseId))) opened.set(caseId, at);
    if (e.type === 'MessageReceived') lastInbound.set(caseId, at);
    if (e.type === 'CasesMerged') continue;
    // Follow-up cases get the message's id: that message opened them.
    const open = opened.get(caseId) ?? (journey.events.some((m) => m.id === caseId) ? 0 : undefined);
    expect(open, `${e.id} (${e.type}) names case ${caseId} before its opening`).toBeDefined();
    if (e.type === 'CaseResolved') expect(at).toBeGreaterThan(open as number);
    if (e.type === 'MessageSent' && e.data.senderKind === 'agent') {
      const target = [...lastInbound.entries()].some(([, t]) => t < at);
      expect(target, `reply ${e.id} before any customer message`).toBe(true);
    }
  }
}

describe('event arbitraries', () => {
  it.each(CATALOG_EVENT_TYPES)('every generated %s passes parseEvent', (type) => {
    fc.assert(fc.property(eventArbitrary(type), (e) => expectValid([e])), { ...params, numRuns: Math.min(params.numRuns, 30) });
  });

  it('anyEventArbitrary covers every type', () => {
    const seen = new Set(fc.sample(anyEventArbitrary, { seed: 7, numRuns: 2000 }).map((e) => e.type));
    expect([...seen].sort()).toEqual([...CATALOG_EVENT_TYPES].sort());
  });
});

describe('journey arbitraries', () => {
  it('every event of a generated journey passes parseEvent and the journey is causal', () => {
    fc.assert(
      fc.property(journeyArbitrary({ eventsPerCustomer: { min: 5, max: 80 } }), (j) => {
        expectValid(j.events);
        expectCausal(j);
      }),
      params,
    );
  });

  it('tenant journeys are valid, sorted, and carry unique ids', () => {
    fc.assert(
      fc.property(tenantJourneysArbitrary({ tenants: 3, sharedDeviceRate: 0.3, lateMergeRate: 0.3 }), (t) => {
        expectValid(t.events);
        expect(new Set(t.events.map((e) => e.id)).size).toBe(t.events.length);
        for (const j of t.customers) expectCausal(j);
        for (let i = 1; i < t.events.length; i++) expect((t.events[i - 1] as RawEvent).occurredAt <= (t.events[i] as RawEvent).occurredAt).toBe(true);
      }),
      params,
    );
  });

  it('covers the journey features: bot, escalation, snooze, reopen, follow-up, merge, orders, surveys, churn, identity', () => {
    const events = fc.sample(tenantJourneysArbitrary({ customers: { min: 5, max: 10 }, eventsPerCustomer: { min: 20, max: 80 }, lateMergeRate: 0.5, unmergeRate: 0.5, sharedDeviceRate: 0.3 }), { seed: 3, numRuns: 30 }).flatMap((t) => t.events);
    const types = new Set(events.map((e) => e.type));
    for (const t of ['SessionStarted', 'PageViewed', 'KnowledgeArticleViewed', 'BotTurn', 'BotSessionEnded', 'CaseEscalated', 'MessageSent', 'CaseStatusChanged', 'CaseResolved', 'CaseReopened', 'CasesMerged', 'OrderPlaced', 'OrderReturned', 'OrderCancelled', 'SurveySent', 'SurveyAnswered', 'SubscriptionCancelled', 'CustomerChurned', 'IdentitiesLinked', 'CustomerIdentified', 'CustomersMerged', 'CustomersUnmerged'] as const) {
      expect(types, t).toContain(t);
    }
    expect(events.some((e) => e.type === 'CaseOpened' && e.data.handledBy === 'bot')).toBe(true);
    expect(events.some((e) => e.type === 'CaseStatusChanged' && e.data.to === 'snoozed' && typeof e.data.snoozedUntil === 'string')).toBe(true);
    expect(events.some((e) => e.customerId === undefined && e.identities !== undefined)).toBe(true);
    // Messages after a resolution, both within and outside the 7-day reopen window.
    const resolvedAt = new Map<string, number>();
    let within = 0;
    let outside = 0;
    for (const e of events) {
      if (e.caseId === undefined) continue;
      if (e.type === 'CaseResolved') resolvedAt.set(e.caseId, Date.parse(e.occurredAt));
      else if (e.type === 'MessageReceived' && resolvedAt.has(e.caseId)) {
        if (Date.parse(e.occurredAt) - (resolvedAt.get(e.caseId) as number) <= 7 * 86_400_000) within++;
        else outside++;
        resolvedAt.delete(e.caseId);
      }
    }
    expect(within).toBeGreaterThan(0);
    expect(outside).toBeGreaterThan(0);
    // Writes on one channel and continues on another within a case.
    const channelsByCase = new Map<string, Set<string>>();
    for (const e of events) if (e.type === 'MessageReceived' && e.caseId && e.channel) (channelsByCase.get(e.caseId) ?? channelsByCase.set(e.caseId, new Set()).get(e.caseId)!).add(e.channel);
    expect([...channelsByCase.values()].some((s) => s.size >= 2)).toBe(true);
  });

  it('survey answers have valid score ranges', () => {
    const events = fc.sample(journeyArbitrary({ eventsPerCustomer: { min: 30, max: 100 }, rates: { survey: 1, surveyAnswer: 1 } }), { seed: 11, numRuns: 30 }).flatMap((j) => j.events);
    const answers = events.filter((e) => e.type === 'SurveyAnswered');
    expect(answers.length).toBeGreaterThan(0);
    for (const a of answers) {
      const [lo, hi] = a.data.kind === 'csat' ? [1, 5] : a.data.kind === 'nps' ? [0, 10] : [1, 7];
      expect(a.data.score).toBeGreaterThanOrEqual(lo);
      expect(a.data.score).toBeLessThanOrEqual(hi);
    }
  });

  it('options tune the journey: channels, rates, sizes, start', () => {
    const js = fc.sample(
      journeyArbitrary({ tenantId: 'acme', customerId: 'c-9', channels: ['sms'], rates: { bot: 0, order: 0, anonymous: 0, channelSwitch: 0 }, eventsPerCustomer: { min: 3, max: 12 }, start: '2025-06-01T00:00:00Z', startSpreadMs: 0 }),
      { seed: 5, numRuns: 30 },
    );
    for (const j of js) {
      expect(j.events.length).toBeGreaterThanOrEqual(3);
      expect(j.events.length).toBeLessThanOrEqual(12);
      for (const e of j.events) {
        expect(e.tenantId).toBe('acme');
        expect(e.customerId).toBe('c-9');
        expect(e.type).not.toBe('OrderPlaced');
        expect(Date.parse(e.occurredAt)).toBeGreaterThan(Date.parse('2025-06-01T00:00:00Z'));
        if (e.type === 'MessageReceived') expect(e.channel).toBe('sms');
        if (e.type === 'CaseOpened') expect(e.data.handledBy).not.toBe('bot');
      }
    }
  });

  it('the same seed gives the same events; ids are deterministic', () => {
    const arb = tenantJourneysArbitrary({ tenants: 2 });
    const a = fc.sample(arb, { seed: 1234, numRuns: 10 });
    const b = fc.sample(arb, { seed: 1234, numRuns: 10 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(fc.sample(arb, { seed: 4321, numRuns: 10 }))).not.toBe(JSON.stringify(a));
    expect(a[0]?.events[0]?.id).toMatch(/^tenant-\d-cust-\d+-\d+$/);
  });

  it('shrinks a failing property to a small journey', () => {
    // Deliberately false: "no journey contains a resolution".
    const details = fc.check(
      fc.property(journeyArbitrary({ eventsPerCustomer: { min: 1, max: 80 } }), (j) => !j.events.some((e) => e.type === 'CaseResolved')),
      { seed: 42, numRuns: 200 },
    );
    expect(details.failed).toBe(true);
    const shrunk = (details.counterexample as [Journey])[0];
    // Shrinks to the single 'resolve' step: opening, message, assignment, reply, resolution (under 10 events),
    // far from the up to 80 events of the first failing journey.
    expect(shrunk.events.length).toBeLessThanOrEqual(10);
    expect(shrunk.events.some((e) => e.type === 'CaseResolved')).toBe(true);
  });
});
