import { identityRank, type CatalogEvent, type Identity } from '@omnitrail/events';
import { normaliseValue } from './normalise.js';
import type { IdentityLimits, JourneyConfig } from '../model/index.js';

/** Limits used when the configuration leaves a type out (domain.md, Identity resolution). */
export const DEFAULT_IDENTITY_LIMITS: IdentityLimits = { user_id: 1, email: 5, phone: 5, device_id: 10 };

/** An automatic merge that identity resolution refused. */
export interface MergeRejected {
  /** The event whose identities pointed at two customers. */
  eventId: string;
  /** Instant of that event (ms). */
  at: number;
  reason: 'both_identified';
  /** The customers that were not merged, canonical at the time, oldest first. */
  customerIds: string[];
}

/** One merge an event caused. */
export interface CustomerMerge {
  survivorId: string;
  mergedId: string;
  /** `identity` (shared identifier), `linked` (`IdentitiesLinked`), `explicit` (`CustomersMerged`). */
  reason: 'identity' | 'linked' | 'explicit';
}

/** What identity resolution did with one event. */
export interface IdentityResolution {
  /** The customer the event is attributed to, after the merges this event causes. */
  customerId: string;
  merges: CustomerMerge[];
  rejections: MergeRejected[];
}

/** One customer node of the identity graph. */
interface CustomerNode {
  id: string;
  /** Creation order in the graph (0, 1, …): lets a batch fold index per-customer data without a hash lookup. */
  seq: number;
  firstSeenAt: number;
  /** Identities currently owned, by type. Merged nodes own nothing (the survivor took them). */
  byType: Map<string, Set<string>>;
  mergedInto: string | undefined;
  /** The customers merged directly into this one (their `mergedInto` is this id), in merge order. */
  absorbed: string[] | undefined;
  /** Identity keys this node gave the survivor when it was merged, so an unmerge can take them back. */
  gaveOnMerge: string[] | undefined;
  /** Created by identity resolution for identities nobody owned (`id:type:value`), not named by the host. */
  anonymous: boolean;
  /** While merged: the instant and id of the event that merged it (fold order is `(at, id)`). */
  mergedAt: number;
  mergedBy: string;
  /** The latest standing merge that absorbed another customer into this one (-Infinity: none). */
  absorbedAt: number;
  absorbedBy: string;
  /** The graph generation that may change this node in place (see `IdentityState.epoch`); others copy it first. */
  epoch?: object;
}

/**
 * The identity graph of one tenant. Plain data; copy it with `cloneIdentityState`, or share it with
 * `shareIdentityState` (copy on write).
 */
export interface IdentityState {
  limits: IdentityLimits;
  /** Identity key (`type:value`, normalised) → the customer that owns it (never a merged one). */
  owner: Map<string, string>;
  customers: Map<string, CustomerNode>;
  /** Keys of `user_id` identities that were seen with `verified: true`. */
  verifiedUserIds: Set<string>;
  /**
   * This graph's generation: the nodes it created or copied since it last shared its nodes carry it and are
   * changed in place; any other node may be shared with a copy (a fold snapshot) and is copied before it
   * changes (`ownNode`). A new object at each sharing, so no two graphs ever have the same (an object
   * survives a snapshot's serialization as itself, a counter would not).
   */
  epoch?: object;
}

/** An identity of an event after normalisation. */
interface Ident {
  type: string;
  value: string;
  key: string;
  rank: number;
  verified: boolean;
}

/** A fresh identity graph for one tenant. */
export function createIdentityState(config: Pick<JourneyConfig, 'identityLimits'> | Partial<JourneyConfig> = {}): IdentityState {
  return {
    limits: { ...DEFAULT_IDENTITY_LIMITS, ...(config.identityLimits ?? {}) },
    owner: new Map(),
    customers: new Map(),
    verifiedUserIds: new Set(),
    epoch: {},
  };
}

/**
 * A copy of the graph that shares its customer nodes with it: the maps are copied (a pointer per entry),
 * the nodes are not; from now on both copy a node before changing it (`ownNode`). What a fold snapshot of a
 * live tenant costs instead of a deep copy (`cloneIdentityState`).
 */
export function shareIdentityState(state: IdentityState): IdentityState {
  state.epoch = {};
  return {
    limits: { ...state.limits },
    owner: new Map(state.owner),
    customers: new Map(state.customers),
    verifiedUserIds: new Set(state.verifiedUserIds),
    epoch: {},
  };
}

// ---- undo journal --------------------------------------------------------------------------------------

/** A change a journaled graph made: a map's key and its value before (`had` false: absent), or a key added to a set. */
type IdentityUndoEntry = { map: Map<string, unknown>; key: string; previous: unknown; had: boolean } | { set: Set<string>; key: string };

// Kept beside the graphs rather than in them, so a graph saved in a snapshot never carries one.
const journals = new WeakMap<IdentityState, IdentityUndoEntry[]>();

/**
 * Starts recording the graph's changes so that {@link undoIdentityChanges} can take it back to this moment:
 * what a live tenant does before folding a batch onto its head, so that a batch stopped for evicted events
 * costs undoing its own changes rather than a re-fold from the last fold snapshot. The graph gets a new
 * generation, so a node it changes is copied first (the journal keeps the old one).
 */
export function journalIdentityChanges(state: IdentityState): void {
  state.epoch = {};
  journals.set(state, []);
}

/** Stops recording (see {@link journalIdentityChanges}): the changes stand. */
export function keepIdentityChanges(state: IdentityState): void {
  journals.delete(state);
}

/**
 * Takes the graph back to where {@link journalIdentityChanges} started, and stops recording. Nothing a graph
 * does removes an entry from its maps, so each key it had keeps its place in their order and each key it
 * added goes: the maps iterate as before.
 */
export function undoIdentityChanges(state: IdentityState): void {
  const journal = journals.get(state);
  if (journal === undefined) throw new Error('undoIdentityChanges: the graph records no changes');
  journals.delete(state);
  for (let k = journal.length - 1; k >= 0; k--) {
    const entry = journal[k]!;
    if ('set' in entry) entry.set.delete(entry.key);
    else if (entry.had) entry.map.set(entry.key, entry.previous);
    else entry.map.delete(entry.key);
  }
}

/** `map.set(key, value)`, recorded when the graph keeps a journal. */
function setEntry<V>(state: IdentityState, map: Map<string, V>, key: string, value: V): void {
  const journal = journals.get(state);
  if (journal !== undefined) journal.push({ map: map as Map<string, unknown>, key, previous: map.get(key), had: map.has(key) });
  map.set(key, value);
}

/**
 * The graph's current node for `node` (by id: a caller may hold one a copy replaced), ready to change in
 * place: copied first when another graph may share it.
 */
function ownNode(state: IdentityState, node: CustomerNode): CustomerNode {
  if (node.epoch !== undefined && node.epoch === state.epoch) return node;
  const current = state.customers.get(node.id)!;
  if (current.epoch !== undefined && current.epoch === state.epoch) return current;
  const copy = copyNode(current);
  copy.epoch = state.epoch ??= {};
  setEntry(state, state.customers, copy.id, copy);
  return copy;
}

/** A deep copy of a node (its identity sets and id lists included). */
function copyNode(n: CustomerNode): CustomerNode {
  const byType = new Map<string, Set<string>>();
  for (const [t, s] of n.byType) byType.set(t, new Set(s));
  return {
    id: n.id,
    seq: n.seq,
    firstSeenAt: n.firstSeenAt,
    byType,
    mergedInto: n.mergedInto,
    absorbed: n.absorbed === undefined ? undefined : n.absorbed.slice(),
    gaveOnMerge: n.gaveOnMerge === undefined ? undefined : n.gaveOnMerge.slice(),
    anonymous: n.anonymous,
    mergedAt: n.mergedAt,
    mergedBy: n.mergedBy,
    absorbedAt: n.absorbedAt,
    absorbedBy: n.absorbedBy,
  };
}

/** A deep copy of an identity graph, for snapshots: changing one never changes the other. */
export function cloneIdentityState(state: IdentityState): IdentityState {
  const epoch = {};
  const customers = new Map<string, CustomerNode>();
  for (const [id, n] of state.customers) {
    const copy = copyNode(n);
    copy.epoch = epoch;
    customers.set(id, copy);
  }
  return {
    limits: { ...state.limits },
    owner: new Map(state.owner),
    customers,
    verifiedUserIds: new Set(state.verifiedUserIds),
    epoch,
  };
}

/** How many customers are absorbed by a merge (not undone by an unmerge) in this graph. */
export function mergedCustomerCount(state: IdentityState): number {
  let merged = 0;
  for (const node of state.customers.values()) if (node.mergedInto !== undefined) merged++;
  return merged;
}

/** The customer a customer id ends at after following merges; unknown and unmerged ids map to themselves. */
export function canonicalCustomerId(state: IdentityState, customerId: string): string {
  let id = customerId;
  // Merges never form a cycle (a merge needs two distinct canonical customers), so the walk ends.
  for (let node = state.customers.get(id); node !== undefined && node.mergedInto !== undefined; node = state.customers.get(id)) {
    id = node.mergedInto;
  }
  return id;
}

function limitOf(state: IdentityState, type: string): number {
  const l = state.limits[type];
  return l === undefined ? Infinity : l;
}

function ensureCustomer(state: IdentityState, id: string, at: number, anonymous = false): CustomerNode {
  let node = state.customers.get(id);
  if (node === undefined) {
    node = {
      id,
      seq: state.customers.size,
      firstSeenAt: at,
      byType: new Map(),
      mergedInto: undefined,
      absorbed: undefined,
      gaveOnMerge: undefined,
      anonymous,
      mergedAt: Number.NEGATIVE_INFINITY,
      mergedBy: '',
      absorbedAt: Number.NEGATIVE_INFINITY,
      absorbedBy: '',
      epoch: (state.epoch ??= {}),
    };
    setEntry(state, state.customers, id, node);
  }
  return node;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf(':');
  return [key.slice(0, i), key.slice(i + 1)];
}

function addIdentity(state: IdentityState, shared: CustomerNode, type: string, value: string, key: string): void {
  const node = ownNode(state, shared);
  let set = node.byType.get(type);
  if (set === undefined) node.byType.set(type, (set = new Set()));
  set.add(value);
  setEntry(state, state.owner, key, node.id);
}

function removeIdentity(state: IdentityState, shared: CustomerNode, type: string, value: string): void {
  if (shared.byType.get(type)?.has(value) !== true) return;
  const node = ownNode(state, shared);
  const set = node.byType.get(type)!;
  set.delete(value);
  if (set.size === 0) node.byType.delete(type);
}

function countOf(node: CustomerNode, type: string): number {
  return node.byType.get(type)?.size ?? 0;
}

function hasVerifiedUserId(state: IdentityState, node: CustomerNode): boolean {
  const ids = node.byType.get('user_id');
  if (ids === undefined) return false;
  for (const v of ids) if (state.verifiedUserIds.has(`user_id:${v}`)) return true;
  return false;
}

/** Older first: first seen earlier, then the smaller id (deterministic tie-break). */
function older(a: CustomerNode, b: CustomerNode): boolean {
  return a.firstSeenAt < b.firstSeenAt || (a.firstSeenAt === b.firstSeenAt && a.id < b.id);
}

/** Normalised, de-duplicated identities, strongest first (rank, then type, then value, for determinism). */
function normalise(state: IdentityState, raw: readonly Identity[] | undefined, out: Ident[]): void {
  if (raw === undefined) return;
  for (const r of raw) {
    const type = r.type.trim();
    const value = normaliseValue(type, r.value);
    if (value === undefined) continue;
    const key = `${type}:${value}`;
    const verified = r.verified === true;
    if (verified && type === 'user_id' && !state.verifiedUserIds.has(key)) {
      state.verifiedUserIds.add(key);
      journals.get(state)?.push({ set: state.verifiedUserIds, key });
    }
    const existing = out.find((i) => i.key === key);
    if (existing !== undefined) {
      existing.verified ||= verified;
      continue;
    }
    out.push({ type, value, key, rank: identityRank(type), verified });
  }
}

function sortIdents(ids: Ident[]): void {
  if (ids.length < 2) return;
  ids.sort((a, b) => a.rank - b.rank || (a.type < b.type ? -1 : a.type > b.type ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

function addToSide(side: Map<string, Set<string>>, type: string, value: string): void {
  let s = side.get(type);
  if (s === undefined) side.set(type, (s = new Set()));
  s.add(value);
}

/** Whether the event `(at, id)` comes after the event `(afterAt, afterId)` in fold order. */
function laterInOrder(at: number, id: string, afterAt: number, afterId: string): boolean {
  return at > afterAt || (at === afterAt && id > afterId);
}

/**
 * Moves every identity of `merged` to `survivor` and records what it gave, for a later unmerge, and when
 * (the event `(at, eventId)`), for `anonymousThenMerged`.
 */
function mergeInto(state: IdentityState, survivorNode: CustomerNode, mergedNode: CustomerNode, at: number, eventId: string): void {
  const survivor = ownNode(state, survivorNode);
  const merged = ownNode(state, mergedNode);
  const gave: string[] = [];
  for (const [type, values] of merged.byType) {
    for (const value of values) {
      const key = `${type}:${value}`;
      gave.push(key);
      addIdentity(state, survivor, type, value, key);
    }
  }
  merged.byType.clear();
  merged.mergedInto = survivor.id;
  (survivor.absorbed ??= []).push(merged.id);
  merged.gaveOnMerge = gave;
  merged.mergedAt = at;
  merged.mergedBy = eventId;
  if (laterInOrder(at, eventId, survivor.absorbedAt, survivor.absorbedBy)) {
    survivor.absorbedAt = at;
    survivor.absorbedBy = eventId;
  }
}

/**
 * A customer and every customer merged into it, directly or through others: the customers whose events a
 * fold attributes to `customerId` when it is canonical. The customer itself comes first.
 */
export function mergedGroup(state: IdentityState, customerId: string): string[] {
  const group = [customerId];
  for (let i = 0; i < group.length; i++) {
    const absorbed = state.customers.get(group[i]!)?.absorbed;
    if (absorbed !== undefined) for (const id of absorbed) group.push(id);
  }
  return group;
}

/**
 * Whether a customer an event was attributed to was, when it happened, known only by identities (created by
 * identity resolution, not named by the host) and then took part in a merge after that event `(at, eventId)`
 * that still stands: merged into another customer, or absorbing one (domain.md, `identity_gap`: a case opened
 * before the customer was identified and merged later).
 */
export function anonymousThenMerged(state: IdentityState, customerId: string, at: number, eventId: string): boolean {
  const node = state.customers.get(customerId);
  if (node === undefined || !node.anonymous) return false;
  if (node.mergedInto !== undefined && laterInOrder(node.mergedAt, node.mergedBy, at, eventId)) return true;
  return laterInOrder(node.absorbedAt, node.absorbedBy, at, eventId);
}

/**
 * Whether a customer is merged into another by a merge that comes before the event `(at, eventId)` in fold
 * order: then nothing folded from that event on changes what `anonymousThenMerged` answers for the customer's
 * own events (they all precede the merge), short of an unmerge.
 */
export function mergedBefore(state: IdentityState, customerId: string, at: number, eventId: string): boolean {
  const node = state.customers.get(customerId);
  return node !== undefined && node.mergedInto !== undefined && laterInOrder(at, eventId, node.mergedAt, node.mergedBy);
}

/**
 * Links the event's identities to customers: finds the customers they belong to (an explicit customer
 * first), merges them into the oldest unless both carry a verified `user_id` or the merge would exceed a
 * per-type limit (then the weakest identity leaves the match and the match is tried again), and gives the
 * identities nobody owns to the resulting customer, within the limits.
 */
function resolveMatch(
  state: IdentityState,
  eventId: string,
  at: number,
  explicit: CustomerNode | undefined,
  idents: Ident[],
  reason: CustomerMerge['reason'],
): IdentityResolution {
  // Fast path (the common case): every identity already belongs to the one customer the event reaches.
  let only: string | undefined = explicit?.id;
  let known = true;
  for (const i of idents) {
    const o = state.owner.get(i.key);
    if (o === undefined || (only !== undefined && o !== only)) {
      known = false;
      break;
    }
    only = o;
  }
  if (known && only !== undefined) return { customerId: only, merges: [], rejections: [] };

  const merges: CustomerMerge[] = [];
  const rejections: MergeRejected[] = [];
  let match = idents;
  let owners: CustomerNode[] = [];
  let survivor: CustomerNode | undefined;
  for (;;) {
    owners = [];
    if (explicit !== undefined) owners.push(explicit);
    // Every customer that owns one of the matched identities takes part (domain.md lists the only
    // exceptions: two verified user_ids, and the per-type limits, handled below).
    for (const i of match) {
      const ownerId = state.owner.get(i.key);
      if (ownerId === undefined) continue;
      const node = state.customers.get(ownerId)!;
      if (!owners.includes(node)) owners.push(node);
    }
    if (owners.length <= 1) break;
    let verified = 0;
    for (const o of owners) if (hasVerifiedUserId(state, o)) verified++;
    if (verified >= 2) {
      const ids = owners.slice().sort((a, b) => (older(a, b) ? -1 : 1)).map((o) => o.id);
      rejections.push({ eventId, at, reason: 'both_identified', customerIds: ids });
      survivor = owners[0];
      owners = [owners[0]!];
      break;
    }
    // Would the merged customer hold more of a type than allowed?
    const union = new Map<string, Set<string>>();
    for (const o of owners) for (const [t, vs] of o.byType) for (const v of vs) addToSide(union, t, v);
    let over = false;
    for (const [t, vs] of union) if (vs.size > limitOf(state, t)) over = true;
    if (!over) break;
    if (match.length === 0) {
      // Only possible with an explicit customer that already conflicts: attribute without merging.
      owners = explicit !== undefined ? [explicit] : [];
      break;
    }
    match = match.slice(0, -1);
  }

  if (survivor === undefined) {
    if (owners.length === 0) {
      const first = match[0];
      const id = first === undefined ? `id:event:${eventId}` : `id:${first.type}:${first.value}`;
      survivor = state.customers.get(canonicalCustomerId(state, id)) ?? ensureCustomer(state, id, at, true);
    } else {
      survivor = owners[0]!;
      for (const o of owners) if (older(o, survivor)) survivor = o;
      const rest = owners.filter((o) => o !== survivor).sort((a, b) => (older(a, b) ? -1 : 1));
      for (const o of rest) {
        mergeInto(state, survivor, o, at, eventId);
        merges.push({ survivorId: survivor.id, mergedId: o.id, reason });
      }
    }
  }
  // The merges may have copied the survivor (copy on write): read the graph's current node.
  survivor = state.customers.get(survivor.id)!;
  for (const i of match) {
    if (state.owner.has(i.key)) continue;
    if (countOf(survivor, i.type) >= limitOf(state, i.type)) continue; // over the limit: left unlinked
    addIdentity(state, survivor, i.type, i.value, i.key);
    survivor = state.customers.get(survivor.id)!;
  }
  const customerId = explicit !== undefined ? explicit.id : survivor.id;
  return { customerId, merges, rejections };
}

/** Event types whose data can link, merge or unmerge customers. */
const GRAPH_EVENT_TYPES = new Set<string>(['IdentitiesLinked', 'CustomerIdentified', 'CustomersMerged', 'CustomersUnmerged']);

/**
 * Whether the event names its customer and carries nothing else for the graph (no identities, not a
 * linking type): the common case, where resolution only records the customer. The general path gives the
 * same answer (an empty match on an explicit customer attributes to it and changes nothing), at a cost.
 */
function namedOnly(event: CatalogEvent): boolean {
  return event.customerId !== undefined && (event.identities === undefined || event.identities.length === 0) && !GRAPH_EVENT_TYPES.has(event.type);
}

/**
 * The customer an event names when that is all identity resolution needs from it (no identities, not a
 * linking type): resolution then only records that customer. `undefined` for every other event.
 */
export function namedOnlyCustomer(event: CatalogEvent): string | undefined {
  return namedOnly(event) ? event.customerId : undefined;
}

/**
 * What {@link resolveIdentity} does for an event that only names its customer (see
 * {@link namedOnlyCustomer}): records the customer, created when unseen, and returns its id. No merge and
 * no rejection can follow, so a caller folding many such events skips the result object.
 */
export function resolveNamedCustomer(state: IdentityState, customerId: string, at: number): string {
  ensureCustomer(state, customerId, at);
  return customerId;
}

/**
 * Resolves one event of the tenant, events being given in `(occurredAt, id)` order: returns the customer it
 * is attributed to (its `customerId` when it has one, else the customer its identities lead to, created
 * when unseen) and applies the merges it causes (`IdentitiesLinked`, `CustomersMerged`, shared identities)
 * or undoes one (`CustomersUnmerged`). See docs/identity.md for the rules and decisions.
 */
export function resolveIdentity(state: IdentityState, event: CatalogEvent, at: number): IdentityResolution {
  if (namedOnly(event)) {
    ensureCustomer(state, event.customerId!, at);
    return { customerId: event.customerId!, merges: [], rejections: [] };
  }
  const idents: Ident[] = [];
  normalise(state, event.identities, idents);
  const explicit = event.customerId === undefined ? undefined : ensureCustomer(state, event.customerId, at);
  const explicitCanonical = explicit === undefined ? undefined : state.customers.get(canonicalCustomerId(state, explicit.id))!;
  switch (event.type) {
    case 'IdentitiesLinked': {
      normalise(state, [event.data.a, event.data.b], idents);
      sortIdents(idents);
      const r = resolveMatch(state, event.id, at, explicitCanonical, idents, 'linked');
      if (explicit !== undefined) r.customerId = explicit.id;
      return r;
    }
    case 'CustomerIdentified':
      normalise(state, event.data.identities, idents);
      break;
    case 'CustomersMerged': {
      sortIdents(idents);
      const r = resolveMatch(state, event.id, at, explicitCanonical, idents, 'identity');
      if (explicit !== undefined) r.customerId = explicit.id;
      const s = ensureCustomer(state, canonicalCustomerId(state, event.data.survivorId), at);
      const m = ensureCustomer(state, canonicalCustomerId(state, event.data.mergedId), at);
      // The host names the survivor; merging a customer into itself (a repeat, or a cycle) does nothing.
      if (s !== m) {
        mergeInto(state, s, m, at, event.id);
        r.merges.push({ survivorId: s.id, mergedId: m.id, reason: 'explicit' });
      }
      return r;
    }
    case 'CustomersUnmerged': {
      unmerge(state, event.data.customerId, event.data.identities, at);
      sortIdents(idents);
      const r = resolveMatch(state, event.id, at, explicit === undefined ? undefined : state.customers.get(canonicalCustomerId(state, explicit.id)), idents, 'identity');
      if (explicit !== undefined) r.customerId = explicit.id;
      return r;
    }
    default:
      break;
  }
  sortIdents(idents);
  const r = resolveMatch(state, event.id, at, explicitCanonical, idents, 'identity');
  if (explicit !== undefined) r.customerId = explicit.id;
  return r;
}

/**
 * Undoes the merge of `customerId`: it becomes its own customer again and takes back the identities it gave
 * its survivor plus the ones the event lists (from whoever holds them). Customers that had been merged into
 * it follow it. On a customer that is not merged, only the listed identities move to it.
 */
function unmerge(state: IdentityState, customerId: string, listed: readonly Identity[], at: number): void {
  const node = ownNode(state, ensureCustomer(state, customerId, at));
  const keys: string[] = node.gaveOnMerge ?? [];
  const extra: Ident[] = [];
  normalise(state, listed, extra);
  for (const i of extra) keys.push(i.key);
  const formerNode = node.mergedInto === undefined ? undefined : state.customers.get(node.mergedInto);
  const former = formerNode === undefined ? undefined : ownNode(state, formerNode);
  node.mergedInto = undefined;
  node.gaveOnMerge = undefined;
  node.mergedAt = Number.NEGATIVE_INFINITY;
  node.mergedBy = '';
  if (former !== undefined) {
    if (former.absorbed !== undefined) former.absorbed = former.absorbed.filter((id) => id !== node.id);
    // The merge never happened: the former survivor keeps only the absorptions that still stand (rare: a scan).
    former.absorbedAt = Number.NEGATIVE_INFINITY;
    former.absorbedBy = '';
    for (const other of state.customers.values()) {
      if (other.mergedInto === former.id && laterInOrder(other.mergedAt, other.mergedBy, former.absorbedAt, former.absorbedBy)) {
        former.absorbedAt = other.mergedAt;
        former.absorbedBy = other.mergedBy;
      }
    }
  }
  for (const key of keys) {
    const [type, value] = splitKey(key);
    const ownerId = state.owner.get(key);
    if (ownerId !== undefined && ownerId !== node.id) {
      const holder = state.customers.get(ownerId);
      if (holder !== undefined) removeIdentity(state, holder, type, value);
    }
    addIdentity(state, node, type, value, key);
  }
}

/** The identity phase of a replay over one tenant's events. */
export interface TenantIdentities {
  /** Per event index: the customer it was attributed to when it happened. */
  attributed: string[];
  /** The final customer of an attributed id, every merge applied and every unmerge undone. */
  canonical: (attributedId: string) => string;
  /** Customers absorbed by a merge, at the end. */
  mergedCustomers: number;
  rejections: MergeRejected[];
  /** {@link anonymousThenMerged} on the graph at the end. */
  anonymousThenMerged: (attributedId: string, at: number, eventId: string) => boolean;
  /** {@link findCustomerId} on the graph at the end: a customer by id or by any identity. */
  findCustomer: (text: string) => string | undefined;
}

/**
 * Resolves every event of one tenant. Events should be sorted by `(occurredAt, id)`; they are sorted here
 * when they are not, so the answer never depends on input order (`attributed` follows the input indexes).
 */
export function resolveTenantIdentities(
  events: readonly { event: CatalogEvent; at: number }[],
  config: Pick<JourneyConfig, 'identityLimits'> | Partial<JourneyConfig> = {},
): TenantIdentities {
  const n = events.length;
  let order: number[] | undefined;
  for (let i = 1; i < n; i++) {
    const a = events[i - 1]!;
    const b = events[i]!;
    if (a.at > b.at || (a.at === b.at && a.event.id > b.event.id)) {
      order = Array.from({ length: n }, (_, k) => k);
      order.sort((x, y) => {
        const ex = events[x]!;
        const ey = events[y]!;
        return ex.at - ey.at || (ex.event.id < ey.event.id ? -1 : ex.event.id > ey.event.id ? 1 : 0);
      });
      break;
    }
  }
  const sorted = new Array<CatalogEvent>(n);
  const ats = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const e = events[order === undefined ? k : order[k]!]!;
    sorted[k] = e.event;
    ats[k] = e.at;
  }
  const r = resolveOrderedIdentities(sorted, ats, config);
  let attributed = r.attributed;
  if (order !== undefined) {
    attributed = new Array<string>(n);
    for (let k = 0; k < n; k++) attributed[order[k]!] = r.attributed[k]!;
  }
  return { attributed, canonical: r.canonical, mergedCustomers: r.mergedCustomers, rejections: r.rejections, anonymousThenMerged: r.anonymousThenMerged, findCustomer: r.findCustomer };
}

/** The events that only name their customer (`namedOnlyCustomer`), as indexes into a list of ids. */
export interface NamedCustomers {
  /** Per event: the index in `ids` of the customer it names, or -1 when it is not a named-only event. */
  of: Int32Array;
  ids: readonly string[];
}

/** `TenantIdentities` plus each event's final customer as a small index, for the batch fold. */
export interface OrderedIdentities extends TenantIdentities {
  /** Per event: the index in `customerIds` of the customer it belongs to after every merge. */
  customerOf: Int32Array;
  /** The final customers (`canonical` of every attributed id), by index. */
  customerIds: string[];
}

/**
 * `resolveTenantIdentities` for events already in `(occurredAt, id)` order, given as parallel columns (the
 * batch fold keeps no `{event, at}` pair per event): `ats[k]` is the instant of `events[k]`, and
 * `attributed[k]` is the customer event `k` was attributed to. `customerOf` numbers the final customers so
 * the fold can keep per-customer state in an array instead of looking it up by id for every event.
 * `named`, when given, must describe exactly the named-only events (`namedOnlyCustomer`) of `events`.
 */
export function resolveOrderedIdentities(
  events: readonly CatalogEvent[],
  ats: ArrayLike<number>,
  config: Pick<JourneyConfig, 'identityLimits'> | Partial<JourneyConfig> = {},
  named?: NamedCustomers,
): OrderedIdentities {
  const state = createIdentityState(config);
  const n = events.length;
  const namedOf = named?.of;
  const namedIds = named?.ids ?? [];
  const namedNodes = new Array<CustomerNode | undefined>(namedIds.length).fill(undefined);
  const attributed = new Array<string>(n);
  // Node creation order per event first, mapped to the final customer's index once every merge is known.
  const customerOf = new Int32Array(n);
  const rejections: MergeRejected[] = [];
  for (let k = 0; k < n; k++) {
    // Named-only events known from the caller: the node by index, without reading the event (a cache miss).
    const o = namedOf === undefined ? -1 : namedOf[k]!;
    if (o >= 0) {
      const node = (namedNodes[o] ??= ensureCustomer(state, namedIds[o]!, ats[k]!));
      attributed[k] = node.id;
      customerOf[k] = node.seq;
      continue;
    }
    const event = events[k]!;
    // Inlined fast path of resolveIdentity: no result object for the ~97% of events that only name a customer.
    if (namedOnly(event)) {
      const node = ensureCustomer(state, event.customerId!, ats[k]!);
      attributed[k] = node.id;
      customerOf[k] = node.seq;
      continue;
    }
    const r = resolveIdentity(state, event, ats[k]!);
    const node = state.customers.get(r.customerId)!;
    attributed[k] = node.id;
    customerOf[k] = node.seq;
    for (const rej of r.rejections) rejections.push(rej);
  }
  const finalOfSeq = new Int32Array(state.customers.size);
  const indexOf = new Map<string, number>();
  const customerIds: string[] = [];
  for (const node of state.customers.values()) {
    const id = canonicalCustomerId(state, node.id);
    let index = indexOf.get(id);
    if (index === undefined) {
      indexOf.set(id, (index = customerIds.length));
      customerIds.push(id);
    }
    finalOfSeq[node.seq] = index;
  }
  for (let k = 0; k < n; k++) customerOf[k] = finalOfSeq[customerOf[k]!]!;
  const mergedCustomers = mergedCustomerCount(state);
  const cache = new Map<string, string>();
  const canonical = (id: string): string => {
    let c = cache.get(id);
    if (c === undefined) cache.set(id, (c = canonicalCustomerId(state, id)));
    return c;
  };
  return {
    attributed,
    canonical,
    mergedCustomers,
    rejections,
    customerOf,
    customerIds,
    anonymousThenMerged: (id, at, eventId) => anonymousThenMerged(state, id, at, eventId),
    findCustomer: (text) => findCustomerId(state, text),
  };
}

/** The identity types a customer can be looked up by, strongest first. */
const LOOKUP_TYPES = ['user_id', 'email', 'phone', 'device_id'] as const;

/**
 * The canonical id of the customer known by `text`: a customer id (merged ones find the survivor), or a
 * value of one of its identities in any form normalisation accepts (an email in any case, a phone number in
 * any common format, a user or device id). `undefined` when nobody is known by it.
 */
export function findCustomerId(state: IdentityState, text: string): string | undefined {
  if (state.customers.has(text)) return canonicalCustomerId(state, text);
  for (const type of LOOKUP_TYPES) {
    const value = normaliseValue(type, text);
    if (value === undefined) continue;
    const owner = state.owner.get(`${type}:${value}`);
    if (owner !== undefined) return canonicalCustomerId(state, owner);
  }
  return undefined;
}
