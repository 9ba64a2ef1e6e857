import { createWriteStream } from 'node:fs';
import type { InputEvent } from '../import/types.js';

/**
 * A small seeded generator of realistic omnichannel journeys, for `omnitrail demo` and the replay
 * benchmark, until @omnitrail/testing's `generateWorkload` replaces it. The same options give the same
 * events, byte for byte.
 */
export interface SampleOptions {
  seed?: number;
  customers?: number;
  /** Exact number of events. */
  events?: number;
  /** Tenant id (default `demo`). */
  tenant?: string;
  /** First instant, ms (default 2024-01-01T00:00:00Z). */
  start?: number;
}

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; enough for sample data, not for security. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MESSAGE_CHANNELS = ['email', 'web_chat', 'whatsapp', 'voice', 'sms', 'messenger', 'in_app_chat', 'social_public'] as const;
const TOPICS = ['billing', 'delivery', 'returns', 'login', 'product'] as const;
const SALES = [
  ['web', 'web'],
  ['app', 'mobile_app'],
  ['store', 'in_store'],
  ['marketplace', 'marketplace'],
] as const;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Yields sample events, customer by customer in round-robin episodes, each customer's clock moving forward. */
export function* generateSample(options: SampleOptions = {}): Generator<InputEvent> {
  const rnd = seededRandom(options.seed ?? 42);
  const customers = Math.max(1, options.customers ?? 200);
  const total = options.events ?? 5000;
  const tenantId = options.tenant ?? 'demo';
  const start = options.start ?? Date.UTC(2024, 0, 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const clock = Array.from({ length: customers }, () => start + Math.floor(rnd() * 30 * DAY));
  const churned = new Uint8Array(customers);
  let produced = 0;
  let seq = 0;
  let caseSeq = 0;
  const prefix = `ev${(options.seed ?? 42).toString(36)}`;
  const nextId = () => `${prefix}-${(seq++).toString(36).padStart(7, '0')}`;
  let c = 0;
  while (produced < total) {
    c = (c + 1) % customers;
    if (churned[c]) {
      if (churned.every((x) => x === 1)) churned.fill(0);
      continue;
    }
    const customerId = `cust-${c}`;
    const batch: InputEvent[] = [];
    const at = (gap: number) => {
      clock[c]! += Math.floor(gap);
      return new Date(clock[c]!).toISOString();
    };
    const add = (type: string, gap: number, fields: Partial<InputEvent>, data: Record<string, unknown>) =>
      batch.push({ id: nextId(), type, tenantId, occurredAt: at(gap), customerId, ...fields, data });
    const roll = rnd();
    clock[c]! += Math.floor(rnd() * 3 * DAY);
    if (roll < 0.45) {
      // Browsing, sometimes ending in an order.
      const channel = rnd() < 0.6 ? 'web' : 'mobile_app';
      add('SessionStarted', MIN, { channel, actor: { kind: 'customer' } }, { sessionId: `s-${seq}`, referrer: pick(['search', 'ads', 'email', 'direct']) });
      const views = 1 + Math.floor(rnd() * 4);
      for (let i = 0; i < views; i++) {
        add('PageViewed', rnd() * 3 * MIN, { channel, actor: { kind: 'customer' } }, { url: `/p/${Math.floor(rnd() * 500)}`, pageKind: pick(['product', 'pricing', 'cart', 'other'] as const) });
      }
      if (rnd() < 0.35) {
        const [salesChannel, ch] = pick(SALES);
        add('OrderPlaced', rnd() * 10 * MIN, { channel: ch, actor: { kind: 'customer' } }, { orderId: `o-${seq}`, salesChannel, amount: Math.round(rnd() * 20000) / 100, currency: pick(['EUR', 'USD']) });
      }
    } else if (roll < 0.85) {
      // A support case across one or two channels.
      const caseId = `case-${caseSeq++}`;
      const channel = pick(MESSAGE_CHANNELS);
      const viaBot = rnd() < 0.25;
      if (viaBot) {
        add('CaseOpened', MIN, { channel: 'chatbot', caseId, actor: { kind: 'bot', id: 'bot-1' } }, { topic: pick(TOPICS), handledBy: 'bot' });
        add('BotTurn', 10_000, { channel: 'chatbot', caseId, actor: { kind: 'bot', id: 'bot-1' } }, { botId: 'bot-1', intent: pick(TOPICS), confidence: Math.round(rnd() * 100) / 100 });
        if (rnd() < 0.4) {
          // Contained by the bot: resolved without a human.
          add('CaseResolved', 2 * MIN, { caseId, actor: { kind: 'bot', id: 'bot-1' } }, { code: 'bot' });
        } else {
          add('CaseEscalated', MIN, { channel: 'chatbot', caseId, actor: { kind: 'bot', id: 'bot-1' } }, { from: 'bot', to: 'human', reason: 'intent not handled' });
        }
      } else {
        add('MessageReceived', MIN, { channel, caseId, actor: { kind: 'customer' } }, { text: 'Hello, I need help with my order', public: true });
      }
      const contained = batch[batch.length - 1]!.type === 'CaseResolved';
      const agent = `agent-${Math.floor(rnd() * 20)}`;
      if (!contained) add('MessageSent', rnd() * 8 * HOUR, { channel, caseId, actor: { kind: 'agent', id: agent } }, { senderKind: 'agent', text: 'Thanks, we are looking into it.' });
      if (!contained && rnd() < 0.4) {
        const second = pick(MESSAGE_CHANNELS);
        add('MessageReceived', rnd() * DAY, { channel: second, caseId, actor: { kind: 'customer' } }, { text: 'Any news?' });
        add('MessageSent', rnd() * 4 * HOUR, { channel: second, caseId, actor: { kind: 'agent', id: agent } }, { senderKind: 'agent', text: 'Yes, here is an update.' });
      }
      if (!contained && rnd() < 0.8) {
        add('CaseResolved', rnd() * 2 * DAY, { caseId, actor: { kind: 'agent', id: agent } }, { code: 'solved' });
        if (rnd() < 0.1) add('CaseReopened', rnd() * 3 * DAY, { caseId, actor: { kind: 'agent', id: agent } }, {});
        else if (rnd() < 0.5) add('CaseClosed', 7 * DAY, { caseId, actor: { kind: 'automation' } }, {});
        if (rnd() < 0.5) {
          const kind = pick(['csat', 'nps', 'ces'] as const);
          const surveyId = `sv-${seq}`;
          add('SurveySent', HOUR, { channel: 'email', caseId, actor: { kind: 'automation' } }, { surveyId, kind });
          if (rnd() < 0.6) {
            const score = kind === 'csat' ? 1 + Math.floor(rnd() * 5) : kind === 'nps' ? Math.floor(rnd() * 11) : 1 + Math.floor(rnd() * 7);
            add('SurveyAnswered', rnd() * DAY, { channel: 'email', caseId, actor: { kind: 'customer' } }, { surveyId, kind, score });
          }
        }
      } else if (!contained && rnd() < 0.5) {
        add('CaseStatusChanged', HOUR, { caseId, actor: { kind: 'agent', id: agent } }, { to: 'pending_customer' });
      }
    } else if (roll < 0.95) {
      add('KnowledgeArticleViewed', HOUR, { channel: 'knowledge_base', actor: { kind: 'customer' } }, { articleId: `kb-${Math.floor(rnd() * 50)}`, helpful: rnd() < 0.7 });
    } else if (roll < 0.985) {
      add('SentimentScored', HOUR, { actor: { kind: 'system' } }, { score: Math.round((rnd() * 2 - 1) * 100) / 100, model: 'demo-sentiment', modelVersion: '1' });
    } else {
      add('CustomerChurned', DAY, { actor: { kind: 'system' } }, { reason: pick(['price', 'service', 'moved']) });
      churned[c] = 1;
    }
    for (const e of batch) {
      if (produced >= total) break;
      produced++;
      yield e;
    }
  }
}

/** Writes a sample as NDJSON to a file, streaming, and resolves with the number of events. */
export async function writeSampleNdjson(path: string, options: SampleOptions = {}): Promise<number> {
  const out = createWriteStream(path);
  let count = 0;
  let buffer = '';
  for (const event of generateSample(options)) {
    buffer += `${JSON.stringify(event)}\n`;
    count++;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((r) => out.once('drain', () => r()));
      buffer = '';
    }
  }
  out.write(buffer);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return count;
}
