import fc from 'fast-check';
import { ACTOR_KINDS, CASE_EVENT_TYPES, CATALOG_EVENT_TYPES, CHANNELS, type CatalogEventType, type Identity } from '@omnitrail/events';
import type { RawEvent } from '@omnitrail/workload';

const ref = (prefix: string): fc.Arbitrary<string> => fc.nat(99_999).map((n) => `${prefix}-${n}`);
const text = fc.constantFrom('', 'Hello', 'Where is my order?', 'Thanks!', 'The app crashes on login', 'Can I get a refund?');
const instant = fc.integer({ min: Date.UTC(2023, 0, 1), max: Date.UTC(2026, 0, 1) }).map((ms) => new Date(ms).toISOString());
const freeRecord = fc.dictionary(fc.constantFrom('plan', 'tier', 'source', 'vip'), fc.oneof(fc.string({ maxLength: 8 }), fc.boolean(), fc.nat(1000)), { maxKeys: 3 });
const surveyKind = fc.constantFrom('csat' as const, 'nps' as const, 'ces' as const);
const scoreRange = { csat: [1, 5], nps: [0, 10], ces: [1, 7] } as const;

/** Identities whose values are never blocked placeholders, so they always identify someone. */
export const identityArbitrary: fc.Arbitrary<Identity> = fc.oneof(
  fc.nat(9999).map((n) => ({ type: 'email', value: `user${n}@example.com` })),
  fc.nat(9_999_999).map((n) => ({ type: 'phone', value: `+3361${String(n).padStart(7, '1')}` })),
  fc.nat(9999).map((n) => ({ type: 'device_id', value: `dev-${n}` })),
  fc.nat(9999).map((n) => ({ type: 'user_id', value: `u${n}`, verified: true })),
  fc.nat(9999).map((n) => ({ type: 'anonymous_id', value: `anon-${n}` })),
  fc.nat(9999).map((n) => ({ type: 'whatsapp', value: `wa${n}` })),
);

/** Valid `data` for every catalog type (domain.md, Event catalog). */
export const dataArbitraries: { readonly [K in CatalogEventType]: fc.Arbitrary<Record<string, unknown>> } = {
  CustomerIdentified: fc.record({ identities: fc.array(identityArbitrary, { minLength: 1, maxLength: 3 }), traits: freeRecord }, { requiredKeys: ['identities'] }),
  IdentitiesLinked: fc.record({ a: identityArbitrary, b: identityArbitrary, evidence: fc.constantFrom('login', 'otp', 'agent', 'rule') }),
  CustomersMerged: fc.record({ survivorId: ref('cust'), mergedId: ref('cust'), reason: text }, { requiredKeys: ['survivorId', 'mergedId'] }),
  CustomersUnmerged: fc.record({ customerId: ref('cust'), identities: fc.array(identityArbitrary, { maxLength: 2 }) }),
  CustomerErased: fc.record({ keysDeleted: fc.nat({ max: 5 }) }),
  CustomerProfileUpdated: fc.record(
    { traits: freeRecord, locale: fc.constantFrom('fr-FR', 'en-GB', 'de-DE'), region: fc.constantFrom('EU', 'US'), preferredLanguage: fc.constantFrom('fr', 'en'), consent: freeRecord },
    { requiredKeys: [] },
  ),
  MessageReceived: fc.record({ text, threadRef: ref('thr'), language: fc.constantFrom('en', 'fr'), public: fc.boolean() }, { requiredKeys: [] }),
  MessageSent: fc.record(
    { senderKind: fc.constantFrom('agent', 'bot', 'automation', 'campaign'), text, templateId: ref('tpl'), public: fc.boolean() },
    { requiredKeys: ['senderKind'] },
  ),
  InternalNoteAdded: fc.record({ text, aiGenerated: fc.boolean() }, { requiredKeys: ['text'] }),
  CallStarted: fc.record({ callId: ref('call'), direction: fc.constantFrom('inbound', 'outbound') }),
  CallEnded: fc.record({
    callId: ref('call'),
    queueMs: fc.nat(600_000),
    talkMs: fc.nat(3_600_000),
    holdMs: fc.nat(600_000),
    afterCallWorkMs: fc.nat(600_000),
    outcome: fc.constantFrom('answered', 'missed', 'abandoned', 'voicemail'),
  }),
  CallbackRequested: fc.record(
    { window: fc.record({ from: instant, to: instant, timeZone: fc.constantFrom('Europe/Paris', 'UTC') }), phone: fc.constant('+33612345678') },
    { requiredKeys: ['window'] },
  ),
  CallbackCompleted: fc.constant({}),
  CallbackMissed: fc.constant({}),
  SessionStarted: fc.record({ sessionId: ref('sess'), referrer: fc.constantFrom('google', 'newsletter', ''), utm: freeRecord }, { requiredKeys: ['sessionId'] }),
  PageViewed: fc.record(
    { url: fc.constantFrom('/', '/pricing', '/cart', '/help', '/p/123'), pageKind: fc.constantFrom('product', 'pricing', 'cart', 'support', 'other') },
    { requiredKeys: ['url'] },
  ),
  KnowledgeArticleViewed: fc.record({ articleId: ref('kb'), query: text, helpful: fc.boolean() }, { requiredKeys: ['articleId'] }),
  BotTurn: fc.record({ botId: ref('bot'), intent: fc.constantFrom('order_status', 'refund', 'login'), confidence: fc.double({ min: 0, max: 1, noNaN: true }) }, { requiredKeys: ['botId'] }),
  BotSessionEnded: fc.record({ botId: ref('bot'), outcome: fc.constantFrom('resolved', 'handoff', 'abandoned') }),
  SocialMentionObserved: fc.record(
    { network: fc.constantFrom('x', 'instagram', 'facebook'), postId: ref('post'), url: fc.constant('https://social.example/p/1'), reach: fc.nat(100_000), text },
    { requiredKeys: ['network', 'postId'] },
  ),
  StoreVisitRecorded: fc.record({ storeId: ref('store'), purpose: fc.constantFrom('purchase', 'return', 'repair') }, { requiredKeys: ['storeId'] }),
  OrderPlaced: fc.record(
    {
      orderId: ref('ord'),
      salesChannel: fc.constantFrom('web', 'app', 'store', 'phone', 'marketplace'),
      marketplace: fc.constantFrom('amazon', 'zalando'),
      amount: fc.integer({ min: 0, max: 100_000 }).map((c) => c / 100),
      currency: fc.constantFrom('EUR', 'usd', 'GBP'),
    },
    { requiredKeys: ['orderId', 'salesChannel', 'amount', 'currency'] },
  ),
  OrderReturned: fc.record({ orderId: ref('ord'), amount: fc.integer({ min: 0, max: 100_000 }).map((c) => c / 100) }, { requiredKeys: ['orderId'] }),
  OrderCancelled: fc.record({ orderId: ref('ord') }),
  SubscriptionCancelled: fc.record({ reason: text }, { requiredKeys: [] }),
  CustomerChurned: fc.record({ reason: text }, { requiredKeys: [] }),
  SurveySent: fc.record({ surveyId: ref('srv'), kind: surveyKind }),
  SurveyAnswered: surveyKind.chain((kind) =>
    fc.record(
      { surveyId: ref('srv'), kind: fc.constant(kind), score: fc.integer({ min: scoreRange[kind][0], max: scoreRange[kind][1] }), comment: text },
      { requiredKeys: ['kind', 'score'] },
    ),
  ),
  SentimentScored: fc.record(
    {
      targetEventId: ref('ev'),
      score: fc.double({ min: -1, max: 1, noNaN: true }),
      severity: fc.integer({ min: 1, max: 5 }),
      model: fc.constant('sentiment-x'),
      modelVersion: fc.constantFrom('1', '2.1'),
    },
    { requiredKeys: ['score', 'model', 'modelVersion'] },
  ),
  CaseSummaryGenerated: fc.record({ summary: text, model: fc.constant('summarizer') }),
  CaseOpened: fc.record(
    {
      subject: text,
      topic: fc.constantFrom('billing', 'delivery', 'login', 'refund'),
      priority: fc.constantFrom('low', 'normal', 'high', 'urgent'),
      handledBy: fc.constantFrom('human', 'bot'),
      followUpOf: ref('case'),
    },
    { requiredKeys: [] },
  ),
  CaseThreadLinked: fc.record({ threadRef: ref('thr'), channel: fc.constantFrom(...CHANNELS) }),
  CaseAssigned: fc.record({ assigneeKind: fc.constantFrom('agent', 'team', 'bot'), assigneeId: ref('agent') }),
  CaseEscalated: fc.record({ from: fc.constantFrom('bot', 'tier1', 'tier2'), to: fc.constantFrom('human', 'tier2', 'tier3'), reason: text }, { requiredKeys: ['from', 'to'] }),
  CaseStatusChanged: fc.oneof(
    fc.record({ to: fc.constantFrom('open', 'pending_customer', 'on_hold') }),
    fc.record({ to: fc.constant('snoozed'), snoozedUntil: instant }),
  ),
  CaseResolved: fc.record({ code: fc.constantFrom('fixed', 'answered', 'duplicate') }, { requiredKeys: [] }),
  CaseReopened: fc.constant({}),
  CaseClosed: fc.constant({}),
  CasesMerged: fc.record({ sourceCaseId: ref('case'), targetCaseId: ref('case') }),
  SlaApplied: fc.record(
    { policyId: ref('sla'), firstResponseMs: fc.nat(86_400_000), nextResponseMs: fc.nat(86_400_000), resolutionMs: fc.nat(604_800_000) },
    { requiredKeys: ['policyId'] },
  ),
};

const caseTypes: ReadonlySet<string> = new Set(CASE_EVENT_TYPES);

/** Formats ms as RFC 3339 with a `±HH:MM` offset, so generated inputs exercise normalisation. */
function withOffset(ms: number, offsetMinutes: number): string {
  if (offsetMinutes === 0) return new Date(ms).toISOString();
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const abs = Math.abs(offsetMinutes);
  const sign = offsetMinutes < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Options of `eventArbitrary`. */
export interface EventArbitraryOptions {
  /** Tenants to pick from. Default `['tenant-a', 'tenant-b']`. */
  tenants?: readonly string[];
}

/**
 * A valid raw event of one catalog type, with a random envelope: customer id or identities, channel, actor,
 * an instant with `Z` or a numeric offset, and `caseId` for case types. Every value passes `parseEvent`.
 */
export function eventArbitrary<K extends CatalogEventType>(type: K, options: EventArbitraryOptions = {}): fc.Arbitrary<RawEvent & { type: K }> {
  const tenants = options.tenants ?? ['tenant-a', 'tenant-b'];
  return fc
    .record({
      n: fc.nat(999_999),
      tenantId: fc.constantFrom(...tenants),
      at: fc.integer({ min: Date.UTC(2023, 0, 1), max: Date.UTC(2026, 0, 1) }),
      offset: fc.constantFrom(0, 0, 60, 120, -300, 330),
      who: fc.oneof(
        { weight: 3, arbitrary: ref('cust').map((customerId) => ({ customerId }) as Pick<RawEvent, 'customerId' | 'identities'>) },
        { weight: 1, arbitrary: fc.array(identityArbitrary, { minLength: 1, maxLength: 2 }).map((identities) => ({ identities })) },
      ),
      channel: fc.option(fc.constantFrom(...CHANNELS), { nil: undefined }),
      caseId: ref('case'),
      actor: fc.record({ kind: fc.constantFrom(...ACTOR_KINDS), id: ref('actor') }, { requiredKeys: ['kind'] }),
      data: dataArbitraries[type],
    })
    .map(({ n, tenantId, at, offset, who, channel, caseId, actor, data }) => {
      const event: RawEvent = { id: `${tenantId}-${type}-${n}`, type, tenantId, occurredAt: withOffset(at, offset), ...who, actor, data };
      if (channel !== undefined) event.channel = channel;
      if (caseTypes.has(type)) event.caseId = caseId;
      // Keep envelope key order stable (caseId after channel) for readable counterexamples.
      const { actor: a, data: d, ...head } = event;
      return { ...head, actor: a, data: d } as RawEvent & { type: K };
    });
}

/** A valid raw event of any catalog type (every type equally likely). */
export const anyEventArbitrary: fc.Arbitrary<RawEvent> = fc.oneof(...CATALOG_EVENT_TYPES.map((t) => eventArbitrary(t)));
