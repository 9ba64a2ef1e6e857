// Tenant discovery of engine workers (issue 19, docs/workers.md): a new worker lists the tenants from the
// store's stream-group index instead of reading the whole log, reads only the tenants it gains (counted here
// event by event), finds tenants created later by polling the index each round, and falls back to reading
// the log, saying so, over a store without the index. And timed per-tenant snapshots: a small tenant is
// snapshotted without reaching `everyEvents`, so a takeover after a kill reads only what came after.
import { createInMemoryEventStore, type EventStore } from '@omnitrail/eventstore';
import { counted, tenantOfStream } from './helpers/counting-store.js';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { generateWorkload, type RawEvent } from '@omnitrail/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeaseKeeper } from '../src/live/leases/index.js';
import { createTenantDiscovery, tenantOfStreamGroup } from '../src/live/tenant-discovery/index.js';
import { createTenantOwnership, tenantLeaseName } from '../src/live/workers/index.js';
import { createJourneyEngine, journeyStreamName, replayReport, type EngineSnapshotEvent, type JourneyEngine } from '../src/index.js';

const ASOF = Date.parse('2031-01-01T00:00:00Z');
const FROM = Date.parse('2024-01-01T00:00:00Z');
const TENANTS = Array.from({ length: 30 }, (_, i) => `tenant-${String(i + 1).padStart(2, '0')}`);
const engines: JourneyEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
});

function workload(seed: number, tenants: readonly string[], events: number): RawEvent[] {
  return [...generateWorkload({ seed, customers: tenants.length * 4, events, tenants })];
}

/** Records events through an engine that folds nothing (a recording process), then closes it. */
async function recordInto(store: EventStore, events: readonly RawEvent[]): Promise<void> {
  const recorder = createJourneyEngine({ store, clock: () => ASOF, standardProjections: false, snapshots: false });
  await recorder.recordUnknown(events);
  await recorder.close();
}

async function storedEvents(store: EventStore): Promise<CatalogEvent[]> {
  const events: CatalogEvent[] = [];
  for await (const stored of store.readAll({ filter: { streamNamePrefix: 'journey-' } })) events.push(parseEventOrThrow(stored.data));
  return events;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  // Bounded by a number of turns; the checks are on behaviour, not on how long it took.
  for (let i = 0; !condition(); i++) {
    if (i > 2000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Holds the leases of `tenants` for another worker, as if it served them (it never renews: 10 minutes is enough). */
async function heldElsewhere(store: EventStore, tenants: readonly string[]): Promise<void> {
  const keeper = createLeaseKeeper({ documents: store.documents, owner: 'worker-elsewhere', leaseMs: 600_000 });
  for (const tenant of tenants) expect((await keeper.acquire(tenantLeaseName(tenant))).status).toBe('held');
}

describe('worker tenant discovery', () => {
  it('a new worker owning 1 of 30 tenants reads only that tenant\'s events, not the log; without the index it reads the log and says so', async () => {
    const inner = createInMemoryEventStore();
    const events = workload(19, TENANTS, 1500);
    await recordInto(inner, events);
    const stored = await storedEvents(inner);
    expect(new Set(stored.map((e) => e.tenantId)).size).toBe(30);
    const owned = TENANTS[11]!;
    await heldElsewhere(inner, TENANTS.filter((t) => t !== owned));

    const { store, reads } = counted(inner);
    const lines: string[] = [];
    const engine = createJourneyEngine({ store, clock: () => ASOF, worker: { id: 'worker-new', leaseMs: 5000, renewEveryMs: 30 }, logger: { info: (m) => lines.push(m), warn: (m) => lines.push(m) } });
    engines.push(engine);
    await engine.ready();
    expect(engine.ownedTenants()).toEqual([owned]);
    const ofOwned = stored.filter((e) => e.tenantId === owned).length;
    expect(ofOwned).toBeGreaterThan(0);
    // Exactly the owned tenant's events, once; none from the subscription (it starts at the listing's position).
    expect(reads.readAll).toBe(ofOwned);
    expect([...reads.readAllByGroup.keys()]).toEqual([owned]);
    expect(reads.subscription).toBe(0);
    expect(reads.listings).toBeGreaterThan(0);
    expect(lines.some((line) => line.includes('30 tenant(s) listed by the store\'s index'))).toBe(true);
    const replay = replayReport({ events: stored, asOf: ASOF, from: FROM, to: ASOF });
    expect(engine.report(owned, { asOf: ASOF, from: FROM, to: ASOF })).toEqual(replay.tenants[owned]);
    await engine.close();
    engines.splice(0);

    // The same start over a store without the index: the whole log goes through the subscription.
    const plain = counted(inner, false);
    const warnings: string[] = [];
    const fallback = createJourneyEngine({ store: plain.store, clock: () => ASOF, worker: { id: 'worker-plain', leaseMs: 5000, renewEveryMs: 30 }, logger: { info: () => undefined, warn: (m) => warnings.push(m) } });
    engines.push(fallback);
    await fallback.ready();
    expect(fallback.ownedTenants()).toEqual([owned]);
    expect(plain.reads.subscription).toBe(stored.length);
    expect(warnings.some((line) => line.includes('no stream-group index') && line.includes('reading the whole log once'))).toBe(true);
    expect(fallback.report(owned, { asOf: ASOF, from: FROM, to: ASOF })).toEqual(replay.tenants[owned]);
  });

  it('a worker whose first listing fails reads the log instead, says so, and serves the same', async () => {
    const inner = createInMemoryEventStore();
    await recordInto(inner, workload(8, TENANTS.slice(0, 3), 120));
    let calls = 0;
    const flaky: EventStore = {
      ...inner,
      streamGroups: {
        list: async (options) => {
          if (++calls === 1) throw new Error('index unavailable');
          return inner.streamGroups!.list(options);
        },
      },
    };
    const { store, reads } = counted(flaky);
    const warnings: string[] = [];
    const engine = createJourneyEngine({ store, clock: () => ASOF, worker: { id: 'worker-f', leaseMs: 5000, renewEveryMs: 30 }, snapshots: false, logger: { info: () => undefined, warn: (m) => warnings.push(m) } });
    engines.push(engine);
    await engine.ready();
    expect(warnings.some((m) => m.includes('listing the store\'s tenants failed (index unavailable): reading the whole log once'))).toBe(true);
    const stored = await storedEvents(inner);
    expect(reads.subscription).toBe(stored.length);
    expect(engine.ownedTenants()).toEqual(TENANTS.slice(0, 3));
    const replay = replayReport({ events: stored, asOf: ASOF, from: FROM, to: ASOF });
    for (const tenant of TENANTS.slice(0, 3)) expect(engine.report(tenant, { asOf: ASOF, from: FROM, to: ASOF })).toEqual(replay.tenants[tenant]);
  });

  it('a tenant created after the worker started is discovered and served, its catch-up reading only its own events', async () => {
    const inner = createInMemoryEventStore();
    const early = TENANTS.slice(0, 5);
    await recordInto(inner, workload(3, early, 300));
    const { store, reads } = counted(inner);
    const engine = createJourneyEngine({ store, clock: () => ASOF, worker: { id: 'worker-a', leaseMs: 5000, renewEveryMs: 20 }, snapshots: false, logger: { info: () => undefined, warn: () => undefined } });
    engines.push(engine);
    await engine.ready();
    expect(engine.ownedTenants()).toEqual(early);
    const readBefore = reads.readAll;
    expect(readBefore).toBe((await storedEvents(inner)).length);
    const listingsBefore = reads.listings;

    await recordInto(inner, workload(4, ['late-tenant'], 120));
    await until(() => engine.ownedTenants().includes('late-tenant'), 'the late tenant served');
    const stored = await storedEvents(inner);
    const late = stored.filter((e) => e.tenantId === 'late-tenant').length;
    // The catch-up of the late tenant read its streams only (the subscription brought its events too: the
    // second copy is dropped by id).
    expect(reads.readAll - readBefore).toBeLessThanOrEqual(late);
    expect([...reads.readAllByGroup.keys()].sort()).toEqual([...early, 'late-tenant'].sort());
    expect(reads.listings).toBeGreaterThan(listingsBefore);
    const replay = replayReport({ events: stored, asOf: ASOF, from: FROM, to: ASOF });
    await engine.ready();
    expect(engine.report('late-tenant', { asOf: ASOF, from: FROM, to: ASOF })).toEqual(replay.tenants['late-tenant']);
  });

  it('polling the index each round finds a tenant the subscription has not met', async () => {
    const documents = createInMemoryEventStore().documents;
    let listed: string[] = ['a'];
    const caughtUp: string[][] = [];
    const ownership = createTenantOwnership({
      documents,
      worker: { id: 'w', leaseMs: 60_000, renewEveryMs: 20_000 },
      catchUp: async (tenantIds) => {
        caughtUp.push([...tenantIds]);
      },
      listTenants: async () => listed,
      logger: { warn: () => undefined },
    });
    await ownership.round();
    await until(() => ownership.served().length === 1, 'tenant a served');
    expect(ownership.served()).toEqual(['a']);
    listed = ['a', 'b'];
    await ownership.round();
    await until(() => ownership.served().length === 2, 'tenant b served');
    expect(ownership.served()).toEqual(['a', 'b']);
    expect(caughtUp).toEqual([['a'], ['b']]);
    // A listing that fails leaves the round going with the tenants known.
    const warnings: string[] = [];
    const failing = createTenantOwnership({
      documents,
      worker: { id: 'v', leaseMs: 60_000, renewEveryMs: 20_000 },
      catchUp: async () => undefined,
      listTenants: async () => {
        throw new Error('index unavailable');
      },
      logger: { warn: (m) => warnings.push(m) },
    });
    await failing.round();
    expect(warnings.some((m) => m.includes('listing the store\'s tenants failed (index unavailable)'))).toBe(true);
    await ownership.stop();
    await failing.stop();
  });

  it('reads the ambiguous group journey-h- (tenant h, hashed long stream names) to learn its tenants, once', async () => {
    const store = createInMemoryEventStore();
    const long = `c-${'x'.repeat(300)}`;
    const raw = workload(5, ['acme', 'h', 'acme-eu'], 90).map((e, i) => (i % 10 === 0 && e['tenantId'] === 'acme' ? { ...e, customerId: long } : e));
    await recordInto(store, raw);
    const stored = await storedEvents(store);
    expect(stored.some((e) => e.customerId === long)).toBe(true);
    let parsed = 0;
    const discovery = createTenantDiscovery({
      store,
      streamPrefix: 'journey-',
      tenantOf: async (event) => {
        parsed++;
        return parseEventOrThrow(event.data).tenantId;
      },
    });
    expect(discovery.indexed).toBe(true);
    const listing = await discovery.list();
    expect(listing?.tenants).toEqual(['acme', 'acme-eu', 'h']);
    let ambiguous = 0;
    for await (const event of store.readAll({ filter: { streamNamePrefix: 'journey-h-' } })) if (event.streamName.startsWith('journey-h-')) ambiguous++;
    expect(parsed).toBe(ambiguous);
    // A second listing reads only what came after the first.
    expect((await discovery.list())?.tenants).toEqual(['acme', 'acme-eu', 'h']);
    expect(parsed).toBe(ambiguous);
    // A store without the index: the worker must read the log.
    const { streamGroups: _, ...plain } = store;
    expect(await createTenantDiscovery({ store: plain, streamPrefix: 'journey-', tenantOf: async () => undefined }).list()).toBeUndefined();
  });

  it('a tenant id is read back from the group of its streams (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }).filter((t) => t.trim() === t && t.length > 0), fc.string({ minLength: 1, maxLength: 20 }), (tenantId, customerId) => {
        const name = journeyStreamName({ tenantId, customerId } as CatalogEvent);
        fc.pre(!name.startsWith('journey-h-'));
        const group = name.slice(0, name.indexOf('-', 'journey-'.length) + 1);
        expect(tenantOfStreamGroup(group, 'journey-')).toBe(tenantId);
      }),
      { numRuns: 300 },
    );
  });
});

describe('timed tenant snapshots', () => {
  it('snapshot small tenants without reaching everyEvents, so a takeover after a kill reads only the events after them', async () => {
    const inner = createInMemoryEventStore();
    const tenants = TENANTS.slice(0, 12);
    const first = workload(21, tenants, 600);
    // Worker A: never by event count, by time every 40 ms; no last snapshot on close, as a kill leaves things.
    const a = createJourneyEngine({ store: inner, clock: () => ASOF, worker: { id: 'worker-a', leaseMs: 5000, renewEveryMs: 20 }, snapshots: { everyEvents: 0, everyMs: 40, onClose: false }, logger: { info: () => undefined, warn: () => undefined } });
    engines.push(a);
    const written: EngineSnapshotEvent[] = [];
    a.snapshotEvents$.subscribe((event) => {
      if (event.kind === 'written') written.push(event);
    });
    await a.ready();
    await a.recordUnknown(first);
    // The store was empty at A's start: it finds the tenants as they come (the subscription, the index).
    await until(() => a.ownedTenants().length === tenants.length, 'worker A serving every tenant');
    expect(a.ownedTenants()).toEqual(tenants);
    const stored = await storedEvents(inner);
    const count = (tenant: string) => stored.filter((e) => e.tenantId === tenant).length;
    // Every tenant gets a timed snapshot holding all its events, none being anywhere near everyEvents' default.
    await until(() => tenants.every((t) => written.some((e) => e.kind === 'written' && e.tenantId === t && e.events === count(t))), 'a timed snapshot of every tenant');
    await a.recordUnknown(workload(22, tenants.slice(0, 4), 80).map((e) => ({ ...e, id: `later-${String(e['id'])}` })));
    await a.close();
    engines.splice(engines.indexOf(a), 1);

    const all = await storedEvents(inner);
    const { store, reads } = counted(inner);
    const loaded: EngineSnapshotEvent[] = [];
    const b = createJourneyEngine({ store, clock: () => ASOF, worker: { id: 'worker-b', leaseMs: 5000, renewEveryMs: 20 }, snapshots: { everyEvents: 0, everyMs: 0, onClose: false }, logger: { info: () => undefined, warn: () => undefined } });
    engines.push(b);
    b.snapshotEvents$.subscribe((event) => {
      if (event.kind === 'loaded') loaded.push(event);
    });
    await b.ready();
    expect(b.ownedTenants()).toEqual(tenants);
    // Every tenant came from A's timed snapshot; B read, per tenant, only the events after its snapshot's position.
    expect(loaded.map((e) => e.tenantId).sort()).toEqual(tenants);
    const positions = new Map<string, bigint>();
    for (const event of loaded) if (event.kind === 'loaded' && event.tenantId !== undefined && event.position !== undefined) positions.set(event.tenantId, event.position);
    expect(positions.size).toBe(tenants.length);
    // What each tenant strictly needs (after its own snapshot), and what the catch-up reads: the streams of
    // the tenants gained together, from the oldest of their snapshots' positions.
    let needed = 0;
    let expected = 0;
    const oldest = [...positions.values()].reduce((min, p) => (p < min ? p : min));
    for await (const event of inner.readAll({ fromPosition: oldest, filter: { streamNamePrefix: 'journey-' } })) {
      expected++;
      if (event.position > positions.get(tenantOfStream(event.streamName))!) needed++;
    }
    expect(reads.readAll).toBe(expected);
    expect(reads.readAll).toBeGreaterThanOrEqual(needed);
    expect(reads.readAll).toBeLessThan(all.length);
    expect(reads.subscription).toBe(0);
    const replay = replayReport({ events: all, asOf: ASOF, from: FROM, to: ASOF });
    for (const tenant of tenants) expect(b.report(tenant, { asOf: ASOF, from: FROM, to: ASOF })).toEqual(replay.tenants[tenant]);
    console.log(`timed snapshots: takeover of ${tenants.length} tenants (${all.length} events) read ${reads.readAll} events, ${needed} of them after each tenant's own snapshot`);
  });

  it('refuses a bad snapshots.everyMs, naming it', () => {
    const store = createInMemoryEventStore();
    expect(() => createJourneyEngine({ store, worker: { id: 'w' }, snapshots: { everyMs: -1 } })).toThrow(/snapshots\.everyMs must be an integer >= 0/);
    expect(() => createJourneyEngine({ store, worker: { id: 'w' }, snapshots: { everyMs: 1.5 } })).toThrow(/snapshots\.everyMs/);
  });
});
