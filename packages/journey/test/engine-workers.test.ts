// Engine workers over one shared store (in-memory here; PostgreSQL with processes and a kill in
// packages/eventstore-postgres/test/workers.test.ts): the workers divide the tenants, each serves only its
// own and names the owner of the others, record() works on any worker, and after a worker leaves the others
// take its tenants over and report exactly what a replay of the store reports.
import { createInMemoryEventStore, type EventStore } from '@omnitrail/eventstore';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { generateWorkload, type RawEvent } from '@omnitrail/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { preferredWorker } from '../src/live/workers/index.js';
import { createJourneyEngine, replayReport, TenantNotOwnedError, type JourneyEngine, type TenantOwnershipChange } from '../src/index.js';
import { engineSubjectTables } from '../src/internal.js';

const TENANTS = Array.from({ length: 8 }, (_, i) => `t${i + 1}`);
const ASOF = Date.parse('2031-01-01T00:00:00Z');
const FROM = Date.parse('2024-01-01T00:00:00Z');
const engines: JourneyEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
});

function worker(store: EventStore, id: string, snapshots?: false): JourneyEngine {
  const engine = createJourneyEngine({ store, clock: () => ASOF, worker: { id, leaseMs: 5000, renewEveryMs: 40 }, ...(snapshots === false ? { snapshots } : {}) });
  engines.push(engine);
  return engine;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  // Bounded by the test's timeout; the check is on behaviour, not on how long it took.
  for (let i = 0; !condition(); i++) {
    if (i > 2000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function storedEvents(store: EventStore): Promise<CatalogEvent[]> {
  const events: CatalogEvent[] = [];
  for await (const stored of store.readAll({ filter: { streamNamePrefix: 'journey-' } })) events.push(parseEventOrThrow(stored.data));
  return events;
}

/** The owner a worker's read error names for a tenant it does not serve. */
function routedTo(engine: JourneyEngine, tenant: string): string | undefined {
  try {
    engine.fold(tenant);
    return undefined;
  } catch (error) {
    return (error as TenantNotOwnedError).owner;
  }
}

function workload(seed: number): RawEvent[] {
  return [...generateWorkload({ seed, customers: 40, events: 400, tenants: TENANTS })];
}

describe('engine workers', () => {
  it('divide the tenants, serve only their own, name the owner of the others, and report like the replay', async () => {
    const store = createInMemoryEventStore();
    const a = worker(store, 'worker-a');
    const b = worker(store, 'worker-b');
    const events = workload(7);
    // Half recorded through each worker, whoever owns the tenant.
    await a.recordUnknown(events.slice(0, 200));
    await b.recordUnknown(events.slice(200));
    await Promise.all([a.ready(), b.ready()]);
    // The first worker may take every tenant before the second joins; then it hands over those the second
    // prefers (rendezvous hashing), so the split settles on the preferred one.
    const preferredA = TENANTS.filter((t) => preferredWorker(t, ['worker-a', 'worker-b']) === 'worker-a').sort();
    await until(() => JSON.stringify(a.ownedTenants()) === JSON.stringify(preferredA) && a.ownedTenants().length + b.ownedTenants().length === TENANTS.length, 'the preferred split');
    const ownedA = a.ownedTenants();
    const ownedB = b.ownedTenants();
    // Each worker learns who holds the others' tenants on its next lease round.
    await until(() => ownedB.every((t) => routedTo(a, t) === 'worker-b') && ownedA.every((t) => routedTo(b, t) === 'worker-a'), 'routing known');
    expect([...ownedA, ...ownedB].sort()).toEqual([...TENANTS].sort());
    expect(ownedA.filter((t) => ownedB.includes(t))).toEqual([]);
    // Rendezvous hashing splits 8 tenants between two workers; each gets some (a fixed split for these ids).
    expect(ownedA.length).toBeGreaterThan(0);
    expect(ownedB.length).toBeGreaterThan(0);

    const replay = replayReport({ events: await storedEvents(store), asOf: ASOF, from: FROM, to: ASOF });
    for (const tenant of TENANTS) {
      const [owner, other, otherId] = ownedA.includes(tenant) ? [a, b, 'worker-a'] : [b, a, 'worker-b'];
      expect(owner.report(tenant, { asOf: ASOF, from: FROM, to: ASOF })).toEqual(replay.tenants[tenant]);
      let thrown: unknown;
      try {
        other.report(tenant);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TenantNotOwnedError);
      expect(thrown).toMatchObject({ code: 'TENANT_NOT_OWNED', tenantId: tenant, owner: otherId });
      expect(() => other.openCases(tenant)).toThrow(/route the read there/);
      expect(() => other.operations(tenant, 'sla')).toThrow(TenantNotOwnedError);
    }
  });

  it('hands a leaving worker\'s tenants to the other, which catches them up from the log (no snapshots): nothing lost, nothing folded twice', async () => {
    const store = createInMemoryEventStore();
    const a = worker(store, 'worker-a', false);
    const b = worker(store, 'worker-b', false);
    const changesOfA: TenantOwnershipChange[] = [];
    a.ownership$.subscribe((change) => changesOfA.push(change));
    const foldedByA: string[] = [];
    a.changes$.subscribe((change) => foldedByA.push(...change.eventIds));
    const events = workload(11);
    await b.recordUnknown(events.slice(0, 250));
    await Promise.all([a.ready(), b.ready()]);
    const preferredA = TENANTS.filter((t) => preferredWorker(t, ['worker-a', 'worker-b']) === 'worker-a').sort();
    await until(() => JSON.stringify(a.ownedTenants()) === JSON.stringify(preferredA) && a.ownedTenants().length + b.ownedTenants().length === TENANTS.length, 'the preferred split');
    const fromB = b.ownedTenants();
    expect(fromB.length).toBeGreaterThan(0);
    await b.close();
    engines.splice(engines.indexOf(b), 1);
    // More events for every tenant, recorded through the remaining worker, while it takes the tenants over.
    await a.recordUnknown(events.slice(250));
    await until(() => a.ownedTenants().length === TENANTS.length, 'worker-a serving every tenant');
    // Every tenant gained (some maybe twice: taken before worker-b joined, handed over, taken back).
    expect(new Set(changesOfA.filter((c) => c.change === 'gained').map((c) => c.tenantId))).toEqual(new Set(TENANTS));
    expect(changesOfA.every((c) => c.workerId === 'worker-a')).toBe(true);

    const stored = await storedEvents(store);
    expect(stored).toHaveLength(events.length);
    const replay = replayReport({ events: stored, asOf: ASOF, from: FROM, to: ASOF });
    for (const tenant of TENANTS) expect(a.report(tenant, { asOf: ASOF, from: FROM, to: ASOF })).toEqual(replay.tenants[tenant]);
    // Every stored event folded exactly once by the survivor (its catch-ups and the subscription overlap,
    // and it held some tenants before worker-b joined).
    expect(foldedByA.length).toBe(new Set(foldedByA).size);
    expect(new Set(foldedByA)).toEqual(new Set(stored.map((e) => e.id)));
  });

  it('stops serving a tenant the moment its lease lapses by its clock, and serves it again once renewed', async () => {
    const store = createInMemoryEventStore();
    let now = 1_000_000;
    const engine = createJourneyEngine({ store, clock: () => ASOF, worker: { id: 'solo', leaseMs: 60_000, renewEveryMs: 20, clock: () => now } });
    engines.push(engine);
    await engine.recordUnknown(workload(3).filter((e) => e.tenantId === 't1'));
    await engine.ready();
    await until(() => engine.ownedTenants().includes('t1'), 't1 served');
    expect(engine.fold('t1')).toBeDefined();
    // The process stalled past its lease (as seen by its clock): it must not serve what another worker may hold now.
    now += 60_000;
    expect(() => engine.fold('t1')).toThrow(TenantNotOwnedError);
    // Nobody took it: the next round's renewal (a compare-and-set on the version it wrote) succeeds.
    await until(() => {
      try {
        return engine.fold('t1') !== undefined;
      } catch {
        return false;
      }
    }, 'the renewal');
  });

  it('rejects bad worker options naming the field, and a worker without a shared store', () => {
    const store = createInMemoryEventStore();
    expect(() => createJourneyEngine({ store, worker: { id: '' } })).toThrow(/worker\.id/);
    expect(() => createJourneyEngine({ store, worker: { id: 'w', leaseMs: 5 } })).toThrow(/worker\.leaseMs/);
    expect(() => createJourneyEngine({ store, worker: { id: 'w', leaseMs: 100, renewEveryMs: 100 } })).toThrow(/worker\.renewEveryMs/);
    expect(() => createJourneyEngine({ worker: { id: 'w' } })).toThrow(/shared store/);
  });
});

describe('engine workers with bounded memory', () => {
  it("let go of a tenant lost while its history was being re-read: it is not put back, and nothing of it is left waiting", async () => {
    const DAY = 86_400_000;
    const T0 = Date.parse('2026-03-02T09:00:00Z');
    const at = (days: number) => new Date(T0 + days * DAY).toISOString();
    // The tenant that moves to worker-b once it joins.
    const moving = TENANTS.find((t) => preferredWorker(t, ['worker-a', 'worker-b']) === 'worker-b')!;
    const base = createInMemoryEventStore();
    // Reads of a tenant's history (readAll with a filter of stream prefixes) wait at a gate while it is shut.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let shut = false;
    let heldAtGate = 0;
    const store: EventStore = Object.create(base, {
      readAll: {
        value: (options?: Parameters<EventStore['readAll']>[0]) => {
          const inner = base.readAll(options);
          const gated = shut && Array.isArray((options?.filter as { streamNamePrefix?: unknown } | undefined)?.streamNamePrefix);
          if (!gated) return inner;
          heldAtGate++;
          return (async function* () {
            await gate;
            yield* inner;
          })();
        },
      },
    });
    const clock = () => T0 + 50 * DAY;
    const a = createJourneyEngine({ store, clock, snapshots: false, worker: { id: 'worker-a', leaseMs: 5000, renewEveryMs: 40 }, memory: { horizonMs: DAY, minEvictEvents: 5 } });
    engines.push(a);
    await a.ready();
    const history: Record<string, unknown>[] = [];
    for (let day = 0; day < 20; day++) history.push({ type: 'MessageReceived', tenantId: moving, customerId: 'bob', caseId: `case-${day}`, occurredAt: at(day), channel: 'email', data: { text: `day ${day}` } });
    for (let i = 0; i < history.length; i += 4) await a.recordUnknown(history.slice(i, i + 4));
    await until(() => a.ownedTenants().includes(moving), 'worker-a serving the tenant');
    expect(a.memoryStats().evictedEvents).toBeGreaterThan(5);
    // A late event makes worker-a re-read the tenant's history (held at the gate); meanwhile worker-b joins
    // and the tenant moves to it.
    shut = true;
    const late = a.recordUnknown([{ type: 'MessageReceived', tenantId: moving, customerId: 'bob', caseId: 'case-late', occurredAt: at(0.5), channel: 'email', data: { text: 'late' } }]);
    const b = createJourneyEngine({ store: base, clock, snapshots: false, worker: { id: 'worker-b', leaseMs: 5000, renewEveryMs: 40 } });
    engines.push(b);
    await until(() => b.ownedTenants().includes(moving) && !a.ownedTenants().includes(moving), 'the tenant moved to worker-b');
    // The re-read was under way when the tenant moved.
    expect(heldAtGate).toBe(1);
    open();
    await late;
    await a.ready();
    // Not put back on worker-a: it holds none of its events, and nothing of its delivery is left waiting.
    await until(() => engineSubjectTables(a).ownInFlight === 0, 'worker-a handed back its events');
    expect(a.memoryStats().heldEvents).toBe(0);
    expect(engineSubjectTables(a)).toMatchObject({ holes: 0, afterHole: 0 });
    // Worker-b serves it whole, the late event included.
    await until(() => (b.fold(moving)?.cases.cases.size ?? 0) === history.length + 1, 'worker-b folded every case');
  });
});
