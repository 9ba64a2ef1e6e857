// A new worker's start over a shared store (issue 19, docs/workers.md): until `ready()`, with the store's
// stream-group index (the worker lists the tenants, reads only the one it gains, and follows the store from
// the listing's position) against the same start over the same store with the index hidden (the worker
// reads the whole log once to discover the tenants, as before the index). Over a throwaway PostgreSQL holding
// N events of 30 tenants, the new worker gaining 1 of them (the others' leases held by another worker).
// Also the time of one listing at that size. Needs PostgreSQL binaries (skipped with a line otherwise).
// Size: OMNITRAIL_BENCH_WORKER_START_EVENTS (default 100,000).
import type { EventStore } from '@omnitrail/eventstore';
import { createPostgresEventStore, findPostgresBinaries, startThrowawayPostgres } from '@omnitrail/eventstore-postgres';
import { createJourneyEngine } from '@omnitrail/journey';
import { createLeaseKeeper, tenantLeaseName } from '@omnitrail/journey/internal';
import { countingStore, generateWorkload } from '@omnitrail/testing';
import { median, report } from './harness/index.js';

const EVENTS = Number(process.env.OMNITRAIL_BENCH_WORKER_START_EVENTS ?? 100_000);
const TENANTS = Array.from({ length: 30 }, (_, i) => `tenant-${String(i + 1).padStart(2, '0')}`);
const quiet = { info: () => undefined, warn: () => undefined };

/** A new worker over `store` until ready and serving its one tenant: ms and events read. */
async function start(inner: EventStore, indexed: boolean, id: string, owned: string): Promise<{ ms: number; read: number }> {
  const view = countingStore(inner, { hideStreamGroups: !indexed });
  const started = performance.now();
  const engine = createJourneyEngine({ store: view.store, worker: { id }, snapshots: false, logger: quiet });
  await engine.ready();
  while (!engine.ownedTenants().includes(owned)) await new Promise((resolve) => setTimeout(resolve, 5));
  const ms = performance.now() - started;
  if (engine.ownedTenants().length !== 1) throw new Error(`worker ${id} serves ${engine.ownedTenants().length} tenants, expected 1`);
  await engine.close();
  return { ms, read: view.reads.readAll + view.reads.subscription };
}

export async function run(): Promise<void> {
  if (findPostgresBinaries() === undefined) {
    console.log('  worker-start · skipped: no PostgreSQL binaries');
    return;
  }
  const server = await startThrowawayPostgres();
  try {
    const store = await createPostgresEventStore({ connectionString: server.connectionString, schema: 'worker_start', pollIntervalMs: 20 });
    const recorder = createJourneyEngine({ store, standardProjections: false, snapshots: false, logger: quiet });
    const events = [...generateWorkload({ seed: 19, customers: Math.max(60, Math.round(EVENTS / 25)), events: EVENTS, tenants: TENANTS })];
    for (let i = 0; i < events.length; i += 1000) await recorder.recordUnknown(events.slice(i, i + 1000));
    await recorder.close();
    const owned = TENANTS[7]!;
    const elsewhere = createLeaseKeeper({ documents: store.documents, owner: 'worker-elsewhere', leaseMs: 3_600_000 });
    for (const tenant of TENANTS) if (tenant !== owned) await elsewhere.acquire(tenantLeaseName(tenant));
    const size = `${EVENTS.toLocaleString('en-US')} events of ${TENANTS.length} tenants, PostgreSQL, the worker gaining 1 tenant`;

    const listings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const listing = await store.streamGroups!.list({ prefix: 'journey-', separator: '-' });
      listings.push(performance.now() - t0);
      if (listing.groups.length !== TENANTS.length) throw new Error(`listed ${listing.groups.length} groups, expected ${TENANTS.length}`);
    }
    report({ benchmark: 'worker-start', name: `one listing of the tenants by the stream-group index (${size.split(',').slice(0, 2).join(',')})`, value: median(listings), unit: 'ms', samples: listings });

    // Alternated, twice each: the second run of each sees a warm server cache.
    const withIndex: { ms: number; read: number }[] = [];
    const withoutIndex: { ms: number; read: number }[] = [];
    for (let round = 0; round < 2; round++) {
      withIndex.push(await start(store, true, `indexed-${round}`, owned));
      withoutIndex.push(await start(store, false, `plain-${round}`, owned));
    }
    const indexedMs = median(withIndex.map((r) => r.ms));
    const plainMs = median(withoutIndex.map((r) => r.ms));
    report({
      benchmark: 'worker-start',
      name: `a new worker until ready, tenants listed by the index (${size}; ${withIndex[0]!.read.toLocaleString('en-US')} events read)`,
      value: indexedMs,
      unit: 'ms',
      samples: withIndex.map((r) => r.ms),
      reference: { name: `the same start reading the whole log to discover the tenants (${withoutIndex[0]!.read.toLocaleString('en-US')} events read)`, value: plainMs, ratio: indexedMs / plainMs },
    });
    await store.close();
  } finally {
    await server.stop();
  }
}
