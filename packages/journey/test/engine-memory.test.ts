// Bounded memory: an engine that evicts events older than a horizon answers exactly as one that holds every
// event, re-reading a tenant's history from the store when a late event, a merge, an unmerge, an erasure or
// an as-of query needs what left memory; host projections' partitions too (their evicted events kept as base
// states).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInMemoryEventStore, createInMemoryKeyStore, openFileEventStore } from '@omnitrail/eventstore';
import { assertProperty, fcParameters, generateWorkload, tenantJourneysArbitrary, type RawEvent } from '@omnitrail/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createJourneyEngine, defineJourneyProjection, type JourneyEngine, type JourneyMemoryOptions, type JourneyProjection } from '../src/index.js';
import { foldState } from './helpers/resume-fixture.js';

const DAY = 86_400_000;
const ASOF = Date.parse('2031-01-01T00:00:00Z');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Journeys over two months, with shared devices, late merges and unmerges; arrival order with some events weeks late. */
const scenarioArbitrary = fc
  .record({
    journeys: tenantJourneysArbitrary({
      tenants: 2,
      customers: { min: 4, max: 14 },
      eventsPerCustomer: { min: 4, max: 30 },
      startSpreadMs: 60 * DAY,
      sharedDeviceRate: 0.2,
      lateMergeRate: 0.3,
      unmergeRate: 0.3,
    }),
    lateness: fc.array(fc.nat(19), { minLength: 1, maxLength: 40 }),
    batches: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
    horizonDays: fc.integer({ min: 1, max: 10 }),
    withHost: fc.boolean(),
    inMemory: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  })
  .map(({ journeys, lateness, batches, horizonDays, withHost, inMemory }) => {
    // An event whose roll is high arrives 2-30 days after it happened, the others in time order.
    const arrival = journeys.events.map((event, i) => {
      const roll = lateness[i % lateness.length]!;
      return { event, at: Date.parse(String(event.occurredAt)) + (roll >= 17 ? (roll - 15) * 7 * DAY : 0) };
    });
    arrival.sort((a, b) => a.at - b.at);
    const events = arrival.map((a) => a.event);
    const out: RawEvent[][] = [];
    for (let i = 0, b = 0; i < events.length; b++) {
      const size = batches[b % batches.length]!;
      out.push(events.slice(i, i + size));
      i += size;
    }
    return { tenants: journeys.tenants, batches: out, events: journeys.events, horizonMs: horizonDays * DAY, withHost, inMemory };
  });

/**
 * Host projections whose states see everything a fold may depend on (each event's id, order, customer and
 * attributed customer), so that a base state folded under another attribution, a missing event or another
 * order shows. Small `snapshotEvery`s, so evictions cut between partition snapshots.
 */
const byCustomer = defineJourneyProjection<string[]>({
  name: 'memory-by-customer',
  partitionBy: 'customer',
  initialState: () => [],
  // Mutates its state: snapshots and bases are copies.
  evolve: (state, e) => {
    state.push(`${e.id}|${e.customerId}|${e.attributedCustomerId}`);
    return state;
  },
  snapshotEvery: 2,
});
const byTenant = defineJourneyProjection<{ events: number; order: number; perCustomer: Record<string, number> }>({
  name: 'memory-by-tenant',
  partitionBy: 'tenant',
  clone: false,
  initialState: () => ({ events: 0, order: 0, perCustomer: {} }),
  evolve: (s, e) => {
    let order = s.order;
    for (const ch of `${e.id}|${e.customerId}`) order = (Math.imul(order, 31) + ch.charCodeAt(0)) >>> 0;
    return { events: s.events + 1, order, perCustomer: { ...s.perCustomer, [e.customerId]: (s.perCustomer[e.customerId] ?? 0) + 1 } };
  },
  snapshotEvery: 3,
});
const byCase = defineJourneyProjection<readonly string[]>({
  name: 'memory-by-case',
  partitionBy: 'case',
  clone: false,
  initialState: () => [],
  evolve: (s, e) => [...s, `${e.id}|${e.customerId}`],
});
const HOST = [byCustomer, byTenant, byCase] as readonly JourneyProjection<unknown>[];

/** Every partition of every host projection of a tenant, and the partition each customer id of the scenario finds. */
function hostState(engine: JourneyEngine, tenantId: string, customerIds: readonly string[]): unknown {
  return HOST.map((definition) => {
    const view = engine.projection(definition);
    const keys = view.keys(tenantId);
    return {
      keys,
      states: keys.map((key) => view.state(tenantId, key)),
      customers: definition.partitionBy === 'customer' ? customerIds.map((id) => view.state(tenantId, id)) : [],
    };
  });
}

/** The host states as of an instant: from the bounded engine through the store, and what its synchronous read says. */
async function hostStateAt(
  bounded: JourneyEngine,
  whole: JourneyEngine,
  tenantId: string,
  customerIds: readonly string[],
  asOf: number,
): Promise<{ beyond: number }> {
  let beyond = 0;
  for (const definition of HOST) {
    const keys = definition.partitionBy === 'tenant' ? [tenantId] : definition.partitionBy === 'customer' ? customerIds : whole.projection(definition).keys(tenantId);
    for (const key of keys) {
      const expected = whole.projection(definition).stateAt(tenantId, key, asOf);
      expect(await bounded.projection(definition).stateAtFromStore(tenantId, key, asOf)).toEqual(expected);
      try {
        expect(bounded.projection(definition).stateAt(tenantId, key, asOf)).toEqual(expected);
      } catch (error) {
        expect((error as { code?: string }).code).toBe('BEYOND_HORIZON');
        beyond++;
      }
    }
  }
  return { beyond };
}

/** The customer ids the scenario's events name, per tenant, sorted. */
function customerIdsOf(events: readonly RawEvent[], tenantId: string): string[] {
  const ids = new Set<string>();
  for (const e of events) if (e.tenantId === tenantId && typeof e.customerId === 'string') ids.add(e.customerId);
  return [...ids].sort();
}

/**
 * What the two engines must agree on: the whole report, and the fold's cases and customer records by key.
 * The order of the customers map is not compared: after an eviction a regrouped customer's record can sit
 * elsewhere in it than in an engine that re-folded the group from its first event (every report, which is
 * what hosts read, is compared whole).
 */
function observedState(engine: JourneyEngine, tenantId: string): unknown {
  const fold = foldState(engine.fold(tenantId)) as { customers: unknown[] } | undefined;
  const byKey = (list: unknown[]) => [...(list as [string, unknown][])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const customers = fold === undefined ? undefined : (fold.customers as unknown as { customers: unknown[] }).customers;
  return { report: engine.report(tenantId, { asOf: ASOF }), fold: fold === undefined ? undefined : { ...fold, customers: byKey(customers ?? []) } };
}

/** Alice's case on the first day, then Bob writing every day for 40 days, and a clock after it all. */
function aliceThenBob(): { events: Record<string, unknown>[]; clock: () => number } {
  const T0 = Date.parse('2026-03-02T09:00:00Z');
  const at = (days: number) => new Date(T0 + days * DAY).toISOString();
  const events: Record<string, unknown>[] = [
    { type: 'CustomerIdentified', tenantId: 't1', customerId: 'alice', occurredAt: at(0), channel: 'web', identities: [{ type: 'email', value: 'alice@example.org' }], data: { identities: [], traits: { plan: 'pro' } } },
    { type: 'CaseOpened', tenantId: 't1', customerId: 'alice', caseId: 'case-a', occurredAt: at(0.1), channel: 'email', data: { subject: 'Refund for Alice', topic: 'billing' } },
    { type: 'MessageReceived', tenantId: 't1', customerId: 'alice', caseId: 'case-a', occurredAt: at(0.2), channel: 'email', data: { text: 'Alice wants her money back' } },
    { type: 'CaseResolved', tenantId: 't1', customerId: 'alice', caseId: 'case-a', occurredAt: at(1), channel: 'email', data: {} },
  ];
  for (let day = 2; day < 42; day++) {
    events.push({ type: 'MessageReceived', tenantId: 't1', customerId: 'bob', caseId: `case-b${day}`, occurredAt: at(day), channel: 'web_chat', data: { text: `day ${day}` } });
    events.push({ type: 'CaseResolved', tenantId: 't1', customerId: 'bob', caseId: `case-b${day}`, occurredAt: at(day + 0.5), channel: 'web_chat', data: {} });
  }
  return { events, clock: () => T0 + 50 * DAY };
}

/**
 * The events in time order, with ids in that order, recorded `batch` at a time by an engine holding every
 * event and one with bounded memory, both on the engine's own store.
 */
async function recordedTwice(events: Record<string, unknown>[], clock: () => number, memory: JourneyMemoryOptions, batch: number): Promise<{ whole: JourneyEngine; bounded: JourneyEngine }> {
  events.sort((a, b) => Date.parse(String(a.occurredAt)) - Date.parse(String(b.occurredAt)));
  events.forEach((e, i) => (e.id = `evt-${String(i).padStart(4, '0')}`));
  const whole = createJourneyEngine({ clock, snapshots: false });
  const bounded = createJourneyEngine({ clock, snapshots: false, memory });
  for (const engine of [whole, bounded]) for (let i = 0; i < events.length; i += batch) await engine.recordUnknown(events.slice(i, i + batch));
  return { whole, bounded };
}

/** One tenant's journeys over three months in time order: with a one-day horizon most customers go quiet, their records packed. */
function customersGoneQuiet(): { events: RawEvent[]; tenantId: string } {
  const [journeys] = fc.sample(
    tenantJourneysArbitrary({ tenants: 1, customers: { min: 12, max: 14 }, eventsPerCustomer: { min: 10, max: 20 }, startSpreadMs: 90 * DAY }),
    { seed: 7, numRuns: 1 },
  );
  const events = journeys!.events.slice().sort((a, b) => Date.parse(String(a.occurredAt)) - Date.parse(String(b.occurredAt)));
  return { events, tenantId: journeys!.tenants[0]! };
}

describe('journey engine with bounded memory', () => {
  it('answers as an engine holding every event: reports, state and as-of queries (property)', async () => {
    const totals = { evicted: 0, rehydrations: 0, groupReads: 0, historyReads: 0, beyond: 0, hostRuns: 0, hostEvicted: 0, hostBeyond: 0, packed: 0, unpacked: 0, heldPacked: 0, spilled: 0, spillReads: 0, inMemoryRuns: 0, packedCases: 0, spilledCases: 0 };
    await assertProperty(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        const projections = scenario.withHost ? HOST : [];
        const whole = createJourneyEngine({ clock: () => ASOF, snapshots: false, projections });
        // Settled records spilled to a file (the default) in most runs, packed in memory in the others.
        const spill = scenario.inMemory ? false : undefined;
        const bounded = createJourneyEngine({ clock: () => ASOF, memory: { horizonMs: scenario.horizonMs, minEvictEvents: 3, spill }, projections });
        try {
          for (const batch of scenario.batches) {
            await whole.recordUnknown(batch);
            await bounded.recordUnknown(batch);
          }
          const times = scenario.events.map((e) => Date.parse(String(e.occurredAt))).sort((a, b) => a - b);
          const middle = times[Math.floor(times.length / 2)]!;
          for (const tenantId of scenario.tenants) {
            expect(observedState(bounded, tenantId)).toEqual(observedState(whole, tenantId));
            // As of an instant before the horizon: from the store, exactly; the synchronous read says why it cannot.
            expect(await bounded.reportFromStore(tenantId, { asOf: middle })).toEqual(whole.report(tenantId, { asOf: middle }));
            try {
              expect(foldState(bounded.foldAsOf(tenantId, middle))).toEqual(foldState(whole.foldAsOf(tenantId, middle)));
            } catch (error) {
              expect((error as { code?: string }).code).toBe('BEYOND_HORIZON');
              expect(String(error)).toContain(tenantId);
              totals.beyond++;
            }
            if (scenario.withHost) {
              const customerIds = customerIdsOf(scenario.events, tenantId);
              expect(hostState(bounded, tenantId, customerIds)).toEqual(hostState(whole, tenantId, customerIds));
              totals.hostBeyond += (await hostStateAt(bounded, whole, tenantId, customerIds, middle)).beyond;
            }
          }
          const stats = bounded.memoryStats();
          expect(stats.heldEvents).toBeLessThanOrEqual(scenario.events.length);
          if (scenario.withHost) {
            totals.hostRuns++;
            totals.hostEvicted += stats.evictedEvents;
          }
          totals.evicted += stats.evictedEvents;
          totals.rehydrations += stats.rehydrations;
          totals.groupReads += stats.groupReads;
          totals.historyReads += stats.historyReads;
          totals.packed += stats.recordsPacked;
          totals.unpacked += stats.recordsUnpacked;
          totals.heldPacked += stats.packedRecords;
          expect(stats.packedRecordBytes > 0).toBe(stats.packedRecords > 0);
          expect(stats.spillError).toBeNull();
          totals.packedCases += stats.packedCases;
          expect(stats.packedCaseBytes > 0).toBe(stats.packedCases > 0);
          if (scenario.inMemory) {
            totals.inMemoryRuns++;
            expect(stats.spilledRecords).toBe(0);
            expect(stats.spilledCases).toBe(0);
            expect(stats.spillFileBytes).toBe(0);
          } else {
            expect(stats.spilledRecords).toBe(stats.packedRecords);
            expect(stats.spilledRecordBytes).toBe(stats.packedRecordBytes);
            expect(stats.spillFileBytes).toBeGreaterThanOrEqual(stats.spilledRecordBytes);
            totals.spilled += stats.spilledRecords;
            expect(stats.spilledCases).toBe(stats.packedCases);
            expect(stats.spilledCaseBytes).toBe(stats.packedCaseBytes);
            totals.spilledCases += stats.spilledCases;
            totals.spillReads += stats.spillReads;
          }
        } finally {
          // Closed whatever happened: a failing run (and each run of its shrinking) leaves no spill file open.
          await whole.close();
          await bounded.close();
        }
      }),
      // A failure is shrunk for at most three minutes, then reported with its seed (rather than shrunk for as long as it takes).
      { ...fcParameters({ numRuns: 40 }), interruptAfterTimeLimit: 180_000, markInterruptAsFailure: true },
    );
    // The runs evicted events, re-read histories for late events and merges (merged groups' events alone when
    // that sufficed), and answered as-of queries from the store.
    expect(totals.evicted).toBeGreaterThan(100);
    expect(totals.rehydrations).toBeGreaterThan(3);
    expect(totals.groupReads).toBeGreaterThan(0);
    expect(totals.historyReads).toBeGreaterThan(3);
    expect(totals.beyond).toBeGreaterThan(3);
    // Settled records were packed, read packed (the states above compared), and unpacked when their customer came back.
    expect(totals.packed).toBeGreaterThan(20);
    expect(totals.heldPacked).toBeGreaterThan(10);
    expect(totals.unpacked).toBeGreaterThan(3);
    // Most runs spilled them to a file and read them back from it; some kept them in memory.
    expect(totals.spilled).toBeGreaterThan(10);
    expect(totals.spillReads).toBeGreaterThan(10);
    expect(totals.inMemoryRuns).toBeGreaterThan(3);
    // Settled cases that are not open were packed too (spilled in most runs), read through their getters by the
    // fold and unpacked by the views the states above compared.
    expect(totals.packedCases).toBeGreaterThan(20);
    expect(totals.spilledCases).toBeGreaterThan(10);
    // And with host projections: their partitions dropped evicted events and still answered as the whole engine.
    expect(totals.hostRuns).toBeGreaterThan(5);
    expect(totals.hostEvicted).toBeGreaterThan(50);
    expect(totals.hostBeyond).toBeGreaterThan(3);
  }, 240_000);

  it('resumes over the file store from a snapshot of spilled records: loaded as bytes, spilled again, read as the records', async () => {
    const { events, tenantId } = customersGoneQuiet();
    const directory = mkdtempSync(join(tmpdir(), 'omnitrail-memory-'));
    dirs.push(directory);
    const whole = createJourneyEngine({ clock: () => ASOF, snapshots: false });
    await whole.recordUnknown(events);
    const memory = { horizonMs: DAY, minEvictEvents: 3 };
    const store = await openFileEventStore({ directory, fsync: 'none' });
    const first = createJourneyEngine({ store, clock: () => ASOF, memory });
    for (let i = 0; i < events.length; i += 10) await first.recordUnknown(events.slice(i, i + 10));
    await first.snapshot();
    const firstStats = first.memoryStats();
    expect(firstStats.spilledRecords).toBeGreaterThan(5);
    expect(firstStats.spilledRecords).toBe(firstStats.packedRecords);
    await first.close();
    await store.close();
    const reopened = await openFileEventStore({ directory, fsync: 'none' });
    const second = createJourneyEngine({ store: reopened, clock: () => ASOF, memory });
    const loaded: string[] = [];
    second.snapshotEvents$.subscribe((e) => loaded.push(e.kind));
    await second.ready();
    expect(loaded).toContain('loaded');
    const stats = second.memoryStats();
    expect(stats.packedRecords).toBe(firstStats.packedRecords);
    expect(stats.spilledRecords).toBe(stats.packedRecords);
    expect(stats.spilledRecordBytes).toBe(firstStats.spilledRecordBytes);
    // Its packed cases too: written as plain data, packed cases again once loaded.
    expect(firstStats.spilledCases).toBeGreaterThan(3);
    expect(stats.packedCases).toBe(firstStats.packedCases);
    expect(stats.spilledCases).toBe(stats.packedCases);
    expect(second.report(tenantId)).toEqual(whole.report(tenantId));
    expect(observedState(second, tenantId)).toEqual(observedState(whole, tenantId));
    expect(second.memoryStats().spillReads).toBeGreaterThan(0);
    await second.close();
    await reopened.close();
    await whole.close();
  });

  it('resumes over the file store from a snapshot that holds only what is within the horizon, host partitions as bases', async () => {
    const [scenario] = fc.sample(scenarioArbitrary, { seed: 42, numRuns: 1 });
    const directory = mkdtempSync(join(tmpdir(), 'omnitrail-memory-'));
    dirs.push(directory);
    const whole = createJourneyEngine({ clock: () => ASOF, snapshots: false, projections: HOST });
    const store = await openFileEventStore({ directory, fsync: 'none' });
    const first = createJourneyEngine({ store, clock: () => ASOF, memory: { horizonMs: DAY, minEvictEvents: 3 }, projections: HOST });
    const half = Math.ceil(scenario!.batches.length / 2);
    for (const batch of scenario!.batches.slice(0, half)) {
      await whole.recordUnknown(batch);
      await first.recordUnknown(batch);
    }
    // A snapshot first evicts what may go (our own events have come back by then).
    await first.snapshot();
    const evicted = first.memoryStats().evictedEvents;
    expect(evicted).toBeGreaterThan(0);
    await first.close();
    await store.close();
    const reopened = await openFileEventStore({ directory, fsync: 'none' });
    const second = createJourneyEngine({ store: reopened, clock: () => ASOF, memory: { horizonMs: DAY, minEvictEvents: 3 }, projections: HOST });
    const loaded: string[] = [];
    second.snapshotEvents$.subscribe((e) => loaded.push(e.kind));
    await second.ready();
    expect(loaded).toContain('loaded');
    // The snapshot held the state, not the evicted events: the host partitions hold their bases, and answer
    // as the engine holding every event before anything more is recorded.
    expect(second.memoryStats().heldEvents).toBeLessThan(scenario!.events.length);
    expect(second.memoryStats().rehydrations).toBe(0);
    for (const tenantId of scenario!.tenants) {
      const customerIds = customerIdsOf(scenario!.events, tenantId);
      expect(hostState(second, tenantId, customerIds)).toEqual(hostState(whole, tenantId, customerIds));
    }
    for (const batch of scenario!.batches.slice(half)) {
      await whole.recordUnknown(batch);
      await second.recordUnknown(batch);
    }
    for (const tenantId of scenario!.tenants) {
      expect(observedState(second, tenantId)).toEqual(observedState(whole, tenantId));
      const customerIds = customerIdsOf(scenario!.events, tenantId);
      expect(hostState(second, tenantId, customerIds)).toEqual(hostState(whole, tenantId, customerIds));
    }
    await second.close();
    await reopened.close();
    await whole.close();
  }, 60_000);

  it('erases a customer whose events left memory: the history is re-read, the report is the same as without a horizon', async () => {
    // Bob keeps writing for 40 days: Alice's events leave memory (1-day horizon).
    const { events, clock } = aliceThenBob();
    const whole = createJourneyEngine({ store: createInMemoryEventStore(), keys: createInMemoryKeyStore(), clock, snapshots: false });
    const bounded = createJourneyEngine({ store: createInMemoryEventStore(), keys: createInMemoryKeyStore(), clock, snapshots: false, memory: { horizonMs: DAY, minEvictEvents: 5 } });
    for (const engine of [whole, bounded]) {
      await engine.ready();
      for (let i = 0; i < events.length; i += 4) await engine.recordUnknown(events.slice(i, i + 4));
    }
    expect(bounded.memoryStats().evictedEvents).toBeGreaterThan(4);
    const before = bounded.memoryStats().rehydrations;
    const erasedWhole = await whole.erase('t1', 'alice');
    const erasedBounded = await bounded.erase('t1', 'alice');
    expect(erasedBounded).toEqual({ ...erasedWhole, eventId: erasedBounded.eventId });
    expect(bounded.memoryStats().rehydrations).toBeGreaterThan(before);
    expect(bounded.report('t1')).toEqual(whole.report('t1'));
    expect(JSON.stringify(bounded.report('t1'))).not.toContain('Alice');
    await whole.close();
    await bounded.close();
  });

  it("covers in its snapshot position the events recorded while their tenant's history or a merged group's events were being read", async () => {
    // A late event makes the engine re-read Alice's and Bob's tenant, a merge of two customers with evicted
    // events makes it read their streams back; batches recorded meanwhile wait for the read and are folded
    // after it, not by the batch that brought them. The subscription hands them back before that: until they
    // are folded they are holes in what the engine covers, and once folded the covered position must move
    // past them (it stayed before them for good, keeping every later event in a list that grew with the log).
    const T0 = Date.parse('2026-03-02T09:00:00Z');
    const at = (days: number) => new Date(T0 + days * DAY).toISOString();
    const { events, clock } = aliceThenBob();
    // Carol and Dave write on the first days from two accounts: their events leave memory with Alice's.
    for (const [who, channel] of [['carol', 'email'], ['dave', 'web_chat']] as const) {
      for (let day = 0; day < 3; day++) events.push({ type: 'MessageReceived', tenantId: 't1', customerId: who, caseId: `${who}-${day}`, occurredAt: at(day + 0.3), channel, data: { text: `day ${day}` } });
    }
    events.sort((a, b) => Date.parse(String(a.occurredAt)) - Date.parse(String(b.occurredAt)));
    const triggers = {
      'a late event (the tenant re-read)': { type: 'MessageReceived', tenantId: 't1', customerId: 'alice', caseId: 'case-a', occurredAt: at(0.5), channel: 'email', data: { text: 'one more thing' } },
      'a late merge (the group read back)': { type: 'CustomersMerged', tenantId: 't1', customerId: 'carol', occurredAt: at(42.5), channel: 'web', data: { survivorId: 'carol', mergedId: 'dave' } },
    };
    for (const [name, trigger] of Object.entries(triggers)) {
      const store = createInMemoryEventStore();
      const engine = createJourneyEngine({ store, clock, memory: { horizonMs: DAY, minEvictEvents: 5 } });
      await engine.ready();
      for (let i = 0; i < events.length; i += 4) await engine.recordUnknown(events.slice(i, i + 4));
      expect(engine.memoryStats().evictedEvents, name).toBeGreaterThan(10);
      const before = engine.memoryStats();
      const meanwhile = Array.from({ length: 6 }, (_, k) => ({ type: 'MessageReceived', tenantId: 't1', customerId: 'bob', caseId: `case-late-${k}`, occurredAt: at(43 + k / 10), channel: 'sms', data: { text: `meanwhile ${k}` } }));
      await Promise.all([engine.recordUnknown([trigger]), ...meanwhile.map((e) => engine.recordUnknown([e]))]);
      await engine.ready();
      const after = engine.memoryStats();
      const read = name.includes('merge') ? 'groupReads' : 'rehydrations';
      expect(after[read], name).toBe(before[read] + 1);
      let last: bigint | undefined;
      for await (const e of store.readAll({ fromPosition: 'end', direction: 'backwards' })) {
        last = e.position;
        break;
      }
      // Once the subscription has handed every event back, the snapshot covers the whole store.
      expect((await engine.snapshot())?.position, name).toBe(last);
      await engine.close();
    }
  });

  it('finds an unthreaded switch across the eviction boundary, from a case left open or resolved days before it', async () => {
    const T0 = Date.parse('2026-03-02T09:00:00Z');
    const at = (days: number) => new Date(T0 + days * DAY).toISOString();
    const msg = (customerId: string, caseId: string, day: number, channel: string) => ({ type: 'MessageReceived', tenantId: 't1', customerId, caseId, occurredAt: at(day), channel, data: { text: 'hello' } });
    const resolved = (customerId: string, caseId: string, day: number, channel: string) => ({ type: 'CaseResolved', tenantId: 't1', customerId, caseId, occurredAt: at(day), channel, data: {} });
    const events: Record<string, unknown>[] = [
      // Carol's email case stays open; Erin's is resolved; Dan's is resolved long before his next case.
      msg('carol', 'carol-email', 0, 'email'),
      msg('erin', 'erin-email', 0.1, 'email'),
      msg('dan', 'dan-email', 0.15, 'email'),
      resolved('dan', 'dan-email', 0.2, 'email'),
      resolved('erin', 'erin-email', 0.3, 'email'),
      msg('carol', 'carol-email', 0.5, 'email'),
    ];
    // Bob writes every few hours: with a 1-day horizon the events above leave memory before the chats below.
    for (let day = 0.6; day < 12; day += 0.25) events.push(msg('bob', `bob-${day}`, day, 'web_chat'), resolved('bob', `bob-${day}`, day + 0.1, 'web_chat'));
    events.push(msg('carol', 'carol-chat', 2.9, 'web_chat'), msg('erin', 'erin-chat', 2.95, 'web_chat'), msg('dan', 'dan-chat', 9, 'web_chat'));
    // Later merges re-fold Carol's, Erin's and Dan's held events from their evicted records: the candidates
    // of each chat come from what the cases were when it happened (the moments kept past the boundary).
    // (Their second profiles write on the chat channel more than 72 h after the email activity: no switch.)
    for (const [who, day] of [['carol', 3.7], ['erin', 3.8], ['dan', 9.2]] as const) {
      events.push(msg(`${who}-2`, `${who}-2-chat`, day - 0.1, 'web_chat'));
      events.push({ type: 'CustomersMerged', tenantId: 't1', customerId: who, occurredAt: at(day), channel: 'web', data: { survivorId: who, mergedId: `${who}-2` } });
    }
    const { whole, bounded } = await recordedTwice(events, () => T0 + 20 * DAY, { horizonMs: DAY, minEvictEvents: 4 }, 2);
    expect(bounded.memoryStats().evictedEvents).toBeGreaterThan(6);
    const report = whole.report('t1');
    // Carol's and Erin's chats switch channel with an email case still open or resolved within 7 days; Dan's does not.
    expect(report.journeys.contextLost.unthreaded_switch).toBe(2);
    expect(report.customers.merged).toBe(3);
    expect(bounded.report('t1')).toEqual(report);
    await whole.close();
    await bounded.close();
  });

  it('adds the identity gap of an anonymous visitor identified after its case left memory, without re-reading the history', async () => {
    const T0 = Date.parse('2026-03-02T09:00:00Z');
    const at = (days: number) => new Date(T0 + days * DAY).toISOString();
    const device = (value: string) => [{ type: 'device_id', value }];
    const events: Record<string, unknown>[] = [
      // Two visitors known by their devices alone: the first opens a case by email, then one by chat while the
      // first is open (an unthreaded switch, annotated by the same event as its gap); the second only browses.
      { type: 'CaseOpened', tenantId: 't1', caseId: 'case-v0', occurredAt: at(-0.5), channel: 'email', identities: device('dev-1'), data: { subject: 'Parcel' } },
      { type: 'CaseOpened', tenantId: 't1', caseId: 'case-v1', occurredAt: at(0), channel: 'web_chat', identities: device('dev-1'), data: { subject: 'Where is my parcel?' } },
      { type: 'CaseResolved', tenantId: 't1', caseId: 'case-v1', occurredAt: at(0.2), channel: 'web_chat', identities: device('dev-1'), data: {} },
      { type: 'PageViewed', tenantId: 't1', occurredAt: at(0.3), channel: 'web', identities: device('dev-2'), data: { url: '/pricing' } },
      // Nina, known by name, signs in from a device whose visitor had opened a case: merged into Nina at once.
      { type: 'CustomerIdentified', tenantId: 't1', customerId: 'nina', occurredAt: at(0.05), channel: 'web', data: { identities: [] } },
      { type: 'CaseOpened', tenantId: 't1', caseId: 'case-v3', occurredAt: at(0.1), channel: 'web_chat', identities: device('dev-3'), data: { subject: 'Broken zip' } },
      { type: 'CustomerIdentified', tenantId: 't1', customerId: 'nina', occurredAt: at(0.4), channel: 'web', identities: device('dev-3'), data: { identities: [] } },
    ];
    // Bob writes every few hours: with a 1-day horizon the visitors' events leave memory.
    for (let day = 0.5; day < 12; day += 0.25) {
      events.push({ type: 'MessageReceived', tenantId: 't1', customerId: 'bob', caseId: `bob-${day}`, occurredAt: at(day), channel: 'email', data: { text: 'hello' } });
      events.push({ type: 'CaseResolved', tenantId: 't1', customerId: 'bob', caseId: `bob-${day}`, occurredAt: at(day + 0.1), channel: 'email', data: {} });
    }
    // Days later both sign in: each device's customer absorbs the named one (the older survives). The first
    // visitor's case now shows an identity gap; the second opened none, so nothing it folded changes. Then
    // a second merge into the first group, whose anonymous member's answer is settled already.
    events.push({ type: 'CustomerIdentified', tenantId: 't1', customerId: 'vera', occurredAt: at(8), channel: 'web', identities: device('dev-1'), data: { identities: [] } });
    events.push({ type: 'CustomerIdentified', tenantId: 't1', customerId: 'walt', occurredAt: at(8.5), channel: 'web', identities: device('dev-2'), data: { identities: [] } });
    events.push({ type: 'CustomerIdentified', tenantId: 't1', customerId: 'vera-work', occurredAt: at(9), channel: 'web', identities: device('dev-1'), data: { identities: [] } });
    // Nina's group grows after her visitor's events left memory: that visitor was merged before, nothing changes.
    events.push({ type: 'MessageReceived', tenantId: 't1', customerId: 'nina-2', caseId: 'case-n2', occurredAt: at(9.5), channel: 'email', data: { text: 'me again' } });
    events.push({ type: 'CustomersMerged', tenantId: 't1', customerId: 'nina', occurredAt: at(9.6), channel: 'web', data: { survivorId: 'nina', mergedId: 'nina-2' } });
    const { whole, bounded } = await recordedTwice(events, () => T0 + 20 * DAY, { horizonMs: DAY, minEvictEvents: 4 }, 2);
    expect(bounded.memoryStats().evictedEvents).toBeGreaterThan(6);
    const report = whole.report('t1');
    expect(report.journeys.contextLost).toMatchObject({ identity_gap: 3, unthreaded_switch: 1 });
    expect(report.customers.merged).toBe(5);
    expect(bounded.report('t1')).toEqual(report);
    expect(observedState(bounded, 't1')).toEqual(observedState(whole, 't1'));
    // Followed from the cases and the evicted record alone: no history re-read.
    expect(bounded.memoryStats().rehydrations).toBe(0);
    await whole.close();
    await bounded.close();
  });

  it("merges customers that both have evicted events by reading back the group's events alone, unless their cases hold others' events", async () => {
    const T0 = Date.parse('2026-03-02T09:00:00Z');
    const at = (days: number) => new Date(T0 + days * DAY).toISOString();
    const history = (crossCustomer: boolean): Record<string, unknown>[] => {
      const events: Record<string, unknown>[] = [];
      // Carol and Dave write every day for 20 days from two accounts (email and chat), then are found to be one.
      for (let day = 0; day < 20; day++) {
        for (const [who, channel] of [['carol', 'email'], ['dave', 'web_chat']] as const) {
          events.push({ type: 'MessageReceived', tenantId: 't1', customerId: who, caseId: `${who}-${day}`, occurredAt: at(day + (who === 'dave' ? 0.3 : 0)), channel, data: { text: `day ${day}` } });
          events.push({ type: 'CaseResolved', tenantId: 't1', customerId: who, caseId: `${who}-${day}`, occurredAt: at(day + 0.5), channel, data: {} });
        }
      }
      // Erin's case is merged into one of Carol's by an event of Erin's: a case of the group then holds another customer's event.
      if (crossCustomer) {
        events.push({ type: 'MessageReceived', tenantId: 't1', customerId: 'erin', caseId: 'erin-1', occurredAt: at(2.1), channel: 'sms', data: { text: 'about my friend' } });
        events.push({ type: 'CasesMerged', tenantId: 't1', customerId: 'erin', caseId: 'carol-2', occurredAt: at(2.2), channel: 'email', data: { sourceCaseId: 'erin-1', targetCaseId: 'carol-2' } });
      }
      events.push({ type: 'CustomersMerged', tenantId: 't1', customerId: 'carol', occurredAt: at(21), channel: 'web', data: { survivorId: 'carol', mergedId: 'dave' } });
      return events;
    };
    for (const crossCustomer of [false, true]) {
      const { whole, bounded } = await recordedTwice(history(crossCustomer), () => T0 + 30 * DAY, { horizonMs: 2 * DAY, minEvictEvents: 4 }, 4);
      const stats = bounded.memoryStats();
      expect(stats.evictedEvents).toBeGreaterThan(40);
      expect(whole.report('t1').customers.merged).toBe(1);
      expect(observedState(bounded, 't1')).toEqual(observedState(whole, 't1'));
      expect(stats.groupReads).toBeGreaterThan(0);
      if (crossCustomer) expect(stats.rehydrations).toBeGreaterThan(0);
      else {
        // Carol's and Dave's streams only: their 80 events, not the tenant's history.
        expect(stats.rehydrations).toBe(0);
        expect(stats.groupReadEvents).toBeLessThanOrEqual(81);
        // The merge's batch stopped before it folded anything: undone at the head, nothing re-folded.
        expect(bounded.stats('t1')!.refolds).toBe(0);
      }
      await whole.close();
      await bounded.close();
    }
  });

  it('host partitions: a merge whose survivor has evicted events stays in memory, one that moves them re-reads the history', async () => {
    const T0 = Date.parse('2026-03-02T09:00:00Z');
    const at = (days: number) => new Date(T0 + days * DAY).toISOString();
    const message = (customerId: string, days: number) => ({ id: `${customerId}-${days}`, type: 'MessageReceived', tenantId: 't1', customerId, channel: 'web_chat', occurredAt: at(days), data: { text: `${customerId} on day ${days}` } });
    const merge = (id: string, days: number, survivorId: string, mergedId: string) => ({ id, type: 'CustomersMerged', tenantId: 't1', customerId: survivorId, occurredAt: at(days), data: { survivorId, mergedId } });
    // Alice and Erin write on the first days; Bob every day, so that their events leave memory (1-day horizon).
    const history: Record<string, unknown>[] = [message('alice', 0), message('erin', 0.2), message('alice', 0.5), message('erin', 0.7), message('alice', 1)];
    for (let day = 2; day < 41; day++) history.push(message('bob', day));
    history.push(message('carol', 40.2), message('carol', 40.5));
    const clock = () => T0 + 50 * DAY;
    const whole = createJourneyEngine({ clock, snapshots: false, projections: HOST });
    const bounded = createJourneyEngine({ clock, memory: { horizonMs: DAY, minEvictEvents: 3 }, projections: HOST });
    const ids = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const both = async (events: Record<string, unknown>[]) => {
      for (const engine of [whole, bounded]) for (let i = 0; i < events.length; i += 3) await engine.recordUnknown(events.slice(i, i + 3));
    };
    await both(history);
    expect(bounded.memoryStats().evictedEvents).toBeGreaterThan(3);
    const reads = bounded.memoryStats().rehydrations;
    // Alice keeps her id: Carol's held events join her partition, onto its base.
    await both([merge('merge-1', 41, 'alice', 'carol')]);
    expect(bounded.memoryStats().rehydrations).toBe(reads);
    expect(hostState(bounded, 't1', ids)).toEqual(hostState(whole, 't1', ids));
    expect(bounded.projection(byCustomer).state('t1', 'carol')).toHaveLength(6); // her 3, Carol's 2, the merge
    // Erin now belongs to Dave: her evicted events were folded under her own id, so the tenant is re-read
    // (the standard projections alone would not need it: only Erin has evicted events).
    await both([message('dave', 41.5), merge('merge-2', 42, 'dave', 'erin')]);
    expect(bounded.memoryStats().rehydrations).toBe(reads + 1);
    expect(hostState(bounded, 't1', ids)).toEqual(hostState(whole, 't1', ids));
    expect(bounded.projection(byCustomer).state('t1', 'erin')).toHaveLength(4); // hers, Dave's, the merge
    // Before the second merge Erin was her own customer: as of then, from the store.
    const asOf = Date.parse(at(41.7));
    expect(await bounded.projection(byCustomer).stateAtFromStore('t1', 'erin', asOf)).toEqual(whole.projection(byCustomer).stateAt('t1', 'erin', asOf));
    expect(whole.projection(byCustomer).stateAt('t1', 'erin', asOf)).toHaveLength(2);
    await whole.close();
    await bounded.close();
  });

  it('catches up a long backlog in steps, with fold snapshots only near its end: the report of an engine holding every event', async () => {
    // 6,000 events over ~170 days (customers starting over 120 days): a 90-day horizon keeps the last two or
    // three steps of 1,000 events, and the catch-up takes no fold snapshot before the step preceding them.
    const store = createInMemoryEventStore();
    const events = [...generateWorkload({ seed: 5, customers: 240, events: 6_000, tenants: 1, startSpreadMs: 120 * DAY })];
    const writer = createJourneyEngine({ store, clock: () => ASOF, snapshots: false, standardProjections: false });
    for (let i = 0; i < events.length; i += 500) await writer.recordUnknown(events.slice(i, i + 500));
    await writer.close();
    const tenantId = String(events[0]!.tenantId);
    const whole = createJourneyEngine({ store, clock: () => ASOF, snapshots: false });
    const bounded = createJourneyEngine({ store, clock: () => ASOF, snapshots: false, memory: { horizonMs: 90 * DAY, minEvictEvents: 500 } });
    await whole.ready();
    await bounded.ready();
    const times = events.map((e) => Date.parse(String(e.occurredAt))).sort((a, b) => a - b);
    const withinHorizon = times.filter((t) => t >= times.at(-1)! - 90 * DAY).length;
    const stats = bounded.memoryStats();
    // Evicted at the end, from a snapshot within two steps of the horizon.
    expect(stats.evictedEvents + stats.heldEvents).toBe(events.length);
    expect(stats.evictedEvents).toBeGreaterThan(0);
    expect(stats.heldEvents).toBeLessThanOrEqual(withinHorizon + 2 * 1_000);
    expect(observedState(bounded, tenantId)).toEqual(observedState(whole, tenantId));
    // A late event before the horizon re-reads the history, folded in steps the same way.
    const late = { ...events[10]!, id: 'late-event-1', occurredAt: new Date(times[100]! + 1).toISOString() };
    await whole.recordUnknown(late);
    await bounded.recordUnknown(late);
    await bounded.ready();
    expect(bounded.memoryStats().rehydrations).toBeGreaterThan(stats.rehydrations);
    expect(observedState(bounded, tenantId)).toEqual(observedState(whole, tenantId));
    await whole.close();
    await bounded.close();
  }, 60_000);

  it("packs the views' full fact chunks: reports equal an engine holding every event, before and after a resume from a snapshot", async () => {
    // Enough events for the agents view's replies (and others) to fill chunks of 4,096 rows.
    const events = [...generateWorkload({ seed: 11, customers: 1_000, events: 40_000, tenants: 1, startSpreadMs: 300 * DAY })];
    const tenantId = String(events[0]!.tenantId);
    const directory = mkdtempSync(join(tmpdir(), 'omnitrail-memory-'));
    dirs.push(directory);
    const store = await openFileEventStore({ directory, fsync: 'none' });
    const writer = createJourneyEngine({ store, clock: () => ASOF, snapshots: false, standardProjections: false });
    for (let i = 0; i < events.length; i += 5_000) await writer.recordUnknown(events.slice(i, i + 5_000));
    await writer.close();
    const whole = createJourneyEngine({ store, clock: () => ASOF, snapshots: false });
    await whole.ready();
    const memory = { horizonMs: 60 * DAY, minEvictEvents: 1_000 };
    const bounded = createJourneyEngine({ store, clock: () => ASOF, memory });
    await bounded.ready();
    const stats = bounded.memoryStats();
    expect(stats.packedFactChunks).toBeGreaterThan(0);
    expect(stats.packedFactChunkBytes).toBeGreaterThan(0);
    expect(bounded.report(tenantId)).toEqual(whole.report(tenantId));
    await bounded.snapshot();
    await bounded.close();
    const resumed = createJourneyEngine({ store, clock: () => ASOF, memory });
    const loaded: string[] = [];
    resumed.snapshotEvents$.subscribe((e) => loaded.push(e.kind));
    await resumed.ready();
    expect(loaded).toContain('loaded');
    expect(resumed.report(tenantId)).toEqual(whole.report(tenantId));
    await resumed.close();
    await whole.close();
    await store.close();
  }, 60_000);

  it("forgets a customer another engine erased even when the customer's events left its memory (re-read from the store)", async () => {
    const { events, clock } = aliceThenBob();
    // One store and one key store, two engines: one erases, the other (bounded memory) follows the store.
    const store = createInMemoryEventStore();
    const keys = createInMemoryKeyStore();
    const eraser = createJourneyEngine({ store, keys, clock, snapshots: false });
    const follower = createJourneyEngine({ store, keys, clock, snapshots: false, memory: { horizonMs: DAY, minEvictEvents: 5 }, projections: [byCustomer] });
    await eraser.ready();
    await follower.ready();
    for (let i = 0; i < events.length; i += 4) await eraser.recordUnknown(events.slice(i, i + 4));
    // The follower folded everything the eraser recorded, and evicted Alice's events.
    for (let waited = 0; follower.memoryStats().heldEvents + follower.memoryStats().evictedEvents < events.length && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    await follower.ready();
    expect(follower.memoryStats().evictedEvents).toBeGreaterThan(4);
    // Alice's profile, folded from her evicted events, holds her personal fields opened.
    expect(JSON.stringify(follower.customer('t1', 'alice'))).toContain('alice@example.org');
    const before = follower.memoryStats().rehydrations;
    await eraser.erase('t1', 'alice');
    for (let waited = 0; follower.memoryStats().rehydrations === before && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    await follower.ready();
    expect(follower.memoryStats().rehydrations).toBeGreaterThan(before);
    expect(follower.report('t1')).toEqual(eraser.report('t1'));
    expect(JSON.stringify(follower.report('t1'))).not.toContain('Alice');
    expect(follower.customer('t1', 'alice')).toEqual(eraser.customer('t1', 'alice'));
    expect(JSON.stringify(follower.customer('t1', 'alice'))).not.toContain('alice@example.org');
    expect(follower.projection(byCustomer).state('t1', 'alice')).toHaveLength(4);
    await eraser.close();
    await follower.close();
  });

  it('rejects settings it cannot honour, naming the field', () => {
    expect(() => createJourneyEngine({ memory: { horizonMs: 0 } })).toThrow(/memory\.horizonMs must be a positive number/);
    expect(() => createJourneyEngine({ memory: { horizonMs: DAY, minEvictEvents: 0.5 } })).toThrow(/memory\.minEvictEvents must be a positive integer/);
    expect(() => createJourneyEngine({ memory: { horizonMs: DAY }, standardProjections: false, projections: [byCustomer] })).toThrow(/memory needs the standard projections/);
    expect(() => createJourneyEngine({ memory: { horizonMs: DAY, spill: true as never } })).toThrow(/memory\.spill must be false or an object/);
    expect(() => createJourneyEngine({ memory: { horizonMs: DAY, spill: { directory: '' } } })).toThrow(/memory\.spill\.directory must be a non-empty path/);
  });

  it('keeps settled records packed in memory when its spill cannot write, and says why', async () => {
    const { events, tenantId } = customersGoneQuiet();
    const whole = createJourneyEngine({ clock: () => ASOF, snapshots: false });
    await whole.recordUnknown(events);
    const missing = join(tmpdir(), `omnitrail-no-such-dir-${process.pid}`, 'spill');
    const bounded = createJourneyEngine({ clock: () => ASOF, memory: { horizonMs: DAY, minEvictEvents: 3, spill: { directory: missing } } });
    for (let i = 0; i < events.length; i += 10) await bounded.recordUnknown(events.slice(i, i + 10));
    const stats = bounded.memoryStats();
    expect(stats.packedRecords).toBeGreaterThan(5);
    expect(stats.spilledRecords).toBe(0);
    expect(stats.spillError).toMatch(/could not write to the record spill in .*omnitrail-no-such-dir-.*ENOENT/);
    expect(bounded.report(tenantId)).toEqual(whole.report(tenantId));
    await bounded.close();
    await whole.close();
  });
});
