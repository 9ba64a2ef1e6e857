import { ACTOR_KINDS, CATALOG_EVENT_TYPES, CHANNELS, type ActorKind, type CatalogEventType, type Channel } from '@omnitrail/events';

// ---- packed timeline codes -------------------------------------------------------------------------

const typeIndex = new Map<string, number>(CATALOG_EVENT_TYPES.map((t, i) => [t, i + 1]));

/**
 * The small integer of each catalog type (its packed-code type field; 0 is a host-registered type). The
 * customer sub-folds dispatch on it: one hash lookup per event instead of a chain of string comparisons in
 * every sub-fold.
 */
export const TYPE_CODE: Readonly<Record<CatalogEventType, number>> = Object.freeze(
  Object.fromEntries(CATALOG_EVENT_TYPES.map((t, i) => [t, i + 1])) as Record<CatalogEventType, number>,
);

/** The type code of an event type (`TYPE_CODE`; 0 for a host-registered type). */
export function typeCode(type: string): number {
  return typeIndex.get(type) ?? 0;
}
const channelIndex = new Map<string, number>(CHANNELS.map((c, i) => [c, i + 1]));
const actorIndex = new Map<string, number>(ACTOR_KINDS.map((a, i) => [a, i]));

/**
 * Event types that count as the customer's own activity even when the producer left `actor` at its
 * default `system` (they are customer-initiated by nature).
 */
const CUSTOMER_ACTIVITY_TYPES = new Set([
  'MessageReceived',
  'PageViewed',
  'SessionStarted',
  'KnowledgeArticleViewed',
  'BotTurn',
  'OrderPlaced',
  'SurveyAnswered',
  'StoreVisitRecorded',
  'CallbackRequested',
  'SocialMentionObserved',
]);

/** Packs an event's type, channel, actor and activity flag into one small integer. */
export function packCode(type: string, channel: Channel | undefined, actor: ActorKind): number {
  return packTypedCode(typeIndex.get(type) ?? 0, channel, actor);
}

/** Customer-initiated flag per type code (index 0: host types, never). */
const ACTIVITY_BY_CODE: readonly boolean[] = [false, ...CATALOG_EVENT_TYPES.map((t) => CUSTOMER_ACTIVITY_TYPES.has(t))];

/** `packCode` for a type already mapped with `typeCode`. */
export function packTypedCode(t: number, channel: Channel | undefined, actor: ActorKind): number {
  const c = channel === undefined ? 0 : (channelIndex.get(channel) ?? 0);
  const a = actorIndex.get(actor) ?? 4;
  const activity = a === 0 || ACTIVITY_BY_CODE[t] === true ? 1 : 0;
  return (t << 9) | (c << 4) | (a << 1) | activity;
}

/** The catalog type of a packed code (`undefined` for a host-registered type). */
export function codeType(code: number): string | undefined {
  const t = code >> 9;
  return t === 0 ? undefined : CATALOG_EVENT_TYPES[t - 1];
}

/** The channel of a packed code. */
export function codeChannel(code: number): Channel | undefined {
  const c = (code >> 4) & 31;
  return c === 0 ? undefined : CHANNELS[c - 1];
}

/** The actor kind of a packed code. */
export function codeActor(code: number): ActorKind {
  return ACTOR_KINDS[(code >> 1) & 7] ?? 'system';
}

/** Whether the code is an inbound touchpoint: actor `customer` and a channel (domain.md, Journey map). */
export function isInboundCode(code: number): boolean {
  return ((code >> 1) & 7) === 0 && ((code >> 4) & 31) !== 0;
}

/** Whether the code is customer activity: actor `customer`, or a customer-initiated type. */
export function isActivityCode(code: number): boolean {
  return (code & 1) === 1;
}


// ---- channel numbers for per-customer state ---------------------------------------------------------

/** Channels by number: the catalog's first, then any other string in order of first use (never expected). */
const channelNames: string[] = [...CHANNELS];
const channelNumbers = new Map<string, number>(CHANNELS.map((c, i) => [c, i]));

/**
 * A channel as a small number, for per-customer state kept as flat number arrays instead of maps and small
 * objects (less memory and collector work per customer). `channelOfNumber` maps it back.
 */
export function channelNumber(channel: Channel): number {
  let k = channelNumbers.get(channel);
  if (k === undefined) {
    channelNumbers.set(channel, (k = channelNames.length));
    channelNames.push(channel);
  }
  return k;
}

/** The channel of a `channelNumber`. */
export function channelOfNumber(k: number): Channel {
  return channelNames[k] as Channel;
}
