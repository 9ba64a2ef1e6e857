// The operational views (operations.md), each field on a small scenario computed by hand. Every scenario is
// checked on both drivers: the replay, and the live tenant fed one event at a time in time order and in
// reverse (every event but the first then arrives late).
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { createJourneyEngine, JourneyConfigError, replayReport, resolveJourneyConfig } from '../src/index.js';
import { addEvents, createLiveTenant, createRecordedIndex, tenantFoldOf, tenantReport } from '../src/internal.js';
import type { JourneyConfig } from '../src/core/model/index.js';

const T0 = Date.UTC(2024, 2, 1, 9, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (minutes: number) => new Date(T0 + minutes * MIN).toISOString();

let seq = 0;
/** An event of tenant `acme` at `minutes` after T0; ids sort in the order events are written. */
function ev(type: string, minutes: number, envelope: Record<string, unknown>, data: Record<string, unknown> = {}, id?: string): CatalogEvent {
  seq++;
  return parseEventOrThrow({ id: id ?? `e${String(seq).padStart(4, '0')}`, type, tenantId: 'acme', occurredAt: at(minutes), data, ...envelope }, { uniformShape: true });
}
const customer = { kind: 'customer' };
const agent = (id: string) => ({ kind: 'agent', id });

interface Window {
  asOf: number;
  from: number;
  to: number;
}
const minutes = (asOf: number, from: number, to: number): Window => ({ asOf: T0 + asOf * MIN, from: T0 + from * MIN, to: T0 + to * MIN });

/** The tenant's operations sections by the replay, after checking the live fold gives the same in two arrival orders. */
function operations(events: readonly CatalogEvent[], w: Window, partial?: Partial<JourneyConfig>): Record<string, unknown> {
  const report = replayReport({ events, asOf: w.asOf, from: w.from, to: w.to, config: partial });
  const batch = report.tenants['acme']!.operations!;
  const config = resolveJourneyConfig(partial);
  const kept = events.filter((e) => Date.parse(e.occurredAt) <= w.asOf);
  for (const order of [kept, [...kept].reverse()]) {
    const live = createLiveTenant('acme', config, true, createRecordedIndex());
    for (const e of order) addEvents(live, [e], config);
    expect(tenantReport(tenantFoldOf(live, config), w, true).operations).toEqual(batch);
  }
  return batch;
}

const stats = (...samples: number[]) => {
  if (samples.length === 0) return { count: 0, mean: null, median: null, p90: null };
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  return { count: n, mean: sorted.reduce((s, x) => s + x, 0) / n, median: n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2, p90: sorted[Math.ceil((9 * n) / 10) - 1] };
};

describe('operations.sla', () => {
  const events = [
    ev('CaseOpened', 0, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: customer }),
    ev('SlaApplied', 1, { customerId: 'ann', caseId: 'k1' }, { policyId: 'gold', firstResponseMs: 60 * MIN, nextResponseMs: 30 * MIN, resolutionMs: 240 * MIN }),
    ev('MessageReceived', 10, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: customer }),
    // First response at 30 (due 60): hit. Episode 10 → 30 (due 40): hit.
    ev('MessageSent', 30, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: agent('g1') }, { senderKind: 'agent' }),
    ev('MessageReceived', 100, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: customer }),
    // Episode 100 → 200 (due 130): missed.
    ev('MessageSent', 200, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: agent('g1') }, { senderKind: 'agent' }),
    // Cycle 0 → 300 (due 240): missed; the next cycle from 400 is due at 640.
    ev('CaseResolved', 300, { customerId: 'ann', caseId: 'k1', actor: agent('g1') }),
    ev('CaseReopened', 400, { customerId: 'ann', caseId: 'k1', actor: agent('g1') }),
    // No reply at all: due 60, missed.
    ev('CaseOpened', 0, { customerId: 'bob', caseId: 'k2', channel: 'sms', actor: customer }),
    ev('SlaApplied', 1, { customerId: 'bob', caseId: 'k2' }, { policyId: 'basic', firstResponseMs: 60 * MIN }),
    // Due 510: running at 500.
    ev('CaseOpened', 450, { customerId: 'bob', caseId: 'k3', channel: 'sms', actor: customer }),
    ev('SlaApplied', 450, { customerId: 'bob', caseId: 'k3' }, { policyId: 'basic', firstResponseMs: 60 * MIN }),
  ];

  it('counts hits by the event that met them, misses by their due instant, targets running at asOf, and lists the breaches', () => {
    expect(operations(events, minutes(500, 0, 500)).sla).toEqual({
      firstResponse: { hit: 1, missed: 1, active: 1, attainment: 0.5 },
      nextResponse: { hit: 1, missed: 1, active: 0, attainment: 0.5 },
      resolution: { hit: 0, missed: 1, active: 1, attainment: 0 },
      breaches: [
        { caseId: 'k2', customerId: 'bob', target: 'firstResponse', dueAt: at(60) },
        { caseId: 'k1', customerId: 'ann', target: 'nextResponse', dueAt: at(130) },
        { caseId: 'k1', customerId: 'ann', target: 'resolution', dueAt: at(240) },
      ],
    });
  });

  it('gives a null attainment when nothing was settled in the period; active does not depend on the period', () => {
    const sla = operations(events, minutes(500, 250, 500)).sla as Record<string, unknown>;
    expect(sla.firstResponse).toEqual({ hit: 0, missed: 0, active: 1, attainment: null });
    expect(sla.nextResponse).toEqual({ hit: 0, missed: 0, active: 0, attainment: null });
    expect(sla.breaches).toEqual([]);
  });

  it('judges targets as of --as-of: before its due instant a target is still running', () => {
    const sla = operations(events, minutes(50, 0, 50)).sla as Record<string, unknown>;
    // At 50: k1's first response hit at 30 and its episode hit at 30; k2's first response (due 60) runs; k1's resolution runs.
    expect(sla.firstResponse).toEqual({ hit: 1, missed: 0, active: 1, attainment: 1 });
    expect(sla.nextResponse).toEqual({ hit: 1, missed: 0, active: 0, attainment: 1 });
    expect(sla.resolution).toEqual({ hit: 0, missed: 0, active: 1, attainment: null });
  });
});

describe('operations.voice', () => {
  const call = (minute: number, outcome: string, queueMs: number, talkMs = 0, holdMs = 0, afterCallWorkMs = 0) =>
    ev('CallEnded', minute, { customerId: `v${minute}`, channel: 'voice' }, { callId: `call-${minute}`, outcome, queueMs, talkMs, holdMs, afterCallWorkMs });
  const events = [
    call(10, 'answered', 1000, 60_000, 5000, 15_000),
    call(20, 'abandoned', 30_000),
    call(30, 'answered', 2000, 100_000, 0, 20_000),
    call(40, 'missed', 5000),
    call(600, 'voicemail', 9000),
  ];

  it('counts calls by outcome, queue time over every call, handle time over answered calls, the abandon rate', () => {
    expect(operations(events, minutes(700, 0, 500)).voice).toEqual({
      calls: 4,
      byOutcome: { answered: 2, missed: 1, abandoned: 1, voicemail: 0 },
      // [1000, 2000, 5000, 30000]: mean 9500, median (2000 + 5000) / 2, p90 the 4th.
      queueMs: { count: 4, mean: 9500, median: 3500, p90: 30_000 },
      // 80000 and 120000.
      handleMs: { count: 2, mean: 100_000, median: 100_000, p90: 120_000 },
      abandonRate: 0.25,
    });
  });

  it('has null statistics and rate without calls in the period', () => {
    expect(operations(events, minutes(700, 100, 500)).voice).toEqual({
      calls: 0,
      byOutcome: { answered: 0, missed: 0, abandoned: 0, voicemail: 0 },
      queueMs: { count: 0, mean: null, median: null, p90: null },
      handleMs: { count: 0, mean: null, median: null, p90: null },
      abandonRate: null,
    });
  });
});

describe('operations.callbacks', () => {
  const request = (who: string, minute: number, from: number, to: number, caseId?: string) =>
    ev('CallbackRequested', minute, { customerId: who, channel: 'voice', actor: customer, ...(caseId ? { caseId } : {}) }, { window: { from: at(from), to: at(to), timeZone: 'Europe/Paris' } });
  const events = [
    ev('CaseOpened', 5, { customerId: 'zed', caseId: 'kz', channel: 'voice', actor: customer }),
    request('zed', 10, 60, 120, 'kz'),
    request('ann', 20, 200, 260),
    ev('CustomersMerged', 30, { customerId: 'ann' }, { survivorId: 'ann', mergedId: 'zed' }),
    // zed's request (made before the merge) is ann's oldest open one now: completed in its window.
    ev('CallbackCompleted', 90, { customerId: 'ann', channel: 'voice', actor: agent('g1') }, {}, 'e-s1'),
    request('cat', 100, 110, 130),
    // After the window: completed, not kept.
    ev('CallbackCompleted', 200, { customerId: 'cat', channel: 'voice', actor: agent('g1') }),
    ev('CallbackMissed', 300, { customerId: 'ann', channel: 'voice', actor: agent('g1') }),
    // bob has nothing open: an anomaly.
    ev('CallbackCompleted', 50, { customerId: 'bob', channel: 'voice', actor: agent('g1') }, {}, 'e-s3'),
    ev('CaseOpened', 390, { customerId: 'bob', caseId: 'kb1', channel: 'voice', actor: customer }),
    ev('CaseOpened', 391, { customerId: 'bob', caseId: 'kb2', channel: 'voice', actor: customer }),
    request('bob', 400, 410, 420, 'kb1'),
    request('bob', 450, 600, 700),
    ev('CasesMerged', 460, { customerId: 'bob', caseId: 'kb1' }, { sourceCaseId: 'kb1', targetCaseId: 'kb2' }),
  ];

  it('pairs settlements with the oldest open request of the customer after merges, counts the period, lists pending and anomalies', () => {
    expect(operations(events, minutes(500, 0, 500)).callbacks).toEqual({
      requested: 5,
      completed: 2,
      completedInWindow: 1,
      missed: 1,
      keptRate: 1 / 3,
      pending: [
        { customerId: 'bob', caseId: 'kb2', requestedAt: at(400), windowFrom: at(410), windowTo: at(420), overdue: true },
        { customerId: 'bob', caseId: null, requestedAt: at(450), windowFrom: at(600), windowTo: at(700), overdue: false },
      ],
      anomalies: [{ eventId: 'e-s3', reason: 'no_open_callback' }],
    });
  });

  it('counts by period: requests by their instant, settlements by theirs', () => {
    const cb = operations(events, minutes(500, 0, 95)).callbacks as Record<string, unknown>;
    expect(cb).toMatchObject({ requested: 2, completed: 1, completedInWindow: 1, missed: 0, keptRate: 1 });
  });

  it('lists what is open as of --as-of, before the merge', () => {
    expect(operations(events, minutes(25, 0, 25)).callbacks).toEqual({
      requested: 2,
      completed: 0,
      completedInWindow: 0,
      missed: 0,
      keptRate: null,
      pending: [
        { customerId: 'zed', caseId: 'kz', requestedAt: at(10), windowFrom: at(60), windowTo: at(120), overdue: false },
        { customerId: 'ann', caseId: null, requestedAt: at(20), windowFrom: at(200), windowTo: at(260), overdue: false },
      ],
      anomalies: [],
    });
  });
});

describe('operations.byChannel and operations.costs', () => {
  const events = [
    ev('MessageReceived', 0, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: customer }),
    ev('MessageSent', 30, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: agent('g1') }, { senderKind: 'agent' }),
    ev('CaseResolved', 60, { customerId: 'ann', caseId: 'k1', actor: agent('g1') }),
    ev('MessageReceived', 10, { customerId: 'bob', caseId: 'k2', channel: 'whatsapp', actor: customer }),
    ev('MessageSent', 70, { customerId: 'bob', caseId: 'k2', channel: 'whatsapp', actor: agent('g2') }, { senderKind: 'agent' }),
    // A customer message after the first reply: not resolved at first contact.
    ev('MessageReceived', 80, { customerId: 'bob', caseId: 'k2', channel: 'whatsapp', actor: customer }),
    ev('CaseResolved', 100, { customerId: 'bob', caseId: 'k2', actor: agent('g2') }),
    ev('SurveyAnswered', 110, { customerId: 'ann', channel: 'email', actor: customer }, { kind: 'csat', score: 5 }),
    ev('SurveyAnswered', 120, { customerId: 'bob', channel: 'email', actor: customer }, { kind: 'csat', score: 2 }),
    ev('PageViewed', 130, { customerId: 'ann', channel: 'mobile_app', actor: customer }, { url: '/app/home' }),
    ev('CallStarted', 140, { customerId: 'dan', channel: 'voice', actor: customer }, { callId: 'c1', direction: 'inbound' }),
  ];

  it('splits inbound touchpoints by channel, cases and their samples and FCR by opening channel, csat by the answer channel', () => {
    const empty = { count: 0, mean: null, median: null, p90: null };
    expect(operations(events, minutes(500, 0, 500)).byChannel).toEqual({
      email: { inbound: 3, casesOpened: 1, firstResponseMs: stats(30 * MIN), resolutionMs: stats(60 * MIN), csat: { answers: 2, percent: 50 }, fcr: { resolved: 1, firstContact: 1, rate: 1 } },
      mobile_app: { inbound: 1, casesOpened: 0, firstResponseMs: empty, resolutionMs: empty, csat: { answers: 0, percent: null }, fcr: { resolved: 0, firstContact: 0, rate: null } },
      voice: { inbound: 1, casesOpened: 0, firstResponseMs: empty, resolutionMs: empty, csat: { answers: 0, percent: null }, fcr: { resolved: 0, firstContact: 0, rate: null } },
      whatsapp: { inbound: 2, casesOpened: 1, firstResponseMs: stats(60 * MIN), resolutionMs: stats(90 * MIN), csat: { answers: 0, percent: null }, fcr: { resolved: 1, firstContact: 0, rate: 0 } },
    });
  });

  it('leaves out channels with nothing in the period', () => {
    expect(Object.keys(operations(events, minutes(500, 105, 500)).byChannel as object)).toEqual(['email', 'mobile_app', 'voice']);
  });

  it('costs: null without a cost table', () => {
    expect(operations(events, minutes(500, 0, 500)).costs).toBeNull();
  });

  it('costs: inbound touchpoints priced per channel, the total, the total per resolved case', () => {
    const config = { costTable: { currency: 'USD', perTouchpoint: { voice: 16.5, email: 4 } } };
    // email 3 × 4, voice 1 × 16.5; whatsapp and mobile_app are not priced; 2 cases resolved.
    expect(operations(events, minutes(500, 0, 500), config).costs).toEqual({ currency: 'USD', byChannel: { email: 12, voice: 16.5 }, total: 28.5, perResolvedCase: 14.25 });
    expect(operations(events, minutes(500, 400, 500), config).costs).toEqual({ currency: 'USD', byChannel: {}, total: 0, perResolvedCase: null });
  });
});

describe('operations.selfService', () => {
  const kb = (who: string, minute: number, helpful?: boolean) =>
    ev('KnowledgeArticleViewed', minute, { customerId: who, channel: 'knowledge_base', actor: customer }, { articleId: 'a1', ...(helpful === undefined ? {} : { helpful }) });
  const bot = (who: string, minute: number, outcome: string) => ev('BotSessionEnded', minute, { customerId: who, channel: 'chatbot', actor: { kind: 'bot' } }, { botId: 'b1', outcome });
  const events = [
    kb('ann', 0, true),
    ev('MessageReceived', 120, { customerId: 'ann', caseId: 'ka', channel: 'email', actor: customer }),
    kb('bob', 0, false),
    // After the 24 h window: bob's attempt stays deflected.
    ev('MessageReceived', 25 * 60, { customerId: 'bob', caseId: 'kb', channel: 'email', actor: customer }),
    bot('cat', 0, 'handoff'),
    bot('dan', 0, 'resolved'),
    // A bot case and a message on it while in bot: no assisted contact.
    ev('CaseOpened', 60, { customerId: 'dan', caseId: 'kd', channel: 'web_chat', actor: customer }, { handledBy: 'bot' }),
    ev('MessageReceived', 61, { customerId: 'dan', caseId: 'kd', channel: 'web_chat', actor: customer }),
    kb('eve', 0),
    ev('CaseOpened', 60, { customerId: 'eve', caseId: 'ke', channel: 'web_chat', actor: customer }, { handledBy: 'bot' }),
    ev('CaseEscalated', 180, { customerId: 'eve', caseId: 'ke', actor: { kind: 'bot' } }, { from: 'bot', to: 'human' }),
    // gus's message is fay's assisted contact once gus is merged into fay.
    kb('fay', 0),
    ev('MessageReceived', 60, { customerId: 'gus', caseId: 'kg', channel: 'sms', actor: customer }),
    ev('CustomersMerged', 300, { customerId: 'fay' }, { survivorId: 'fay', mergedId: 'gus' }),
  ];

  it('deflects attempts without assisted contact of the customer (after merges) in the window; a handoff never', () => {
    expect(operations(events, minutes(30 * 60, 0, 30 * 60)).selfService).toEqual({
      attempts: 6,
      deflected: 2, // bob, dan
      rate: 2 / 6,
      helpful: { rated: 2, helpful: 1, rate: 0.5 },
    });
  });

  it('takes the deflection window from the configuration', () => {
    expect(operations(events, minutes(30 * 60, 0, 30 * 60), { deflectionWindowMs: 26 * HOUR }).selfService).toMatchObject({ deflected: 1 });
  });

  it('judges as of --as-of: contact not yet seen does not count, merges not yet made do not join customers', () => {
    // At 90 min: only cat's handoff is not deflected.
    expect(operations(events, minutes(90, 0, 90)).selfService).toMatchObject({ attempts: 6, deflected: 5 });
  });

  it('has null rates without attempts', () => {
    expect(operations(events, minutes(30 * 60, 10, 30 * 60)).selfService).toEqual({ attempts: 0, deflected: 0, rate: null, helpful: { rated: 0, helpful: 0, rate: null } });
  });
});

describe('operations.contactDrivers', () => {
  const open = (caseId: string, minute: number, topic?: string, channel?: string) =>
    ev('CaseOpened', minute, { customerId: `c-${caseId}`, caseId, ...(channel ? { channel } : {}), actor: { kind: 'automation' } }, topic ? { topic } : {});
  const events = [
    open('p1', 10, 'billing', 'email'),
    open('p2', 20, undefined, 'sms'),
    open('c1', 110, 'billing', 'email'),
    ev('CaseResolved', 150, { customerId: 'c-c1', caseId: 'c1', actor: agent('g1') }),
    open('c2', 120, 'billing', 'web_chat'),
    open('c3', 130, 'login', 'email'),
    ev('CaseResolved', 250, { customerId: 'c-c3', caseId: 'c3', actor: agent('g1') }),
    open('c4', 140),
    open('c5', 210, 'billing', 'email'),
  ];

  it('ranks the topics of the period by cases, with share, opening channels, resolution times and the previous period', () => {
    expect(operations(events, minutes(300, 100, 200)).contactDrivers).toEqual([
      { topic: 'billing', cases: 2, share: 0.5, byChannel: { email: 1, web_chat: 1 }, resolutionMs: stats(40 * MIN), previousCases: 1 },
      { topic: '(none)', cases: 1, share: 0.25, byChannel: {}, resolutionMs: stats(), previousCases: 1 },
      { topic: 'login', cases: 1, share: 0.25, byChannel: { email: 1 }, resolutionMs: stats(), previousCases: 0 },
    ]);
  });

  it('is empty without cases in the period', () => {
    expect(operations(events, minutes(300, 260, 300)).contactDrivers).toEqual([]);
  });
});

describe('operations.agents', () => {
  const events = [
    ev('MessageReceived', 0, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: customer }),
    ev('CaseAssigned', 5, { customerId: 'ann', caseId: 'k1' }, { assigneeKind: 'agent', assigneeId: 'g1' }),
    ev('MessageSent', 10, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: agent('g2') }, { senderKind: 'agent' }),
    ev('MessageSent', 20, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: agent('g1') }, { senderKind: 'agent' }),
    // Assigned to g1: g1's answer.
    ev('SurveyAnswered', 30, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: customer }, { kind: 'csat', score: 5 }),
    ev('CaseResolved', 40, { customerId: 'ann', caseId: 'k1', actor: agent('g2') }),
    ev('MessageReceived', 0, { customerId: 'bob', caseId: 'k2', channel: 'sms', actor: customer }),
    ev('MessageSent', 60, { customerId: 'bob', caseId: 'k2', channel: 'sms', actor: agent('g3') }, { senderKind: 'agent' }),
    ev('MessageSent', 61, { customerId: 'bob', caseId: 'k2', channel: 'sms', actor: agent('g3') }, { senderKind: 'agent', public: false }),
    // Never assigned to an agent: the latest agent who replied, g3.
    ev('SurveyAnswered', 70, { customerId: 'bob', caseId: 'k2', channel: 'sms', actor: customer }, { kind: 'csat', score: 2 }),
    ev('CaseAssigned', 75, { customerId: 'bob', caseId: 'k2' }, { assigneeKind: 'team', assigneeId: 't1' }),
    ev('CaseClosed', 80, { customerId: 'bob', caseId: 'k2', actor: agent('g3') }),
    // An answer about a closed case still counts.
    ev('SurveyAnswered', 90, { customerId: 'bob', caseId: 'k2', channel: 'sms', actor: customer }, { kind: 'csat', score: 4 }),
    ev('CaseAssigned', 600, { customerId: 'ann', caseId: 'k1' }, { assigneeKind: 'agent', assigneeId: 'g4' }),
  ];

  it('credits replies, first responses, resolutions and csat to agents, sorted by id', () => {
    const none = stats();
    expect(operations(events, minutes(700, 0, 500)).agents).toEqual([
      { agentId: 'g1', replies: 1, firstResponses: 0, firstResponseMs: none, resolved: 0, csat: { answers: 1, percent: 100 } },
      { agentId: 'g2', replies: 1, firstResponses: 1, firstResponseMs: stats(10 * MIN), resolved: 1, csat: { answers: 0, percent: null } },
      { agentId: 'g3', replies: 1, firstResponses: 1, firstResponseMs: stats(60 * MIN), resolved: 0, csat: { answers: 2, percent: 50 } },
    ]);
    // An agent only assigned in the period has a row.
    expect(operations(events, minutes(700, 500, 700)).agents).toEqual([
      { agentId: 'g4', replies: 0, firstResponses: 0, firstResponseMs: none, resolved: 0, csat: { answers: 0, percent: null } },
    ]);
  });
});

describe('operations.marketplaces', () => {
  const order = (orderId: string, minute: number, salesChannel: string, amount: number, currency: string, marketplace?: string) =>
    ev('OrderPlaced', minute, { customerId: 'ann', channel: 'marketplace', actor: customer }, { orderId, salesChannel, amount, currency, ...(marketplace ? { marketplace } : {}) });
  const events = [
    order('o1', 0, 'marketplace', 10.1, 'EUR', 'amazon'),
    order('o2', 10, 'marketplace', 20.2, 'EUR', 'amazon'),
    order('o3', 20, 'marketplace', 5, 'USD'),
    order('o4', 30, 'web', 100, 'EUR'),
    ev('OrderReturned', 40, { customerId: 'ann' }, { orderId: 'o1' }),
    ev('OrderCancelled', 50, { customerId: 'ann' }, { orderId: 'o3' }),
    ev('OrderReturned', 60, { customerId: 'ann' }, { orderId: 'o4' }),
    order('o5', 600, 'marketplace', 7, 'GBP', 'amazon'),
    ev('OrderReturned', 620, { customerId: 'ann' }, { orderId: 'o5' }),
  ];

  it('sums marketplace orders per marketplace and currency, with the returns and cancellations of their orders', () => {
    expect(operations(events, minutes(700, 0, 500)).marketplaces).toEqual({
      '(unnamed)': { orders: 1, amount: { USD: 5 }, returned: 0, cancelled: 1 },
      // Added in ascending order: 10.1 + 20.2.
      amazon: { orders: 2, amount: { EUR: 10.1 + 20.2 }, returned: 1, cancelled: 0 },
    });
    // A return counts in the period of its own instant, by the marketplace of its order.
    expect(operations(events, minutes(700, 610, 700)).marketplaces).toEqual({ amazon: { orders: 0, amount: {}, returned: 1, cancelled: 0 } });
  });
});

describe('operations.stageChannels', () => {
  const events = [
    ev('PageViewed', 0, { customerId: 'ann', channel: 'web', actor: customer }, { url: '/', pageKind: 'other' }),
    ev('PageViewed', 10, { customerId: 'ann', channel: 'web', actor: customer }, { url: '/p', pageKind: 'product' }),
    ev('OrderPlaced', 20, { customerId: 'ann', channel: 'web', actor: customer }, { orderId: 'o1', salesChannel: 'web', amount: 10, currency: 'EUR' }),
    ev('MessageReceived', 30, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: customer }),
    ev('MessageSent', 40, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: agent('g1') }, { senderKind: 'agent' }),
    // A first event that is a message: awareness, then consideration at once.
    ev('MessageReceived', 5, { customerId: 'bob', caseId: 'k2', channel: 'whatsapp', actor: customer }),
  ];

  it('counts inbound touchpoints by the stage once the touchpoint is applied, then by channel', () => {
    expect(operations(events, minutes(100, 0, 100)).stageChannels).toEqual({
      awareness: { web: 1 },
      consideration: { web: 1, whatsapp: 1 },
      post_sale_support: { email: 1 },
      purchase: { web: 1 },
    });
    expect(operations(events, minutes(100, 10, 100)).stageChannels).toEqual({ consideration: { web: 1 }, post_sale_support: { email: 1 }, purchase: { web: 1 } });
  });
});

describe('the operational views settings', () => {
  it('are validated with errors naming the setting', () => {
    expect(() => resolveJourneyConfig({ deflectionWindowMs: -1 })).toThrow(/deflectionWindowMs/);
    expect(() => resolveJourneyConfig({ costTable: { currency: 'USD', perTouchpoint: { fax: 1 } as never } })).toThrow(/costTable\.perTouchpoint\.fax/);
    expect(() => resolveJourneyConfig({ costTable: { currency: 'USD', perTouchpoint: { voice: -2 } } })).toThrow(/costTable\.perTouchpoint\.voice/);
    expect(() => resolveJourneyConfig({ costTable: { currency: '', perTouchpoint: {} } })).toThrow(JourneyConfigError);
    expect(resolveJourneyConfig().deflectionWindowMs).toBe(24 * HOUR);
    expect(resolveJourneyConfig().costTable).toBeNull();
  });
});

describe('the engine: operations queries and streams', () => {
  const raw = (e: CatalogEvent) => JSON.parse(JSON.stringify(e)) as Parameters<ReturnType<typeof createJourneyEngine>['recordUnknown']>[0];

  it('answers one view as of an explicit or clock asOf, as the replay does, in frozen plain data', async () => {
    let now = T0 + 30 * 60 * MIN;
    const engine = createJourneyEngine({ clock: () => now });
    const events = [
      ev('CallbackRequested', 10, { customerId: 'ann', channel: 'voice', actor: customer }, { window: { from: at(60), to: at(120), timeZone: 'UTC' } }),
      ev('CallEnded', 20, { customerId: 'ann', channel: 'voice' }, { callId: 'x', outcome: 'answered', queueMs: 10, talkMs: 20, holdMs: 0, afterCallWorkMs: 5 }),
      ev('CallbackCompleted', 90, { customerId: 'ann', channel: 'voice', actor: agent('g1') }),
    ];
    await engine.recordUnknown(events.map(raw));
    const byClock = engine.operations('acme', 'callbacks');
    expect(byClock).toEqual(replayReport({ events, asOf: now, from: T0 + 10 * MIN, to: now }).tenants['acme']!.operations!.callbacks);
    expect(Object.isFrozen(byClock)).toBe(true);
    const before = engine.operations('acme', 'callbacks', { asOf: T0 + 50 * MIN });
    expect(before.pending).toEqual([{ customerId: 'ann', caseId: null, requestedAt: at(10), windowFrom: at(60), windowTo: at(120), overdue: false }]);
    expect(engine.operations('acme', 'voice', { asOf: now, from: T0 }).calls).toBe(1);
    expect(() => engine.operations('acme', 'nope' as 'voice')).toThrow(RangeError);
    now += 1;
    await engine.close();
  });

  it('callbacks$ and slaBreaches$ emit when the answer changes, with the tenant or with refresh$ as time passes', async () => {
    let now = T0;
    const engine = createJourneyEngine({ clock: () => now });
    const refresh$ = new Subject<void>();
    const pending: unknown[] = [];
    const breaches: unknown[] = [];
    const subs = [engine.callbacks$('acme').subscribe((p) => pending.push(p)), engine.slaBreaches$('acme', { refresh$ }).subscribe((b) => breaches.push(b))];
    now = T0 + 5 * MIN;
    await engine.recordUnknown(raw(ev('CaseOpened', 0, { customerId: 'ann', caseId: 'k1', channel: 'email', actor: customer })));
    await engine.recordUnknown(raw(ev('SlaApplied', 0, { customerId: 'ann', caseId: 'k1' }, { policyId: 'p', firstResponseMs: 60 * MIN })));
    await engine.recordUnknown(raw(ev('CallbackRequested', 1, { customerId: 'ann', channel: 'voice', actor: customer }, { window: { from: at(60), to: at(120), timeZone: 'UTC' } })));
    // The due instant passes with no event: only a refresh tells.
    now = T0 + 61 * MIN;
    refresh$.next();
    now = T0 + 62 * MIN;
    await engine.recordUnknown(raw(ev('CallbackCompleted', 62, { customerId: 'ann', channel: 'voice', actor: agent('g1') })));
    expect(pending).toEqual([[], [{ customerId: 'ann', caseId: null, requestedAt: at(1), windowFrom: at(60), windowTo: at(120), overdue: false }], []]);
    expect(breaches).toEqual([[], [{ caseId: 'k1', customerId: 'ann', target: 'firstResponse', dueAt: at(60) }]]);
    expect(Object.isFrozen(breaches[1])).toBe(true);
    subs.forEach((s) => s.unsubscribe());
    await engine.close();
  });
});
