import { compareEventOrder, instantMs, type CatalogEvent } from '@omnitrail/events';
import {
  createCounters,
  createPartition,
  evictPartitionPrefix,
  insertEvent,
  partitionStateAt,
  rewritePartition,
  type Partition,
  type PartitionFold,
  type ProjectionCounters,
} from './partition/index.js';
import { canonicalCustomerId, resolveTenantIdentities } from '../core/identity/index.js';
import type { IdentityLimits, JourneyConfig } from '../core/model/index.js';
import { foldTenantAsOf, historyNeeded, takeIdentityChanges, type LiveEvent, type LiveTenant } from './tenant-state.js';

/**
 * What a host projection folds: the event, its instant in ms, and the customer it belongs to after identity
 * resolution and merges. `id` and `occurredAt` order the events of a partition. `E` is the events the
 * projection expects: the catalog's, or with the host types of the engine's registry.
 */
export interface JourneyProjectionEvent<E = CatalogEvent> {
  readonly id: string;
  readonly occurredAt: string;
  /** `occurredAt` in ms. */
  readonly at: number;
  readonly event: E;
  /** The customer after merges (the survivor's id): what a projection should key customer state by. */
  readonly customerId: string;
  /** The customer identity resolution attributed the event to when it happened. */
  readonly attributedCustomerId: string;
}

/** How a host projection splits a tenant's events into independently folded partitions. */
export type JourneyPartitioning<E = CatalogEvent> = 'customer' | 'case' | 'tenant' | ((event: JourneyProjectionEvent<E>) => string | undefined);

/**
 * A projection a host app folds next to (or instead of) the standard ones, as plain data. Each partition's
 * state is the fold of its events in `(occurredAt, id)` order, whatever order they arrived in; after a merge
 * a customer partition holds the merged customer's events too, as if they had carried the survivor's id.
 */
export interface JourneyProjection<S = unknown, E = CatalogEvent> {
  /** Unique among the engine's projections. */
  name: string;
  /**
   * `'customer'` (the canonical customer id), `'case'` (events with a `caseId`), `'tenant'` (one partition),
   * or a function giving the key, or `undefined` to skip the event.
   */
  partitionBy: JourneyPartitioning<E>;
  /** The state of a partition before any event; must return a new value each call. */
  initialState(key: string): S;
  /** Folds one event; may mutate and return `state`, but must depend only on `(state, event)`. */
  evolve(state: S, event: JourneyProjectionEvent<E>): S;
  /** Copies a state for snapshots (default `structuredClone`); `false` when `evolve` never mutates its input. */
  clone?: ((state: S) => S) | false;
  /** Snapshot every this many events of a partition (default 128): bounds the re-fold of a late event. */
  snapshotEvery?: number;
  /**
   * The version of `initialState` and `evolve` (default 1). An engine over a durable store saves its
   * projections' states in its snapshots; change the version whenever the fold changes meaning, and a
   * snapshot made with another version is set aside and the projection rebuilt from the log.
   */
  version?: number | string;
}

/** The state type of a host projection. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StateOfJourneyProjection<P> = P extends JourneyProjection<infer S, any> ? S : never;

/**
 * Declares a host projection for `createJourneyEngine({ projections })`. An identity function that lets
 * TypeScript infer the state type and checks the definition early. A projection that folds host event types
 * says so with its events' type, `E` (e.g. `evolve: (s, e: JourneyProjectionEvent<CatalogEvent | Loyalty>) => …`).
 */
export function defineJourneyProjection<S, E = CatalogEvent>(definition: JourneyProjection<S, E>): JourneyProjection<S, E> {
  if (typeof definition.name !== 'string' || definition.name.length === 0) {
    throw new TypeError('defineJourneyProjection: name must be a non-empty string');
  }
  const p = definition.partitionBy;
  if (typeof p !== 'function' && p !== 'customer' && p !== 'case' && p !== 'tenant') {
    throw new TypeError(`defineJourneyProjection(${definition.name}): partitionBy must be 'customer', 'case', 'tenant' or a function, got ${JSON.stringify(p)}`);
  }
  if (typeof definition.initialState !== 'function') throw new TypeError(`defineJourneyProjection(${definition.name}): initialState must be a function`);
  if (typeof definition.evolve !== 'function') throw new TypeError(`defineJourneyProjection(${definition.name}): evolve must be a function`);
  const version = definition.version;
  if (version !== undefined && !(typeof version === 'string' || (typeof version === 'number' && Number.isFinite(version)))) {
    throw new TypeError(`defineJourneyProjection(${definition.name}): version must be a number or a string`);
  }
  const every = definition.snapshotEvery ?? 128;
  if (!Number.isInteger(every) || every < 1) throw new TypeError(`defineJourneyProjection(${definition.name}): snapshotEvery must be an integer ≥ 1`);
  return definition;
}

/** A projection event as the engine holds it: the tenant's own event record (see `LiveEvent`). */
type HostEvent = LiveEvent;

interface CompiledProjection {
  definition: JourneyProjection<unknown>;
  /** The partitioning as a small number, so {@link partitionKey} reads the three built-in keys inline. */
  kind: typeof BY_CUSTOMER | typeof BY_CASE | typeof BY_TENANT | typeof BY_FUNCTION;
  fold: PartitionFold<HostEvent, unknown>;
}

const BY_CUSTOMER = 0;
const BY_CASE = 1;
const BY_TENANT = 2;
const BY_FUNCTION = 3;

/** An attributed customer's events and the canonical id they are folded under. */
interface AttributedEntry {
  canonical: string;
  events: HostEvent[];
  /**
   * Per projection partitioned by customer: the partition of `canonical`, as last looked up, valid while
   * `epoch` is the host tenant's (a merge or a removed partition moves the epoch on).
   */
  partitions: (Partition<HostEvent, unknown> | undefined)[];
  epoch: number;
  /**
   * Some of the customer's events left memory (bounded memory): they are folded into partition bases under
   * `canonical`, which can then change only by re-reading the tenant's history (see `HostProjections.verify`).
   */
  evicted: boolean;
}

/** A tenant's partitions of every host projection, and the attribution they were folded with. */
export interface HostTenant {
  /** Per attributed customer: the canonical id its events were folded under, and those events. */
  byAttributed: Map<string, AttributedEntry>;
  /** Moves on whenever a customer's canonical id changes or a partition is removed (see `AttributedEntry.partitions`). */
  epoch: number;
  /** Canonical id → the attributed customers folded under it. */
  members: Map<string, Set<string>>;
  /** Attributed customers folded under another customer's id (merged, as the partitions see it). */
  merged: Set<string>;
  /** Per projection (same order as the engine's list): partitions by key. */
  partitions: Map<string, Partition<HostEvent, unknown>>[];
}

/** What changed in a batch: per projection, the partition keys whose state changed (for state streams; new events are tracked only when asked). */
export type TouchedPartitions = Set<string>[];

/** What {@link HostProjections.stateAt} answers when the instant needs events evicted from memory. */
export const NEEDS_HISTORY: unique symbol = Symbol('needs the tenant history');

/** The host projections of an engine: partitions per tenant, batch updates, queries. */
export interface HostProjections {
  readonly definitions: readonly JourneyProjection<unknown>[];
  readonly counters: ProjectionCounters;
  indexOf(definition: JourneyProjection<unknown>): number;
  /** Brings the tenant's partitions up to date after `addEvents` added `added` (sorted, distinct). */
  update(tenant: LiveTenant, added: readonly LiveEvent[], trackTouched: boolean): TouchedPartitions;
  /** The current state of a partition (`undefined`: no event in it). */
  state(tenant: LiveTenant | undefined, index: number, key: string): unknown;
  /**
   * The partition's state as of an instant: identity resolved over the prefix, then the fold. After an
   * eviction, from the partition bases and the held events; {@link NEEDS_HISTORY} when the instant is before
   * the tenant's horizon or what evicted events contributed was attributed otherwise then (a merge since).
   */
  stateAt(tenant: LiveTenant | undefined, index: number, key: string, asOf: number): unknown;
  /** {@link HostProjections.stateAt} over a tenant's whole history (sorted or not), as read from the store. */
  stateAtOver(tenantId: string, events: readonly CatalogEvent[], index: number, key: string, asOf: number, limits: IdentityLimits): unknown;
  /**
   * Drops evicted events (`evictBefore`'s, all sorting before the tenant's held ones) from the tenant's
   * partitions, each partition keeping the state after them as its base.
   */
  evict(tenant: LiveTenant, gone: readonly LiveEvent[]): void;
  /**
   * Run after a fold of a tenant with evicted events (`addEvents`'s `afterFold`): throws the fold's
   * history-needed error when identity resolution moved a customer whose evicted events the partitions
   * folded under its canonical id (a merge into another survivor, an unmerge, a merge undone by a late
   * event): their bases cannot be split or moved without those events.
   */
  verify(tenant: LiveTenant): void;
  /** Partition keys of a projection in a tenant, sorted. */
  keys(tenant: LiveTenant | undefined, index: number): string[];
  /** The partition a key names now: a merged customer's id gives the survivor's (customer partitions). */
  canonicalKey(tenant: LiveTenant, index: number, key: string): string;
  /**
   * The tenant's partitions and attribution as plain data, for an engine snapshot (`undefined`: none yet):
   * a copy detached from the live one (lists copied, each partition's state cloned as its projection clones
   * it), so that a snapshot encoded in slices reads it while the engine goes on folding.
   */
  exportTenant(tenant: LiveTenant): HostTenant | undefined;
  /** Gives a restored tenant the partitions {@link HostProjections.exportTenant} gave when its snapshot was taken. */
  importTenant(tenant: LiveTenant, host: HostTenant): void;
}

/**
 * The partition of an event in a projection of tenant `tenantId`. One plain function rather than a closure
 * per projection: the per-event loop stays monomorphic, and only a host's own `partitionBy` is a call.
 */
function partitionKey(c: CompiledProjection, e: JourneyProjectionEvent, tenantId: string): string | undefined {
  switch (c.kind) {
    case BY_CUSTOMER:
      return e.customerId;
    case BY_CASE:
      return e.event.caseId;
    case BY_TENANT:
      return tenantId;
    default:
      return (c.definition.partitionBy as (event: JourneyProjectionEvent) => string | undefined)(e);
  }
}

/** Compiles host projection definitions for an engine with configuration `config` (what as-of reads fold with); throws on a repeated name. */
export function createHostProjections(definitions: readonly JourneyProjection<unknown>[], config: JourneyConfig): HostProjections {
  const seen = new Set<string>();
  for (const d of definitions) {
    defineJourneyProjection(d);
    if (seen.has(d.name)) throw new TypeError(`createJourneyEngine: two projections are named "${d.name}"`);
    seen.add(d.name);
  }
  const counters = createCounters();
  const compiled: CompiledProjection[] = definitions.map((definition) => ({
    definition,
    kind: definition.partitionBy === 'customer' ? BY_CUSTOMER : definition.partitionBy === 'case' ? BY_CASE : definition.partitionBy === 'tenant' ? BY_TENANT : BY_FUNCTION,
    fold: {
      initialState: (key) => definition.initialState(key),
      evolve: (state, event) => definition.evolve(state, event),
      clone: clonerOf(definition),
      snapshotEvery: definition.snapshotEvery ?? 128,
    },
  }));
  const hostTenants = new WeakMap<LiveTenant, HostTenant>();

  function hostOf(tenant: LiveTenant): HostTenant {
    let host = hostTenants.get(tenant);
    if (!host) hostTenants.set(tenant, (host = { byAttributed: new Map(), epoch: 0, members: new Map(), merged: new Set(), partitions: compiled.map(() => new Map()) }));
    return host;
  }

  function canonicalKey(tenant: LiveTenant, index: number, key: string): string {
    return compiled[index]!.definition.partitionBy === 'customer' ? canonicalCustomerId(tenant.head.identity, key) : key;
  }

  return {
    definitions,
    counters,
    exportTenant(tenant) {
      const host = hostTenants.get(tenant);
      if (host === undefined) return undefined;
      const copies = new Map<Partition<HostEvent, unknown>, Partition<HostEvent, unknown>>();
      const copyOf = (index: number, p: Partition<HostEvent, unknown>): Partition<HostEvent, unknown> => {
        let copy = copies.get(p);
        if (copy === undefined) {
          // Snapshot states and bases are clones already, never changed; the current state changes in place.
          copy = { key: p.key, events: p.events.slice(), state: compiled[index]!.fold.clone(p.state), snapshotAt: p.snapshotAt.slice(), snapshotState: p.snapshotState.slice(), base: p.base };
          copies.set(p, copy);
        }
        return copy;
      };
      const byAttributed = new Map<string, AttributedEntry>();
      for (const [customer, entry] of host.byAttributed) {
        byAttributed.set(customer, {
          canonical: entry.canonical,
          events: entry.events.slice(),
          partitions: entry.partitions.map((p, index) => (p === undefined ? undefined : copyOf(index, p))),
          epoch: entry.epoch,
          evicted: entry.evicted,
        });
      }
      return {
        byAttributed,
        epoch: host.epoch,
        members: new Map([...host.members].map(([canonical, attributed]) => [canonical, new Set(attributed)])),
        merged: new Set(host.merged),
        partitions: host.partitions.map((byKey, index) => new Map([...byKey].map(([key, p]) => [key, copyOf(index, p)]))),
      };
    },
    importTenant(tenant, host) {
      hostTenants.set(tenant, host);
    },
    indexOf(definition) {
      const i = definitions.indexOf(definition);
      if (i >= 0) return i;
      const byName = definitions.findIndex((d) => d.name === definition.name);
      if (byName < 0) throw new Error(`The journey engine has no projection "${definition.name}": pass it in createJourneyEngine({ projections })`);
      return byName;
    },
    update(tenant, added, trackTouched) {
      const tenantId = tenant.tenantId;
      const touched: TouchedPartitions = compiled.map(() => new Set());
      const changes = takeIdentityChanges(tenant);
      if (compiled.length === 0) return touched;
      const host = hostOf(tenant);
      const identity = tenant.head.identity;
      // Inserts are a set: an event moved twice in one batch (re-attributed, then regrouped) leaves the
      // partition it was about to enter rather than being removed from it before it got there.
      const rewrites = compiled.map(() => new Map<string, { insert: Set<HostEvent>; remove: HostEvent[]; changed: HostEvent[] }>());
      const rewriteOf = (p: number, key: string) => {
        let r = rewrites[p]!.get(key);
        if (!r) rewrites[p]!.set(key, (r = { insert: new Set(), remove: [], changed: [] }));
        return r;
      };
      // Moves an event (already held) to its new attribution and canonical customer, noting the partitions to rewrite.
      const move = (e: HostEvent, attributed: string, canonical: string) => {
        const oldKeys = compiled.map((c) => partitionKey(c, e, tenantId));
        e.attributedCustomerId = attributed;
        e.customerId = canonical;
        compiled.forEach((c, p) => {
          const oldKey = oldKeys[p];
          const newKey = partitionKey(c, e, tenantId);
          if (oldKey === newKey) {
            if (oldKey !== undefined) {
              const r = rewriteOf(p, oldKey);
              if (!r.insert.has(e)) r.changed.push(e);
            }
          } else {
            if (oldKey !== undefined) {
              const r = rewriteOf(p, oldKey);
              if (!r.insert.delete(e)) r.remove.push(e);
            }
            if (newKey !== undefined) rewriteOf(p, newKey).insert.add(e);
          }
        });
      };
      const entryOf = (attributed: string) => {
        let entry = host.byAttributed.get(attributed);
        if (!entry) {
          const canonical = canonicalCustomerId(identity, attributed);
          host.byAttributed.set(attributed, (entry = { canonical, events: [], partitions: compiled.map(() => undefined), epoch: host.epoch, evicted: false }));
          if (canonical !== attributed) host.merged.add(attributed);
          let group = host.members.get(canonical);
          if (!group) host.members.set(canonical, (group = new Set()));
          group.add(attributed);
        }
        return entry;
      };
      const setCanonical = (attributed: string, entry: AttributedEntry, canonical: string) => {
        host.epoch++;
        const old = host.members.get(entry.canonical);
        old?.delete(attributed);
        if (old?.size === 0) host.members.delete(entry.canonical);
        entry.canonical = canonical;
        if (canonical !== attributed) host.merged.add(attributed);
        else host.merged.delete(attributed);
        let group = host.members.get(canonical);
        if (!group) host.members.set(canonical, (group = new Set()));
        group.add(attributed);
      };

      // Events resolved to another customer on re-resolution (a late event changed who owned an identifier).
      // Rare, so the held events are searched rather than indexed by id.
      if (changes.reattributed.size > 0) {
        // The partitions hold the tenant's own event records: held ones (already given an attribution) whose
        // attribution now differs are the ones to move.
        const found = tenant.events.filter((e) => e.attributedCustomerId !== '' && e.attributed !== e.attributedCustomerId && changes.reattributed.has(e.id));
        for (const e of found) {
          const attributed = e.attributed;
          const from = host.byAttributed.get(e.attributedCustomerId)!;
          from.events.splice(from.events.indexOf(e), 1);
          const to = entryOf(attributed);
          to.events.push(e);
          move(e, attributed, to.canonical);
        }
      }
      // Merges and unmerges: every attributed customer of the groups involved may have a new canonical id.
      const suspects = new Set<string>(changes.rewound ? host.merged : []);
      for (const customer of changes.regrouped) {
        suspects.add(customer);
        const recorded = host.byAttributed.get(customer)?.canonical ?? customer;
        for (const member of host.members.get(recorded) ?? []) suspects.add(member);
        for (const member of host.members.get(customer) ?? []) suspects.add(member);
      }
      for (const attributed of suspects) {
        const entry = host.byAttributed.get(attributed);
        if (!entry) continue;
        const canonical = canonicalCustomerId(identity, attributed);
        if (canonical === entry.canonical) continue;
        setCanonical(attributed, entry, canonical);
        for (const e of entry.events) move(e, attributed, canonical);
      }
      // The new events: straight into their partitions, unless a partition is being rewritten anyway.
      let lastAttributed: string | undefined;
      let lastEntry: AttributedEntry | undefined;
      // The last partition each projection wrote to: a tenant-wide projection, or a run of one case's
      // events, skips the lookup; a customer's partition is kept on its attributed entry.
      const lastKeys: (string | undefined)[] = compiled.map(() => undefined);
      const lastPartitions: (Partition<HostEvent, unknown> | undefined)[] = compiled.map(() => undefined);
      const anyRewrite = rewrites.some((r) => r.size > 0);
      for (const item of added) {
        const attributed = item.attributed;
        const entry = attributed === lastAttributed ? lastEntry! : (lastEntry = entryOf((lastAttributed = attributed)));
        if (entry.epoch !== host.epoch) {
          entry.partitions.fill(undefined);
          entry.epoch = host.epoch;
        }
        const e: HostEvent = item;
        e.customerId = entry.canonical;
        e.attributedCustomerId = attributed;
        entry.events.push(e);
        for (let p = 0; p < compiled.length; p++) {
          const c = compiled[p]!;
          const kind = c.kind;
          const key = partitionKey(c, e, tenantId);
          if (key === undefined) {
            counters.skipped++;
            continue;
          }
          if (anyRewrite) {
            const pending = rewrites[p]!.get(key);
            if (pending) {
              pending.insert.add(e);
              continue;
            }
          }
          let partition = kind === BY_CUSTOMER ? entry.partitions[p] : lastKeys[p] === key ? lastPartitions[p] : undefined;
          if (partition === undefined) {
            const partitions = host.partitions[p]!;
            partition = partitions.get(key);
            if (!partition) partitions.set(key, (partition = createPartition(key, c.fold)));
            if (kind === BY_CUSTOMER) entry.partitions[p] = partition;
            else {
              lastKeys[p] = key;
              lastPartitions[p] = partition;
            }
          }
          insertEvent(partition, e, c.fold, counters);
          if (trackTouched) touched[p]!.add(key);
        }
      }
      rewrites.forEach((byKey, p) => {
        const c = compiled[p]!;
        const partitions = host.partitions[p]!;
        for (const [key, change] of byKey) {
          let partition = partitions.get(key);
          if (!partition) partitions.set(key, (partition = createPartition(key, c.fold)));
          rewritePartition(partition, { insert: [...change.insert], remove: change.remove, changed: change.changed }, c.fold, counters);
          // A partition with a base keeps it: what evicted events contributed stays.
          if (partition.events.length === 0 && partition.base === undefined) {
            partitions.delete(key);
            host.epoch++;
          }
          touched[p]!.add(key);
        }
      });
      return touched;
    },
    state(tenant, index, key) {
      if (!tenant) return undefined;
      return hostOf(tenant).partitions[index]!.get(canonicalKey(tenant, index, key))?.state;
    },
    stateAt(tenant, index, key, asOf) {
      if (!tenant) return undefined;
      const c = compiled[index]!;
      const held = tenant.events;
      if (held.length === 0 || held[held.length - 1]!.at <= asOf) {
        const partition = hostOf(tenant).partitions[index]!.get(canonicalKey(tenant, index, key));
        return partition ? partitionStateAt(partition, new Date(asOf).toISOString(), c.fold, counters) : undefined;
      }
      if (tenant.base === undefined) return foldPartitionAsOf(c, tenant.tenantId, held, key, asOf, tenant.head.identity.limits);
      return heldStateAtOf(c, tenant, hostOf(tenant), index, key, asOf, config);
    },
    stateAtOver(tenantId, events, index, key, asOf, limits) {
      const timed = events.filter((event) => event.type !== 'CustomerErased').map((event) => ({ id: event.id, occurredAt: event.occurredAt, at: instantMs(event.occurredAt), event }));
      timed.sort(compareEventOrder);
      return foldPartitionAsOf(compiled[index]!, tenantId, timed, key, asOf, limits);
    },
    evict(tenant, gone) {
      const host = hostTenants.get(tenant);
      if (host === undefined || gone.length === 0) return;
      const tenantId = tenant.tenantId;
      const goneSet = new Set<HostEvent>(gone);
      // Per projection, each partition the evicted events were in and how many were: they must be its first ones.
      const counts = compiled.map(() => new Map<Partition<HostEvent, unknown>, number>());
      const entries = new Set<AttributedEntry>();
      for (const e of gone) {
        const entry = host.byAttributed.get(e.attributedCustomerId);
        if (entry !== undefined) entries.add(entry);
        for (let p = 0; p < compiled.length; p++) {
          const key = partitionKey(compiled[p]!, e, tenantId);
          if (key === undefined) continue;
          const partition = host.partitions[p]!.get(key);
          if (partition === undefined) throw new Error(`host projection "${compiled[p]!.definition.name}": evicted event ${e.id} is in no partition (key "${key}")`);
          counts[p]!.set(partition, (counts[p]!.get(partition) ?? 0) + 1);
        }
      }
      // Evicted events sort before every held one, so they are each partition's first: anything else would
      // leave a base that misses an event before a held one. Checked for all before any partition changes.
      counts.forEach((byPartition, p) => {
        for (const [partition, count] of byPartition) {
          const { events } = partition;
          let prefix = 0;
          while (prefix < events.length && goneSet.has(events[prefix]!)) prefix++;
          if (prefix !== count) throw new Error(`host projection "${compiled[p]!.definition.name}": partition "${partition.key}" holds ${count} evicted events, ${prefix} of them first`);
        }
      });
      counts.forEach((byPartition, p) => {
        for (const [partition, count] of byPartition) evictPartitionPrefix(partition, count, compiled[p]!.fold, counters);
      });
      for (const entry of entries) {
        entry.events = entry.events.filter((e) => !goneSet.has(e));
        entry.evicted = true;
      }
    },
    verify(tenant) {
      const host = hostTenants.get(tenant);
      if (host === undefined) return;
      const changes = tenant.identityChanges;
      const identity = tenant.head.identity;
      // The customers `update` would move (the same suspects), checked before it does.
      const check = (attributed: string) => {
        const entry = host.byAttributed.get(attributed);
        if (entry === undefined || !entry.evicted) return;
        const canonical = canonicalCustomerId(identity, attributed);
        if (canonical !== entry.canonical) throw historyNeeded(`customer ${attributed}, whose evicted events host projections folded under ${entry.canonical}, now belongs to ${canonical}`);
      };
      if (changes.rewound) for (const attributed of host.merged) check(attributed);
      for (const customer of changes.regrouped) {
        check(customer);
        const recorded = host.byAttributed.get(customer)?.canonical ?? customer;
        for (const member of host.members.get(recorded) ?? []) check(member);
        for (const member of host.members.get(customer) ?? []) check(member);
      }
    },
    canonicalKey,
    keys(tenant, index) {
      if (!tenant) return [];
      return [...hostOf(tenant).partitions[index]!.keys()].sort();
    },
  };
}

/**
 * A partition's state as of `asOf` from the tenant's partition bases and held events: the held events up to
 * `asOf` with identity as of then (the tenant's as-of fold from its base, see `foldTenantAsOf`), folded onto
 * the base of the partition they fall in. Exact only when every customer with evicted events belonged then to
 * the customer it belongs to now (its evicted events are in that partition's base); else {@link NEEDS_HISTORY}.
 */
function heldStateAtOf(
  c: CompiledProjection,
  tenant: LiveTenant,
  host: HostTenant,
  index: number,
  key: string,
  asOf: number,
  config: JourneyConfig,
): unknown {
  if (tenant.horizon !== undefined && asOf < tenant.horizon.at) return NEEDS_HISTORY;
  const fold = foldTenantAsOf(tenant, asOf, config);
  if (fold === undefined) return NEEDS_HISTORY;
  for (const [attributed, entry] of host.byAttributed) if (entry.evicted && fold.canonical(attributed) !== entry.canonical) return NEEDS_HISTORY;
  const wanted = c.kind === BY_CUSTOMER ? fold.canonical(key) : key;
  const base = host.partitions[index]!.get(wanted)?.base;
  let found = base !== undefined;
  let state = base === undefined ? undefined : c.fold.clone(base);
  for (const { event, at, attributedCustomerId, customerId } of fold.events) {
    const e: JourneyProjectionEvent = { id: event.id, occurredAt: event.occurredAt, at, event, customerId, attributedCustomerId };
    if (partitionKey(c, e, tenant.tenantId) !== wanted) continue;
    if (!found) state = c.definition.initialState(wanted);
    found = true;
    state = c.definition.evolve(state, e);
  }
  return state;
}

/**
 * A partition's state as of `asOf` from a tenant's events sorted in fold order (all of them: none evicted):
 * identity resolved over those up to `asOf` only (a merge after it has not happened yet), then the fold.
 */
function foldPartitionAsOf(
  c: CompiledProjection,
  tenantId: string,
  events: readonly { event: CatalogEvent; at: number }[],
  key: string,
  asOf: number,
  limits: IdentityLimits,
): unknown {
  const prefix = events.filter((e) => e.at <= asOf);
  const identities = resolveTenantIdentities(prefix, { identityLimits: limits });
  const wanted = c.kind === BY_CUSTOMER ? identities.canonical(key) : key;
  let state: unknown;
  let found = false;
  prefix.forEach(({ event, at }, i) => {
    const attributed = identities.attributed[i]!;
    const e: JourneyProjectionEvent = { id: event.id, occurredAt: event.occurredAt, at, event, customerId: identities.canonical(attributed), attributedCustomerId: attributed };
    if (partitionKey(c, e, tenantId) !== wanted) return;
    if (!found) state = c.definition.initialState(wanted);
    found = true;
    state = c.definition.evolve(state, e);
  });
  return state;
}

/** The state copier of a definition: its own `clone`, none (`false`: states are never mutated), or `structuredClone`. */
function clonerOf<S>(definition: { clone?: ((state: S) => S) | false }): (state: S) => S {
  if (definition.clone === false) return (s) => s;
  return definition.clone ?? ((s) => structuredClone(s));
}
