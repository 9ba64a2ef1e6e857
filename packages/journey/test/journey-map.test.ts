import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cloneCustomersState, customerIds } from '../src/core/customers/index.js';
import { customerJourney, journeysSection, journeyFunnel, retentionByCohort, JOURNEY_STAGES } from '../src/core/journey-map/index.js';
import { DAY, HOUR, MIN, T0, caseView, fakeCases, fold, foldInto, je, type Step } from './helpers/customers-fixture.js';

const win = (asOf = T0 + 365 * DAY) => ({ asOf, from: T0 - DAY, to: asOf });
const stageOf = (steps: (Step | ReturnType<typeof je>)[], id = 'c1') => customerJourney(fold(steps), id)!.stage;

describe('journey stages', () => {
  it('starts at awareness with the first event of any kind', () => {
    expect(stageOf([je({ type: 'SessionStarted', data: { sessionId: 's' } })])).toBe('awareness');
    expect(stageOf([je({ type: 'PageViewed', data: { url: '/', pageKind: 'support' } })])).toBe('awareness');
  });

  it.each([
    ['PageViewed product', { type: 'PageViewed', data: { url: '/p', pageKind: 'product' } }],
    ['PageViewed pricing', { type: 'PageViewed', data: { url: '/p', pageKind: 'pricing' } }],
    ['PageViewed cart', { type: 'PageViewed', data: { url: '/p', pageKind: 'cart' } }],
    ['MessageReceived', { type: 'MessageReceived', channel: 'email' as const }],
    ['BotTurn', { type: 'BotTurn', data: { botId: 'b' } }],
  ])('%s moves awareness to consideration', (_n, raw) => {
    expect(stageOf([je({ type: 'SessionStarted', data: { sessionId: 's' } }), je({ ...raw, at: T0 + 1 })])).toBe('consideration');
  });

  it('a case opening (from effects) moves to consideration; an ignored CaseOpened does not', () => {
    const a = je({ type: 'SessionStarted', data: { sessionId: 's' } });
    const open = je({ type: 'CaseOpened', caseId: 'k1', at: T0 + 1 });
    expect(stageOf([a, { je: open, effects: { caseId: 'k1', opened: { caseId: 'k1', how: 'explicit', handledBy: 'human' } } }])).toBe('consideration');
    expect(stageOf([a, { je: open, effects: { anomaly: 'duplicate' } }])).toBe('awareness');
  });

  it('OrderPlaced → purchase; post-sale triggers → post_sale_support; order in post-sale starts a new cycle', () => {
    const order = (at: number, id: string) => je({ type: 'OrderPlaced', at, data: { orderId: id, salesChannel: 'web', amount: 10, currency: 'EUR' } });
    const state = fold([
      je({ type: 'PageViewed', data: { url: '/', pageKind: 'product' } }),
      order(T0 + 1, 'o1'),
      order(T0 + 2, 'o2'), // during purchase: nothing
      je({ type: 'PageViewed', at: T0 + 3, data: { url: '/', pageKind: 'product' } }), // never backwards
      je({ type: 'KnowledgeArticleViewed', at: T0 + 4, data: { articleId: 'a' } }),
      je({ type: 'OrderReturned', at: T0 + 5, data: { orderId: 'o1' } }),
      je({ type: 'CustomerChurned', at: T0 + 6, data: {} }),
      order(T0 + 7, 'o3'),
    ]);
    const j = customerJourney(state, 'c1')!;
    expect(j.stage).toBe('purchase');
    expect(j.cycle).toBe(2);
    expect(j.cycles.map((c) => c.stages.map((s) => s.stage))).toEqual([
      ['awareness', 'consideration', 'purchase', 'post_sale_support'],
      ['purchase'],
    ]);
  });

  it('returns, cancellations and churn do not change the stage', () => {
    const base = [je({ type: 'OrderPlaced', data: { orderId: 'o', salesChannel: 'web', amount: 1, currency: 'EUR' } })];
    for (const raw of [
      { type: 'OrderReturned', data: { orderId: 'o' } },
      { type: 'OrderCancelled', data: { orderId: 'o' } },
      { type: 'SubscriptionCancelled', data: {} },
      { type: 'CustomerChurned', data: {} },
    ]) expect(stageOf([...base, je({ ...raw, at: T0 + 1 })])).toBe('purchase');
  });

  it('a first event that is an order goes straight to purchase', () => {
    const j = customerJourney(fold([je({ type: 'OrderPlaced', data: { orderId: 'o', salesChannel: 'store', amount: 1, currency: 'EUR' } })]), 'c1')!;
    expect(j.cycles[0]!.stages.map((s) => s.stage)).toEqual(['awareness', 'purchase']);
  });

  it('property: stages never go backwards within a cycle', () => {
    const kinds = ['SessionStarted', 'PageViewed', 'MessageReceived', 'BotTurn', 'OrderPlaced', 'KnowledgeArticleViewed', 'OrderReturned'] as const;
    const data: Record<string, Record<string, unknown>> = {
      SessionStarted: { sessionId: 's' },
      PageViewed: { url: '/', pageKind: 'product' },
      MessageReceived: {},
      BotTurn: { botId: 'b' },
      OrderPlaced: { orderId: 'o', salesChannel: 'web', amount: 1, currency: 'EUR' },
      KnowledgeArticleViewed: { articleId: 'a' },
      OrderReturned: { orderId: 'o' },
    };
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 30 }), (types) => {
        const state = fold(types.map((type, i) => je({ type, at: T0 + i * MIN, data: data[type] })));
        const j = customerJourney(state, 'c1')!;
        for (const c of j.cycles) {
          const idx = c.stages.map((s) => JOURNEY_STAGES.indexOf(s.stage));
          for (let i = 1; i < idx.length; i++) expect(idx[i]!).toBeGreaterThan(idx[i - 1]!);
          if (c.cycle > 1) expect(c.stages[0]!.stage).toBe('purchase');
        }
        expect(j.stage).toBe(j.cycles.at(-1)!.stages.at(-1)!.stage);
      }),
    );
  });
});

describe('sessions and timeline', () => {
  it('splits sessions at gaps strictly greater than 30 minutes', () => {
    const state = fold([
      je({ type: 'PageViewed', at: T0, data: { url: '/' } }),
      je({ type: 'PageViewed', at: T0 + 30 * MIN, data: { url: '/' } }), // exactly 30 min: same session
      je({ type: 'PageViewed', at: T0 + 60 * MIN + 1, data: { url: '/' } }), // 30 min + 1 ms: new session
      je({ type: 'PageViewed', at: T0 + 61 * MIN, channel: 'web', data: { url: '/' } }),
    ]);
    const j = customerJourney(state, 'c1')!;
    expect(j.sessions.map((s) => s.events)).toEqual([2, 2]);
    expect(j.sessions[1]!.channels).toEqual(['web']);
    expect(j.timeline.map((t) => t.session)).toEqual([0, 0, 1, 1]);
    expect(state.customers.get('c1')!.journey.sessions).toBe(2);
  });

  it('timeline lists events in order with type, channel, actor and inbound flag', () => {
    const state = fold([je({ id: 'x1', type: 'MessageReceived', channel: 'email', actor: 'customer' }), je({ id: 'x2', type: 'MessageSent', at: T0 + 1, channel: 'email', actor: 'agent', data: { senderKind: 'agent' } })]);
    const t = customerJourney(state, 'c1')!.timeline;
    expect(t).toEqual([
      { eventId: 'x1', occurredAt: new Date(T0).toISOString(), type: 'MessageReceived', channel: 'email', actor: 'customer', inbound: true, session: 0 },
      { eventId: 'x2', occurredAt: new Date(T0 + 1).toISOString(), type: 'MessageSent', channel: 'email', actor: 'agent', inbound: false, session: 0 },
    ]);
  });

  it('unknown customers have no journey', () => {
    expect(customerJourney(fold([]), 'nobody')).toBeUndefined();
  });
});

describe('channel transitions', () => {
  it('counts changes between consecutive inbound touchpoints; other events neither count nor break', () => {
    const state = fold([
      je({ type: 'MessageReceived', at: T0, channel: 'email', actor: 'customer' }),
      je({ type: 'MessageSent', at: T0 + MIN, channel: 'voice', actor: 'agent', data: { senderKind: 'agent' } }), // not inbound
      je({ type: 'PageViewed', at: T0 + 2 * MIN, data: { url: '/' }, actor: 'customer' }), // no channel
      je({ type: 'MessageReceived', at: T0 + 10 * MIN, channel: 'whatsapp', actor: 'customer' }),
      je({ type: 'MessageReceived', at: T0 + 11 * MIN, channel: 'whatsapp', actor: 'customer' }),
      je({ type: 'PageViewed', at: T0 + 20 * MIN, channel: 'web', actor: 'customer', data: { url: '/' } }), // any type counts
      je({ type: 'MessageReceived', at: T0 + 30 * MIN, channel: 'email', actor: 'customer' }),
      je({ type: 'MessageReceived', at: T0 + 40 * MIN, channel: 'whatsapp', actor: 'customer' }),
      je({ type: 'MessageReceived', at: T0 + 41 * MIN, channel: 'email' }), // actor system: not inbound
    ]);
    const j = customerJourney(state, 'c1')!;
    expect(j.transitions).toEqual([
      { from: 'email', to: 'whatsapp', count: 2, meanGapMs: (10 * MIN + 10 * MIN) / 2 },
      { from: 'web', to: 'email', count: 1, meanGapMs: 10 * MIN },
      { from: 'whatsapp', to: 'web', count: 1, meanGapMs: 9 * MIN },
    ]);
  });

  it('journeysSection sums transitions over customers, sorted by count desc, from, to; stages sum to customers', () => {
    const steps = [
      je({ customerId: 'a', type: 'MessageReceived', channel: 'sms', actor: 'customer' }),
      je({ customerId: 'a', type: 'MessageReceived', at: T0 + 1, channel: 'email', actor: 'customer' }),
      je({ customerId: 'b', type: 'MessageReceived', channel: 'sms', actor: 'customer' }),
      je({ customerId: 'b', type: 'MessageReceived', at: T0 + 1, channel: 'email', actor: 'customer' }),
      je({ customerId: 'b', type: 'MessageReceived', at: T0 + 2, channel: 'sms', actor: 'customer' }),
      je({ customerId: 'c', type: 'MessageReceived', channel: 'voice', actor: 'customer' }),
      je({ customerId: 'c', type: 'MessageReceived', at: T0 + 1, channel: 'api', actor: 'customer' }),
      je({ customerId: 'd', type: 'OrderPlaced', data: { orderId: 'o', salesChannel: 'web', amount: 1, currency: 'EUR' } }),
      je({ customerId: 'e', type: 'SessionStarted', at: T0 + 10 * DAY, data: { sessionId: 's' } }),
    ];
    const state = fold(steps);
    const s = journeysSection(state, win(T0 + DAY));
    expect(s.transitions).toEqual([
      { from: 'sms', to: 'email', count: 2 },
      { from: 'email', to: 'sms', count: 1 },
      { from: 'voice', to: 'api', count: 1 },
    ]);
    // customer e starts after asOf: left out
    expect(s.stages).toEqual({ awareness: 0, consideration: 3, purchase: 1, post_sale_support: 0 });
    expect(journeysSection(state, win()).stages.awareness).toBe(1);
  });
});

describe('context lost', () => {
  const opened = (caseId: string, how: 'explicit' | 'implicit' | 'follow_up' = 'explicit', extra: object = {}) => ({
    caseId,
    opened: { caseId, how, handledBy: 'human' as const, ...extra },
  });

  it('forced_restart: a follow-up opening, with the old case and the message as evidence', () => {
    const cases = fakeCases();
    cases.put({ caseId: 'old', status: 'closed', openedEventId: 'o-open' });
    const state = fold([{ je: je({ id: 'm2', type: 'MessageReceived', channel: 'email', actor: 'customer' }), effects: opened('m2', 'follow_up', { followUpOf: 'old', followUpReason: 'closed' }) }], cases);
    expect(customerJourney(state, 'c1')!.contextLost).toEqual([{ kind: 'forced_restart', at: new Date(T0).toISOString(), caseId: 'm2', evidence: ['o-open', 'm2'] }]);
  });

  it('identity_gap: a case opened by an event attributed to another (later merged) customer', () => {
    const state = fold([
      { je: je({ id: 'g1', type: 'CaseOpened', caseId: 'k', attributedTo: 'anon-1', anonymous: true }), effects: opened('k') },
      { je: je({ id: 'g2', type: 'CaseOpened', caseId: 'k2', at: T0 + 1 }), effects: opened('k2') },
    ]);
    const cl = customerJourney(state, 'c1')!.contextLost;
    expect(cl).toEqual([{ kind: 'identity_gap', at: new Date(T0).toISOString(), caseId: 'k', evidence: ['g1'] }]);
  });

  it('identity_gap: not for a customer the host named and a CustomersMerged folded into another (merge equivalence)', () => {
    const state = fold([{ je: je({ id: 'g1', type: 'CaseOpened', caseId: 'k', attributedTo: 'named-2' }), effects: opened('k') }]);
    expect(customerJourney(state, 'c1')!.contextLost).toEqual([]);
  });

  it('blind_handoff: escalation then agent reply with no summary or note in between', () => {
    const esc = (id: string, at: number) => ({ je: je({ id, type: 'CaseEscalated', caseId: 'k', at, data: { from: 'bot', to: 'human' } }), effects: { caseId: 'k', escalatedToHuman: true } });
    const reply = (id: string, at: number) => ({ je: je({ id, type: 'MessageSent', caseId: 'k', at, actor: 'agent', data: { senderKind: 'agent' } }), effects: { caseId: 'k', agentReply: true } });
    const blind = fold([esc('x1', T0), reply('r1', T0 + 1)]);
    expect(customerJourney(blind, 'c1')!.contextLost).toEqual([{ kind: 'blind_handoff', at: new Date(T0 + 1).toISOString(), caseId: 'k', evidence: ['x1', 'r1'] }]);
    for (const between of [
      je({ type: 'CaseSummaryGenerated', caseId: 'k', at: T0 + 1, data: { summary: 's', model: 'm' } }),
      je({ type: 'InternalNoteAdded', caseId: 'k', at: T0 + 1, data: { text: 'n' } }),
    ]) {
      const ok = fold([esc('x1', T0), { je: between, effects: { caseId: 'k' } }, reply('r1', T0 + 2)]);
      expect(customerJourney(ok, 'c1')!.contextLost).toEqual([]);
    }
    // a reply on another case does not consume the handoff; a second reply is not a second annotation
    const other = fold([esc('x1', T0), { je: je({ type: 'MessageSent', caseId: 'z', at: T0 + 1, data: { senderKind: 'agent' } }), effects: { caseId: 'z', agentReply: true } }, reply('r1', T0 + 2), reply('r2', T0 + 3)]);
    expect(customerJourney(other, 'c1')!.contextLost.map((a) => a.evidence)).toEqual([['x1', 'r1']]);
    // two escalations before one reply: each is followed by the reply with nothing in between
    const twice = fold([esc('x1', T0), esc('x2', T0 + 1), reply('r1', T0 + 2)]);
    expect(customerJourney(twice, 'c1')!.contextLost.map((a) => a.evidence)).toEqual([
      ['x1', 'r1'],
      ['x2', 'r1'],
    ]);
  });

  describe('unthreaded_switch', () => {
    const setup = (opts: { aStatus?: 'open' | 'resolved' | 'closed'; resolvedAgo?: number; activityAgo?: number; link?: boolean; linkAtActivity?: 'before' | 'after'; sameChannel?: boolean }) => {
      const cases = fakeCases();
      const openAt = T0 + 10 * DAY;
      cases.put({ caseId: 'A', status: opts.aStatus ?? 'open', openedEventId: 'a-open', channels: new Set(['email']), resolvedAt: opts.resolvedAgo === undefined ? null : openAt - opts.resolvedAgo });
      cases.put({ caseId: 'B', openedAt: openAt, openedEventId: 'b-open', channels: new Set([opts.sameChannel ? 'email' : 'whatsapp']) });
      const actAt = openAt - (opts.activityAgo ?? HOUR);
      // A link at the activity's instant, ordered by id before it ('0lnk' < 'act') or after it ('zlnk').
      const linkAt = (id: string): Step => ({ je: je({ id, type: 'CaseThreadLinked', caseId: 'A', at: actAt, data: { threadRef: 't', channel: 'whatsapp' } }), effects: { caseId: 'A' } });
      const steps: Step[] = [
        { je: je({ id: 'a-open', type: 'CaseOpened', caseId: 'A', at: T0, channel: 'email' }), effects: opened('A', 'explicit', { channel: 'email' }) },
        ...(opts.linkAtActivity === 'before' ? [linkAt('0lnk')] : []),
        { je: je({ id: 'act', type: 'MessageReceived', caseId: 'A', at: actAt, channel: 'email', actor: 'customer' }), effects: { caseId: 'A' } },
        ...(opts.linkAtActivity === 'after' ? [linkAt('zlnk')] : []),
      ];
      if (opts.link) steps.push({ je: je({ id: 'lnk', type: 'CaseThreadLinked', caseId: 'A', at: actAt + 1, data: { threadRef: 't', channel: 'whatsapp' } }), effects: { caseId: 'A' } });
      const ch = opts.sameChannel ? 'email' : 'whatsapp';
      steps.push({ je: je({ id: 'b-open', type: 'MessageReceived', caseId: 'B', at: openAt, channel: ch, actor: 'customer' }), effects: opened('B', 'implicit', { channel: ch }) });
      return customerJourney(fold(steps, cases), 'c1')!.contextLost;
    };

    it('flags a new case on B within 72 h of activity on A while the A case is open', () => {
      expect(setup({})).toEqual([{ kind: 'unthreaded_switch', at: new Date(T0 + 10 * DAY).toISOString(), caseId: 'B', evidence: ['a-open', 'act', 'b-open'] }]);
    });
    it('flags when the A case was resolved less than 7 days before', () => {
      expect(setup({ aStatus: 'resolved', resolvedAgo: 6 * DAY })).toHaveLength(1);
      expect(setup({ aStatus: 'resolved', resolvedAgo: 7 * DAY })).toHaveLength(0);
    });
    it('does not flag after 72 h without activity on A', () => {
      expect(setup({ activityAgo: 72 * HOUR })).toHaveLength(1);
      expect(setup({ activityAgo: 72 * HOUR + 1 })).toHaveLength(0);
    });
    it('does not flag when a CaseThreadLinked came in between, nor on the same channel', () => {
      expect(setup({ link: true })).toHaveLength(0);
      expect(setup({ sameChannel: true })).toHaveLength(0);
    });
    it('"between" follows (occurredAt, id) order: a link at the activity\'s instant but ordered before it does not count', () => {
      expect(setup({ linkAtActivity: 'before' })).toHaveLength(1);
      expect(setup({ linkAtActivity: 'after' })).toHaveLength(0);
    });
  });

  it('journeysSection counts annotations by kind', () => {
    const state = fold([
      { je: je({ id: 'g1', type: 'CaseOpened', caseId: 'k', attributedTo: 'anon', anonymous: true }), effects: opened('k') },
      { je: je({ id: 'm2', type: 'MessageReceived', at: T0 + 1 }), effects: opened('m2', 'follow_up', { followUpOf: 'k' }) },
    ]);
    expect(journeysSection(state, win()).contextLost).toEqual({ unthreaded_switch: 0, forced_restart: 1, blind_handoff: 0, identity_gap: 1 });
  });
});

describe('cloning', () => {
  it('property: fold a prefix, clone, continue equals folding everything; the original is untouched', () => {
    const types = ['MessageReceived', 'PageViewed', 'OrderPlaced', 'SurveyAnswered', 'OrderReturned'] as const;
    const mk = (t: (typeof types)[number], i: number, ch: 'email' | 'sms') => {
      const data: Record<string, Record<string, unknown>> = {
        MessageReceived: {},
        PageViewed: { url: '/', pageKind: 'cart' },
        OrderPlaced: { orderId: `o${i % 3}`, salesChannel: 'web', amount: 5, currency: 'EUR' },
        SurveyAnswered: { kind: 'csat', score: 3 },
        OrderReturned: { orderId: `o${i % 3}`, amount: 1 },
      };
      return je({ id: `p${String(i).padStart(4, '0')}`, type: t, at: T0 + i * 20 * MIN, channel: ch, actor: 'customer', customerId: i % 2 ? 'a' : 'b', data: data[t] });
    };
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...types), fc.constantFrom('email' as const, 'sms' as const)), { minLength: 2, maxLength: 25 }), fc.nat(), (spec, cut) => {
        const events = spec.map(([t, ch], i) => mk(t, i, ch));
        const k = cut % events.length;
        const whole = fold(events);
        const prefix = fold(events.slice(0, k));
        const snapshot = JSON.stringify(customerJourney(prefix, 'a')) + JSON.stringify(customerJourney(prefix, 'b'));
        const copy = foldInto(cloneCustomersState(prefix), events.slice(k));
        expect(copy).toEqual(whole);
        expect(JSON.stringify(customerJourney(prefix, 'a')) + JSON.stringify(customerJourney(prefix, 'b'))).toBe(snapshot);
        expect([...customerIds(copy)].sort()).toEqual([...customerIds(whole)].sort());
      }),
      { numRuns: 60 },
    );
  });
});

describe('funnels and retention', () => {
  const view = (customerId: string, at: number, kind = 'product') => je({ customerId, type: 'PageViewed', at, data: { url: '/', pageKind: kind } });
  const order = (customerId: string, at: number) => je({ customerId, type: 'OrderPlaced', at, data: { orderId: `o-${customerId}-${at}`, salesChannel: 'web', amount: 1, currency: 'EUR' } });
  const steps = [
    { name: 'visit', types: ['PageViewed'] },
    { name: 'order', types: ['OrderPlaced'] },
    { name: 'support', types: ['KnowledgeArticleViewed'] },
  ];

  it('counts ordered steps within the conversion window', () => {
    const state = fold([
      view('a', T0), order('a', T0 + DAY), je({ customerId: 'a', type: 'KnowledgeArticleViewed', at: T0 + 2 * DAY, data: { articleId: 'k' } }),
      view('b', T0), order('b', T0 + 15 * DAY), // outside 14 days
      order('c', T0), view('c', T0 + 1), // wrong order
      view('d', T0), view('d', T0 + 20 * DAY), order('d', T0 + 21 * DAY), // a later first step converts
    ]);
    const f = journeyFunnel(state, steps);
    expect(f.windowMs).toBe(14 * DAY);
    expect(f.steps).toEqual([
      { name: 'visit', customers: 4, fromPrevious: null, fromFirst: 1 },
      { name: 'order', customers: 2, fromPrevious: 0.5, fromFirst: 0.5 },
      { name: 'support', customers: 1, fromPrevious: 0.5, fromFirst: 0.25 },
    ]);
    expect(journeyFunnel(state, steps, { windowMs: 16 * DAY }).steps[1]!.customers).toBe(3);
    expect(journeyFunnel(state, steps, { from: T0 + DAY }).steps[0]!.customers).toBe(1); // only d's second view enters
  });

  it('supports stage steps (which may share an event) and null rates on empty funnels', () => {
    const state = fold([je({ customerId: 'a', type: 'MessageReceived' }), order('a', T0 + 1)]);
    const f = journeyFunnel(state, [{ name: 'aw', stage: 'awareness' }, { name: 'co', stage: 'consideration' }, { name: 'pu', stage: 'purchase' }]);
    expect(f.steps.map((s) => s.customers)).toEqual([1, 1, 1]);
    const empty = journeyFunnel(fold([]), steps);
    expect(empty.steps[0]).toEqual({ name: 'visit', customers: 0, fromPrevious: null, fromFirst: null });
    expect(empty.steps[1]!.fromPrevious).toBeNull();
  });

  it('retention by monthly cohort', () => {
    const jan = Date.parse('2024-01-10T00:00:00Z');
    const feb = Date.parse('2024-02-05T00:00:00Z');
    const state = fold([
      view('a', jan), view('a', feb), view('a', Date.parse('2024-03-20T00:00:00Z')),
      view('b', jan + DAY), view('b', Date.parse('2024-03-01T00:00:00Z')),
      view('c', feb + DAY),
    ].sort((x, y) => x.at - y.at));
    const r = retentionByCohort(state, { grain: 'month', periods: 4, asOf: Date.parse('2024-03-25T00:00:00Z') });
    expect(r).toEqual([
      { cohort: '2024-01-01T00:00:00.000Z', customers: 2, retained: [2, 1, 2], rates: [1, 0.5, 1] },
      { cohort: '2024-02-01T00:00:00.000Z', customers: 1, retained: [1, 0], rates: [1, 0] },
    ]);
    const weekly = retentionByCohort(state, { grain: 'week', periods: 2, asOf: Date.parse('2024-03-25T00:00:00Z'), activity: 'inbound' });
    expect(weekly[0]!.retained).toEqual([0, 0]); // no inbound touchpoints
  });
});
