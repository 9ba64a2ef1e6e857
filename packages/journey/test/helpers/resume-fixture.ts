// Restart equivalence, shared by the file-store test (packages/journey/test/engine-resume.test.ts) and the
// PostgreSQL one (packages/eventstore-postgres/test/engine-resume.test.ts): an engine over a durable store
// records batches, is stopped at random points (closed, crashed, crashed in the middle of a snapshot write,
// or closed with its snapshot then damaged), resumed over the same store, and goes on recording; at the end
// its state and reports equal those of an engine that recorded the same batches and never stopped.
import type { EventStore, KeyStore } from '@omnitrail/eventstore';
import { tenantJourneysArbitrary, type RawEvent } from '@omnitrail/testing';
import fc from 'fast-check';
import { expect } from 'vitest';
import { createJourneyEngine, defineJourneyProjection, type EngineSnapshotEvent, type JourneyEngine, type TenantFold } from '../../src/index.js';

/** How an engine is stopped before the next one resumes. */
export type StopKind = 'close' | 'crash' | 'crash-mid-snapshot' | 'damage-snapshot';

/** One generated run. */
export interface ResumeScenario {
  events: RawEvent[];
  /** Batch sizes, cycled. */
  batches: number[];
  /** After which batch (index) the engine is stopped, and how. */
  stops: { after: number; how: StopKind }[];
  /** `snapshots.everyEvents` of every engine of the run. */
  everyEvents: number;
  /** Whether the engines seal personal fields and snapshots with a key store (when the fixture has one). */
  sealed: boolean;
}

export const ASOF = Date.parse('2031-01-01T00:00:00Z');

/** A customer-partitioned host projection whose state holds a Map, a Set and a bigint (exact serialization). */
export const perCustomer = defineJourneyProjection<{ types: Map<string, number>; channels: Set<string>; total: bigint; ids: string[] }>({
  name: 'per-customer',
  version: 3,
  partitionBy: 'customer',
  initialState: () => ({ types: new Map(), channels: new Set(), total: 0n, ids: [] }),
  evolve(state, e) {
    state.types.set(e.event.type, (state.types.get(e.event.type) ?? 0) + 1);
    if (e.event.channel !== undefined) state.channels.add(e.event.channel);
    state.total += BigInt(e.id.length);
    state.ids.push(e.id);
    return state;
  },
});

/** A tenant-partitioned one, immutable (`clone: false`). */
export const perTenant = defineJourneyProjection<{ events: number; last: string }>({
  name: 'per-tenant',
  partitionBy: 'tenant',
  clone: false,
  initialState: () => ({ events: 0, last: '' }),
  evolve: (state, e) => ({ events: state.events + 1, last: e.occurredAt > state.last ? e.occurredAt : state.last }),
});

/** Random runs: journeys of two tenants recorded in a shuffled order (late events, merges), in batches, with stops. */
export function resumeScenarioArbitrary(): fc.Arbitrary<ResumeScenario> {
  const journeys = tenantJourneysArbitrary({ customers: { min: 2, max: 6 }, eventsPerCustomer: { min: 1, max: 12 }, tenants: 2, sharedDeviceRate: 0.3, lateMergeRate: 0.5 });
  return fc
    .record({
      journeys,
      order: fc.array(fc.nat(), { maxLength: 200 }),
      batches: fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 1, maxLength: 4 }),
      stops: fc.array(fc.record({ after: fc.nat(30), how: fc.constantFrom<StopKind>('close', 'crash', 'crash-mid-snapshot', 'damage-snapshot') }), { minLength: 1, maxLength: 4 }),
      everyEvents: fc.constantFrom(0, 3, 10, 40),
      sealed: fc.boolean(),
    })
    .map(({ journeys: j, order, batches, stops, everyEvents, sealed }) => {
      // A shuffle driven by the generated numbers: some events arrive long after later ones.
      const events = [...j.events];
      order.forEach((k, i) => {
        const a = i % events.length;
        const b = k % events.length;
        [events[a], events[b]] = [events[b]!, events[a]!];
      });
      // Stops after batches that exist (the number of batches depends on the sizes drawn).
      let count = 0;
      for (let i = 0, b = 0; i < events.length; b++, count++) i += batches[b % batches.length]!;
      const placed = stops.map((s) => ({ after: s.after % Math.max(1, count), how: s.how }));
      return { events, batches, stops: placed.sort((x, y) => x.after - y.after), everyEvents, sealed };
    });
}

/** Everything a fold holds, as plain JSON: Maps in their order, Sets sorted. */
export function foldState(fold: TenantFold | undefined): unknown {
  if (fold === undefined) return undefined;
  // The tenant-wide views are compared through their report sections (`report.operations`), not their raw
  // states: a view keeps the customer id it folded an event with and maps it to the survivor at tally time,
  // so an engine that folded an event after a merge it resumed with holds the survivor's id where one that
  // never stopped holds the merged one, with equal sections (docs/adding-a-projection.md).
  return { cases: plain(fold.cases), customers: plain(fold.customers), customerCount: fold.customerCount, merged: fold.mergedCustomers };
}

function plain(value: unknown): unknown {
  if (value instanceof Map) return [...value].map(([k, v]) => [k, plain(v)]);
  if (value instanceof Set) return [...value].map((v) => plain(v)).sort();
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** What two engines must agree on for a tenant: its report, its fold, its host projections' partitions. */
export function observed(engine: JourneyEngine, tenantId: string): unknown {
  const customers = engine.projection(perCustomer);
  const tenant = engine.projection(perTenant);
  return {
    report: engine.report(tenantId, { asOf: ASOF }),
    fold: foldState(engine.fold(tenantId)),
    perCustomer: customers.keys(tenantId).map((k) => [k, plain(customers.state(tenantId, k))]),
    perTenant: tenant.keys(tenantId).map((k) => [k, tenant.state(tenantId, k)]),
    rejected: engine.rejectedStoredEventCount(),
    duplicates: engine.duplicateStoredEventCount(),
  };
}

/** The batches of a scenario, in recording order. */
export function batchesOf(scenario: ResumeScenario): RawEvent[][] {
  const out: RawEvent[][] = [];
  for (let i = 0, b = 0; i < scenario.events.length; b++) {
    const size = scenario.batches[b % scenario.batches.length]!;
    out.push(scenario.events.slice(i, i + size));
    i += size;
  }
  return out;
}

/** How a test opens its durable store, and how it stops one abruptly (a crash of the process that used it). */
export interface DurableStoreFixture {
  open(): Promise<EventStore>;
  /** Releases the store as a dead process would (the engine on it is never closed). */
  crash(store: EventStore): Promise<void>;
  /** Opens the key store kept with the durable store (a sealed scenario's engines use it); none: never sealed. */
  openKeys?(): KeyStore;
}

/**
 * Runs one scenario over a durable store and checks the resumed engine against one that never stopped.
 * Returns what the engines did with snapshots (to check the runs exercised resumes).
 */
export async function runResumeScenario(scenario: ResumeScenario, fixture: DurableStoreFixture): Promise<EngineSnapshotEvent[]> {
  const batches = batchesOf(scenario);
  const reference = createJourneyEngine({ clock: () => ASOF, projections: [perCustomer, perTenant] });
  const seen: EngineSnapshotEvent[] = [];
  const quiet = { info: () => undefined, warn: () => undefined };
  const sealed = scenario.sealed && fixture.openKeys !== undefined;
  let keys: KeyStore | undefined;
  const start = async () => {
    const store = await fixture.open();
    await keys?.close();
    keys = sealed ? fixture.openKeys!() : undefined;
    const engine = createJourneyEngine({ store, keys, clock: () => ASOF, projections: [perCustomer, perTenant], snapshots: { everyEvents: scenario.everyEvents }, logger: quiet });
    engine.snapshotEvents$.subscribe((e) => seen.push(e));
    await engine.ready();
    return { store, engine };
  };
  let { store, engine } = await start();
  let stop = 0;
  for (let b = 0; b < batches.length; b++) {
    await reference.recordUnknown(batches[b]);
    await engine.recordUnknown(batches[b]);
    while (stop < scenario.stops.length && scenario.stops[stop]!.after === b) {
      const how = scenario.stops[stop++]!.how;
      if (how === 'close' || how === 'damage-snapshot') {
        await engine.close();
        if (how === 'damage-snapshot') {
          const document = await store.documents.read('journey-engine.snapshot');
          if (document !== undefined) {
            const damaged = new Uint8Array(document.value);
            const at = damaged.length - 1 - (b % Math.min(64, damaged.length - 1));
            damaged[at] = damaged[at]! ^ 0x5a;
            await store.documents.write('journey-engine.snapshot', damaged, { expectedVersion: document.version });
          }
        }
        await store.close();
      } else {
        // A crash: the engine never closes (no snapshot on close); in the middle of a snapshot write, perhaps.
        if (how === 'crash-mid-snapshot') void engine.snapshot().catch(() => undefined);
        await fixture.crash(store);
      }
      ({ store, engine } = await start());
    }
  }
  const tenants = [...new Set(scenario.events.map((e) => String((e as { tenantId?: unknown }).tenantId)))].sort();
  for (const tenantId of tenants) expect(observed(engine, tenantId)).toEqual(observed(reference, tenantId));
  // Further folding from the resumed state gives the same as from the state that never stopped.
  const more = batches.flat().slice(0, 5).map((e) => ({ ...e, id: `${String((e as { id?: unknown }).id)}-again` }));
  await reference.recordUnknown(more);
  await engine.recordUnknown(more);
  for (const tenantId of tenants) expect(observed(engine, tenantId)).toEqual(observed(reference, tenantId));
  await engine.close();
  await store.close();
  await keys?.close();
  await reference.close();
  return seen;
}
