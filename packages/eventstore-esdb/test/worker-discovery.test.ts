// Tenant discovery over EventStoreDB (issue 19, docs/workers.md; the in-process fake server): the store's
// stream groups are a directory document kept by the listings, so the first listing ever reads the log once
// and later ones only what came since (counted in $all read requests), and a worker is handed only the events
// of the tenant it gains (counted event by event).
import { afterEach, expect, it } from 'vitest';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import type { EventStore } from '@omnitrail/eventstore';
import { generateWorkload } from '@omnitrail/testing';
import { createEventStoreDbEventStore, startFakeEventStoreDb, type FakeEventStoreDb } from '@omnitrail/eventstore-esdb';
import { createJourneyEngine, replayReport, type JourneyEngine } from '../../journey/src/index.js';
import { createLeaseKeeper } from '../../journey/src/live/leases/index.js';
import { tenantLeaseName } from '../../journey/src/live/workers/index.js';
import { counted } from '../../journey/test/helpers/counting-store.js';

const ASOF = Date.parse('2031-01-01T00:00:00Z');
const FROM = Date.parse('2024-01-01T00:00:00Z');
const TENANTS = Array.from({ length: 30 }, (_, i) => `tenant-${String(i + 1).padStart(2, '0')}`);
const quiet = { info: () => undefined, warn: () => undefined };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function storedEvents(store: EventStore): Promise<CatalogEvent[]> {
  const events: CatalogEvent[] = [];
  for await (const stored of store.readAll({ filter: { streamNamePrefix: 'journey-' } })) events.push(parseEventOrThrow(stored.data));
  return events;
}

it('the first worker to list reads the log once; a worker after it reads only its tenant', async () => {
  const server: FakeEventStoreDb = await startFakeEventStoreDb();
  cleanups.push(() => server.close());
  const inner = createEventStoreDbEventStore({ connectionString: server.connectionString });
  cleanups.push(() => inner.close());
  const recorder = createJourneyEngine({ store: inner, clock: () => ASOF, standardProjections: false, snapshots: false, logger: quiet });
  await recorder.recordUnknown([...generateWorkload({ seed: 19, customers: 90, events: 600, tenants: TENANTS })]);
  await recorder.close();
  const stored = await storedEvents(inner);
  const elsewhere = createLeaseKeeper({ documents: inner.documents, owner: 'worker-elsewhere', leaseMs: 600_000 });
  const start = async (id: string, owned: string): Promise<{ engine: JourneyEngine; reads: ReturnType<typeof counted>['reads'] }> => {
    for (const tenant of TENANTS) if (tenant !== owned) await elsewhere.acquire(tenantLeaseName(tenant));
    await elsewhere.release(tenantLeaseName(owned));
    const { store, reads } = counted(inner);
    const engine = createJourneyEngine({ store, clock: () => ASOF, worker: { id, leaseMs: 5000, renewEveryMs: 40 }, snapshots: false, logger: quiet });
    cleanups.push(() => engine.close());
    await engine.ready();
    expect(engine.ownedTenants()).toEqual([owned]);
    return { engine, reads };
  };

  // No directory yet: the first listing reads the whole log (pages of $all), once, and writes the directory;
  // the next reads one short page past the directory's position.
  const journey = { prefix: 'journey-', separator: '-' };
  let before = server.requests.allReads;
  expect((await inner.streamGroups!.list(journey)).groups).toHaveLength(TENANTS.length);
  expect(server.requests.allReads - before).toBeGreaterThanOrEqual(Math.ceil(stored.length / 256));
  before = server.requests.allReads;
  expect((await inner.streamGroups!.list(journey)).groups).toHaveLength(TENANTS.length);
  expect(server.requests.allReads - before).toBe(1);

  // A worker: the directory answers; it is handed only its tenant's events (the adapter filters the
  // catch-up's pages itself: EventStoreDB's client reads $all unfiltered), nothing by its subscription.
  const { engine, reads } = await start('worker-1', TENANTS[20]!);
  const owned = stored.filter((e) => e.tenantId === TENANTS[20]).length;
  expect(reads.readAll).toBe(owned);
  expect([...reads.readAllByGroup.keys()]).toEqual([TENANTS[20]]);
  expect(reads.subscription).toBe(0);
  const replay = replayReport({ events: stored, asOf: ASOF, from: FROM, to: ASOF });
  expect(engine.report(TENANTS[20]!, { asOf: ASOF, from: FROM, to: ASOF })).toEqual(replay.tenants[TENANTS[20]!]);
}, 60_000);
