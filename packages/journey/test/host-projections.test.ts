import { createInMemoryEventStore } from '@omnitrail/eventstore';
import { createEventRegistry, defineEventType, instantMs, parseEventOrThrow, type CatalogEvent, type EventOfDefinition } from '@omnitrail/events';
import { z } from 'zod';
import { tenantJourneysArbitrary, type RawEvent } from '@omnitrail/testing';
import fc from 'fast-check';
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine, defineJourneyProjection, type JourneyProjection, type JourneyProjectionEvent } from '../src/index.js';
import { resolveTenantIdentities } from '../src/internal.js';
import { compareEventOrder } from '@omnitrail/events';

const T = 'acme';
const at = (minutes: number) => new Date(Date.parse('2024-03-01T09:00:00Z') + minutes * 60_000).toISOString();
const asOf = Date.parse('2030-01-01T00:00:00Z');

// Each state is the list of its events as `id:customer:attributed`, so order and attribution both show.
const trace = (s: string[], e: JourneyProjectionEvent) => [...s, `${e.id}:${e.customerId}:${e.attributedCustomerId}`];
const byCustomer = defineJourneyProjection<string[]>({ name: 'by-customer', partitionBy: 'customer', initialState: () => [], evolve: trace, clone: false, snapshotEvery: 3 });
const byCase = defineJourneyProjection<string[]>({ name: 'by-case', partitionBy: 'case', initialState: () => [], evolve: trace, clone: false, snapshotEvery: 2 });
const byTenant = defineJourneyProjection<string[]>({ name: 'by-tenant', partitionBy: 'tenant', initialState: () => [], evolve: trace, clone: false, snapshotEvery: 4 });
const byChannel = defineJourneyProjection<{ count: number; customers: string[] }>({
  name: 'by-channel',
  partitionBy: (e) => e.event.channel,
  initialState: () => ({ count: 0, customers: [] }),
  // Mutates: snapshots go through the default structuredClone.
  evolve: (s, e) => {
    s.count++;
    if (!s.customers.includes(e.customerId)) s.customers.push(e.customerId);
    return s;
  },
});
const all = [byCustomer, byCase, byTenant, byChannel] as const;

/** The reference: every tenant's events sorted, identity resolved over all of them, each partition folded from scratch. */
function referenceStates(events: readonly CatalogEvent[], projection: JourneyProjection<unknown>): Map<string, Map<string, unknown>> {
  const out = new Map<string, Map<string, unknown>>();
  for (const tenantId of new Set(events.map((e) => e.tenantId))) {
    const kept = events.filter((e) => e.tenantId === tenantId).map((event) => ({ event, at: instantMs(event.occurredAt) }));
    kept.sort((a, b) => compareEventOrder({ id: a.event.id, occurredAt: a.event.occurredAt, at: a.at }, { id: b.event.id, occurredAt: b.event.occurredAt, at: b.at }));
    const identity = resolveTenantIdentities(kept);
    const states = new Map<string, unknown>();
    kept.forEach(({ event, at: ms }, i) => {
      const attributed = identity.attributed[i]!;
      const e: JourneyProjectionEvent = { id: event.id, occurredAt: event.occurredAt, at: ms, event, customerId: identity.canonical(attributed), attributedCustomerId: attributed };
      const p = projection.partitionBy;
      const key = p === 'customer' ? e.customerId : p === 'case' ? event.caseId : p === 'tenant' ? tenantId : p(e);
      if (key === undefined) return;
      states.set(key, projection.evolve(states.has(key) ? states.get(key) : projection.initialState(key), e));
    });
    out.set(tenantId, states);
  }
  return out;
}

function story(): Record<string, unknown>[] {
  const ann = { type: 'email', value: 'ann@example.com' };
  const tablet = { type: 'device_id', value: 'dev-42' };
  return [
    { id: 'a01', type: 'SessionStarted', tenantId: T, occurredAt: at(0), identities: [tablet], channel: 'web', actor: { kind: 'customer' }, data: { sessionId: 's1' } },
    { id: 'a02', type: 'MessageReceived', tenantId: T, occurredAt: at(2), identities: [tablet], channel: 'web_chat', caseId: 'c1', actor: { kind: 'customer' }, data: { text: 'is it waterproof?' } },
    { id: 'a03', type: 'MessageSent', tenantId: T, occurredAt: at(9), identities: [ann], channel: 'web_chat', caseId: 'c1', actor: { kind: 'agent', id: 'bob' }, data: { senderKind: 'agent', text: 'yes' } },
    { id: 'b01', type: 'MessageReceived', tenantId: T, occurredAt: at(4), customerId: 'cust-b', channel: 'voice', caseId: 'c2', actor: { kind: 'customer' }, data: {} },
  ];
}

describe('host projections in the journey engine', () => {
  it('checks definitions and names the problem', () => {
    expect(() => defineJourneyProjection({ name: '', partitionBy: 'customer', initialState: () => 0, evolve: (s) => s })).toThrow(/name must be a non-empty string/);
    expect(() => defineJourneyProjection({ name: 'x', partitionBy: 'shop' as 'case', initialState: () => 0, evolve: (s) => s })).toThrow(/partitionBy must be/);
    expect(() => defineJourneyProjection({ name: 'x', partitionBy: 'case', initialState: () => 0, evolve: (s) => s, snapshotEvery: 0 })).toThrow(/snapshotEvery/);
    expect(() => createJourneyEngine({ projections: [byCase, { ...byCase }] })).toThrow(/two projections are named "by-case"/);
    const engine = createJourneyEngine({ projections: [byCase] });
    expect(() => engine.projection(byTenant)).toThrow(/no projection "by-tenant"/);
    void engine.close();
  });

  it('folds per customer, case, tenant and custom key; a late identification moves earlier events to the customer', async () => {
    const engine = createJourneyEngine({ clock: () => asOf, projections: all });
    await engine.recordUnknown(story());
    const identify = { id: 'a04', type: 'CustomerIdentified', tenantId: T, occurredAt: at(5), identities: [{ type: 'device_id', value: 'dev-42' }, { type: 'email', value: 'ann@example.com' }], actor: { kind: 'customer' }, data: { identities: [{ type: 'device_id', value: 'dev-42' }, { type: 'email', value: 'ann@example.com' }] } };
    await engine.recordUnknown(identify);
    const events = [...story(), identify].map((r) => parseEventOrThrow(r));
    for (const p of all) {
      const expected = referenceStates(events, p as JourneyProjection<unknown>).get(T)!;
      const handle = engine.projection(p as JourneyProjection<unknown>);
      expect(handle.keys(T)).toEqual([...expected.keys()].sort());
      for (const [key, state] of expected) expect(handle.state(T, key)).toEqual(state);
    }
    expect(engine.projection(byTenant).state(T, T)).toHaveLength(5);
    expect(engine.projection(byCase).state(T, 'nope')).toBeUndefined();
    expect(engine.projection(byCase).state('other-tenant', 'c1')).toBeUndefined();
    await engine.close();
  });

  it('re-attributes earlier events when a late event changes who owns a device', async () => {
    const device = { type: 'device_id', value: 'dev-1' };
    const late = { id: 'e0', type: 'SessionStarted', tenantId: T, occurredAt: at(0), customerId: 'cust-2', identities: [device], channel: 'web', actor: { kind: 'customer' }, data: { sessionId: 's0' } };
    const rest = [
      { id: 'e1', type: 'MessageReceived', tenantId: T, occurredAt: at(1), identities: [device], channel: 'email', caseId: 'k1', actor: { kind: 'customer' }, data: {} },
      { id: 'e2', type: 'CustomerIdentified', tenantId: T, occurredAt: at(600), customerId: 'cust-1', channel: 'web', actor: { kind: 'customer' }, data: { identities: [{ type: 'email', value: 'one@example.com' }, device] } },
      { id: 'e3', type: 'OrderPlaced', tenantId: T, occurredAt: at(601), customerId: 'cust-1', channel: 'web', actor: { kind: 'customer' }, data: { orderId: 'o1', salesChannel: 'web', amount: 10, currency: 'EUR' } },
    ];
    const engine = createJourneyEngine({ clock: () => asOf, projections: [byCustomer], standardProjections: false });
    for (const e of rest) await engine.recordUnknown(e);
    await engine.recordUnknown(late);
    const expected = referenceStates([...rest, late].map((r) => parseEventOrThrow(r)), byCustomer as JourneyProjection<unknown>).get(T)!;
    const h = engine.projection(byCustomer);
    expect(h.keys(T)).toEqual([...expected.keys()].sort());
    for (const [key, state] of expected) expect(h.state(T, key)).toEqual(state);
    await engine.close();
  });

  it('answers as of an instant, before a later merge', async () => {
    const engine = createJourneyEngine({ clock: () => asOf, projections: [byCustomer] });
    const merge = { id: 'm1', type: 'CustomersMerged', tenantId: T, occurredAt: at(100), customerId: 'cust-a', actor: { kind: 'agent' }, data: { survivorId: 'cust-a', mergedId: 'cust-b' } };
    const a = { id: 'x1', type: 'MessageReceived', tenantId: T, occurredAt: at(1), customerId: 'cust-a', channel: 'sms', actor: { kind: 'customer' }, data: {} };
    const b = { id: 'x2', type: 'MessageReceived', tenantId: T, occurredAt: at(2), customerId: 'cust-b', channel: 'sms', actor: { kind: 'customer' }, data: {} };
    await engine.recordUnknown([a, b, merge]);
    const h = engine.projection(byCustomer);
    expect(h.state(T, 'cust-b')).toEqual(['x1:cust-a:cust-a', 'x2:cust-a:cust-b', 'm1:cust-a:cust-a']);
    expect(h.stateAt(T, 'cust-b', Date.parse(at(50)))).toEqual(['x2:cust-b:cust-b']);
    expect(h.stateAt(T, 'cust-a', Date.parse(at(1)))).toEqual(['x1:cust-a:cust-a']);
    expect(h.stateAt(T, 'cust-a', Date.parse(at(0)))).toBeUndefined();
    expect(h.stateAt(T, 'cust-a', asOf)).toEqual(h.state(T, 'cust-a'));
    await engine.close();
  });

  it('streams a partition: the current state first, then every change, following a merge', async () => {
    const engine = createJourneyEngine({ clock: () => asOf, projections: [byCustomer] });
    const h = engine.projection(byCustomer);
    const seen = firstValueFrom(h.state$(T, 'cust-b').pipe(take(3), toArray()));
    await engine.record({ id: 'y1', type: 'MessageReceived', tenantId: T, occurredAt: at(2), customerId: 'cust-b', channel: 'sms', actor: { kind: 'customer' }, data: {} });
    await engine.record({ id: 'y0', type: 'MessageReceived', tenantId: T, occurredAt: at(1), customerId: 'cust-a', channel: 'sms', actor: { kind: 'customer' }, data: {} });
    await engine.record({ id: 'y2', type: 'CustomersMerged', tenantId: T, occurredAt: at(3), customerId: 'cust-a', actor: { kind: 'agent' }, data: { survivorId: 'cust-a', mergedId: 'cust-b' } });
    expect(await seen).toEqual([undefined, ['y1:cust-b:cust-b'], ['y0:cust-a:cust-a', 'y1:cust-a:cust-b', 'y2:cust-a:cust-a']]);
    await engine.close();
  });

  it('serves host projections alone when the standard ones are off, and says so when asked for them', async () => {
    const engine = createJourneyEngine({ clock: () => asOf, projections: [byCase], standardProjections: false });
    await engine.recordUnknown(story());
    expect(engine.projection(byCase).state(T, 'c1')).toHaveLength(2);
    expect(() => engine.report(T)).toThrow(/standardProjections: false/);
    expect(() => engine.getCase(T, 'c1')).toThrow(/standardProjections: false/);
    expect(() => engine.tenant$(T)).toThrow(/standardProjections: false/);
    await engine.close();
  });

  for (const [standardProjections, shared] of [[true, false], [false, false], [true, true], [false, true]] as const) {
    // shared: the engine writes to a store passed in (so it follows the store and skips its own events when
    // they come back), and a second engine opened on that store afterwards must fold to the same states.
    const where = shared ? 'a shared store, and an engine that catches up from it' : 'its own store';
    it(`equals a fold from scratch whatever the arrival order, batching, redelivery, merges and unmerges (property, standard projections ${standardProjections ? 'on' : 'off'}, ${where})`, async () => {
      const journeys = tenantJourneysArbitrary({ tenants: 2, customers: { min: 2, max: 8 }, sharedDeviceRate: 0.8, lateMergeRate: 0.4, unmergeRate: 0.4 });
      await fc.assert(
        fc.asyncProperty(
          journeys.chain((j) => fc.tuple(fc.constant(j), fc.shuffledSubarray(j.events, { minLength: j.events.length, maxLength: j.events.length }), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 3 }))),
          async ([j, order, sizes, redeliver]) => {
            const store = shared ? createInMemoryEventStore() : undefined;
            const engine = createJourneyEngine({ clock: () => asOf, projections: all, standardProjections, ...(store ? { store } : {}) });
            let i = 0;
            let s = 0;
            while (i < order.length) {
              const size = sizes[s++ % sizes.length]!;
              await engine.recordUnknown(order.slice(i, i + size) as RawEvent[]);
              i += size;
            }
            for (const r of redeliver) if (order.length > 0) await engine.recordUnknown(order[r % order.length]!);
            const events = j.events.map((r) => parseEventOrThrow(r));
            const follower = store ? createJourneyEngine({ clock: () => asOf, projections: all, standardProjections, store }) : undefined;
            await follower?.ready();
            for (const subject of follower ? [engine, follower] : [engine]) {
              for (const p of all) {
                const expected = referenceStates(events, p as JourneyProjection<unknown>);
                const handle = subject.projection(p as JourneyProjection<unknown>);
                for (const tenantId of j.tenants) {
                  const states = expected.get(tenantId) ?? new Map();
                  expect(handle.keys(tenantId)).toEqual([...states.keys()].sort());
                  for (const [key, state] of states) expect(handle.state(tenantId, key)).toEqual(state);
                }
              }
            }
            await engine.close();
            await follower?.close();
            await store?.close();
          },
        ),
        { numRuns: process.env.CI ? 25 : 60 },
      );
    });
  }
});

describe('host event types registered with the engine', () => {
  it('records them (typed), validates their data, folds them into host projections and leaves the standard ones alone', async () => {
    const LoyaltyPointsEarned = defineEventType({ type: 'LoyaltyPointsEarned', data: z.object({ points: z.number().int().positive(), tier: z.string().default('basic') }) });
    type Events = CatalogEvent | EventOfDefinition<typeof LoyaltyPointsEarned>;
    const points = defineJourneyProjection({
      name: 'points',
      partitionBy: 'customer',
      initialState: () => 0,
      evolve: (total, e: JourneyProjectionEvent<Events>) => (e.event.type === 'LoyaltyPointsEarned' ? total + e.event.data.points : total),
      clone: false,
    });
    const engine = createJourneyEngine({ registry: createEventRegistry([LoyaltyPointsEarned]), projections: [points], clock: () => asOf });
    const base = { tenantId: T, customerId: 'ann' } as const;
    const result = await engine.record([
      { ...base, type: 'MessageReceived', occurredAt: at(0), channel: 'email', caseId: 'k1', actor: { kind: 'customer' }, data: { text: 'hi' } },
      { ...base, type: 'LoyaltyPointsEarned', occurredAt: at(1), data: { points: 10 } },
      { ...base, type: 'LoyaltyPointsEarned', occurredAt: at(2), data: { points: 5, tier: 'gold' } },
    ]);
    expect(result.recorded).toBe(3);
    // The parsed host event has its schema's default filled in.
    expect(result.events[1]).toMatchObject({ type: 'LoyaltyPointsEarned', data: { points: 10, tier: 'basic' } });
    expect(engine.projection(points).state(T, 'ann')).toBe(15);
    expect(engine.getCase(T, 'k1')?.status).toBe('open');
    expect(engine.report(T).metrics).toEqual((await reportOfCatalogOnly()).metrics);
    // Invalid host data is rejected with the field and the reason, like a catalog event's.
    await expect(engine.recordUnknown({ ...base, type: 'LoyaltyPointsEarned', occurredAt: at(3), data: { points: -1 } })).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: 'data.points' })],
    });
    // An engine without the registry rejects the host type as unknown.
    const plain = createJourneyEngine({ clock: () => asOf });
    await expect(plain.recordUnknown({ ...base, type: 'LoyaltyPointsEarned', occurredAt: at(1), data: { points: 10 } })).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: 'type' })],
    });
    await engine.close();
    await plain.close();

    async function reportOfCatalogOnly() {
      const only = createJourneyEngine({ clock: () => asOf });
      await only.record({ ...base, type: 'MessageReceived', occurredAt: at(0), channel: 'email', caseId: 'k1', actor: { kind: 'customer' }, data: { text: 'hi' } });
      const report = only.report(T);
      await only.close();
      return report;
    }
  });
});
