import { createIdTable, hashString, type IdTable } from '@omnitrail/eventstore/adapter';
import { compareEventOrder, instantMs, jsonContentHash, type CatalogEvent } from '@omnitrail/events';
import {
  applyCaseEvent,
  caseLookupOf,
  createCasesState,
  compactSettledCases,
  markCasesCompact,
  markCasesShared,
  routeCase,
  shareCasesState,
  workingCasesState,
  type CaseRecord,
  type CasesState,
} from '../core/cases/index.js';
import { applyCustomerEventAt, cloneCustomerRecord, createCustomerRecord, createCustomersState, type CustomerRecord } from '../core/customers/index.js';
import { customerRecordsView, isPackedRecord, packCustomerRecord, readCustomerRecord, spillPackedRecord, unpackCustomerRecord, type HeldCustomerRecord, type LiveCustomersState, type PackedCustomerRecord } from './packed-customers/index.js';
import type { RecordSpill } from './record-spill/index.js';
import { casesStateView, packSettledCase, restoreLoadedCases } from './packed-cases/index.js';
import { packFullChunks } from './packed-facts/index.js';
import {
  anonymousThenMerged,
  canonicalCustomerId,
  shareIdentityState,
  createIdentityState,
  mergedCustomerCount,
  findCustomerId,
  mergedBefore,
  mergedGroup,
  namedOnlyCustomer,
  resolveIdentity,
  resolveNamedCustomer,
  type CustomerMerge,
  type IdentityState,
  journalIdentityChanges,
  keepIdentityChanges,
  undoIdentityChanges,
} from '../core/identity/index.js';
import { NO_CASE_EFFECTS, type CaseEffects, type CaseLookup, type JourneyConfig, type JourneyEvent } from '../core/model/index.js';
import { insertInOrder, lastSnapshotAtOrBefore } from './snapshots/index.js';
import { isSettledForUnthreaded, type ContextLostAnnotation } from '../core/journey-map/state.js';
import { attributeEvent, createRegroupIndex, forgetMoments, noteCaseMoment, refoldGroupAlone, regroupCustomer, type CaseMoment, type EvictedMember, type GroupEvent, type RegroupEvent, type RegroupIndex } from './customer-regroup.js';
import { applyViews, cloneViewStates, createViewStates, TENANT_PROJECTIONS, type AnyTenantProjection, type TenantFold } from '../core/standard/index.js';

const NO_MERGES: readonly CustomerMerge[] = [];

/**
 * Thrown inside the fold when what it must do reaches before the tenant's evicted events (see
 * {@link evictBefore}): a merge of two customers that both have evicted events, an unmerge of one. The fold
 * is rolled back and the caller re-reads the tenant's history (see `addEvents`'s `needsHistory`).
 */
const HISTORY_NEEDED = 'TENANT_HISTORY_NEEDED';

/**
 * What a fold needs of the store when a merge joins several customers with evicted events: their events,
 * by id (the ids their records' timelines hold), found in the streams of the group's named customers and
 * identities. With them (`LiveTenant.supplied`) the group is re-folded on its own instead of the tenant.
 */
export interface GroupHistoryRequest {
  /** The group's customer ids (named by the host: their events' streams). */
  readonly customers: readonly string[];
  /** The group's identity keys (`type:value`): the streams of events known by their identities alone. */
  readonly identityKeys: readonly string[];
  /** The evicted events the re-fold needs. */
  readonly ids: readonly string[];
}

/**
 * The fold's request for evicted events, naming what needs them: thrown inside a fold (or an `afterFold`
 * check) it rolls the batch back. With `request`, the events of one merged group are enough.
 */
export function historyNeeded(reason: string, request?: GroupHistoryRequest): Error {
  return Object.assign(new Error(`the fold needs events evicted from memory: ${reason}`), { code: HISTORY_NEEDED, request });
}

/** The merged group's request a fold's `historyNeeded` carries, if any, as a field to spread. */
function requestOf(error: unknown): { request?: GroupHistoryRequest } {
  const request = (error as { request?: GroupHistoryRequest }).request;
  return request === undefined ? {} : { request };
}

/** One request for the events of both. */
function joinRequests(a: GroupHistoryRequest, b: GroupHistoryRequest): GroupHistoryRequest {
  const union = (x: readonly string[], y: readonly string[]) => [...new Set([...x, ...y])];
  return { customers: union(a.customers, b.customers), identityKeys: union(a.identityKeys, b.identityKeys), ids: union(a.ids, b.ids) };
}

/** Whether an error is the fold's request for evicted events (see {@link historyNeeded}). */
export function isHistoryNeeded(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === HISTORY_NEEDED;
}

/** Sets a `firstByCanonical` entry, noting its previous value while a fold can still be rolled back. */
function setFirst(tenant: LiveTenant, key: string, value: number): void {
  tenant.firstUndo?.push([key, tenant.firstByCanonical.get(key)]);
  tenant.firstByCanonical.set(key, value);
}


/** The fold state after a prefix of a tenant's events: what a snapshot holds. */
interface FoldPoint {
  /** Number of events folded. */
  index: number;
  identity: IdentityState;
  cases: CasesState;
  /** Customer records, those unchanged since an eviction packed (packed-customers). */
  customers: LiveCustomersState;
  /** The tenant-wide projections' states (`LiveTenant.projections`). */
  views: unknown[];
  /**
   * Taken inside a range whose merges were regrouped before it was folded: its customers and cases already
   * follow those later merges. Good to re-fold from (the re-fold meets the merges again), not to stand for
   * the state after exactly `index` events (an eviction base, which as-of queries start from).
   */
  ahead?: boolean;
}

/**
 * One tenant's live fold: its events in `(occurredAt, id)` order, the projections' state after all of them,
 * and snapshots taken along the way. An event that arrives in order is folded at once; a late event, or a
 * merge that re-attributes earlier events, re-folds from the newest snapshot before the first event it
 * changes, so the cost follows the distance from the end, not the length of the log.
 */
export interface LiveTenant {
  readonly tenantId: string;
  /** Sorted events, each with the customer identity resolution attributed it to. */
  readonly events: LiveEvent[];
  /** Every recorded event by id, for redelivery checks: shared by the tenants of an engine (see {@link RecordedIndex}). */
  readonly index: RecordedIndex;
  head: FoldPoint;
  snapshots: FoldPoint[];
  /** Counters for benchmarks and tests. */
  stats: { applied: number; refolds: number; refoldedEvents: number; regroups: number; regroupedEvents: number; evictedEvents: number; recordsPacked: number; recordsUnpacked: number };
  /**
   * The fold state after the events evicted from memory (see {@link evictBefore}), with index 0: what a
   * re-fold starts from when no snapshot is later. Undefined while the tenant holds every event.
   */
  base: FoldPoint | undefined;
  /** The order key of the last evicted event: an event sorting at or before it needs the tenant's history. */
  horizon: { at: number; occurredAt: string; id: string } | undefined;
  /**
   * Set when a fold needing evicted events could not be rolled back: the tenant must be rebuilt from the
   * store before it is read, or repaired by a re-fold from `repairFrom` once merged groups' events are supplied.
   */
  broken?: boolean;
  repairFrom?: number;
  /** Evicted events read back from the store for a merged group's re-fold (see {@link GroupHistoryRequest}), while a batch is folded again. */
  supplied?: ReadonlyMap<string, CatalogEvent>;
  /** Set by an engine with bounded memory: its smallest eviction, which fold snapshots are taken at least as often as. */
  evictionStep?: number;
  /** Set by an engine with bounded memory that spills: where settled records' bytes go (record-spill). */
  spill?: RecordSpill;
  /**
   * Set while a long backlog is folded in steps (a catch-up, a re-read history) that the eviction will cut
   * near its end: fold snapshots are taken only at events from this instant on. The older ones would be
   * pruned unused, and each copies the identity graph, the views and the case maps, which grow with history:
   * one per step made a catch-up's cost grow with the square of its length.
   */
  snapshotsFrom?: number;
  /** While `addEvents` folds: the previous values of the `firstByCanonical` entries it changed (to undo them). */
  firstUndo: Array<[string, number | undefined]> | undefined;
  /** The instant of the tenant's first event ever (its first held event, until some are evicted). */
  firstAt: number | undefined;
  /** Lower bound of the index of the first event of each canonical customer (for merges). */
  firstByCanonical: Map<string, number>;
  /** Case moments and events by customer, for following merges without going back (customer-regroup.ts). */
  readonly regroup: RegroupIndex;
  /** Whether the standard projections are folded (false: identity only, for engines with host projections alone). */
  readonly standard: boolean;
  /** What identity resolution changed since the host projections last looked (see `takeIdentityChanges`). */
  identityChanges: IdentityChanges;
  /** The tenant-wide projections folded after cases and customers (`TENANT_PROJECTIONS` by default). */
  readonly projections: readonly AnyTenantProjection[];
  /**
   * Customer records the head's state shares with snapshots: copied before the fold changes them (copy on
   * write), so a snapshot costs a map of references rather than a copy of every customer's timeline.
   */
  shared: Set<CustomerRecord>;
}

/**
 * An event of a live tenant: its instant (ms) and the customer it was attributed to when it happened. The
 * same object is what the host projections fold (a `JourneyProjectionEvent`): one object per event rather
 * than two, since every event lives as long as the tenant. `customerId` and `attributedCustomerId` are the
 * attribution the host partitions were last folded with; `attributed` is identity resolution's current one,
 * which can run ahead of them until the host projections catch up (see `HostProjections.update`).
 */
export interface LiveEvent extends RegroupEvent {
  readonly id: string;
  readonly occurredAt: string;
  readonly event: CatalogEvent;
  readonly at: number;
  attributed: string;
  customerId: string;
  attributedCustomerId: string;
}

/** Changes of attribution that projections partitioned by customer must follow. */
export interface IdentityChanges {
  /** Ids of events, already attributed before, whose attributed customer changed on re-resolution. */
  reattributed: Set<string>;
  /** Customers in merges and unmerges: the customers whose events may now have another canonical id. */
  regrouped: Set<string>;
  /**
   * Identity was resolved again from an earlier point (a late event): merges found before may not happen
   * any more, so every customer merged so far may be unmerged now.
   */
  rewound: boolean;
}

/**
 * The events an engine has folded, in arrival order, and a compact hash index of their ids (a `Map` of
 * every id costs more than the rest of recording a simple event). One for all tenants of an engine: ids
 * are unique store-wide, so an id recorded for another tenant is a conflict the engine sees itself.
 */
export interface RecordedIndex {
  readonly recorded: CatalogEvent[];
  /** Per recorded event (same index), the `jsonContentHash` of its content as given: the redelivery rule's side. */
  readonly contents: number[];
  /** Rebuilt when evicted events leave the index (see {@link compactRecordedIndex}). */
  ids: IdTable;
}

/** An empty {@link RecordedIndex}. */
export function createRecordedIndex(): RecordedIndex {
  const recorded: CatalogEvent[] = [];
  return { recorded, contents: [], ids: createIdTable(recorded) };
}

function emptyFoldPoint(config: JourneyConfig, projections: readonly AnyTenantProjection[]): FoldPoint {
  return { index: 0, identity: createIdentityState(config), cases: createCasesState(), customers: createCustomersState(), views: createViewStates(projections, config) };
}

/** Creates an empty live tenant, recording into `index` (shared by an engine's tenants). */
export function createLiveTenant(
  tenantId: string,
  config: JourneyConfig,
  standard: boolean,
  index: RecordedIndex,
  projections: readonly AnyTenantProjection[] = TENANT_PROJECTIONS,
): LiveTenant {
  const head = emptyFoldPoint(config, projections);
  return {
    tenantId,
    events: [],
    index,
    head,
    snapshots: [],
    stats: { applied: 0, refolds: 0, refoldedEvents: 0, regroups: 0, regroupedEvents: 0, evictedEvents: 0, recordsPacked: 0, recordsUnpacked: 0 },
    base: undefined,
    horizon: undefined,
    firstAt: undefined,
    firstUndo: undefined,
    firstByCanonical: new Map(),
    regroup: createRegroupIndex(),
    standard,
    identityChanges: { reattributed: new Set(), regrouped: new Set(), rewound: false },
    projections,
    shared: new Set(),
  };
}

/**
 * Drops events from the index (evicted ones: their ids are found again by re-reading the tenant's history)
 * and rebuilds its id table over the rest.
 */
export function compactRecordedIndex(index: RecordedIndex, drop: ReadonlySet<CatalogEvent>): void {
  const { recorded, contents } = index;
  let kept = 0;
  for (let i = 0; i < recorded.length; i++) {
    if (drop.has(recorded[i]!)) continue;
    recorded[kept] = recorded[i]!;
    contents[kept] = contents[i]!;
    kept++;
  }
  recorded.length = kept;
  contents.length = kept;
  const ids = createIdTable(recorded, kept * 2 + 2);
  for (let i = 0; i < kept; i++) ids.add(hashString(recorded[i]!.id), i + 1);
  index.ids = ids;
}

/** The recorded event with this id, of any tenant of the index, if any. */
export function recordedEvent(index: RecordedIndex, id: string, hash?: number): { event: CatalogEvent; content: number } | undefined {
  const position = index.ids.find(id, hash);
  return position === undefined ? undefined : { event: index.recorded[position - 1]!, content: index.contents[position - 1]! };
}

/** Returns the identity changes collected since the last call, and starts a new collection. */
export function takeIdentityChanges(tenant: LiveTenant): IdentityChanges {
  const changes = tenant.identityChanges;
  tenant.identityChanges = { reattributed: new Set(), regrouped: new Set(), rewound: false };
  return changes;
}

function lookupOf(cases: CasesState, identity: IdentityState): CaseLookup {
  return caseLookupOf(cases, (id, at, eventId) => anonymousThenMerged(identity, id, at, eventId));
}

/** A working copy of a snapshot for the head: its customer and case records shared until the fold changes them. */
function restorePoint(tenant: LiveTenant, p: FoldPoint): FoldPoint {
  tenant.shared = new Set();
  return {
    index: p.index,
    identity: shareIdentityState(p.identity),
    cases: workingCasesState(p.cases),
    customers: shareCustomers(tenant, p.customers),
    views: cloneViewStates(tenant.projections, p.views),
  };
}

/**
 * A fold point that shares `p`'s state under copy on write: its customer and case records and identity nodes
 * are copied by the live tenant's fold before it changes them, its views are copied now.
 */
function sharePoint(tenant: LiveTenant, p: FoldPoint): FoldPoint {
  return {
    index: p.index,
    identity: shareIdentityState(p.identity),
    cases: shareCasesState(p.cases),
    customers: shareCustomers(tenant, p.customers),
    views: cloneViewStates(tenant.projections, p.views),
    ...(p.ahead === true ? { ahead: true } : {}),
  };
}

/**
 * The tenant as an engine or tenant snapshot saves it, detached from the live tenant so that the engine can
 * go on folding while the snapshot is encoded in slices: the head shared under copy on write (as a fold
 * snapshot shares it), the containers that folding changes in place copied, and the rest shared as it is,
 * since it is never changed once made (the base and fold snapshots, whose records the fold copies before
 * changing, the events' instants and ids). The events' changing fields (attribution, effects, notes) are
 * read when the snapshot's columns are made, at once. Of the fold snapshots only the newest is saved: each
 * holds the tenant's cases and views as they were, and the older ones would multiply the snapshot's size for
 * events that arrive later than the newest one, which re-fold from the start once after a restart (taking
 * new ones on the way). Exactness does not depend on them.
 */
export function detachedTenant(tenant: LiveTenant): Omit<LiveTenant, 'index' | 'projections' | 'spill'> {
  const { index: _index, projections: _projections, spill: _spill, ...rest } = tenant;
  markCaptured(tenant);
  // The records the head shares now, before sharing it marks all of them.
  const shared = new Set(tenant.shared);
  const head = sharePoint(tenant, tenant.head);
  // forEach rather than spreading the entries: no array per entry (tens of thousands of cases).
  const moments = new Map<string, CaseMoment[]>();
  tenant.regroup.moments.forEach((list, caseId) => moments.set(caseId, list.slice()));
  const byAttributed = new Map<string, RegroupEvent[]>();
  tenant.regroup.byAttributed.forEach((list, customer) => byAttributed.set(customer, list.slice()));
  return {
    ...rest,
    events: tenant.events.slice(),
    head,
    snapshots: tenant.snapshots.slice(-1),
    stats: { ...tenant.stats },
    firstUndo: tenant.firstUndo?.slice(),
    firstByCanonical: new Map(tenant.firstByCanonical),
    regroup: { moments, byAttributed },
    identityChanges: { reattributed: new Set(tenant.identityChanges.reattributed), regrouped: new Set(tenant.identityChanges.regrouped), rewound: tenant.identityChanges.rewound },
    shared,
  };
}

/**
 * After a saved tenant is loaded (an engine or tenant snapshot): its head shares case records with its base
 * and fold snapshots (one serialization keeps shared objects shared), so it copies them before changing them.
 * The customer records it shares are in the saved `shared` set already.
 */
export function shareLoadedCases(tenant: LiveTenant): void {
  markCasesShared(tenant.head.cases);
  // Decoded arrays have their exact size: nothing to compact (compactSettledCases).
  for (const p of [tenant.head, tenant.base]) if (p !== undefined) markCasesCompact(p.cases);
  // Its identity nodes too: a new generation copies them before changing them.
  tenant.head.identity.epoch = {};
}

/**
 * Puts the packed records of a loaded tenant's fold points back as the live fold holds them: its cases packed
 * cases again (a snapshot holds them as plain data), spilled when the tenant has a spill, and its packed
 * customer records (strings, as a snapshot holds them) moved to the spill, each once however many points
 * share it, in place: the maps are the loaded state's own. Before the cases' copy-on-write marks are set.
 */
export function restoreLoadedRecords(tenant: LiveTenant): void {
  const spill = tenant.spill;
  const points = [tenant.head, tenant.base, ...tenant.snapshots].filter((p) => p !== undefined);
  restoreLoadedCases(
    points.map((p) => p.cases),
    spill,
  );
  if (spill === undefined) return;
  const moved = new Map<PackedCustomerRecord, PackedCustomerRecord>();
  for (const p of points) {
    const map = p.customers.customers;
    map.forEach((rec, id) => {
      if (!isPackedRecord(rec)) return;
      let spilled = moved.get(rec);
      if (spilled === undefined) moved.set(rec, (spilled = spillPackedRecord(rec, spill)));
      if (spilled !== rec) map.set(id, spilled);
    });
  }
}

/** The customers state for a snapshot (or from one): a new map of the same records, now shared (a packed one never changes). */
function shareCustomers(tenant: LiveTenant, state: LiveCustomersState): LiveCustomersState {
  const customers = new Map(state.customers);
  customers.forEach((rec) => {
    if (!isPackedRecord(rec)) tenant.shared.add(rec);
  });
  return { customers };
}

/**
 * The head's record of a customer, ready to change: created when new, unpacked when packed, copied first when
 * a snapshot shares it.
 */
function writableRecord(tenant: LiveTenant, state: LiveCustomersState, customerId: string): CustomerRecord {
  const rec = state.customers.get(customerId);
  if (rec === undefined) {
    const created = createCustomerRecord(customerId);
    state.customers.set(customerId, created);
    return created;
  }
  if (isPackedRecord(rec)) {
    // A new record, shared with nothing: the packed one stays where snapshots and the base hold it.
    const unpacked = unpackCustomerRecord(rec);
    tenant.stats.recordsUnpacked++;
    state.customers.set(customerId, unpacked);
    return unpacked;
  }
  if (tenant.shared.size === 0 || !tenant.shared.has(rec)) return rec;
  const copy = cloneCustomerRecord(rec);
  tenant.shared.delete(rec);
  state.customers.set(customerId, copy);
  return copy;
}

/**
 * How many events between snapshots: grows with the log so cloning stays a small share of the work. With
 * bounded memory at most the eviction step, since an eviction cuts at a snapshot (see {@link evictBefore}).
 */
function snapshotInterval(tenant: LiveTenant): number {
  // What a snapshot copies grows with the history folded, evicted events included (with bounded memory the
  // held events are a small part of it: counting them alone took a snapshot every ~3,700 events at any size).
  const interval = Math.max(1024, Math.floor(Math.sqrt(tenant.events.length + tenant.stats.evictedEvents) * 48));
  return tenant.evictionStep === undefined ? interval : Math.min(interval, tenant.evictionStep);
}

/**
 * Folds events `[point.index, end)` onto `point` (mutated). Identity goes first over the whole range, so
 * every event is folded with the survivor's id of the merges found anywhere in the range; snapshots are
 * taken on the way. A merge of customers with events folded before the range regroups the survivor (its
 * cases relabelled, its record re-folded from the group's own events: customer-regroup.ts) before the range
 * is folded. An unmerge re-attributes events before it: then nothing is folded and the index of the first
 * event of the customer it splits is returned (the caller goes back further); else `Infinity`.
 */
function foldRange(tenant: LiveTenant, point: FoldPoint, config: JourneyConfig, takeSnapshots: boolean): number {
  const { events, regroup } = tenant;
  const start = point.index;
  const interval = snapshotInterval(tenant);
  const identitySnapshots = new Map<number, IdentityState>();
  let earliestAffected = Number.POSITIVE_INFINITY;
  let merged: Set<string> | undefined;
  const identity = point.identity;
  for (let i = start; i < events.length; i++) {
    // At the range's start too (events appended one at a time), unless a snapshot is already there.
    if (
      takeSnapshots &&
      i > 0 &&
      i % interval === 0 &&
      (i > start || (tenant.snapshots.at(-1)?.index ?? -1) < i) &&
      (tenant.snapshotsFrom === undefined || events[i]!.at >= tenant.snapshotsFrom)
    ) {
      identitySnapshots.set(i, shareIdentityState(identity));
    }
    const item = events[i]!;
    const { event, at } = item;
    // An unmerge re-attributes events of the customer it splits, which are held by the customer it was
    // merged into: note that customer before the unmerge changes the graph.
    const unmergeRoot = event.type === 'CustomersUnmerged' ? canonicalCustomerId(identity, event.data.customerId) : undefined;
    // Most events only name their customer: resolved without a result object.
    const named = namedOnlyCustomer(event);
    const res = named === undefined ? resolveIdentity(identity, event, at) : undefined;
    const customerId = res === undefined ? resolveNamedCustomer(identity, named!, at) : res.customerId;
    const merges = res === undefined ? NO_MERGES : res.merges;
    item.pending = true;
    if (item.attributed !== customerId) {
      if (item.attributed !== '') tenant.identityChanges.reattributed.add(event.id);
      if (tenant.standard) attributeEvent(regroup, item, item.attributed, customerId);
      item.attributed = customerId;
    }
    // Host projections follow merges and unmerges by re-partitioning the customers involved.
    for (const merge of merges) tenant.identityChanges.regrouped.add(merge.survivorId).add(merge.mergedId);
    if (unmergeRoot !== undefined) tenant.identityChanges.regrouped.add(unmergeRoot).add((event as { data: { customerId: string } }).data.customerId);
    // Without the standard projections nothing needs to go back: the bookkeeping below is theirs.
    if (!tenant.standard) continue;
    const canonicalNow = canonicalCustomerId(identity, customerId);
    const known = tenant.firstByCanonical.get(canonicalNow);
    if (known === undefined || known > i) setFirst(tenant, canonicalNow, i);
    for (const merge of merges) {
      (merged ??= new Set()).add(merge.survivorId);
      const first = Math.min(tenant.firstByCanonical.get(merge.mergedId) ?? i, tenant.firstByCanonical.get(merge.survivorId) ?? i);
      setFirst(tenant, merge.survivorId, first);
    }
    if (unmergeRoot !== undefined) {
      const first = tenant.firstByCanonical.get(unmergeRoot) ?? 0;
      if (first < earliestAffected) earliestAffected = first;
    }
  }
  if (!tenant.standard) {
    // Identity only: merges need no going back, since host projections re-partition the customers they join.
    for (const [index, idSnap] of identitySnapshots) tenant.snapshots.push({ index, identity: idSnap, cases: point.cases, customers: point.customers, views: point.views });
    point.index = events.length;
    return Number.POSITIVE_INFINITY;
  }
  if (earliestAffected < start) return earliestAffected;
  const lookup = lookupOf(point.cases, point.identity);
  // After an eviction the base holds customers folded before index 0: a merge with one of them regroups too.
  // Each surviving group once, whatever the number of merges that formed it in the range. Every group is
  // looked at before any is regrouped, so a batch stopped for evicted events has changed only the identity
  // graph and the attribution (a head fold undoes just those: see `addEvents`), and so that the groups whose
  // evicted events must be read back are all named at once, one read serving them all.
  const regroups: { survivorId: string; members: string[]; evicted: EvictedMember | undefined }[] = [];
  if (merged !== undefined && (start > 0 || tenant.base !== undefined)) {
    const survivors = new Set<string>();
    for (const id of merged) survivors.add(canonicalCustomerId(identity, id));
    let requested: GroupHistoryRequest | undefined;
    for (const survivorId of survivors) {
      const members = mergedGroup(identity, survivorId);
      try {
        regroups.push({ survivorId, members, evicted: evictedRecordOf(tenant, members, identity, point.cases, events[start]!, config) });
      } catch (error) {
        const request = isHistoryNeeded(error) ? requestOf(error).request : undefined;
        if (request === undefined) throw error;
        requested = requested === undefined ? request : joinRequests(requested, request);
      }
    }
    if (requested !== undefined) throw historyNeeded(`customers with evicted events are merged (${requested.customers.join(', ')})`, requested);
  }
  const undo = headUndos.get(tenant);
  if (undo !== undefined && undo.head === point) undo.touched = true;
  // A snapshot at the range's start is taken before the regrouping below changes the customers.
  const atStart = identitySnapshots.get(start);
  if (atStart !== undefined) {
    identitySnapshots.delete(start);
    tenant.snapshots.push({ index: start, identity: atStart, cases: shareCasesState(point.cases), customers: shareCustomers(tenant, point.customers), views: cloneViewStates(tenant.projections, point.views) });
  }
  for (const { survivorId, members, evicted } of regroups) {
    const refolded = regroupCustomer(regroup, point.cases, point.customers, survivorId, members, lookup, config, evicted);
    tenant.stats.regroups++;
    tenant.stats.regroupedEvents += refolded;
  }
  // One event object reused for every event, as in the batch fold: the projections copy what they keep.
  const je: JourneyEvent = { event: events[start]?.event as CatalogEvent, at: 0, customerId: '', attributedCustomerId: '' };
  for (let i = start; i < events.length; i++) {
    const idSnap = identitySnapshots.get(i);
    if (idSnap) {
      tenant.snapshots.push({
        index: i,
        identity: idSnap,
        cases: shareCasesState(point.cases),
        customers: shareCustomers(tenant, point.customers),
        views: cloneViewStates(tenant.projections, point.views),
        ...(merged === undefined ? {} : { ahead: true }),
      });
    }
    const item = events[i]!;
    je.event = item.event;
    je.at = item.at;
    je.attributedCustomerId = item.attributed;
    je.customerId = canonicalCustomerId(identity, item.attributed);
    const effects = applyCaseEvent(point.cases, je, config);
    noteMoments(regroup, point.cases, item, effects);
    const rec = writableRecord(tenant, point.customers, je.customerId);
    applyCustomerEventAt(rec, rec.ids.length, je, effects, lookup, config);
    if (tenant.projections.length > 0) applyViews(tenant.projections, point.views, je, effects, lookup, config);
    item.effects = effects;
    item.foldedAs = je.customerId;
    item.pending = false;
    tenant.stats.applied++;
  }
  point.index = events.length;
  return Number.POSITIVE_INFINITY;
}

/**
 * The one record of a merged group's members that holds evicted events (its state at the eviction
 * boundary), if any. Two or more are re-folded together from the group's events, the evicted ones read back
 * from the store (`refoldedFromHistory`).
 *
 * An anonymous member seen before the boundary needs care: whether it was merged later decides the
 * identity gaps of the cases its events opened (`anonymousThenMerged`, read nowhere else), and a merge in
 * the range (from its first event `from` on) can turn that answer from no to yes (merges that stand only add
 * yeses). Nothing changes for a member merged before the range (its events all precede that merge) or one
 * whose evicted events opened no case. Otherwise the gaps its evicted events now show are derived from its
 * cases (`identityGaps`) and returned with its record, for the regrouping to add; the history is needed only
 * when they cannot be derived.
 */
function evictedRecordOf(
  tenant: LiveTenant,
  members: readonly string[],
  identity: IdentityState,
  cases: CasesState,
  from: { at: number; id: string },
  config: JourneyConfig,
): EvictedMember | undefined {
  const base = tenant.base?.customers.customers;
  if (base === undefined) return undefined;
  const withBase: { key: string; record: CustomerRecord }[] = [];
  for (const m of members) {
    const record = base.get(m);
    // Read, never changed here: the regrouping folds onto a copy.
    if (record !== undefined) withBase.push({ key: m, record: readCustomerRecord(record) });
  }
  if (withBase.length > 1) return refoldedFromHistory(tenant, members, withBase, identity, cases, config);
  const boundary = tenant.horizon?.at ?? Number.POSITIVE_INFINITY;
  let anonymous: string | undefined;
  for (const m of members) {
    const node = identity.customers.get(m);
    if (node === undefined || !node.anonymous || node.firstSeenAt > boundary) continue;
    if (mergedBefore(identity, m, from.at, from.id) || !openedCaseBy(cases, m, boundary)) continue;
    if (anonymous !== undefined) throw historyNeeded(`anonymous customers ${anonymous} and ${m}, seen before the evicted events' end, are merged`);
    anonymous = m;
  }
  const found = withBase[0];
  if (anonymous === undefined) return found;
  const gaps = found?.key === anonymous ? identityGaps(identity, cases, found.record, anonymous, boundary) : undefined;
  if (gaps === undefined) throw historyNeeded(`anonymous customer ${anonymous}, seen before the evicted events' end, is merged`);
  return gaps.length === 0 ? found : { ...found!, gaps };
}

/**
 * The survivor's record of a group several of whose members have evicted events, re-folded on its own from
 * the group's events: the evicted ones (the ids their records' timelines hold) come from the store, read by
 * the caller on the request this throws while `tenant.supplied` lacks them. When the re-fold's checks fail
 * (refoldGroupAlone), the tenant's history is needed.
 */
function refoldedFromHistory(
  tenant: LiveTenant,
  members: readonly string[],
  withBase: readonly { key: string; record: CustomerRecord }[],
  identity: IdentityState,
  cases: CasesState,
  config: JourneyConfig,
): EvictedMember {
  const reason = `customers ${withBase.map((b) => b.key).join(' and ')}, each with evicted events, are merged`;
  const supplied = tenant.supplied;
  const missing = supplied === undefined ? true : withBase.some((b) => b.record.ids.some((id) => !supplied.has(id)));
  if (missing) {
    const identityKeys: string[] = [];
    for (const m of members) for (const [type, values] of identity.customers.get(m)?.byType ?? []) for (const value of values) identityKeys.push(`${type}:${value}`);
    throw historyNeeded(reason, { customers: members.slice(), identityKeys, ids: withBase.flatMap((b) => b.record.ids) });
  }
  const groupCases = new Map<string, CaseRecord>();
  // Who an evicted event was attributed to matters only where it opened a case (identity gaps): the case says.
  const openedBy = new Map<string, string>();
  for (const m of members) {
    for (const c of cases.byCustomer.get(m) ?? []) {
      groupCases.set(c.caseId, c);
      openedBy.set(c.openedEventId, c.attributedCustomerId);
    }
  }
  const events: GroupEvent[] = [];
  for (const { key, record } of withBase) {
    for (let k = 0; k < record.ids.length; k++) {
      const event = supplied!.get(record.ids[k]!)!;
      events.push({ id: event.id, occurredAt: event.occurredAt, at: record.ats[k]!, event, attributed: openedBy.get(event.id) ?? key });
    }
  }
  for (const m of members) for (const e of tenant.regroup.byAttributed.get(m) ?? []) if (!e.pending) events.push({ id: e.id, occurredAt: e.occurredAt, at: e.at, event: e.event, attributed: e.attributed });
  events.sort(compareEventOrder);
  const survivorId = members[0]!;
  const record = refoldGroupAlone(events, survivorId, groupCases, (id, at, eventId) => anonymousThenMerged(identity, id, at, eventId), config);
  if (record === undefined) throw historyNeeded(`${reason}, and their cases hold other customers' events`);
  // The member whose record held the group's first event: where a fold from scratch puts the survivor's entry.
  let first = withBase[0]!;
  for (const b of withBase) if (compareEventOrder({ at: b.record.ats[0]!, id: b.record.ids[0]!, occurredAt: '' }, { at: first.record.ats[0]!, id: first.record.ids[0]!, occurredAt: '' }) < 0) first = b;
  return { key: first.key, record, refolded: true };
}

/**
 * Whether an event attributed to `customerId` at or before `until` opened a case. Read before the range's
 * merges relabel its cases: a customer not merged before the range has its cases under its own id.
 */
function openedCaseBy(cases: CasesState, customerId: string, until: number): boolean {
  for (const c of cases.byCustomer.get(customerId) ?? []) if (c.attributedCustomerId === customerId && c.openedAt <= until) return true;
  return false;
}

/**
 * The identity gaps the evicted events of anonymous `customerId` show now and its record at the boundary
 * lacks: one per case such an event opened that `anonymousThenMerged` now answers yes for (the fold's rule,
 * journey-map/state.ts). The fold annotates only an opening event that names no customer; one attributed to
 * an anonymous customer names none unless a host-named member was merged into it by then, so that case (and
 * another event's annotation at the same instant, whose order would need the events) answers `undefined`:
 * re-read.
 */
function identityGaps(identity: IdentityState, cases: CasesState, record: CustomerRecord, customerId: string, until: number): ContextLostAnnotation[] | undefined {
  const named = mergedGroup(identity, customerId)
    .slice(1)
    .map((m) => identity.customers.get(m)!)
    .filter((n) => !n.anonymous);
  const lost = record.journey.contextLost;
  const gaps: ContextLostAnnotation[] = [];
  for (const c of cases.byCustomer.get(customerId) ?? []) {
    if (c.attributedCustomerId !== customerId || c.openedAt > until) continue;
    if (!anonymousThenMerged(identity, customerId, c.openedAt, c.openedEventId)) continue;
    if (lost.some((a) => a.kind === 'identity_gap' && a.caseId === c.caseId)) continue;
    if (named.some((n) => n.mergedInto !== undefined && (n.mergedAt < c.openedAt || (n.mergedAt === c.openedAt && n.mergedBy <= c.openedEventId)))) return undefined;
    // The opening event's own annotations (same instant, same case) have their place; another event's would need the order of ids.
    if (lost.some((a) => a.at === c.openedAt && a.caseId !== c.caseId)) return undefined;
    gaps.push({ kind: 'identity_gap', at: c.openedAt, caseId: c.caseId, evidence: [c.openedEventId] });
  }
  return gaps;
}

/** Notes the moments of the cases an event changed: the case it acted on, and both sides of a case merge. */
function noteMoments(regroup: RegroupIndex, cases: CasesState, item: LiveEvent, effects: CaseEffects): void {
  if (effects.caseId !== undefined) noteCaseMoment(regroup, item, cases.cases.get(effects.caseId));
  const opened = effects.opened;
  if (opened !== undefined && opened.caseId !== effects.caseId) noteCaseMoment(regroup, item, cases.cases.get(opened.caseId));
  const merged = effects.merged;
  if (merged !== undefined) {
    noteCaseMoment(regroup, item, cases.cases.get(merged.sourceCaseId));
    noteCaseMoment(regroup, item, cases.cases.get(merged.targetCaseId));
  }
  const named = item.event.caseId;
  if (named !== undefined && named !== effects.caseId) noteCaseMoment(regroup, item, routeCase(cases, named));
}

/**
 * Adds events to a live tenant and brings its fold up to date; events it already holds (by id) are
 * skipped unless the caller vouches that none is (`distinct`). `hashes`, when given, are the ids' hashes
 * (`hashString`), in the order of `incoming`; `contents`, their content hashes as given (`jsonContentHash` of
 * the input; of the event itself when absent). Returns the index from which the fold was recomputed, and the
 * added events in order.
 *
 * After an eviction (see {@link evictBefore}) a batch can need the events that left memory: one that sorts
 * at or before the last evicted event, a merge of two customers that both have evicted events, an unmerge
 * of one. Then nothing is added (the fold is rolled back to where it was) and `needsHistory` is true: the
 * caller re-reads the tenant's events and adds the batch to a tenant rebuilt from them. `afterFold` runs once
 * the batch is folded, inside the same roll-back: a check that throws {@link historyNeeded} (the host
 * projections', whose partitions hold what evicted events contributed under their customer then) rolls the
 * batch back the same way.
 */
export function addEvents(
  tenant: LiveTenant,
  incoming: readonly CatalogEvent[],
  config: JourneyConfig,
  distinct = false,
  hashes?: readonly number[],
  contents?: readonly number[],
  afterFold?: (tenant: LiveTenant) => void,
): { refoldedFrom: number; added: LiveEvent[]; needsHistory?: true; request?: GroupHistoryRequest } {
  if (incoming.length === 0) return { refoldedFrom: tenant.events.length, added: [] };
  // A tenant whose roll-back needed merged groups' events is re-folded first, now that they are supplied.
  if (tenant.broken && tenant.supplied !== undefined) {
    try {
      refoldFrom(tenant, tenant.repairFrom ?? 0, config, true);
      tenant.broken = false;
      tenant.repairFrom = undefined;
    } catch (error) {
      if (!isHistoryNeeded(error)) throw error;
      return { refoldedFrom: -1, added: [], needsHistory: true, ...requestOf(error) };
    }
  }
  let firstChanged = tenant.events.length;
  const { recorded, ids } = tenant.index;
  const items: LiveEvent[] = [];
  // What goes into the engine's index once the batch is folded: every new event, erasures included.
  const indexed: { event: CatalogEvent; hash: number; content: number }[] = [];
  const inBatch = distinct ? undefined : new Set<string>();
  for (let i = 0; i < incoming.length; i++) {
    const event = incoming[i]!;
    const hash = hashes === undefined ? hashString(event.id) : hashes[i]!;
    // A redelivery (or a second copy in the batch) of an event already folded changes nothing; `distinct`
    // says the caller knows there is none.
    if (inBatch !== undefined) {
      if (inBatch.has(event.id) || ids.find(event.id, hash) !== undefined) continue;
      inBatch.add(event.id);
    }
    indexed.push({ event, hash, content: contents === undefined ? jsonContentHash(event) : contents[i]! });
    // Recorded (a redelivery is recognised) but not folded: see the replay log's `add` and docs/privacy.md.
    if (event.type === 'CustomerErased') continue;
    items.push({
      id: event.id,
      occurredAt: event.occurredAt,
      event,
      at: instantMs(event.occurredAt),
      attributed: '',
      customerId: '',
      attributedCustomerId: '',
      effects: NO_CASE_EFFECTS,
      pending: true,
      foldedAs: '',
      noted: undefined,
    });
  }
  // Sorted first, so a batch that is in order as a whole (however it was grouped by stream) only appends.
  items.sort(compareEventOrder);
  const horizon = tenant.horizon;
  if (horizon !== undefined && items.length > 0 && compareEventOrder(items[0]!, horizon) <= 0) return { refoldedFrom: -1, added: [], needsHistory: true };
  if (items.length > 0) {
    for (const item of items) {
      const at = insertInOrder(tenant.events, item);
      if (at < firstChanged) firstChanged = at;
    }
    if (horizon !== undefined) tenant.firstUndo = [];
    // A batch folded onto the head (in order, the usual case) records what the identity pass changes, so
    // that stopping it for evicted events, before anything else changed, undoes that alone.
    const head = tenant.head;
    const undo: HeadUndo | undefined =
      horizon !== undefined && firstChanged >= head.index && !tenant.broken
        ? { head, touched: false, changes: { reattributed: new Set(tenant.identityChanges.reattributed), regrouped: new Set(tenant.identityChanges.regrouped), rewound: tenant.identityChanges.rewound } }
        : undefined;
    if (undo !== undefined) {
      journalIdentityChanges(head.identity);
      headUndos.set(tenant, undo);
    }
    try {
      refoldFrom(tenant, firstChanged, config);
      if (horizon !== undefined) afterFold?.(tenant);
    } catch (error) {
      if (!isHistoryNeeded(error)) throw error;
      try {
        if (undo !== undefined && !undo.touched && tenant.head === head) undoHeadFold(tenant, items, undo);
        else rollBack(tenant, items, firstChanged, config);
      } catch (again) {
        // The held events between the restore point and the batch include a merge of customers with
        // evicted events: the state before the batch cannot be rebuilt from memory either (until the
        // groups' events are supplied: both requests together).
        if (!isHistoryNeeded(again)) throw again;
        tenant.broken = true;
        tenant.repairFrom = Math.min(firstChanged, tenant.events.length);
        const first = requestOf(error).request;
        const second = requestOf(again).request;
        return { refoldedFrom: -1, added: [], needsHistory: true, ...(first === undefined || second === undefined ? {} : { request: joinRequests(first, second) }) };
      }
      return { refoldedFrom: -1, added: [], needsHistory: true, ...requestOf(error) };
    } finally {
      tenant.firstUndo = undefined;
      if (undo !== undefined) {
        headUndos.delete(tenant);
        keepIdentityChanges(head.identity);
      }
    }
    if (tenant.firstAt === undefined || items[0]!.at < tenant.firstAt) tenant.firstAt = items[0]!.at;
  }
  for (const { event, hash, content } of indexed) {
    recorded.push(event);
    tenant.index.contents.push(content);
    ids.add(hash, recorded.length);
  }
  return { refoldedFrom: items.length === 0 ? tenant.events.length : firstChanged, added: items };
}

/** What undoes a batch folded onto the head that stopped before its events were folded (see `addEvents`). */
interface HeadUndo {
  head: FoldPoint;
  /** Set once the fold changes more than the identity graph and the attribution (see `foldRange`). */
  touched: boolean;
  changes: IdentityChanges;
}

// The batch being folded onto a tenant's head, while it is.
const headUndos = new WeakMap<LiveTenant, HeadUndo>();

/**
 * Undoes a batch folded onto the head that stopped for evicted events before folding any event: its events
 * leave the list and the attribution index, `firstByCanonical` and the identity graph get their values
 * back. The head's cases, customers and views were not changed, so nothing is re-folded.
 */
function undoHeadFold(tenant: LiveTenant, items: readonly LiveEvent[], undo: HeadUndo): void {
  dropItems(tenant, items);
  undoIdentityChanges(undo.head.identity);
  tenant.identityChanges = undo.changes;
}

/** Takes a batch's events out of the tenant's list and attribution index, and undoes their `firstByCanonical` changes. */
function dropItems(tenant: LiveTenant, items: readonly LiveEvent[]): void {
  const drop = new Set(items);
  const events = tenant.events;
  let kept = 0;
  for (let i = 0; i < events.length; i++) if (!drop.has(events[i]!)) events[kept++] = events[i]!;
  events.length = kept;
  for (const item of items) if (item.attributed !== '') detachEvent(tenant.regroup, item);
  const undo = tenant.firstUndo ?? [];
  for (let k = undo.length - 1; k >= 0; k--) {
    const [key, previous] = undo[k]!;
    if (previous === undefined) tenant.firstByCanonical.delete(key);
    else tenant.firstByCanonical.set(key, previous);
  }
  tenant.firstUndo = undefined;
}

/**
 * Undoes a fold that stopped for evicted events: the batch's events leave the list and the attribution
 * index, `firstByCanonical` gets its values back, and the state is re-folded from the snapshot before the
 * first of them, so the tenant is what it was before the batch.
 */
function rollBack(tenant: LiveTenant, items: readonly LiveEvent[], firstChanged: number, config: JourneyConfig): void {
  dropItems(tenant, items);
  refoldFrom(tenant, Math.min(firstChanged, tenant.events.length), config, true);
}

/** Removes an event from the attribution index (see `attributeEvent`). */
function detachEvent(index: RegroupIndex, item: LiveEvent): void {
  const list = index.byAttributed.get(item.attributed);
  const at = list === undefined ? -1 : list.indexOf(item);
  if (at >= 0) list!.splice(at, 1);
}

/**
 * Re-folds from the newest snapshot at or before `index` (or continues from the head when nothing before it
 * changed, unless `restore`: the head must be rebuilt). A re-fold that must start before the held events
 * (an unmerge of a customer with evicted events) needs the tenant's history.
 */
function refoldFrom(tenant: LiveTenant, index: number, config: JourneyConfig, restore = false): void {
  let from = index;
  for (;;) {
    if (from < 0) throw historyNeeded('an unmerge re-attributes evicted events');
    let point: FoldPoint;
    if (from >= tenant.head.index && !restore) {
      point = tenant.head;
    } else {
      restore = false;
      tenant.stats.refolds++;
      tenant.identityChanges.rewound = true;
      // Snapshots past `from` miss what changed there: dropped; the re-fold takes new ones.
      tenant.snapshots.length = lastSnapshotAtOrBefore(tenant.snapshots, from, (k) => tenant.snapshots[k]!.index) + 1;
      const snap = tenant.snapshots.at(-1) ?? tenant.base;
      if (snap) point = restorePoint(tenant, snap);
      else {
        tenant.shared = new Set();
        point = emptyFoldPoint(config, tenant.projections);
      }
      forgetMoments(tenant.regroup, tenant.events, point.index);
      tenant.stats.refoldedEvents += tenant.events.length - point.index;
    }
    const earliest = foldRange(tenant, point, config, true);
    if (earliest === Number.POSITIVE_INFINITY) {
      tenant.head = point;
      return;
    }
    // A merge re-attributes events before the range: go back before the merged customer's first event.
    from = earliest;
    if (tenant.head.index > from) tenant.head = { ...tenant.head, index: Number.POSITIVE_INFINITY };
  }
}

/**
 * Drops the fold snapshots older than the newest exact one before `watermark` (ms): with bounded memory they
 * would never be a base, and a late event before them needs the tenant's history once it is evicted anyway.
 * Keeps their number (each holds a copy of the cases, the identity graph and the views) bounded by the
 * horizon while a catch-up, which evicts only at its end, folds a long backlog.
 */
export function pruneSnapshots(tenant: LiveTenant, watermark: number): void {
  if (tenant.snapshots.length < 2) return;
  const k = exactSnapshotAtOrBefore(tenant, heldBefore(tenant, watermark));
  if (k > 0) tenant.snapshots = tenant.snapshots.slice(k);
}

/** How many of the tenant's held events are older than `watermark` (ms): they come first, in fold order. */
function heldBefore(tenant: LiveTenant, watermark: number): number {
  const { events } = tenant;
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.at < watermark) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The position of the newest fold snapshot at or before event index `at` that is an exact state (not `ahead`), or -1. */
function exactSnapshotAtOrBefore(tenant: LiveTenant, at: number): number {
  const { snapshots } = tenant;
  let k = lastSnapshotAtOrBefore(snapshots, at, (j) => snapshots[j]!.index);
  while (k >= 0 && snapshots[k]!.ahead === true) k--;
  return k;
}

/**
 * Evicts from memory the tenant's events older than `watermark` (ms), up to the newest fold snapshot before
 * it, which becomes the tenant's base: what they contributed stays in the state (cases, customer records,
 * identity, views), the events themselves go. Nothing is evicted while fewer than `minEvents` would go, or
 * when `keep` holds for one of them (an event the store has not handed back yet). Returns the evicted events.
 * Only tenants folding the standard projections evict; the caller evicts the same events from the host
 * partitions (`HostProjections.evict`).
 */
export function evictBefore(tenant: LiveTenant, watermark: number, minEvents: number, keep?: (event: LiveEvent) => boolean): LiveEvent[] {
  const { events } = tenant;
  if (!tenant.standard || events.length === 0 || events[0]!.at >= watermark) return [];
  let cut = heldBefore(tenant, watermark);
  if (keep !== undefined) for (let i = 0; i < cut; i++) if (keep(events[i]!)) { cut = i; break; }
  // The base must be the state after exactly the evicted events: a snapshot, or the head when all go.
  let base: FoldPoint | undefined;
  let k = -1;
  if (cut === events.length && tenant.head.index === events.length) {
    base = sharePoint(tenant, tenant.head);
    k = tenant.snapshots.length - 1;
  } else {
    k = exactSnapshotAtOrBefore(tenant, cut);
    if (k >= 0) base = tenant.snapshots[k]!;
  }
  if (base === undefined || base.index < minEvents || base.index === 0) return [];
  const b = base.index;
  const gone = events.splice(0, b);
  const last = gone[gone.length - 1]!;
  tenant.horizon = { at: last.at, occurredAt: last.occurredAt, id: last.id };
  tenant.base = { ...base, index: 0 };
  tenant.snapshots = tenant.snapshots.slice(k + 1).map((p) => ({ ...p, index: p.index - b }));
  tenant.head.index -= b;
  for (const [key, first] of tenant.firstByCanonical) tenant.firstByCanonical.set(key, first - b);
  // The attribution index and the case moments drop what the evicted events noted; each case keeps the
  // last moment before the boundary (what unthreaded_switch reads of it as it stood then).
  const goneSet = new Set<RegroupEvent>(gone);
  for (const [customer, list] of tenant.regroup.byAttributed) {
    const held = list.filter((e) => !goneSet.has(e));
    if (held.length === 0) tenant.regroup.byAttributed.delete(customer);
    else if (held.length !== list.length) tenant.regroup.byAttributed.set(customer, held);
  }
  for (const [caseId, list] of tenant.regroup.moments) {
    let first = 0;
    while (first < list.length && (list[first]!.at < last.at || (list[first]!.at === last.at && list[first]!.id <= last.id))) first++;
    // A case untouched since the boundary and settled there is no candidate for any held or later event:
    // nothing left to read of it (an event that changes it again notes a new moment).
    const standing = list[first - 1];
    if (first === list.length && standing !== undefined && isSettledForUnthreaded(standing.status, standing.resolvedAt, last.at)) tenant.regroup.moments.delete(caseId);
    else if (first > 1) tenant.regroup.moments.set(caseId, list.slice(first - 1));
  }
  tenant.stats.evictedEvents += b;
  packSettledRecords(tenant);
  compactSettledCaseRecords(tenant);
  packFullChunks(
    tenant.head.views,
    [tenant.base!, ...tenant.snapshots].filter((p) => !capturedStates.has(p.views)).map((p) => p.views),
    tenant.spill,
  );
  return gone;
}

// The customers and cases states a capture shares as they are (the base's and the newest fold snapshot's,
// see detachedTenant): a snapshot being encoded in slices reads them, so they are never changed in place
// again. Marked, not counted: a mark outlives the encoding, which costs a map copy at an eviction, never a
// wrong snapshot.
const capturedStates = new WeakSet<object>();

/** Marks the states of the base and the newest fold snapshot as read by a capture (see `capturedStates`). */
function markCaptured(tenant: LiveTenant): void {
  for (const p of [tenant.base, tenant.snapshots[tenant.snapshots.length - 1]]) {
    if (p === undefined) continue;
    capturedStates.add(p.customers);
    capturedStates.add(p.cases);
    capturedStates.add(p.views);
  }
}

/**
 * Packs each customer record the new base shares with the head (none of its events is held any more: it has
 * not changed since the base's point), once per record: the serializer's bytes held as one string, about
 * half the record's size as objects (packed-customers). The packed record takes the record's place in every state that holds it, so that the
 * original is garbage at once and a long-lived tenant's first eviction does not hold every record twice:
 * in place, except in a state a capture reads (`capturedStates`), which gets a new map. It is never changed:
 * the fold unpacks it into a new record of the head before changing it (`writableRecord`).
 */
function packSettledRecords(tenant: LiveTenant): void {
  const base = tenant.base!;
  const head = tenant.head.customers.customers;
  const points = [base, ...tenant.snapshots];
  // The maps changed in place, sorted once; the others get new maps from `copies` at the end.
  const open = points.filter((p) => !capturedStates.has(p.customers)).map((p) => p.customers.customers);
  const copies = open.length === points.length ? undefined : new Map<string, { rec: HeldCustomerRecord; copy: HeldCustomerRecord }>();
  base.customers.customers.forEach((rec, id) => {
    if (isPackedRecord(rec) || head.get(id) !== rec) return;
    const copy = packCustomerRecord(rec, tenant.spill);
    tenant.stats.recordsPacked++;
    copies?.set(id, { rec, copy });
    head.set(id, copy);
    tenant.shared.delete(rec);
    for (const map of open) if (map.get(id) === rec) map.set(id, copy);
  });
  if (copies === undefined || copies.size === 0) return;
  const replaced = (p: FoldPoint): FoldPoint => {
    if (!capturedStates.has(p.customers)) return p;
    const from = p.customers.customers;
    let customers: Map<string, HeldCustomerRecord> | undefined;
    copies.forEach(({ rec, copy }, id) => {
      if (from.get(id) === rec) (customers ??= new Map(from)).set(id, copy);
    });
    return customers === undefined ? p : { ...p, customers: { customers } };
  };
  tenant.base = replaced(base);
  tenant.snapshots = tenant.snapshots.map(replaced);
}

/** The same for the case records the new base shares with the head (see `compactSettledCases`). */
function compactSettledCaseRecords(tenant: LiveTenant): void {
  const { spill } = tenant;
  const { base, others } = compactSettledCases(
    tenant.head.cases,
    tenant.base!.cases,
    tenant.snapshots.map((p) => p.cases),
    (state) => capturedStates.has(state),
    (rec) => packSettledCase(rec, spill),
  );
  if (base !== tenant.base!.cases) tenant.base = { ...tenant.base!, cases: base };
  tenant.snapshots = tenant.snapshots.map((p, i) => (others[i] === p.cases ? p : { ...p, cases: others[i]! }));
}

/**
 * The live tenant as a `TenantFold`, for report sections and queries. The event list and the customer
 * counts are computed on first read only: a state stream emits after every event, most reads never need them.
 */
export function tenantFoldOf(tenant: LiveTenant, config: JourneyConfig): TenantFold {
  const { head } = tenant;
  const canonical = (id: string) => canonicalCustomerId(head.identity, id);
  let events: JourneyEvent[] | undefined;
  let counts: { customers: number; merged: number } | undefined;
  const countCustomers = () => {
    if (counts) return counts;
    const customers = new Set<string>();
    // After an eviction the evicted events' customers are the base's records (keyed by their customer then).
    if (tenant.base !== undefined) for (const id of tenant.base.customers.customers.keys()) customers.add(canonical(id));
    for (const e of tenant.events) customers.add(canonical(e.attributed));
    return (counts = { customers: customers.size, merged: mergedCustomerCount(head.identity) });
  };
  return {
    tenantId: tenant.tenantId,
    get events() {
      return (events ??= tenant.events.map(({ event, at, attributed: attributedCustomerId }) => {
        return { event, at, attributedCustomerId, customerId: canonical(attributedCustomerId) };
      }));
    },
    cases: casesStateView(head.cases),
    customers: customerRecordsView(head.customers),
    views: head.views,
    projections: tenant.projections,
    caseLookup: lookupOf(head.cases, head.identity),
    get customerCount() {
      return countCustomers().customers;
    },
    get mergedCustomers() {
      return countCustomers().merged;
    },
    canonical,
    findCustomer: (text) => findCustomerId(head.identity, text),
    config,
  };
}

/**
 * A tenant's events with `occurredAt ≤ asOf` folded through every standard projection, by the live fold
 * alone: what the engine answers as-of queries with (the batch replay folds the same modules its own way).
 */
export function foldEventsAsOf(
  tenantId: string,
  events: readonly CatalogEvent[],
  asOf: number,
  config: JourneyConfig,
  projections: readonly AnyTenantProjection[] = TENANT_PROJECTIONS,
): TenantFold {
  const tenant = createLiveTenant(tenantId, config, true, createRecordedIndex(), projections);
  const kept = events.filter((event) => event.tenantId === tenantId && instantMs(event.occurredAt) <= asOf);
  // Distinct events of a private index: no redelivery to check, so no content to hash.
  addEvents(tenant, kept, config, true, undefined, new Array<number>(kept.length).fill(0));
  return tenantFoldOf(tenant, config);
}

/**
 * The tenant's fold as of `asOf` (ms): its base and held events with `occurredAt ≤ asOf`, folded in a
 * private copy. `undefined` when `asOf` is before the evicted events' end (the answer needs the tenant's
 * history from the store) or when the copy's fold needs it (a merge of two customers with evicted events).
 */
export function foldTenantAsOf(tenant: LiveTenant, asOf: number, config: JourneyConfig): TenantFold | undefined {
  if (tenant.base === undefined) return foldEventsAsOf(tenant.tenantId, tenant.events.map((e) => e.event), asOf, config, tenant.projections);
  if (tenant.horizon !== undefined && asOf < tenant.horizon.at) return undefined;
  const copy = createLiveTenant(tenant.tenantId, config, true, createRecordedIndex(), tenant.projections);
  copy.base = tenant.base;
  copy.horizon = tenant.horizon;
  copy.firstAt = tenant.firstAt;
  copy.head = restorePoint(copy, tenant.base);
  for (const [key, first] of tenant.firstByCanonical) if (first < 0) copy.firstByCanonical.set(key, first);
  for (const [caseId, list] of tenant.regroup.moments) {
    // The moment each case stood at when the held events begin.
    const kept = list.filter((m) => m.at < tenant.horizon!.at || (m.at === tenant.horizon!.at && m.id <= tenant.horizon!.id));
    if (kept.length > 0) copy.regroup.moments.set(caseId, [kept[kept.length - 1]!]);
  }
  const kept = tenant.events.filter((e) => e.at <= asOf).map((e) => e.event);
  const { needsHistory } = addEvents(copy, kept, config, true, undefined, new Array<number>(kept.length).fill(0));
  return needsHistory || copy.broken ? undefined : tenantFoldOf(copy, config);
}
