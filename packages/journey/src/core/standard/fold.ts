import type { CasesState } from '../cases/index.js';
import type { CustomersState } from '../customers/index.js';
import type { CaseLookup, JourneyConfig, JourneyEvent } from '../model/index.js';
import type { AnyTenantProjection } from './registry.js';

/** A tenant's events folded through every standard projection, up to an instant. */
export interface TenantFold {
  tenantId: string;
  /** The folded events in `(occurredAt, id)` order, with their customers. */
  events: JourneyEvent[];
  cases: CasesState;
  customers: CustomersState;
  /** The states of the tenant-wide projections the fold ran (`projections`), in their order. */
  views: readonly unknown[];
  /** The tenant-wide projections folded, `TENANT_PROJECTIONS` unless a driver was given others. */
  projections: readonly AnyTenantProjection[];
  caseLookup: CaseLookup;
  /** Customers the events are attributed to after merges. */
  customerCount: number;
  /** Customers absorbed by a merge. */
  mergedCustomers: number;
  canonical: (customerId: string) => string;
  /** The canonical id of the customer known by a customer id or any of its identities (`findCustomerId`). */
  findCustomer: (text: string) => string | undefined;
  config: JourneyConfig;
}

