import { replyWindowMs, type Channel } from '@omnitrail/events';
import { isOpenCaseStatus, type CaseStatus, type JourneyConfig } from '../model/index.js';
import { channelOfNumber, codeChannel, isInboundCode, type CustomersState } from '../customers/index.js';
import type { CaseLookup } from '../model/index.js';
import { customerHealth, weightedSentiment, type CustomerHealth } from '../churn/index.js';

export * from './state.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The Customer 360 view (domain.md, Customer profile) at `asOf`. Instants are ISO UTC strings. */
export interface CustomerProfile {
  customerId: string;
  asOf: string;
  firstSeen: string;
  lastSeen: string;
  /** Identities per channel (`none` for events without a channel), each with first and last seen. */
  identities: Record<string, { type: string; value: string; verified: boolean; firstSeen: string; lastSeen: string }[]>;
  /** Merged traits: for each key, the latest event that set it wins. */
  traits: Record<string, unknown>;
  locale: string | null;
  region: string | null;
  preferredLanguage: string | null;
  consent: Record<string, unknown> | null;
  /** Most inbound touchpoints in the window before `asOf`; ties go to the most recently used; `null` without any. */
  preferredChannel: Channel | null;
  openCases: { caseId: string; status: CaseStatus; openedAt: string; channels: Channel[] }[];
  lastCsat: { score: number; at: string; eventId: string } | null;
  lastNps: { score: number; at: string; eventId: string } | null;
  /** Orders counted per sales channel. */
  ordersBySalesChannel: Record<string, number>;
  /** Σ order amounts − returned amounts, cancelled orders left out, per currency. */
  lifetimeValue: Record<string, number>;
  /** Recency-weighted mean sentiment (−1..1) with its total weight; `null` without scores. */
  sentiment: { score: number; weight: number; count: number } | null;
  /** Per channel with an inbound message: until when a free-form reply may be sent (`null` = always). */
  replyWindows: Record<string, { lastInboundAt: string; openUntil: string | null; open: boolean }>;
  health: CustomerHealth;
}

/**
 * The Customer 360 profile at `asOf` (events after `asOf` are ignored where the state keeps their instants).
 * `undefined` for an unknown customer.
 */
export function customerProfile(
  state: CustomersState,
  customerId: string,
  asOf: number,
  cases: CaseLookup,
  config: JourneyConfig,
): CustomerProfile | undefined {
  const rec = state.customers.get(customerId);
  if (rec === undefined || rec.ats.length === 0) return undefined;
  const p = rec.profile;

  const identities: CustomerProfile['identities'] = {};
  const seen = [...p.identities.values()].filter((i) => i.firstSeen <= asOf);
  seen.sort((a, b) => (a.channel ?? '').localeCompare(b.channel ?? '') || a.type.localeCompare(b.type) || a.value.localeCompare(b.value));
  for (const i of seen) {
    const key = i.channel ?? 'none';
    (identities[key] ??= []).push({ type: i.type, value: i.value, verified: i.verified, firstSeen: iso(i.firstSeen), lastSeen: iso(Math.min(i.lastSeen, asOf)) });
  }

  // preferred channel: inbound touchpoints in [asOf − window, asOf]; ties by the latest touchpoint
  const counts = new Map<Channel, { n: number; last: number }>();
  let lastSeen = rec.ats[0]!;
  for (let i = 0; i < rec.ats.length; i++) {
    const at = rec.ats[i]!;
    if (at > asOf) break;
    lastSeen = at;
    if (at < asOf - config.preferredChannelWindowMs || !isInboundCode(rec.codes[i]!)) continue;
    const ch = codeChannel(rec.codes[i]!)!;
    const c = counts.get(ch);
    if (c === undefined) counts.set(ch, { n: 1, last: i });
    else {
      c.n += 1;
      c.last = i;
    }
  }
  let preferredChannel: Channel | null = null;
  let best = { n: 0, last: -1 };
  for (const [ch, c] of counts) {
    if (c.n > best.n || (c.n === best.n && c.last > best.last)) {
      best = c;
      preferredChannel = ch;
    }
  }

  const openCases = cases
    .casesOfCustomer(customerId)
    .filter((c) => isOpenCaseStatus(c.status) && c.openedAt <= asOf)
    .map((c) => ({ caseId: c.caseId, status: c.status, openedAt: iso(c.openedAt), channels: [...c.channels].sort() }))
    .sort((a, b) => (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0));

  const last = (kind: 'csat' | 'nps'): CustomerProfile['lastCsat'] => {
    for (let i = rec.surveys.length - 1; i >= 0; i--) {
      const s = rec.surveys[i]!;
      if (s.kind === kind && s.at <= asOf) return { score: s.score, at: iso(s.at), eventId: s.id };
    }
    return null;
  };

  const ordersBySalesChannel: Record<string, number> = {};
  const lifetimeValue: Record<string, number> = {};
  for (const o of p.orders) {
    if (o.at > asOf) continue;
    ordersBySalesChannel[o.salesChannel] = (ordersBySalesChannel[o.salesChannel] ?? 0) + 1;
    lifetimeValue[o.currency] = (lifetimeValue[o.currency] ?? 0) + (o.cancelled ? 0 : o.amount - o.returned);
  }

  const s = weightedSentiment(rec, asOf, config.sentimentHalfLifeMs);

  const replyWindows: CustomerProfile['replyWindows'] = {};
  const inbound = p.lastInboundMessage;
  if (inbound !== null) {
    const byChannel: [Channel, number][] = [];
    for (let i = 0; i < inbound.length; i += 2) byChannel.push([channelOfNumber(inbound[i]!), inbound[i + 1]!]);
    byChannel.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [ch, at] of byChannel) {
      if (at > asOf) continue;
      const w = replyWindowMs(ch, config.replyWindowsMs);
      const until = w === null ? null : at + w;
      replyWindows[ch] = { lastInboundAt: iso(at), openUntil: until === null ? null : iso(until), open: until === null || asOf <= until };
    }
  }

  return {
    customerId,
    asOf: iso(asOf),
    firstSeen: iso(rec.ats[0]!),
    lastSeen: iso(lastSeen),
    identities,
    traits: { ...p.traits },
    locale: p.locale,
    region: p.region,
    preferredLanguage: p.preferredLanguage,
    consent: p.consent === null ? null : { ...p.consent },
    preferredChannel,
    openCases,
    lastCsat: last('csat'),
    lastNps: last('nps'),
    ordersBySalesChannel,
    lifetimeValue,
    sentiment: s === null ? null : { score: s.score, weight: s.weight, count: s.count },
    replyWindows,
    health: customerHealth(state, customerId, asOf, cases, config)!,
  };
}
