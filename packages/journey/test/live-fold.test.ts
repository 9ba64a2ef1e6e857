// The live fold against the batch fold, state for state: events recorded in time order in batches of any
// size (the common case, where merges are followed by regrouping the survivor rather than re-folding the
// tenant), and with some events arriving late. Reports are compared elsewhere; here the whole folded state
// is, record order included, so a difference that no report shows is still caught.
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { assertProperty, fcParameters, sortRawEvents, tenantJourneysArbitrary } from '@omnitrail/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveJourneyConfig, type TenantFold } from '../src/index.js';
import { addEvents, createLiveTenant, createRecordedIndex, foldTenant, tenantFoldOf } from '../src/internal.js';

const config = resolveJourneyConfig();

/** Everything a fold holds, as plain JSON: Maps in their order, Sets sorted. */
function stateOf(fold: TenantFold): unknown {
  const plain = (value: unknown): unknown => {
    if (value instanceof Map) return [...value].map(([k, v]) => [k, plain(v)]);
    if (value instanceof Set) return [...value].sort();
    if (Array.isArray(value)) return value.map(plain);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    return value;
  };
  return { cases: plain(fold.cases), customers: plain(fold.customers), customerCount: fold.customerCount, merged: fold.mergedCustomers };
}

const journeys = tenantJourneysArbitrary({ customers: { min: 2, max: 6 }, eventsPerCustomer: { min: 1, max: 25 }, tenants: 1, sharedDeviceRate: 0.3, lateMergeRate: 0.5 });

function liveFold(events: readonly CatalogEvent[], batches: readonly number[]): { fold: TenantFold; stats: { regroups: number; refolds: number } } {
  const tenant = createLiveTenant(events[0]!.tenantId, config, true, createRecordedIndex());
  let i = 0;
  for (let b = 0; i < events.length; b++) {
    const size = batches[b % batches.length]!;
    addEvents(tenant, events.slice(i, i + size), config);
    i += size;
  }
  return { fold: tenantFoldOf(tenant, config), stats: tenant.stats };
}

describe('the live fold', () => {
  it('equals the batch fold, state for state, for events recorded in time order in batches (property)', async () => {
    let regrouped = 0;
    await assertProperty(
      fc.property(journeys, fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 5 }), (j, batches) => {
        const events = sortRawEvents([...j.events]).map((e) => parseEventOrThrow(e, { uniformShape: true }));
        if (events.length === 0) return;
        const { fold, stats } = liveFold(events, batches);
        regrouped += stats.regroups;
        const asOf = Math.max(...events.map((e) => Date.parse(e.occurredAt))) + 1;
        expect(stateOf(fold)).toEqual(stateOf(foldTenant(events[0]!.tenantId, events, asOf, config)));
      }),
      fcParameters({ numRuns: 150 }),
    );
    // The property is about regrouping: it must have happened, many times.
    expect(regrouped).toBeGreaterThan(50);
  });

  it('equals the batch fold when some events arrive late (property)', async () => {
    await assertProperty(
      fc.property(journeys, fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 4 }), (j, batches, moves) => {
        const events = sortRawEvents([...j.events]).map((e) => parseEventOrThrow(e, { uniformShape: true }));
        if (events.length === 0) return;
        // A few events moved later in the arrival order.
        const order = [...events];
        for (const m of moves) {
          const [late] = order.splice(m % order.length, 1);
          order.push(late!);
        }
        const { fold } = liveFold(order, batches);
        const asOf = Math.max(...events.map((e) => Date.parse(e.occurredAt))) + 1;
        expect(stateOf(fold)).toEqual(stateOf(foldTenant(events[0]!.tenantId, events, asOf, config)));
      }),
      fcParameters({ numRuns: 150 }),
    );
  });
});
