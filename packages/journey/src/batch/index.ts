import { instantMs, type CatalogEvent, type Channel } from '@omnitrail/events';
import { caseLookupOf, createCasesState, type CaseRecord, type CasesState } from '../core/cases/index.js';
import { applyCaseEventCode, applyCaseEventKnown, CASE_FX, CASE_FX_FALLBACK, CASE_FX_NONE, followKnown } from '../core/cases/fold.js';
import { resolveJourneyConfig } from '../core/config/index.js';
import { createCustomersState, customerRecord, type CustomerRecord, type CustomersState } from '../core/customers/index.js';
import { applyCustomerEventAt } from '../core/customers/index.js';
import { resolveOrderedIdentities } from '../core/identity/index.js';
import { customerJourney, type CustomerJourneyView } from '../core/journey-map/index.js';
import { unthreadedCandidates } from '../core/journey-map/state.js';
import type { CaseEffects, CaseLookup, JourneyConfig, JourneyEvent, ReportWindow, UnthreadedCandidate } from '../core/model/index.js';
import type { TenantReport } from '../core/report/types.js';
import { applyViews, createViewStates, mergeTenantTallies, TENANT_PROJECTIONS, tenantReportOf, tenantTally, type AnyTenantProjection, type TenantFold, type TenantTally } from '../core/standard/index.js';
import { channelOfNumber } from '../core/customers/codes.js';
import { createReplayEventLog, readByPosition, replayEventLogOf, type EventSequence, type ReplayEventLog, type TenantEventColumns } from './log.js';
import { timeOrder } from './order.js';

export { caseLinkKey, createLinkSets, foldLinkKeys, partitionEvents, type LinkSets } from './parts.js';
export { createReplayEventLog, ranksByPosition, replayEventLogOf, SPILLED_WINDOW_EVENTS, type EventSequence, type ReplayEventLog, type SpilledEventReader, type TenantEventColumns } from './log.js';

/** What `replayReport` folds and the instants it describes. */
export interface ReplayOptions {
  /** Accepted, distinct events of every tenant, in any order, as a list or a {@link ReplayEventLog}. */
  events: readonly CatalogEvent[] | ReplayEventLog;
  /** The instant the report describes (ms); default: the latest `occurredAt` + 1 ms. */
  asOf?: number;
  /** Metrics period start (ms); default: the earliest `occurredAt`. */
  from?: number;
  /** Metrics period end, exclusive (ms); default: `asOf`. */
  to?: number;
  /** Report only this tenant. */
  tenant?: string;
  config?: Partial<JourneyConfig>;
  /**
   * When `events` are only a part of the events the report describes (one of several parts folded apart,
   * see {@link replayTally}): the earliest and latest `occurredAt` of all of them, which the default instants
   * come from. Default: those of `events`.
   */
  bounds?: ReplayBounds;
}

/** The earliest and latest `occurredAt` (ms) of a set of events. */
export interface ReplayBounds {
  minAt: number;
  maxAt: number;
}

/** The instants and tenant sections of a replay report (the CLI adds the input counters). */
export interface ReplayResult {
  asOf: string | null;
  from: string | null;
  to: string | null;
  tenants: Record<string, TenantReport>;
}

/**
 * Folds one tenant's events with `occurredAt ≤ asOf` through identity resolution, the cases projection and
 * the customer projections, in `(occurredAt, id)` order. Identity is resolved over the whole prefix first,
 * so every projection sees the survivor's id from the start (merge equivalence). Events of other tenants
 * are ignored.
 */
export function foldTenant(
  tenantId: string,
  events: readonly CatalogEvent[],
  asOf: number,
  config: JourneyConfig,
  projections: readonly AnyTenantProjection[] = TENANT_PROJECTIONS,
): TenantFold {
  const log = createReplayEventLog(events.length);
  for (const event of events) if (event.tenantId === tenantId) log.add(event);
  return foldTenantColumns(log, tenantId, asOf, config, projections);
}

/** No events. */
const EMPTY_COLUMNS: TenantEventColumns = {
  tenantId: '',
  count: 0,
  positions: new Int32Array(0),
  ats: new Float64Array(0),
  ids: [],
  named: new Int32Array(0),
  namedIds: [],
  cases: new Int32Array(0),
  caseIds: [],
  ops: new Uint8Array(0),
  channels: new Int32Array(0),
};

/**
 * {@link foldTenant} over a tenant's columns in a {@link ReplayEventLog}. The columns give what ordering,
 * identity and most of the cases fold need; the events themselves are read only where a projection needs
 * them, and when the log is spilled they are read back (the customer projections' through the log's
 * `sequence`, a run at a time), so memory holds the columns, the state and one run of events.
 */
export function foldTenantColumns(
  log: ReplayEventLog,
  tenantId: string,
  asOf: number,
  config: JourneyConfig,
  projections: readonly AnyTenantProjection[] = TENANT_PROJECTIONS,
): TenantFold {
  const columns = log.tenants.get(tenantId) ?? EMPTY_COLUMNS;
  const total = columns.count;
  const spilled = log.spilled;
  // The tenant's events up to asOf, as indexes into its columns.
  const keptLocal = new Int32Array(total);
  const keptAts = new Float64Array(total);
  let n = 0;
  for (let i = 0; i < total; i++) {
    const at = columns.ats[i]!;
    if (!(at <= asOf)) continue; // an unparsable instant (NaN) is left out too
    keptLocal[n] = i;
    keptAts[n] = at;
    n++;
  }
  const unsortedAts = keptAts.subarray(0, n);
  const ids = columns.ids;
  const order = timeOrder(unsortedAts, (i) => ids[keptLocal[i]!]!);
  // In time order: the events held in memory (all of them, or when spilled only those identity reads),
  // their log positions, and the columns the passes below read.
  const sorted = new Array<CatalogEvent | undefined>(n);
  const positionOf = new Int32Array(n);
  const ats = new Float64Array(n);
  const namedOf = new Int32Array(n);
  const caseOf = new Int32Array(n);
  const opOf = new Uint8Array(n);
  const channelOf = new Array<Channel | undefined>(n);
  for (let k = 0; k < n; k++) {
    const local = keptLocal[order[k]!]!;
    const position = (positionOf[k] = columns.positions[local]!);
    sorted[k] = log.held(position);
    ats[k] = columns.ats[local]!;
    namedOf[k] = columns.named[local]!;
    const c = (caseOf[k] = columns.cases[local]!);
    if (c >= 0) {
      opOf[k] = columns.ops[local]!;
      const channel = columns.channels[local]!;
      channelOf[k] = channel < 0 ? undefined : channelOfNumber(channel);
    }
  }
  // Identity reads only the events that do more than name their customer, which a log always holds.
  const identity = resolveOrderedIdentities(sorted as readonly CatalogEvent[], ats, config, { of: namedOf, ids: columns.namedIds });
  const attributed = identity.attributed;
  const cases = createCasesState();
  const customers = createCustomersState();
  const caseLookup = caseLookupOf(cases, identity.anonymousThenMerged);
  const customerOf = identity.customerOf;
  const customerIds = identity.customerIds;
  const customerCount = customerIds.length;
  // Per final customer, its record: an array index instead of a hash lookup by id for every event.
  const records = new Array<CustomerRecord | undefined>(customerCount).fill(undefined);
  // Events per customer: the timeline arrays are allocated at their final size, then filled by position.
  const counts = new Int32Array(customerCount);
  for (let i = 0; i < n; i++) counts[customerOf[i]!]!++;
  // Per case index, the record under that case id once it exists (records are never replaced).
  const caseRecords = new Array<CaseRecord | undefined>(columns.caseIds.length).fill(undefined);
  // Two passes. The cases projection spans customers (a case can get events of several customers, samples
  // and anomalies are listed in time order), so it folds every event in time order and notes each event's
  // effects. The customer projections read nothing of other customers, and of the cases only what an
  // opening notes here (the unthreaded-switch candidates as they were then; the case a follow-up follows,
  // whose opening never changes): they fold customer by customer, in time order within a customer, so a
  // customer's state stays in cache while its events are folded instead of being fetched again for each one.
  // Each event's slot in that customer-grouped order (a counting sort on the customer index). The first pass
  // writes what the second reads into these slots, so the second reads its columns in order.
  const slotOf = new Int32Array(n);
  {
    const next = new Int32Array(customerCount);
    for (let customer = 0, sum = 0; customer < customerCount; customer++) {
      next[customer] = sum;
      sum += counts[customer]!;
    }
    for (let i = 0; i < n; i++) slotOf[i] = next[customerOf[i]!]!++;
  }
  // The events in that order: all of them when the log holds them; when spilled, one run at a time (read
  // back in the customer pass, see below).
  const groupedEvents = new Array<CatalogEvent>(spilled ? 0 : n);
  // When spilled, each slot's index in the tenant's columns (its log position and id).
  const groupedLocal = spilled ? new Int32Array(n) : EMPTY_POSITIONS;
  let sequence: EventSequence | undefined;
  let window = n;
  const groupedAts = new Float64Array(n);
  const groupedAttributed = new Array<string>(n);
  // The effects as columns, not the effects objects: those then die young instead of being kept (and copied
  // by the collector) until the second pass, and that pass hands the customer projections one reused
  // object of a single shape. `rare` keeps the few effects with an opening, a merge or an anomaly.
  const groupedCaseId = new Array<string | undefined>(n);
  const groupedFlags = new Uint8Array(n);
  // They are listed in `rare`, and by slot `rareOf` holds their position there (read only under the RARE bit):
  // an array read instead of a hash lookup, and no large number-keyed Map to grow.
  const rare: CaseEffects[] = [];
  const rareOf = new Int32Array(n);
  // Per rare entry: for an opening, its unthreaded-switch candidates (NO_CANDIDATES when none), else undefined.
  const unthreaded: (readonly UnthreadedCandidate[] | undefined)[] = [];
  // One event object reused for every event: the projections copy what they keep and never hold on to it.
  const je: JourneyEvent = { event: sorted[0]!, at: n > 0 ? ats[0]! : 0.5, customerId: '', attributedCustomerId: '' };
  // The tenant-wide projections after cases fold in this time-ordered pass, reading the events' effects.
  const views = createViewStates(projections, config);
  const withViews = projections.length > 0;
  const viewEffects = withViews ? emptyEffects() : undefined;
  /** Folds event `k` (in time order, its case effects noted) into the tenant-wide projections. */
  const foldViewsAfter = (k: number): void => {
    if (k < 0) return;
    const slot = slotOf[k]!;
    const flags = groupedFlags[slot]!;
    setEffects(viewEffects!, groupedCaseId[slot], flags, (flags & RARE) === 0 ? undefined : rare[rareOf[slot]!]);
    je.event = sorted[k] ?? log.event(positionOf[k]!);
    je.at = ats[k]!;
    je.customerId = customerIds[customerOf[k]!]!;
    je.attributedCustomerId = attributed[k]!;
    applyViews(projections, views, je, viewEffects!, caseLookup, config);
  };
  for (let i = 0; i < n; i++) {
    if (withViews) foldViewsAfter(i - 1);
    const customer = customerOf[i]!;
    // Records are created in time order of the customers' first events, as applyCustomerEvent would.
    if (records[customer] === undefined) presize((records[customer] = customerRecord(customers, customerIds[customer]!)), counts[customer]!);
    const slot = slotOf[i]!;
    const held = sorted[i];
    if (spilled) groupedLocal[slot] = keptLocal[order[i]!]!;
    else groupedEvents[slot] = held!;
    groupedAts[slot] = ats[i]!;
    groupedAttributed[slot] = attributed[i]!;
    const c = caseOf[i]!;
    if (c < 0) {
      // Without a caseId the cases projection does nothing (no effects): the event need not even be read here.
      groupedCaseId[slot] = undefined;
      continue;
    }
    const known = caseRecords[c];
    if (known !== undefined) {
      // The common cases on a known case, from the columns: the event object is not read.
      const rec = followKnown(cases, known);
      if (rec !== undefined) {
        const bits = applyCaseEventCode(cases, rec, opOf[i]!, channelOf[i], ats[i]!, config);
        if (bits !== CASE_FX_FALLBACK) {
          groupedCaseId[slot] = bits === CASE_FX_NONE ? undefined : rec.caseId;
          groupedFlags[slot] = bits === CASE_FX_NONE ? 0 : bits;
          continue;
        }
      }
    }
    const event = held ?? log.event(positionOf[i]!);
    je.event = event;
    je.at = ats[i]!;
    je.customerId = customerIds[customer]!;
    je.attributedCustomerId = attributed[i]!;
    const effects = applyCaseEventKnown(cases, je, config, known);
    if (known === undefined) caseRecords[c] = cases.cases.get(columns.caseIds[c]!);
    groupedCaseId[slot] = effects.caseId;
    const opened = effects.opened;
    const isRare = opened !== undefined || effects.merged !== undefined || effects.anomaly !== undefined;
    groupedFlags[slot] = effectFlags(effects) | (isRare ? RARE : 0);
    if (!isRare) continue;
    rareOf[slot] = rare.length;
    rare.push(effects);
    let candidates: readonly UnthreadedCandidate[] | undefined;
    if (opened !== undefined) {
      const b = opened.channel ?? event.channel;
      candidates = b === undefined ? NO_CANDIDATES : unthreadedCandidates(caseLookup, je, opened.caseId, b, true);
      if (candidates.length === 0) candidates = NO_CANDIDATES;
    }
    unthreaded.push(candidates);
  }
  if (withViews) foldViewsAfter(n - 1);
  // Every field present, so the customer projections read one shape (an absent effect is `undefined`).
  const fx = emptyEffects();
  // The slots [windowStart, windowEnd) have their events in groupedEvents; when spilled they come from a
  // sequence over the slots' log positions.
  let windowStart = 0;
  let windowEnd = spilled ? 0 : n;
  if (spilled) {
    const groupedPositions = new Int32Array(n);
    for (let j = 0; j < n; j++) groupedPositions[j] = columns.positions[groupedLocal[j]!]!;
    sequence = log.sequence(groupedPositions);
    window = Math.max(1, Math.min(n, sequence.runEvents));
    groupedEvents.length = window;
  }
  for (let customer = 0, k = 0; customer < customerCount; customer++) {
    const end = k + counts[customer]!;
    if (k === end) continue;
    const rec = records[customer]!;
    je.customerId = customerIds[customer]!;
    // applyCustomerEvent with the record in hand, the timeline written by position.
    for (let pos = 0; k < end; k++, pos++) {
      if (k >= windowEnd) {
        windowStart = k;
        windowEnd = Math.min(n, k + window);
        sequence!.next(groupedEvents, windowEnd - windowStart);
      }
      je.event = groupedEvents[k - windowStart]!;
      je.at = groupedAts[k]!;
      je.attributedCustomerId = groupedAttributed[k]!;
      const flags = groupedFlags[k]!;
      const r = (flags & RARE) === 0 ? -1 : rareOf[k]!;
      setEffects(fx, groupedCaseId[k], flags, r < 0 ? undefined : rare[r]);
      const candidates = r < 0 ? undefined : unthreaded[r];
      applyCustomerEventAt(rec, pos, je, fx, caseLookup, config, candidates);
      // The timeline keeps the log's id string rather than the read-back copy's: one string per event, not two.
      if (spilled) rec.ids[pos] = ids[groupedLocal[k]!]!;
    }
  }
  sequence?.close();
  return withLazyEvents(
    {
      tenantId,
      cases,
      customers,
      caseLookup,
      // Every folded event creates its canonical customer's record, so the records are the customers seen.
      customerCount: customers.customers.size,
      views,
      projections,
      mergedCustomers: identity.mergedCustomers,
      canonical: identity.canonical,
      findCustomer: identity.findCustomer,
      config,
    },
    sortedEventsOf(log, sorted, positionOf),
    n,
    attributed,
  );
}

const EMPTY_POSITIONS = new Int32Array(0);


// The closures a fold keeps are made in these helpers, not in foldTenantColumns: a closure keeps its whole
// scope alive, and foldTenantColumns's holds the per-event columns of the sort and the fold.

/** Fills a list with the fold's events in time order: the held ones, or read back from a spilled log. */
function sortedEventsOf(log: ReplayEventLog, sorted: readonly (CatalogEvent | undefined)[], positionOf: Int32Array): (out: CatalogEvent[]) => void {
  if (log.spilled) return (out) => readByPosition(log, positionOf, out);
  return (out) => sorted.forEach((e, k) => (out[k] = e!));
}


/**
 * The fold with its `events` list, built on first read only: reports never need the whole list, and keeping
 * it would double the heap. Only a way to get the sorted events back and their attributed customers are
 * kept for it (the instants are recomputed).
 */
function withLazyEvents(
  fold: Omit<TenantFold, 'events'>,
  sortedEvents: (out: CatalogEvent[]) => void,
  n: number,
  attributed: readonly string[],
): TenantFold {
  let list: JourneyEvent[] | undefined;
  return {
    tenantId: fold.tenantId,
    get events() {
      if (list === undefined) {
        const sorted = new Array<CatalogEvent>(n);
        sortedEvents(sorted);
        list = sorted.map((event, i) => {
          const attributedCustomerId = attributed[i]!;
          return { event, at: instantMs(event.occurredAt), attributedCustomerId, customerId: fold.canonical(attributedCustomerId) };
        });
      }
      return list;
    },
    cases: fold.cases,
    customers: fold.customers,
    views: fold.views,
    projections: fold.projections,
    caseLookup: fold.caseLookup,
    customerCount: fold.customerCount,
    mergedCustomers: fold.mergedCustomers,
    canonical: fold.canonical,
    findCustomer: fold.findCustomer,
    config: fold.config,
  };
}

const REOPENED = CASE_FX.reopened;
const RESOLVED = CASE_FX.resolved;
const CLOSED = CASE_FX.closed;
const ESCALATED = CASE_FX.escalatedToHuman;
const AGENT_REPLY = CASE_FX.agentReply;
/** The effects include an opening, a merge or an anomaly: they are in `rare`. */
const RARE = 32;

/** Case effects with every field present (`undefined` when absent), so their readers see one shape. */
function emptyEffects(): CaseEffects {
  return {
    caseId: undefined,
    opened: undefined,
    reopened: undefined,
    resolved: undefined,
    closed: undefined,
    escalatedToHuman: undefined,
    agentReply: undefined,
    merged: undefined,
    anomaly: undefined,
  };
}

/** Writes an event's effects, kept as columns (case id, flag bits, the rare ones' object), into `fx`. */
function setEffects(fx: CaseEffects, caseId: string | undefined, flags: number, rareEffects: CaseEffects | undefined): void {
  fx.caseId = caseId;
  fx.reopened = (flags & REOPENED) === 0 ? undefined : true;
  fx.resolved = (flags & RESOLVED) === 0 ? undefined : true;
  fx.closed = (flags & CLOSED) === 0 ? undefined : true;
  fx.escalatedToHuman = (flags & ESCALATED) === 0 ? undefined : true;
  fx.agentReply = (flags & AGENT_REPLY) === 0 ? undefined : true;
  fx.opened = rareEffects?.opened;
  fx.merged = rareEffects?.merged;
  fx.anomaly = rareEffects?.anomaly;
}

/** The boolean effects of an event as bits (only `true` is ever set). */
function effectFlags(e: CaseEffects): number {
  return (
    (e.reopened === true ? REOPENED : 0) |
    (e.resolved === true ? RESOLVED : 0) |
    (e.closed === true ? CLOSED : 0) |
    (e.escalatedToHuman === true ? ESCALATED : 0) |
    (e.agentReply === true ? AGENT_REPLY : 0)
  );
}

/** No unthreaded-switch candidates. */
const NO_CANDIDATES: readonly UnthreadedCandidate[] = [];

/** Above this many events a customer's timeline grows by appending (V8 may not keep a huge `new Array(n)` fast). */
const MAX_PRESIZED = 50_000;

/** Gives a new record's (empty) timeline arrays their final length, to be filled by position. */
function presize(rec: CustomerRecord, count: number): void {
  if (count > MAX_PRESIZED) return;
  rec.ids = new Array<string>(count);
  rec.ats = new Array<number>(count);
  rec.codes = new Array<number>(count);
}

/**
 * The default instants of a replay (report.md, Defaults): computed over every event, before tenant
 * filtering. `events` may be a list or a {@link ReplayEventLog}.
 */
export function replayWindow(
  events: readonly CatalogEvent[] | ReplayEventLog,
  options: { asOf?: number; from?: number; to?: number; bounds?: ReplayBounds },
): { window: ReportWindow; churnExplicit: boolean } | undefined {
  const log = logOf(events);
  const bounds = options.bounds ?? (log.size === 0 ? undefined : { minAt: log.minAt, maxAt: log.maxAt });
  // report.md: "With no accepted event, asOf, from and to are null", whatever instants were asked for (an
  // explicit --as-of alone used to be reported, with from = to = asOf, while --from/--to alone were not).
  if (bounds === undefined) return undefined;
  const asOf = options.asOf ?? bounds.maxAt + 1;
  const from = options.from ?? bounds.minAt;
  const to = options.to ?? asOf;
  return { window: { asOf, from, to }, churnExplicit: options.from !== undefined || options.to !== undefined };
}

/** A log of a list of events (all held), or the log itself. */
function logOf(events: readonly CatalogEvent[] | ReplayEventLog): ReplayEventLog {
  return isEventLog(events) ? events : replayEventLogOf(events);
}

function isEventLog(events: readonly CatalogEvent[] | ReplayEventLog): events is ReplayEventLog {
  return !Array.isArray(events);
}

/**
 * A replay report before rates and statistics: its window and each tenant's {@link TenantTally}. Plain data
 * (it can cross between threads), and tallies of parts of the events add up ({@link mergeReplayTallies}) to
 * the tally of all of them, as long as no event of one part can change the fold of another (each customer's
 * events, with everything linked to them, in one part) and every part is folded with the same window.
 */
export interface ReplayTally {
  /** `undefined` when there were no events (report.md: the instants are then `null`). */
  window: ReportWindow | undefined;
  churnExplicit: boolean;
  tenants: Record<string, TenantTally>;
}

/** Folds the events (see {@link replayReport}) into a {@link ReplayTally}. */
export function replayTally(options: ReplayOptions): ReplayTally {
  const config = resolveJourneyConfig(options.config);
  const log = logOf(options.events);
  const resolved = replayWindow(log, options);
  if (!resolved) return { window: undefined, churnExplicit: false, tenants: {} };
  const { window, churnExplicit } = resolved;
  const tenants: Record<string, TenantTally> = {};
  for (const tenantId of log.tenants.keys()) {
    if (options.tenant !== undefined && tenantId !== options.tenant) continue;
    setTenant(tenants, tenantId, tenantTally(foldTenantColumns(log, tenantId, window.asOf, config), window, churnExplicit));
  }
  return { window, churnExplicit, tenants };
}

/** Sets a tenant's entry as an own property: a tenant named "__proto__" is a tenant, not a prototype. */
function setTenant(tenants: Record<string, TenantTally>, tenantId: string, tally: TenantTally): void {
  Object.defineProperty(tenants, tenantId, { value: tally, enumerable: true, writable: true, configurable: true });
}

/** Two tallies of disjoint parts of the events, folded with the same window, together. */
export function mergeReplayTallies(a: ReplayTally, b: ReplayTally): ReplayTally {
  if (a.window === undefined) return b;
  if (b.window === undefined) return a;
  if (a.window.asOf !== b.window.asOf || a.window.from !== b.window.from || a.window.to !== b.window.to || a.churnExplicit !== b.churnExplicit) {
    throw new RangeError('replay tallies folded with different windows cannot be merged');
  }
  const tenants: Record<string, TenantTally> = {};
  for (const id of Object.keys(a.tenants)) setTenant(tenants, id, Object.prototype.hasOwnProperty.call(b.tenants, id) ? mergeTenantTallies(a.tenants[id]!, b.tenants[id]!) : a.tenants[id]!);
  for (const id of Object.keys(b.tenants)) if (!Object.prototype.hasOwnProperty.call(a.tenants, id)) setTenant(tenants, id, b.tenants[id]!);
  return { window: a.window, churnExplicit: a.churnExplicit, tenants };
}

/** The report's instants and tenant sections (tenants sorted by id) from a tally. */
export function replayResultOf(tally: ReplayTally): ReplayResult {
  const { window, churnExplicit } = tally;
  if (window === undefined) return { asOf: null, from: null, to: null, tenants: {} };
  // fromEntries defines own properties, so a tenant named "__proto__" is a tenant, not a prototype.
  const tenants: Record<string, TenantReport> = Object.fromEntries(
    Object.keys(tally.tenants)
      .sort()
      .map((tenantId) => [tenantId, tenantReportOf(tally.tenants[tenantId]!, window, churnExplicit)]),
  );
  return {
    asOf: new Date(window.asOf).toISOString(),
    from: new Date(window.from).toISOString(),
    to: new Date(window.to).toISOString(),
    tenants,
  };
}

/**
 * Folds accepted events into every standard projection and returns the report's instants and tenant
 * sections, exactly as report.md defines them. Pure: the same events give a byte-identical result
 * whatever their order, and whether they are given as a list or as a (possibly spilled) log.
 */
export function replayReport(options: ReplayOptions): ReplayResult {
  return replayResultOf(replayTally(options));
}

/** What `journeyOf` looks at. */
export interface JourneyRequest {
  /** Accepted, distinct events, any order, any tenants, as a list or a {@link ReplayEventLog}. */
  events: readonly CatalogEvent[] | ReplayEventLog;
  /** The customer; a merged customer's id finds the survivor. */
  customerId: string;
  /** The customer's tenant; default: the first tenant (by id) that has this customer. */
  tenant?: string;
  /** Describe the journey as of this instant (ms); default: the latest `occurredAt` + 1 ms. */
  asOf?: number;
  config?: Partial<JourneyConfig>;
}

/** One customer's journey, with the tenant it was found in. */
export interface JourneyResult extends CustomerJourneyView {
  tenantId: string;
}

/**
 * One customer's journey (timeline in sessions, stage and cycles, channel transitions, context-lost
 * annotations with evidence) from a set of events, for the `omnitrail journey` command. `undefined` when
 * no tenant has the customer.
 */
export function journeyOf(request: JourneyRequest): JourneyResult | undefined {
  const config = resolveJourneyConfig(request.config);
  const log = logOf(request.events);
  const resolved = replayWindow(log, request);
  if (!resolved) return undefined;
  const tenants = request.tenant !== undefined ? [request.tenant] : [...log.tenants.keys()].sort();
  for (const tenantId of tenants) {
    const fold = foldTenantColumns(log, tenantId, resolved.window.asOf, config);
    const view = customerJourney(fold.customers, fold.findCustomer(request.customerId) ?? fold.canonical(request.customerId), { sessionGapMs: config.sessionGapMs });
    if (view) return { tenantId, ...view };
  }
  return undefined;
}
