import { normalizeIdentity, type Channel, type EventOf, type Identity } from '@omnitrail/events';
import { channelNumber, TYPE_CODE } from '../customers/codes.js';
import type { CustomerProjection, JourneyEvent } from '../model/index.js';

/** An identity seen on the customer's events on one channel (`null`: events without a channel). */
export interface IdentitySeen {
  type: string;
  value: string;
  channel: Channel | null;
  firstSeen: number;
  lastSeen: number;
  verified: boolean;
}

/** An order and what happened to it. */
export interface OrderFact {
  orderId: string;
  eventId: string;
  at: number;
  salesChannel: 'web' | 'app' | 'store' | 'phone' | 'marketplace';
  amount: number;
  currency: string;
  /** Amount returned so far (capped at the order amount). */
  returned: number;
  cancelled: boolean;
}

/** A raw identity form seen on a channel and the normalised entry it maps to. */
export interface RawIdentitySeen {
  type: string;
  value: string;
  channel: Channel | null;
  seen: IdentitySeen | null;
}

/** Per-customer profile facts. */
export interface ProfileState {
  /** Normalised `channel|type:value` → identity. */
  identities: Map<string, IdentitySeen>;
  /**
   * Raw identities already seen, with the entry they normalised to (`null` when blocked): normalising phones
   * is costly and building lookup strings per event is not free either, while a customer has few raw forms,
   * so a short linear scan wins.
   */
  rawIdentities: RawIdentitySeen[];
  traits: Record<string, unknown>;
  traitsAt: number | null;
  locale: string | null;
  region: string | null;
  preferredLanguage: string | null;
  consent: Record<string, unknown> | null;
  orders: OrderFact[];
  /**
   * Latest inbound message (`MessageReceived` with a channel) per channel, for reply windows: flat
   * `[channel, at]` pairs, channels as `channelNumber` (a customer uses few channels: a scan beats a map).
   */
  lastInboundMessage: number[] | null;
}

/** An empty profile. */
export function createProfileState(): ProfileState {
  return {
    identities: new Map(),
    rawIdentities: [],
    traits: {},
    traitsAt: null,
    locale: null,
    region: null,
    preferredLanguage: null,
    consent: null,
    orders: [],
    lastInboundMessage: null,
  };
}

/** A deep copy (identity entries and orders are mutable, so they are copied). */
export function cloneProfileState(p: ProfileState): ProfileState {
  const identities = new Map<string, IdentitySeen>();
  for (const [k, v] of p.identities) identities.set(k, { ...v });
  // raw forms point at entries: re-point them at the copies
  const rawIdentities = p.rawIdentities.map((r) => ({
    ...r,
    seen: r.seen === null ? null : (identities.get(`${r.seen.channel ?? ''}|${r.seen.type}:${r.seen.value}`) ?? null),
  }));
  return {
    identities,
    rawIdentities,
    traits: { ...p.traits },
    traitsAt: p.traitsAt,
    locale: p.locale,
    region: p.region,
    preferredLanguage: p.preferredLanguage,
    consent: p.consent === null ? null : { ...p.consent },
    orders: p.orders.map((o) => ({ ...o })),
    lastInboundMessage: p.lastInboundMessage === null ? null : p.lastInboundMessage.slice(),
  };
}

function seeIdentity(p: ProfileState, raw: Identity, channel: Channel | null, at: number): void {
  const raws = p.rawIdentities;
  let seen: IdentitySeen | null | undefined;
  for (let i = 0; i < raws.length; i++) {
    const r = raws[i]!;
    if (r.value === raw.value && r.type === raw.type && r.channel === channel) {
      seen = r.seen;
      break;
    }
  }
  if (seen === undefined) {
    const norm = normalizeIdentity(raw);
    if (norm === undefined) seen = null;
    else {
      const key = `${channel ?? ''}|${norm.type}:${norm.value}`;
      seen = p.identities.get(key);
      if (seen === undefined) {
        seen = { type: norm.type, value: norm.value, channel, firstSeen: at, lastSeen: at, verified: false };
        p.identities.set(key, seen);
      }
    }
    raws.push({ type: raw.type, value: raw.value, channel, seen });
  }
  if (seen === null) return;
  seen.lastSeen = at;
  if (raw.verified === true) seen.verified = true;
}

function mergeTraits(p: ProfileState, traits: Record<string, unknown> | undefined, at: number): void {
  if (traits === undefined) return;
  // later events win per trait; events arrive in (occurredAt, id) order
  for (const k of Object.keys(traits)) p.traits[k] = traits[k];
  p.traitsAt = at;
}

/** Folds one event of the customer, of type code `t` (`typeCode`), into the profile facts. */
export function applyProfileEvent(p: ProfileState, je: JourneyEvent, t: number): void {
  const e = je.event;
  const channel = e.channel ?? null;
  if (e.identities !== undefined) for (const id of e.identities) seeIdentity(p, id, channel, je.at);
  switch (t) {
    case TYPE_CODE.CustomerIdentified: {
      const d = (e as EventOf<'CustomerIdentified'>).data;
      for (const id of d.identities) seeIdentity(p, id, channel, je.at);
      mergeTraits(p, d.traits, je.at);
      break;
    }
    case TYPE_CODE.IdentitiesLinked: {
      const d = (e as EventOf<'IdentitiesLinked'>).data;
      seeIdentity(p, d.a, channel, je.at);
      seeIdentity(p, d.b, channel, je.at);
      break;
    }
    case TYPE_CODE.CustomerProfileUpdated: {
      const d = (e as EventOf<'CustomerProfileUpdated'>).data;
      mergeTraits(p, d.traits, je.at);
      if (d.locale !== undefined) p.locale = d.locale;
      if (d.region !== undefined) p.region = d.region;
      if (d.preferredLanguage !== undefined) p.preferredLanguage = d.preferredLanguage;
      if (d.consent !== undefined) p.consent = { ...(p.consent ?? {}), ...d.consent };
      break;
    }
    case TYPE_CODE.OrderPlaced: {
      const d = (e as EventOf<'OrderPlaced'>).data;
      p.orders.push({ orderId: d.orderId, eventId: e.id, at: je.at, salesChannel: d.salesChannel, amount: d.amount, currency: d.currency, returned: 0, cancelled: false });
      break;
    }
    case TYPE_CODE.OrderReturned: {
      const d = (e as EventOf<'OrderReturned'>).data;
      const o = findOrder(p, d.orderId);
      if (o !== undefined && !o.cancelled) {
        // a return without an amount is a full return; returns never take an order below zero
        const amount = d.amount ?? o.amount;
        o.returned = Math.min(o.amount, o.returned + Math.max(0, amount));
      }
      break;
    }
    case TYPE_CODE.OrderCancelled: {
      const o = findOrder(p, (e as EventOf<'OrderCancelled'>).data.orderId);
      if (o !== undefined) o.cancelled = true;
      break;
    }
    case TYPE_CODE.MessageReceived:
      if (e.channel !== undefined) setLastInbound(p, channelNumber(e.channel), je.at);
      break;
    default:
      break;
  }
}

function setLastInbound(p: ProfileState, channel: number, at: number): void {
  const l = p.lastInboundMessage;
  if (l === null) {
    p.lastInboundMessage = [channel, at];
    return;
  }
  for (let i = 0; i < l.length; i += 2) {
    if (l[i] === channel) {
      l[i + 1] = at;
      return;
    }
  }
  l.push(channel, at);
}

function findOrder(p: ProfileState, orderId: string): OrderFact | undefined {
  for (let i = p.orders.length - 1; i >= 0; i--) if (p.orders[i]!.orderId === orderId) return p.orders[i];
  return undefined;
}

/** The customer profile (customer 360) facts as a per-customer standard projection, in the record's `profile` field. */
export const customerProfileProjection: CustomerProjection<'profile', ProfileState> = {
  name: 'customer-profile',
  key: 'profile',
  create: createProfileState,
  clone: cloneProfileState,
  apply: (rec, _pos, je, t) => applyProfileEvent(rec.profile, je, t),
};
