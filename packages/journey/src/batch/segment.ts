import type { CatalogEvent } from '@omnitrail/events';
import { resolveJourneyConfig } from '../core/config/index.js';
import type { JourneyConfig } from '../core/model/index.js';
import { segmentCustomers, type SegmentCustomer, type SegmentFilter } from '../core/segments/index.js';
import { foldTenantColumns, replayWindow } from './index.js';
import { replayEventLogOf, type ReplayEventLog } from './log.js';

/** What `segmentOf` lists: the events, the instant, the tenant and the filters. */
export interface SegmentRequest {
  /** Accepted, distinct events, any order, any tenants, as a list or a {@link ReplayEventLog}. */
  events: readonly CatalogEvent[] | ReplayEventLog;
  /** Judge as of this instant (ms); default: the latest `occurredAt` + 1 ms. */
  asOf?: number;
  /** Only this tenant; default: every tenant, by id. */
  tenant?: string;
  filter?: SegmentFilter;
  config?: Partial<JourneyConfig>;
}

/** A customer of a segment, with its tenant. */
export interface SegmentRow extends SegmentCustomer {
  tenantId: string;
}

/** The customers of a segment at an instant (`asOf` `null` when there were no events). */
export interface SegmentResult {
  asOf: string | null;
  customers: SegmentRow[];
}

/**
 * The customers matching every filter at `asOf` (operations.md, segments), tenant by tenant (tenants by id),
 * each tenant's customers by health score ascending (no score last), then id; for `omnitrail segment`.
 */
export function segmentOf(request: SegmentRequest): SegmentResult {
  const config = resolveJourneyConfig(request.config);
  const log = Array.isArray(request.events) ? replayEventLogOf(request.events as readonly CatalogEvent[]) : (request.events as ReplayEventLog);
  const resolved = replayWindow(log, request.asOf === undefined ? {} : { asOf: request.asOf });
  if (resolved === undefined) return { asOf: null, customers: [] };
  const { asOf } = resolved.window;
  const tenants = request.tenant !== undefined ? (log.tenants.has(request.tenant) ? [request.tenant] : []) : [...log.tenants.keys()].sort();
  const customers: SegmentRow[] = [];
  for (const tenantId of tenants) {
    const fold = foldTenantColumns(log, tenantId, asOf, config);
    for (const c of segmentCustomers(fold, asOf, request.filter)) customers.push({ tenantId, ...c });
  }
  return { asOf: new Date(asOf).toISOString(), customers };
}
