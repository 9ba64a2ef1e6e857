import { instantMs, type CatalogEvent } from '@omnitrail/events';
import { applyCaseEvent, caseMetrics, casesOfCustomer, casesSection, createCasesState, getCase, type CasesState } from '../cases/index.js';
import { healthSection } from '../churn/index.js';
import { resolveJourneyConfig } from '../config/index.js';
import { applyCustomerEvent, createCustomersState, type CaseLookup, type CustomersState } from '../customers/index.js';
import { resolveTenantIdentities } from '../identity/index.js';
import { customerJourney, journeysSection, type CustomerJourneyView } from '../journey-map/index.js';
import { churnPeriodFor, customerMetrics } from '../metrics/index.js';
import type { JourneyConfig, JourneyEvent, ReportWindow } from '../model/index.js';
import type { TenantReport } from '../report/types.js';

/** What `replayReport` folds and the instants it describes. */
export interface ReplayOptions {
  /** Accepted, distinct events of every tenant, in any order. */
  events: readonly CatalogEvent[];
  /** The instant the report describes (ms); default: the latest `occurredAt` + 1 ms. */
  asOf?: number;
  /** Metrics period start (ms); default: the earliest `occurredAt`. */
  from?: number;
  /** Metrics period end, exclusive (ms); default: `asOf`. */
  to?: number;
  /** Report only this tenant. */
  tenant?: string;
  config?: Partial<JourneyConfig>;
}

/** The instants and tenant sections of a replay report (the CLI adds the input counters). */
export interface ReplayResult {
  asOf: string | null;
  from: string | null;
  to: string | null;
  tenants: Record<string, TenantReport>;
}

/** A tenant's events folded through every standard projection, up to an instant. */
export interface TenantFold {
  tenantId: string;
  /** The folded events in `(occurredAt, id)` order, with their customers. */
  events: JourneyEvent[];
  cases: CasesState;
  customers: CustomersState;
  caseLookup: CaseLookup;
  /** Customers the events are attributed to after merges. */
  customerCount: number;
  /** Customers absorbed by a merge. */
  mergedCustomers: number;
  canonical: (customerId: string) => string;
  config: JourneyConfig;
}

/** Compares two events by `(occurredAt, id)`, ids as plain strings. */
export function compareEvents(a: { occurredAt: string; id: string }, b: { occurredAt: string; id: string }): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Orders `{event, at}` pairs by `(at, id)`: the same order as `compareEvents` for normalised instants. */
export function compareTimed(a: { event: { id: string }; at: number }, b: { event: { id: string }; at: number }): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0;
}

/**
 * Folds one tenant's events with `occurredAt ≤ asOf` through identity resolution, the cases projection and
 * the customer projections, in `(occurredAt, id)` order. Identity is resolved over the whole prefix first,
 * so every projection sees the survivor's id from the start (merge equivalence).
 */
export function foldTenant(tenantId: string, events: readonly CatalogEvent[], asOf: number, config: JourneyConfig): TenantFold {
  const kept: { event: CatalogEvent; at: number }[] = [];
  for (const event of events) {
    if (event.tenantId !== tenantId) continue;
    const at = instantMs(event.occurredAt);
    if (at <= asOf) kept.push({ event, at });
  }
  // Numbers first: comparing instants as numbers is several times cheaper than comparing ISO strings.
  kept.sort(compareTimed);
  const identity = resolveTenantIdentities(kept, config);
  const cases = createCasesState();
  const customers = createCustomersState();
  const caseLookup: CaseLookup = {
    getCase: (caseId) => getCase(cases, caseId),
    casesOfCustomer: (customerId) => casesOfCustomer(cases, customerId),
  };
  const seen = new Set<string>();
  let previousAttributed = '';
  let previousCanonical = '';
  for (let i = 0; i < kept.length; i++) {
    const { event, at } = kept[i]!;
    const attributedCustomerId = identity.attributed[i]!;
    // Consecutive events often share a customer: skip the canonical lookup and the set insert then.
    if (attributedCustomerId !== previousAttributed) {
      previousAttributed = attributedCustomerId;
      previousCanonical = identity.canonical(attributedCustomerId);
      seen.add(previousCanonical);
    }
    // Short-lived: the projections keep what they need, so the young generation collects these cheaply.
    const je: JourneyEvent = { event, at, customerId: previousCanonical, attributedCustomerId };
    const effects = applyCaseEvent(cases, je, config);
    applyCustomerEvent(customers, je, effects, caseLookup, config);
  }
  let journeyEvents: JourneyEvent[] | undefined;
  return {
    tenantId,
    // Built on first read only: reports never need the whole list, and keeping it would double the heap.
    get events() {
      return (journeyEvents ??= kept.map(({ event, at }, i) => {
        const attributedCustomerId = identity.attributed[i]!;
        return { event, at, attributedCustomerId, customerId: identity.canonical(attributedCustomerId) };
      }));
    },
    cases,
    customers,
    caseLookup,
    customerCount: seen.size,
    mergedCustomers: identity.mergedCustomers,
    canonical: identity.canonical,
    config,
  };
}

/** The report section of one folded tenant for a window. */
export function tenantReport(fold: TenantFold, window: ReportWindow, churnExplicit: boolean): TenantReport {
  const churnPeriod = churnPeriodFor(window.asOf, churnExplicit ? { from: window.from, to: window.to } : undefined);
  const caseSide = caseMetrics(fold.cases, window);
  const customerSide = customerMetrics(fold.customers, window, { ...churnPeriod, explicit: churnExplicit }, fold.config);
  return {
    customers: { count: fold.customerCount, merged: fold.mergedCustomers },
    cases: casesSection(fold.cases, window, fold.canonical),
    metrics: {
      csat: customerSide.csat,
      nps: customerSide.nps,
      ces: customerSide.ces,
      firstResponseMs: caseSide.firstResponseMs,
      replyMs: caseSide.replyMs,
      resolutionMs: caseSide.resolutionMs,
      fcr: caseSide.fcr,
      channelMix: customerSide.channelMix,
      multiChannelCaseShare: caseSide.multiChannelCaseShare,
      botContainment: caseSide.botContainment,
      churn: customerSide.churn,
    },
    journeys: journeysSection(fold.customers, window),
    health: healthSection(fold.customers, window.asOf, fold.caseLookup, fold.config),
  };
}

/** The default instants of a replay (report.md, Defaults): computed over every event, before tenant filtering. */
export function replayWindow(
  events: readonly CatalogEvent[],
  options: { asOf?: number; from?: number; to?: number },
): { window: ReportWindow; churnExplicit: boolean } | undefined {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const e of events) {
    const at = instantMs(e.occurredAt);
    if (at < min) min = at;
    if (at > max) max = at;
  }
  if (events.length === 0 && options.asOf === undefined) return undefined;
  const asOf = options.asOf ?? max + 1;
  const from = options.from ?? (events.length === 0 ? asOf : min);
  const to = options.to ?? asOf;
  return { window: { asOf, from, to }, churnExplicit: options.from !== undefined || options.to !== undefined };
}

/**
 * Folds accepted events into every standard projection and returns the report's instants and tenant
 * sections, exactly as report.md defines them. Pure: the same events give a byte-identical result
 * whatever their order.
 */
export function replayReport(options: ReplayOptions): ReplayResult {
  const config = resolveJourneyConfig(options.config);
  const resolved = replayWindow(options.events, options);
  if (!resolved) return { asOf: null, from: null, to: null, tenants: {} };
  const { window, churnExplicit } = resolved;
  const byTenant = new Map<string, CatalogEvent[]>();
  for (const event of options.events) {
    if (options.tenant !== undefined && event.tenantId !== options.tenant) continue;
    let list = byTenant.get(event.tenantId);
    if (!list) byTenant.set(event.tenantId, (list = []));
    list.push(event);
  }
  // fromEntries defines own properties, so a tenant named "__proto__" is a tenant, not a prototype.
  const tenants: Record<string, TenantReport> = Object.fromEntries(
    [...byTenant.keys()].sort().map((tenantId) => [tenantId, tenantReport(foldTenant(tenantId, byTenant.get(tenantId)!, window.asOf, config), window, churnExplicit)]),
  );
  return {
    asOf: new Date(window.asOf).toISOString(),
    from: new Date(window.from).toISOString(),
    to: new Date(window.to).toISOString(),
    tenants,
  };
}

/** What `journeyOf` looks at. */
export interface JourneyRequest {
  /** Accepted, distinct events, any order, any tenants. */
  events: readonly CatalogEvent[];
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
  const resolved = replayWindow(request.events, request);
  if (!resolved) return undefined;
  const tenants = request.tenant !== undefined ? [request.tenant] : [...new Set(request.events.map((e) => e.tenantId))].sort();
  for (const tenantId of tenants) {
    const fold = foldTenant(tenantId, request.events, resolved.window.asOf, config);
    const view = customerJourney(fold.customers, fold.canonical(request.customerId), { sessionGapMs: config.sessionGapMs });
    if (view) return { tenantId, ...view };
  }
  return undefined;
}
