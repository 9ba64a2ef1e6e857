// A seeded support day in miniature: customers write on several channels, agents answer and resolve, some
// customers rate the service. The same seed gives the same events, byte for byte.
import type { CatalogEventInput } from '@omnitrail/events';

/** Options of {@link simulatedEvents}. */
export interface SimulationOptions {
  seed: number;
  tenantId: string;
  /** The first instant (ms). */
  start: number;
  /** How long the simulated stretch lasts (ms); customers first write within its first 80%. */
  durationMs: number;
  customers: number;
}

/** A small seeded pseudo-random generator (mulberry32): reproducible without a dependency. */
function randomOf(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const CHANNELS = ['whatsapp', 'email', 'web_chat', 'sms', 'voice'] as const;
const ASKS = ['Where is my parcel?', 'I was charged twice', 'How do I return these shoes?', 'My discount code does not work', 'Can I change the delivery address?', 'The app will not let me log in'];
const FOLLOW_UPS = ['Any news?', 'Here is the order number: 4471', 'I sent a photo by email too', 'Still waiting…'];

/**
 * The events of the simulated stretch, sorted by `occurredAt` then id: per customer a first message that
 * opens a case, sometimes a second message (often on another channel), an agent reply for most, a
 * resolution for many, and a CSAT answer for some resolved cases.
 */
export function simulatedEvents(options: SimulationOptions): CatalogEventInput[] {
  const random = randomOf(options.seed);
  const between = (lo: number, hi: number): number => Math.round(lo + random() * (hi - lo));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const events: CatalogEventInput[] = [];
  const iso = (ms: number): string => new Date(ms).toISOString();
  for (let i = 1; i <= options.customers; i++) {
    const customerId = `cust-${String(i).padStart(3, '0')}`;
    const caseId = `case-${String(i).padStart(3, '0')}`;
    const base = { tenantId: options.tenantId, customerId, caseId };
    let t = options.start + between(0, options.durationMs * 0.8);
    const channel = pick(CHANNELS);
    let n = 0;
    const id = (): string => `${caseId}-${++n}`;
    events.push({ ...base, id: id(), type: 'MessageReceived', occurredAt: iso(t), channel, actor: { kind: 'customer' }, data: { text: pick(ASKS) } });
    if (random() < 0.4) {
      t += between(15_000, 50_000);
      events.push({ ...base, id: id(), type: 'MessageReceived', occurredAt: iso(t), channel: random() < 0.5 ? channel : pick(CHANNELS), actor: { kind: 'customer' }, data: { text: pick(FOLLOW_UPS) } });
    }
    if (random() < 0.8) {
      t += between(10_000, 90_000);
      const agent = `agent-${between(1, 3)}`;
      events.push({ ...base, id: id(), type: 'MessageSent', occurredAt: iso(t), channel, actor: { kind: 'agent', id: agent }, data: { senderKind: 'agent', text: 'Thanks, I am on it.' } });
      if (random() < 0.6) {
        t += between(20_000, 70_000);
        events.push({ ...base, id: id(), type: 'CaseResolved', occurredAt: iso(t), actor: { kind: 'agent', id: agent }, data: {} });
        if (random() < 0.5) {
          t += between(5_000, 20_000);
          events.push({ tenantId: options.tenantId, customerId, id: id(), type: 'SurveyAnswered', occurredAt: iso(t), channel, actor: { kind: 'customer' }, data: { kind: 'csat', score: between(2, 5) } });
        }
      }
    }
  }
  return events.sort((a, b) => (a.occurredAt! < b.occurredAt! ? -1 : a.occurredAt! > b.occurredAt! ? 1 : a.id! < b.id! ? -1 : 1));
}
