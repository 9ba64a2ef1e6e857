// Tenant discovery over PostgreSQL (issue 19, docs/workers.md): a new worker over a shared PostgreSQL store
// lists the tenants with the store's stream-group index (the loose index scan), reads only the one tenant it
// gains (the prefix-filtered read, filtered by the server), and finds a tenant created after its start, with
// every event it was handed counted.
import { expect, it } from 'vitest';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import type { EventStore } from '@omnitrail/eventstore';
import { createPostgresEventStore } from '@omnitrail/eventstore-postgres';
import { generateWorkload } from '@omnitrail/testing';
import { createJourneyEngine, replayReport } from '../../journey/src/index.js';
import { createLeaseKeeper } from '../../journey/src/live/leases/index.js';
import { tenantLeaseName } from '../../journey/src/live/workers/index.js';
import { counted } from '../../journey/test/helpers/counting-store.js';
import { describeWithPostgres } from './server.js';

const ASOF = Date.parse('2031-01-01T00:00:00Z');
const FROM = Date.parse('2024-01-01T00:00:00Z');
const TENANTS = Array.from({ length: 30 }, (_, i) => `tenant-${String(i + 1).padStart(2, '0')}`);
const quiet = { info: () => undefined, warn: () => undefined };

async function storedEvents(store: EventStore): Promise<CatalogEvent[]> {
  const events: CatalogEvent[] = [];
  for await (const stored of store.readAll({ filter: { streamNamePrefix: 'journey-' } })) events.push(parseEventOrThrow(stored.data));
  return events;
}

describeWithPostgres('journey workers over PostgreSQL: tenants from the stream-group index', (server) => {
  it('a new worker owning 1 of 30 tenants reads only its events, and finds a tenant created later', async () => {
    const inner = await createPostgresEventStore({ connectionString: server().connectionString, schema: 'discovery', pollIntervalMs: 20 });
    try {
      const recorder = createJourneyEngine({ store: inner, clock: () => ASOF, standardProjections: false, snapshots: false, logger: quiet });
      await recorder.recordUnknown([...generateWorkload({ seed: 19, customers: 120, events: 1500, tenants: TENANTS })]);
      const owned = TENANTS[4]!;
      const elsewhere = createLeaseKeeper({ documents: inner.documents, owner: 'worker-elsewhere', leaseMs: 600_000 });
      for (const tenant of TENANTS) if (tenant !== owned) expect((await elsewhere.acquire(tenantLeaseName(tenant))).status).toBe('held');

      const { store, reads } = counted(inner);
      const worker = createJourneyEngine({ store, clock: () => ASOF, worker: { id: 'worker-new', leaseMs: 5000, renewEveryMs: 30 }, snapshots: false, logger: quiet });
      try {
        await worker.ready();
        expect(worker.ownedTenants()).toEqual([owned]);
        const stored = await storedEvents(inner);
        expect(reads.readAll).toBe(stored.filter((e) => e.tenantId === owned).length);
        expect([...reads.readAllByGroup.keys()]).toEqual([owned]);
        expect(reads.subscription).toBe(0);
        expect(worker.report(owned, { asOf: ASOF, from: FROM, to: ASOF })).toEqual(replayReport({ events: stored, asOf: ASOF, from: FROM, to: ASOF }).tenants[owned]);

        // A tenant created after the start: listed at a later round (or met by the subscription), served,
        // its catch-up reading its own streams only.
        const before = reads.readAll;
        await recorder.recordUnknown([...generateWorkload({ seed: 20, customers: 8, events: 60, tenants: ['late-tenant'] })].map((e) => ({ ...e, id: `late-${String(e['id'])}` })));
        for (let i = 0; !worker.ownedTenants().includes('late-tenant'); i++) {
          if (i > 1000) throw new Error('the late tenant was never served');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        const all = await storedEvents(inner);
        expect(reads.readAll - before).toBeLessThanOrEqual(all.filter((e) => e.tenantId === 'late-tenant').length);
        expect([...reads.readAllByGroup.keys()].sort()).toEqual([owned, 'late-tenant'].sort());
        await worker.ready();
        expect(worker.report('late-tenant', { asOf: ASOF, from: FROM, to: ASOF })).toEqual(replayReport({ events: all, asOf: ASOF, from: FROM, to: ASOF }).tenants['late-tenant']);
      } finally {
        await worker.close();
        await recorder.close();
      }
    } finally {
      await inner.close();
    }
  });
});
