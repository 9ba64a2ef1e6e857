import { createIdTable, hashString, type IdTable } from '@omnitrail/eventstore/adapter';
import { compareEventOrder, instantMs, jsonContentHash, type CatalogEvent } from '@omnitrail/events';
import {
  applyCaseEvent,
  caseLookupOf,
  cloneCasesState,
  createCasesState,
  routeCase,
  type CasesState,
} from '../core/cases/index.js';
import { applyCustomerEventAt, cloneCustomerRecord, createCustomerRecord, createCustomersState, type CustomerRecord, type CustomersState } from '../core/customers/index.js';
import {
  anonymousThenMerged,
  canonicalCustomerId,
  cloneIdentityState,
  createIdentityState,
  mergedCustomerCount,
  findCustomerId,
  mergedGroup,
  namedOnlyCustomer,
  resolveIdentity,
  resolveNamedCustomer,
  type CustomerMerge,
  type IdentityState,
} from '../core/identity/index.js';
import { NO_CASE_EFFECTS, type CaseEffects, type CaseLookup, type JourneyConfig, type JourneyEvent } from '../core/model/index.js';
import { insertInOrder, lastSnapshotAtOrBefore } from './snapshots/index.js';
import { attributeEvent, createRegroupIndex, forgetMoments, noteCaseMoment, regroupCustomer, type RegroupEvent, type RegroupIndex } from './customer-regroup.js';
import { applyViews, cloneViewStates, createViewStates, TENANT_PROJECTIONS, type AnyTenantProjection, type TenantFold } from '../core/standard/index.js';

const NO_MERGES: readonly CustomerMerge[] = [];


/** The fold state after a prefix of a tenant's events: what a snapshot holds. */
interface FoldPoint {
  /** Number of events folded. */
  index: number;
  identity: IdentityState;
  cases: CasesState;
  customers: CustomersState;
  /** The tenant-wide projections' states (`LiveTenant.projections`). */
  views: unknown[];
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
  stats: { applied: number; refolds: number; refoldedEvents: number; regroups: number; regroupedEvents: number };
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
  readonly ids: IdTable;
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
    stats: { applied: 0, refolds: 0, refoldedEvents: 0, regroups: 0, regroupedEvents: 0 },
    firstByCanonical: new Map(),
    regroup: createRegroupIndex(),
    standard,
    identityChanges: { reattributed: new Set(), regrouped: new Set(), rewound: false },
    projections,
    shared: new Set(),
  };
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

/** A working copy of a snapshot for the head: its customer records shared until the fold changes them. */
function restorePoint(tenant: LiveTenant, p: FoldPoint): FoldPoint {
  tenant.shared = new Set();
  return {
    index: p.index,
    identity: cloneIdentityState(p.identity),
    cases: cloneCasesState(p.cases),
    customers: shareCustomers(tenant, p.customers),
    views: cloneViewStates(tenant.projections, p.views),
  };
}

/** The customers state for a snapshot (or from one): a new map of the same records, now shared. */
function shareCustomers(tenant: LiveTenant, state: CustomersState): CustomersState {
  const customers = new Map(state.customers);
  for (const rec of customers.values()) tenant.shared.add(rec);
  return { customers };
}

/** The head's record of a customer, ready to change: created when new, copied first when a snapshot shares it. */
function writableRecord(tenant: LiveTenant, state: CustomersState, customerId: string): CustomerRecord {
  const rec = state.customers.get(customerId);
  if (rec === undefined) {
    const created = createCustomerRecord(customerId);
    state.customers.set(customerId, created);
    return created;
  }
  if (tenant.shared.size === 0 || !tenant.shared.has(rec)) return rec;
  const copy = cloneCustomerRecord(rec);
  tenant.shared.delete(rec);
  state.customers.set(customerId, copy);
  return copy;
}

/** How many events between snapshots: grows with the log so cloning stays a small share of the work. */
function snapshotInterval(tenant: LiveTenant): number {
  return Math.max(1024, Math.floor(Math.sqrt(tenant.events.length) * 48));
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
    if (takeSnapshots && i > start && i % interval === 0) identitySnapshots.set(i, cloneIdentityState(identity));
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
    if (known === undefined || known > i) tenant.firstByCanonical.set(canonicalNow, i);
    for (const merge of merges) {
      (merged ??= new Set()).add(merge.survivorId);
      const first = Math.min(tenant.firstByCanonical.get(merge.mergedId) ?? i, tenant.firstByCanonical.get(merge.survivorId) ?? i);
      tenant.firstByCanonical.set(merge.survivorId, first);
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
  if (merged !== undefined && start > 0) {
    // Each surviving group once, whatever the number of merges that formed it in the range.
    const survivors = new Set<string>();
    for (const id of merged) survivors.add(canonicalCustomerId(identity, id));
    for (const survivorId of survivors) {
      const refolded = regroupCustomer(regroup, point.cases, point.customers, survivorId, mergedGroup(identity, survivorId), lookup, config);
      tenant.stats.regroups++;
      tenant.stats.regroupedEvents += refolded;
    }
  }
  // One event object reused for every event, as in the batch fold: the projections copy what they keep.
  const je: JourneyEvent = { event: events[start]?.event as CatalogEvent, at: 0, customerId: '', attributedCustomerId: '' };
  for (let i = start; i < events.length; i++) {
    const idSnap = identitySnapshots.get(i);
    if (idSnap) {
      tenant.snapshots.push({
        index: i,
        identity: idSnap,
        cases: cloneCasesState(point.cases),
        customers: shareCustomers(tenant, point.customers),
        views: cloneViewStates(tenant.projections, point.views),
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
 */
export function addEvents(
  tenant: LiveTenant,
  incoming: readonly CatalogEvent[],
  config: JourneyConfig,
  distinct = false,
  hashes?: readonly number[],
  contents?: readonly number[],
): { refoldedFrom: number; added: LiveEvent[] } {
  if (incoming.length === 0) return { refoldedFrom: tenant.events.length, added: [] };
  let firstChanged = tenant.events.length;
  const { recorded, ids } = tenant.index;
  const items: LiveEvent[] = [];
  for (let i = 0; i < incoming.length; i++) {
    const event = incoming[i]!;
    const hash = hashes === undefined ? hashString(event.id) : hashes[i]!;
    // A redelivery (or a second copy in the batch) of an event already folded changes nothing; `distinct`
    // says the caller knows there is none.
    if (!distinct && ids.find(event.id, hash) !== undefined) continue;
    recorded.push(event);
    tenant.index.contents.push(contents === undefined ? jsonContentHash(event) : contents[i]!);
    ids.add(hash, recorded.length);
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
  if (items.length === 0) return { refoldedFrom: tenant.events.length, added: items };
  // Sorted first, so a batch that is in order as a whole (however it was grouped by stream) only appends.
  items.sort(compareEventOrder);
  for (const item of items) {
    const at = insertInOrder(tenant.events, item);
    if (at < firstChanged) firstChanged = at;
  }
  refoldFrom(tenant, firstChanged, config);
  return { refoldedFrom: firstChanged, added: items };
}

/** Re-folds from the newest snapshot at or before `index` (or continues from the head when nothing before it changed). */
function refoldFrom(tenant: LiveTenant, index: number, config: JourneyConfig): void {
  let from = index;
  for (;;) {
    let point: FoldPoint;
    if (from >= tenant.head.index) {
      point = tenant.head;
    } else {
      tenant.stats.refolds++;
      tenant.identityChanges.rewound = true;
      // Snapshots past `from` miss what changed there: dropped; the re-fold takes new ones.
      tenant.snapshots.length = lastSnapshotAtOrBefore(tenant.snapshots, from, (k) => tenant.snapshots[k]!.index) + 1;
      const snap = tenant.snapshots.at(-1);
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
    cases: head.cases,
    customers: head.customers,
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
