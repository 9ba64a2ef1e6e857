import type { Channel, Identity } from '@omnitrail/events';
import { DEFAULT_JOURNEY_RATES, type JourneyRates, type RawEvent } from './types.js';

/** What one journey step does; the interpreter turns it into 1-10 events. */
export type StepKind =
  | 'browse'
  | 'kb'
  | 'contact'
  | 'reply'
  | 'status'
  | 'resolve'
  | 'order'
  | 'survey'
  | 'call'
  | 'social'
  | 'profile'
  | 'mergeCases'
  | 'churn';

/**
 * One step of a journey as plain data: its kind, the gap before it, and three rolls (0-999) that decide its
 * details. Journeys are arrays of steps, drawn by the seeded workload generator or by the testing kit's
 * arbitraries (whose shrinking removes whole steps): every subsequence of steps still interprets to a valid,
 * causal journey.
 */
export interface JourneyStep {
  kind: StepKind;
  /** 0-999, mapped to a gap from a minute to a month (mostly short). */
  gap: number;
  a: number;
  b: number;
  c: number;
}

/** Per-journey rolls: the home channel, whether it starts anonymous, the start offset. */
export interface JourneyHeader {
  home: number;
  anon: number;
  /** 0-999_999, a fraction of `startSpreadMs`. */
  offset: number;
}

/** The default conversation channels. */
export const DEFAULT_CONVERSATION_CHANNELS: readonly Channel[] = [
  'email',
  'web_chat',
  'whatsapp',
  'sms',
  'messenger',
  'in_app_chat',
  'voice',
  'instagram_dm',
];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The engine's default reopen window (domain.md): a message within it reopens, after it opens a follow-up. */
const REOPEN_WINDOW_MS = 7 * DAY;
const SYSTEM = Object.freeze({ kind: 'system' as const });

const CUSTOMER_TEXTS = [
  'Hi, my order has not arrived yet, can you check?',
  'I was charged twice this month.',
  'The app keeps logging me out.',
  'Can I change my delivery address?',
  'Still waiting for my refund.',
  'How do I cancel my plan?',
  'The product arrived damaged, I would like a replacement.',
  'Thanks, that worked!',
];
const AGENT_TEXTS = [
  'Thanks, I am looking into it now.',
  'Refund issued, allow 3-5 days.',
  'Could you send me your order number?',
  'Your replacement has been shipped today.',
  'I reset your session, please try logging in again.',
];
const TOPICS = ['delivery', 'billing', 'login', 'refund', 'product'];
const PAGE_KINDS = ['product', 'pricing', 'cart', 'support', 'other'] as const;
const PAGE_URLS = { product: '/products/sku-', pricing: '/pricing', cart: '/cart', support: '/help/contact', other: '/blog/post-' } as const;

/** Resolved default rates with the caller's overrides. */
export function resolveRates(rates?: Partial<JourneyRates>): JourneyRates {
  return { ...DEFAULT_JOURNEY_RATES, ...rates };
}

/** Relative step-kind weights (integers: the generator and the arbitraries draw kinds in these proportions) derived from the rates. */
export function stepWeights(rates: JourneyRates): Record<StepKind, number> {
  return {
    browse: 120,
    kb: 40,
    contact: 160,
    reply: 180,
    status: Math.round(200 * rates.snooze),
    resolve: 100,
    order: Math.round(160 * rates.order),
    survey: 20,
    call: 30,
    social: 10,
    profile: 20,
    mergeCases: Math.round(300 * rates.caseMerge),
    churn: Math.round(200 * rates.churn),
  };
}

type OpenStatus = 'bot' | 'open' | 'pending_customer' | 'on_hold' | 'snoozed';
interface CaseState {
  id: string;
  status: OpenStatus | 'resolved' | 'closed';
  channel: Channel;
  resolvedAt: number;
  waiting: boolean;
}

/** Everything the interpreter needs besides the steps. */
export interface JourneyContext {
  tenantId: string;
  customerId: string;
  channels: readonly Channel[];
  rates: JourneyRates;
  /** Stop after this many events (the journey is cut: a prefix stays valid and causal). */
  maxEvents: number;
  /** The journey's first instant in ms. */
  startMs: number;
  sharedDeviceId?: string;
  /** Prefix of event ids (default `${tenantId}-${customerId}-`); ids are the prefix plus a sequence number. */
  idPrefix?: string;
}

/** Ids may only use `[A-Za-z0-9_.:-]`. */
function idSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.:-]/g, '_');
}

/** Maps a 0-999 roll to a gap: mostly minutes, sometimes hours, rarely days or weeks. */
function gapMs(roll: number): number {
  if (roll < 500) return MINUTE + roll * 3_600; // 1-31 min
  if (roll < 850) return 30 * MINUTE + (roll - 500) * 4 * MINUTE; // 0.5-24 h
  if (roll < 970) return DAY + (roll - 850) * 1.25 * HOUR; // 1-7 days
  return 7 * DAY + (roll - 970) * DAY; // 1-5 weeks
}

/**
 * Interprets journey steps into raw events, keeping a small model of the customer's current case so every
 * event is valid and causal: replies follow messages, resolutions follow openings, time only moves forward.
 * The state survives between calls to `run`, so a journey can be continued (the workload does).
 */
export interface JourneyBuilder {
  /** Interprets steps, appending to `events`; returns false once `maxEvents` is reached. */
  run(steps: readonly JourneyStep[]): boolean;
  /** The events so far. Callers may take and clear them (`events.length = 0`) to stream. */
  readonly events: RawEvent[];
  /** Events emitted in total (not reset when `events` is cleared). */
  readonly count: number;
  /** The instant of the latest event (ms). */
  readonly lastMs: number;
  /** Emits one extra event for the customer at `ms` (at least 1 s after the latest), e.g. a tenant-level merge. */
  emitAt(ms: number, type: RawEvent['type'], fields: Partial<RawEvent>, data: Record<string, unknown>): RawEvent | undefined;
}

/** Creates a journey builder for one customer. */
export function createJourneyBuilder(ctx: JourneyContext, header: JourneyHeader): JourneyBuilder {
  const { tenantId, customerId, channels, rates } = ctx;
  const cust = idSafe(customerId);
  const idPrefix = ctx.idPrefix ?? `${idSafe(tenantId)}-${cust}-`;
  const home: Channel = channels[header.home % channels.length] ?? 'email';
  const deviceId = `dev-${cust}`;
  // One device id: enough for identity resolution to create an anonymous customer and merge it later.
  const anonymousIdentities: Identity[] = [{ type: 'device_id', value: deviceId }];
  const events: RawEvent[] = [];
  let count = 0;
  let t = ctx.startMs;
  let anonymous = header.anon < rates.anonymous * 1000;
  let current: CaseState | null = null;
  let caseSeq = 0;
  let orderSeq = 0;
  let seq = 0;
  let lastOrder: { id: string; amount: number } | null = null;
  let lastInboundId: string | undefined;
  let full = false;
  let churned = false;

  const emit = (type: RawEvent['type'], advance: number, fields: Partial<RawEvent>, data: Record<string, unknown>): RawEvent | undefined => {
    if (full) return undefined;
    // Strictly increasing instants: the (occurredAt, id) order is the causal order.
    t += Math.max(1000, Math.floor(advance));
    // Properties are added in envelope order, so JSON output has a stable, readable key order.
    const event = { id: `${idPrefix}${seq++}`, type, tenantId, occurredAt: new Date(t).toISOString() } as RawEvent;
    if (fields.customerId !== undefined) event.customerId = fields.customerId;
    else if (!anonymous) event.customerId = customerId;
    if (fields.identities !== undefined) event.identities = fields.identities;
    else if (anonymous && fields.customerId === undefined) event.identities = anonymousIdentities;
    if (fields.channel !== undefined) event.channel = fields.channel;
    if (fields.caseId !== undefined) event.caseId = fields.caseId;
    event.actor = fields.actor ?? SYSTEM;
    event.data = data;
    const ordered = event;
    events.push(ordered);
    count++;
    if (count >= ctx.maxEvents) full = true;
    return ordered;
  };

  const customer = { kind: 'customer' } as const;
  const agent = (r: number) => ({ kind: 'agent' as const, id: `agent-${r % 40}` });
  // A hash of the step's draws and a salt: different salts must give independent values (a linear mix made
  // "is a survey sent", "is it answered" and "which score" move together, so every CSAT answer was 4 or 5).
  const mix = (s: JourneyStep, k: number): number => {
    let h = Math.imul(s.a ^ Math.imul(k + 1, 0x9e3779b1), 0x85ebca6b);
    h = Math.imul(h ^ (s.b + (h >>> 13)), 0xc2b2ae35);
    h = Math.imul(h ^ (s.c + (h >>> 16)), 0x27d4eb2f);
    return ((h ^ (h >>> 15)) >>> 0) % 1000;
  };
  const otherChannel = (ch: Channel, r: number): Channel => {
    const others = channels.filter((c) => c !== ch);
    return others.length === 0 ? ch : (others[r % others.length] as Channel);
  };
  const isOpen = (c: CaseState | null): c is CaseState => c !== null && c.status !== 'resolved' && c.status !== 'closed';

  const newCaseId = () => `${cust}-k${++caseSeq}`;

  /** A customer message on `c` (or on a new case when `c` is null); mirrors the engine's reopen/follow-up rules. */
  const customerMessage = (c: CaseState | null, channel: Channel, advance: number, r: number): void => {
    const text = CUSTOMER_TEXTS[r % CUSTOMER_TEXTS.length];
    if (c === null) {
      const id = newCaseId();
      const e = emit('MessageReceived', advance, { channel, caseId: id, actor: customer }, { text });
      if (e) {
        current = { id, status: 'open', channel, resolvedAt: 0, waiting: true };
        lastInboundId = e.id;
      }
      return;
    }
    const e = emit('MessageReceived', advance, { channel, caseId: c.id, actor: customer }, { text });
    if (!e) return;
    lastInboundId = e.id;
    if (c.status === 'closed' || (c.status === 'resolved' && t - c.resolvedAt > REOPEN_WINDOW_MS)) {
      // The engine opens a follow-up case whose id is the message's event id.
      current = { id: e.id, status: 'open', channel, resolvedAt: 0, waiting: true };
      return;
    }
    c.channel = channel;
    if (c.status === 'resolved' || c.status === 'pending_customer' || c.status === 'snoozed') c.status = 'open';
    if (c.status !== 'bot') c.waiting = true;
    current = c;
  };

  const openCase = (s: JourneyStep, advance: number): void => {
    if (mix(s, 1) < rates.bot * 1000) {
      botConversation(s, advance);
      return;
    }
    const channel = s.c < rates.channelSwitch * 1000 ? otherChannel(home, s.b) : home;
    if (s.b < 500) {
      const id = newCaseId();
      const opened = emit('CaseOpened', advance, { channel, caseId: id, actor: { kind: 'automation' } }, { subject: CUSTOMER_TEXTS[s.a % 7]?.slice(0, 30), topic: TOPICS[s.a % TOPICS.length], priority: s.c < 30 ? 'urgent' : s.c < 130 ? 'high' : s.c >= 880 ? 'low' : 'normal' });
      if (!opened) return;
      current = { id, status: 'open', channel, resolvedAt: 0, waiting: false };
      customerMessage(current, channel, 2000, s.a);
    } else {
      customerMessage(null, channel, advance, s.a);
    }
    const c = current;
    if (c === null) return;
    if (s.c < 300) emit('SlaApplied', 1000, { caseId: c.id, actor: { kind: 'automation' } }, { policyId: 'sla-standard', firstResponseMs: 4 * HOUR, nextResponseMs: 8 * HOUR, resolutionMs: 3 * DAY });
    if (s.c < 600) emit('CaseAssigned', 1000 + s.b * 100, { caseId: c.id, actor: { kind: 'automation' } }, { assigneeKind: s.c < 450 ? 'agent' : 'team', assigneeId: s.c < 450 ? `agent-${s.a % 40}` : 'team-support' });
  };

  const botConversation = (s: JourneyStep, advance: number): void => {
    const id = newCaseId();
    const botActor = { kind: 'bot', id: 'bot-1' } as const;
    const opened = emit('CaseOpened', advance, { channel: 'web_chat', caseId: id, actor: botActor }, { handledBy: 'bot', topic: TOPICS[s.a % TOPICS.length] });
    if (!opened) return;
    const c: CaseState = { id, status: 'bot', channel: 'web_chat', resolvedAt: 0, waiting: false };
    current = c;
    const turns = 1 + (s.b % 3);
    for (let i = 0; i < turns; i++) {
      customerMessage(c, 'web_chat', 5000 + mix(s, i) * 20, s.a + i);
      emit('BotTurn', 2000, { channel: 'chatbot', caseId: id, actor: botActor }, { botId: 'bot-1', intent: TOPICS[(s.a + i) % TOPICS.length], confidence: mix(s, i + 7) / 1000 });
    }
    if (s.c < rates.escalation * 1000) {
      emit('BotSessionEnded', 3000, { channel: 'chatbot', caseId: id, actor: botActor }, { botId: 'bot-1', outcome: 'handoff' });
      if (mix(s, 2) < rates.handoffSummary * 1000) emit('CaseSummaryGenerated', 1000, { caseId: id, actor: botActor }, { summary: 'Customer asks about a delivery delay; order number given.', model: 'summarizer-1' });
      if (emit('CaseEscalated', 1000, { channel: 'chatbot', caseId: id, actor: botActor }, { from: 'bot', to: 'human', reason: 'customer asked for an agent' })) {
        c.status = 'open';
        c.waiting = true;
      }
    } else {
      emit('BotSessionEnded', 3000, { channel: 'chatbot', caseId: id, actor: botActor }, { botId: 'bot-1', outcome: 'resolved' });
      if (emit('CaseResolved', 1000, { channel: 'chatbot', caseId: id, actor: botActor }, { code: 'bot_answered' })) {
        c.status = 'resolved';
        c.resolvedAt = t;
      }
    }
  };

  const contact = (s: JourneyStep, advance: number): void => {
    const c = current;
    if (c === null || c.status === 'closed') {
      openCase(s, advance);
      return;
    }
    const channel = s.c < rates.channelSwitch * 1000 ? otherChannel(c.channel, s.b) : c.channel;
    const switched = channel !== c.channel;
    customerMessage(c, c.status === 'bot' ? 'web_chat' : channel, advance, s.a);
    if (switched && s.b < 400 && isOpen(current)) {
      emit('CaseThreadLinked', 30_000, { caseId: current.id, actor: agent(s.a) }, { threadRef: `thr-${current.id}-${channel}`, channel });
    }
  };

  const reply = (s: JourneyStep, advance: number): void => {
    if (!isOpen(current)) contact(s, advance);
    const c = current;
    if (!isOpen(c)) return;
    const r = mix(s, 3);
    if (r < 150 && lastInboundId) {
      const score = (mix(s, 4) - 500) / 500;
      // Severity 1-5 grows with how negative the message reads (operations.md, triage).
      const severity = score < 0 ? Math.min(5, 1 + Math.floor(-score * 5)) : 1;
      emit('SentimentScored', 1000, { caseId: c.id, actor: { kind: 'automation' } }, { targetEventId: lastInboundId, score, severity, model: 'sentiment-x', modelVersion: '2' });
    }
    if (r < 250) emit('InternalNoteAdded', 60_000, { caseId: c.id, actor: agent(s.a) }, { text: 'Checked the order.', aiGenerated: r < 100 });
    if (r > 900) emit('MessageSent', 2000, { channel: c.channel, caseId: c.id, actor: { kind: 'automation' } }, { senderKind: 'automation', text: 'We received your message and will answer shortly.', templateId: 'ack-1' });
    // Reply time: two minutes to about eight hours after the customer's message.
    if (emit('MessageSent', 2 * MINUTE + s.b * s.b * 28, { channel: c.channel, caseId: c.id, actor: agent(s.a) }, { senderKind: 'agent', text: AGENT_TEXTS[s.c % AGENT_TEXTS.length] })) {
      c.waiting = false;
      if (c.status === 'bot') c.status = 'open';
    }
  };

  const status = (s: JourneyStep, advance: number): void => {
    if (!isOpen(current)) {
      reply(s, advance);
      return;
    }
    const c = current;
    const to = s.a < 400 ? 'pending_customer' : s.a < 650 ? 'on_hold' : 'snoozed';
    const data: Record<string, unknown> = { to };
    const at = t + Math.max(1000, advance);
    if (to === 'snoozed') data.snoozedUntil = new Date(at + HOUR + s.b * 4 * MINUTE).toISOString();
    if (emit('CaseStatusChanged', advance, { caseId: c.id, actor: agent(s.c) }, data)) c.status = to;
  };

  const surveyPair = (s: JourneyStep, kind: 'csat' | 'nps' | 'ces', k: number): void => {
    const surveyId = `${cust}-v${seq}`;
    // A csat survey follows a resolution and names its case, as help desks send them (operations.md, agents).
    const about = kind === 'csat' && current !== null ? { caseId: current.id } : {};
    if (!emit('SurveySent', HOUR + mix(s, k) * 60_000, { channel: 'email', actor: { kind: 'automation' }, ...about }, { surveyId, kind })) return;
    if (mix(s, k + 1) >= rates.surveyAnswer * 1000) return;
    const r = mix(s, k + 2);
    // Skewed towards satisfied answers, like real survey data.
    const score = kind === 'csat' ? (r < 600 ? 5 : r < 800 ? 4 : 1 + (r % 3)) : kind === 'nps' ? (r < 450 ? 9 + (r % 2) : r < 700 ? 7 + (r % 2) : r % 7) : 1 + (r % 7);
    emit('SurveyAnswered', 10 * MINUTE + r * 20_000, { channel: 'email', actor: customer, ...about }, { surveyId, kind, score });
  };

  const resolve = (s: JourneyStep, advance: number): void => {
    const c0 = current;
    if (c0 !== null && c0.status === 'resolved') {
      if (emit('CaseClosed', advance + DAY, { caseId: c0.id, actor: { kind: 'automation' } }, {})) c0.status = 'closed';
      return;
    }
    if (!isOpen(c0) || c0.waiting) reply(s, advance);
    const c = current;
    if (!isOpen(c)) return;
    const actor = c.status === 'bot' ? { kind: 'bot' as const, id: 'bot-1' } : agent(s.a);
    if (!emit('CaseResolved', 10 * MINUTE + s.c * 30_000, { caseId: c.id, actor }, { code: 'fixed' })) return;
    c.status = 'resolved';
    c.resolvedAt = t;
    c.waiting = false;
    if (mix(s, 5) < rates.survey * 1000) surveyPair(s, 'csat', 6);
    if (mix(s, 9) < rates.reopen * 1000) {
      const outside = mix(s, 10) < rates.reopenOutsideWindow * 1000;
      const sinceResolution = t - c.resolvedAt;
      const target = outside ? REOPEN_WINDOW_MS + DAY + mix(s, 11) * 12 * MINUTE : HOUR + mix(s, 11) * 8 * MINUTE;
      const wait = Math.max(1000, target - sinceResolution);
      if (!outside && mix(s, 12) < 250) {
        if (emit('CaseReopened', wait, { caseId: c.id, actor: agent(s.b) }, {})) {
          c.status = 'open';
        }
      } else {
        const channel = s.c < rates.channelSwitch * 1000 ? otherChannel(c.channel, s.a) : c.channel;
        customerMessage(c, channel, wait, s.b);
      }
    }
  };

  const identify = (): void => {
    if (!anonymous) return;
    anonymous = false;
    emit('CustomerIdentified', 30_000, { channel: 'web', actor: customer }, { identities: [{ type: 'email', value: `${cust}@example.com` }, ...anonymousIdentities] });
  };

  const order = (s: JourneyStep, advance: number): void => {
    identify();
    const r = s.a;
    const sales = r < 450 ? 'web' : r < 650 ? 'app' : r < 850 ? 'store' : 'marketplace';
    const channel: Channel = sales === 'web' ? 'web' : sales === 'app' ? 'mobile_app' : sales === 'store' ? 'in_store' : 'marketplace';
    if (sales === 'store' && s.b < 500) emit('StoreVisitRecorded', advance, { channel, actor: customer }, { storeId: `store-${s.c % 12}`, purpose: 'purchase' });
    const orderId = `${cust}-o${++orderSeq}`;
    const amount = Math.round(1000 + s.b * s.c * 0.4) / 100;
    const data: Record<string, unknown> = { orderId, salesChannel: sales, amount, currency: 'EUR' };
    if (sales === 'marketplace') data.marketplace = s.c < 600 ? 'amazon' : 'zalando';
    if (!emit('OrderPlaced', sales === 'store' && s.b < 500 ? 15 * MINUTE : advance, { channel, actor: customer }, data)) return;
    lastOrder = { id: orderId, amount };
    if (mix(s, 13) < rates.orderIssue * 1000) {
      if (mix(s, 14) < 400) emit('OrderCancelled', HOUR + s.b * MINUTE, { channel, actor: customer }, { orderId });
      else emit('OrderReturned', 3 * DAY + s.c * 10 * MINUTE, { channel, actor: customer }, { orderId, amount });
    }
  };

  const call = (s: JourneyStep, advance: number): void => {
    const callId = `${cust}-call${seq}`;
    const caseId = isOpen(current) ? current.id : undefined;
    const fields = caseId ? { caseId } : {};
    if (!emit('CallStarted', advance, { channel: 'voice', actor: customer, ...fields }, { callId, direction: 'inbound' })) return;
    const outcome = s.b < 700 ? 'answered' : s.b < 850 ? 'missed' : s.b < 950 ? 'abandoned' : 'voicemail';
    const talkMs = outcome === 'answered' ? 60_000 + s.c * 600 : 0;
    emit('CallEnded', 60_000 + talkMs, { channel: 'voice', actor: { kind: 'system' }, ...fields }, { callId, queueMs: s.a * 300, talkMs, holdMs: outcome === 'answered' ? s.a * 60 : 0, afterCallWorkMs: outcome === 'answered' ? 30_000 + s.c * 90 : 0, outcome });
    if (outcome === 'missed' && s.c < 600) {
      const from = t + HOUR;
      emit('CallbackRequested', 60_000, { channel: 'voice', actor: customer, ...fields }, { window: { from: new Date(from).toISOString(), to: new Date(from + 2 * HOUR).toISOString(), timeZone: 'Europe/Paris' }, phone: '+33612345678' });
      emit(s.c < 450 ? 'CallbackCompleted' : 'CallbackMissed', 90 * MINUTE, { channel: 'voice', actor: agent(s.a), ...fields }, {});
    }
  };

  const mergeCases = (s: JourneyStep, advance: number): void => {
    if (!isOpen(current)) contact(s, advance);
    const target = current;
    if (!isOpen(target)) return;
    // The customer writes about the same problem on another channel, which opens a second case...
    const channel = otherChannel(target.channel, s.c);
    const sourceId = newCaseId();
    const e = emit('MessageReceived', 20 * MINUTE + s.b * 1000, { channel, caseId: sourceId, actor: customer }, { text: CUSTOMER_TEXTS[s.a % CUSTOMER_TEXTS.length] });
    if (!e) return;
    lastInboundId = e.id;
    // ...that an agent merges into the first one.
    if (emit('CasesMerged', 5 * MINUTE + s.a * 1000, { caseId: target.id, actor: agent(s.c) }, { sourceCaseId: sourceId, targetCaseId: target.id })) {
      target.waiting = target.status !== 'bot';
      current = target;
    }
  };

  const steps: Record<StepKind, (s: JourneyStep, advance: number) => void> = {
    browse(s, advance) {
      const channel: Channel = s.a < 700 ? 'web' : 'mobile_app';
      const fields: Partial<RawEvent> = { channel, actor: customer };
      if (ctx.sharedDeviceId !== undefined && !anonymous && s.c < 500) fields.identities = [{ type: 'device_id', value: ctx.sharedDeviceId }];
      if (!emit('SessionStarted', advance, fields, { sessionId: `${cust}-s${seq}`, referrer: s.b < 500 ? 'google' : 'newsletter' })) return;
      const pages = 1 + (s.b % 4);
      for (let i = 0; i < pages; i++) {
        const kind = PAGE_KINDS[(s.c + i * 7) % PAGE_KINDS.length] ?? 'other';
        emit('PageViewed', 5000 + mix(s, i) * 90, { channel, actor: customer }, { url: `${PAGE_URLS[kind]}${kind === 'product' || kind === 'other' ? (s.a + i) % 300 : ''}`, pageKind: kind });
      }
    },
    kb(s, advance) {
      const n = 1 + (s.c % 2);
      for (let i = 0; i < n; i++) {
        const data: Record<string, unknown> = { articleId: `kb-${(s.a + i * 13) % 200}`, query: TOPICS[s.b % TOPICS.length] };
        if (s.b < 300) data.helpful = false;
        else if (s.b < 700) data.helpful = true;
        emit('KnowledgeArticleViewed', i === 0 ? advance : 40_000, { channel: 'knowledge_base', actor: customer }, data);
      }
    },
    contact,
    reply,
    status,
    resolve,
    order,
    survey(s, advance) {
      t += advance;
      surveyPair(s, s.a < 800 ? 'nps' : 'ces', 20);
    },
    call,
    social(s, advance) {
      const negative = s.b < 300;
      emit('SocialMentionObserved', advance, { channel: 'social_public', actor: customer }, { network: s.a < 500 ? 'x' : 'instagram', postId: `${cust}-p${seq}`, reach: s.c * 10, text: negative ? 'Worst support ever, still no refund' : 'Love the new collection' });
    },
    profile(s, advance) {
      if (anonymous) {
        t += advance;
        identify();
      } else if (s.a < 500) {
        emit('CustomerProfileUpdated', advance, { channel: 'web', actor: customer }, { locale: s.b < 500 ? 'fr-FR' : 'en-GB', region: 'EU', traits: { plan: s.c < 300 ? 'pro' : 'basic' } });
      } else {
        emit('IdentitiesLinked', advance, { channel: 'web', actor: customer }, { a: { type: 'email', value: `${cust}@example.com` }, b: { type: 'phone', value: `+3361${String(100_000 + s.b * 100 + (s.c % 100)).padStart(7, '0')}` }, evidence: 'otp' });
      }
    },
    mergeCases,
    churn(s, advance) {
      // A customer churns once; later churn steps are plain visits (a win-back attempt).
      if (churned) {
        steps.browse(s, advance);
        return;
      }
      churned = true;
      emit('SubscriptionCancelled', advance, { channel: 'web', actor: customer }, { reason: s.a < 500 ? 'too expensive' : 'bad support' });
      emit('CustomerChurned', DAY + s.b * MINUTE, { actor: { kind: 'system' } }, { reason: 'subscription ended' });
    },
  };

  return {
    run(list) {
      for (const s of list) {
        if (full) break;
        steps[s.kind](s, gapMs(s.gap));
      }
      return !full;
    },
    events,
    get count() {
      return count;
    },
    get lastMs() {
      return t;
    },
    emitAt(ms, type, fields, data) {
      return emit(type, Math.max(1000, ms - t), fields, data);
    },
  };
}

/** Milliseconds of an instant option. */
export function toMs(start: string | number | Date | undefined, fallback = Date.UTC(2024, 0, 1)): number {
  if (start === undefined) return fallback;
  const ms = typeof start === 'number' ? start : typeof start === 'string' ? Date.parse(start) : start.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`invalid start instant: ${String(start)}`);
  return ms;
}

