import { compareEventOrder } from '@omnitrail/events';
import fc from 'fast-check';
import { buildJourney, journeyDescriptorArbitrary, type JourneyDescriptor } from './journey.js';
import type { RawEvent } from '@omnitrail/workload';
import type { Journey, JourneyOptions, SizeRange } from './types.js';

/** Options of `tenantJourneysArbitrary`: journey options plus how many customers, tenants and identity links. */
export interface TenantJourneysOptions extends Omit<JourneyOptions, 'tenantId' | 'customerId' | 'sharedDeviceId'> {
  /** Tenant ids, or how many (`tenant-1` …). Default 1 tenant, `tenant-a`. */
  tenants?: readonly string[] | number;
  /** Customers across all tenants. Default 1-8. */
  customers?: SizeRange;
  /** A customer uses another customer's device (a shared device: the engine may merge them automatically). Default 0. */
  sharedDeviceRate?: number;
  /** A customer is a duplicate profile of an earlier customer of its tenant, merged late by `CustomersMerged`. Default 0.1. */
  lateMergeRate?: number;
  /** A late merge is undone later by `CustomersUnmerged`. Default 0.2. */
  unmergeRate?: number;
}

/** Many customers' journeys, possibly across tenants, plus the tenant-level identity events. */
export interface TenantJourneys {
  tenants: string[];
  customers: Journey[];
  /** Every event, sorted by `(occurredAt, id)`. */
  events: RawEvent[];
  /** The late merges that were generated: survivor and merged customer ids per tenant. */
  merges: { tenantId: string; survivorId: string; mergedId: string; unmerged: boolean }[];
}

interface CustomerDescriptor {
  tenant: number;
  journey: JourneyDescriptor;
  link: { roll: number; other: number; unmerge: number };
}

const HOUR = 3_600_000;

function tenantIds(tenants: TenantJourneysOptions['tenants']): string[] {
  if (tenants === undefined) return ['tenant-a'];
  if (typeof tenants === 'number') return Array.from({ length: Math.max(1, tenants) }, (_, i) => `tenant-${i + 1}`);
  return tenants.length === 0 ? ['tenant-a'] : [...tenants];
}

/** Sorts raw events by `(occurredAt, id)` — the order every projection folds in. */
export function sortRawEvents(events: RawEvent[]): RawEvent[] {
  // All generated instants are `Z`-normalised ISO strings, so string order is time order.
  return events.sort((x, y) => compareEventOrder({ id: String(x.id), occurredAt: String(x.occurredAt) }, { id: String(y.id), occurredAt: String(y.occurredAt) }));
}

/**
 * Many customers' journeys across tenants, with identity graphs: shared devices, anonymous starts resolved
 * by `CustomerIdentified`, and late `CustomersMerged` (and sometimes `CustomersUnmerged`) of duplicate
 * profiles. Customers are an array, so shrinking removes whole customers as well as steps.
 */
export function tenantJourneysArbitrary(options: TenantJourneysOptions = {}): fc.Arbitrary<TenantJourneys> {
  const tenants = tenantIds(options.tenants);
  const sharedRate = options.sharedDeviceRate ?? 0;
  const mergeRate = options.lateMergeRate ?? 0.1;
  const unmergeRate = options.unmergeRate ?? 0.2;
  const customer: fc.Arbitrary<CustomerDescriptor> = fc.record({
    tenant: fc.nat(tenants.length - 1),
    journey: journeyDescriptorArbitrary(options),
    link: fc.record({ roll: fc.nat(999), other: fc.nat(999), unmerge: fc.nat(999) }),
  });
  const min = options.customers?.min ?? 1;
  const max = options.customers?.max ?? 8;
  return fc.array(customer, { minLength: min, maxLength: Math.max(min, max) }).map((list) => buildTenantJourneys(list, tenants, options, sharedRate, mergeRate, unmergeRate));
}

function buildTenantJourneys(
  list: readonly CustomerDescriptor[],
  tenants: string[],
  options: TenantJourneysOptions,
  sharedRate: number,
  mergeRate: number,
  unmergeRate: number,
): TenantJourneys {
  const customers: Journey[] = [];
  const merges: TenantJourneys['merges'] = [];
  const extra: RawEvent[] = [];
  list.forEach((d, i) => {
    const tenantId = tenants[d.tenant] ?? (tenants[0] as string);
    const customerId = `cust-${i + 1}`;
    // Earlier customers of the same tenant: candidates for a shared device or a duplicate profile.
    const earlier = customers.filter((c) => c.tenantId === tenantId);
    const other = earlier.length > 0 ? earlier[d.link.other % earlier.length] : undefined;
    const shared = other !== undefined && d.link.roll < sharedRate * 1000;
    const journeyOptions: JourneyOptions = { ...options, tenantId, customerId };
    if (shared) journeyOptions.sharedDeviceId = `dev-${other.customerId}`;
    const journey = buildJourney(d.journey, journeyOptions);
    customers.push(journey);
    const duplicate = other !== undefined && !shared && d.link.roll >= 1000 - mergeRate * 1000;
    // Merges name host customer ids, so both customers must have been identified by one.
    const identified = (j: Journey) => j.events.some((e) => e.customerId === j.customerId);
    if (!duplicate || !identified(journey) || !identified(other)) return;
    // A late merge: after both journeys, an agent merges this duplicate profile into the earlier customer.
    const last = Math.max(Date.parse(lastOf(journey.events).occurredAt), Date.parse(lastOf(other.events).occurredAt));
    const mergeAt = last + HOUR;
    const unmerged = d.link.unmerge < unmergeRate * 1000;
    extra.push({
      id: `${tenantId}-${other.customerId}-merge-${customerId}`,
      type: 'CustomersMerged',
      tenantId,
      occurredAt: new Date(mergeAt).toISOString(),
      customerId: other.customerId,
      actor: { kind: 'agent', id: 'agent-1' },
      data: { survivorId: other.customerId, mergedId: customerId, reason: 'duplicate profile' },
    });
    if (unmerged) {
      extra.push({
        id: `${tenantId}-${customerId}-unmerge`,
        type: 'CustomersUnmerged',
        tenantId,
        occurredAt: new Date(mergeAt + 24 * HOUR).toISOString(),
        customerId,
        actor: { kind: 'agent', id: 'agent-2' },
        data: { customerId, identities: [{ type: 'email', value: `${customerId}@example.com` }] },
      });
    }
    merges.push({ tenantId, survivorId: other.customerId, mergedId: customerId, unmerged });
  });
  const events = sortRawEvents([...customers.flatMap((c) => c.events), ...extra]);
  return { tenants, customers, events, merges };
}

function lastOf(events: readonly RawEvent[]): RawEvent {
  return events[events.length - 1] as RawEvent;
}
