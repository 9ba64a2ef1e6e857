// A single tenant's ceiling on one worker (docs/workers.md): everything a tenant does is folded by the one
// worker that holds it, so its ceiling is that worker's. Over a throwaway PostgreSQL, one worker serves one
// tenant and records the seeded workload into it, in time order, through record() (the sustained rate a
// host sees, appends to PostgreSQL and the fold together, against the appends alone); then a second worker takes the tenant over from the log (the rate a
// takeover folds the tenant's history at) and the heap it keeps for the tenant is measured, per customer and
// per event, with the customers that fit in a given heap at this workload's events per customer. Needs
// PostgreSQL binaries (skipped with a line otherwise). Sizes: OMNITRAIL_BENCH_CEILING_EVENTS (default
// 50,000), OMNITRAIL_BENCH_CEILING_CUSTOMERS (default one per 25 events), OMNITRAIL_BENCH_CEILING_HEAP_MB
// (the heap the customer count is computed for, default 4,096).
import { createPostgresEventStore, findPostgresBinaries, startThrowawayPostgres } from '@omnitrail/eventstore-postgres';
import { createJourneyEngine, type JourneyEngine } from '@omnitrail/journey';
import { generateWorkload } from '@omnitrail/testing';
import { collectGarbage, perSecond, report } from './harness/index.js';

const EVENTS = Number(process.env.OMNITRAIL_BENCH_CEILING_EVENTS ?? 50_000);
const CUSTOMERS = Number(process.env.OMNITRAIL_BENCH_CEILING_CUSTOMERS ?? Math.max(50, Math.round(EVENTS / 25)));
const HEAP_MB = Number(process.env.OMNITRAIL_BENCH_CEILING_HEAP_MB ?? 4096);
const BATCH = 500;
const TENANT = 'acme';
const quiet = { info: () => undefined, warn: () => undefined };

/** Resolves once `engine` serves the tenant. */
async function served(engine: JourneyEngine): Promise<void> {
  while (!engine.ownedTenants().includes(TENANT)) await new Promise((resolve) => setTimeout(resolve, 20));
}

export async function run(): Promise<void> {
  if (findPostgresBinaries() === undefined) {
    console.log('  tenant-ceiling · skipped: no PostgreSQL binaries');
    return;
  }
  const server = await startThrowawayPostgres();
  try {
    const store = await createPostgresEventStore({ connectionString: server.connectionString, schema: 'ceiling', pollIntervalMs: 20 });
    // In time order, as live traffic mostly comes: the generator's order is shuffled, and every batch of late
    // events would re-fold the tenant (the cost of late events is the live-fold bench's subject, not this one's).
    const events = [...generateWorkload({ seed: 21, customers: CUSTOMERS, events: EVENTS, tenants: [TENANT] })].sort((x, y) => {
      const [a, b] = [String(x.occurredAt), String(y.occurredAt)];
      return a < b ? -1 : a > b ? 1 : String(x.id) < String(y.id) ? -1 : 1;
    });
    const size = `1 tenant, ${CUSTOMERS.toLocaleString('en-US')} customers, ${EVENTS.toLocaleString('en-US')} events, PostgreSQL`;

    // Sustained recording by the worker that holds the tenant (default leases: a takeover of a large tenant
    // stalls the event loop for seconds, and a short lease would lapse meanwhile).
    const owner = createJourneyEngine({ store, worker: { id: 'owner' }, snapshots: false, logger: quiet });
    await owner.ready();
    await owner.recordUnknown(events.slice(0, BATCH));
    await served(owner);
    const started = performance.now();
    for (let i = BATCH; i < events.length; i += BATCH) await owner.recordUnknown(events.slice(i, i + BATCH));
    const recordMs = performance.now() - started;
    // The same appends by an engine that folds nothing, into a schema of their own: what PostgreSQL alone allows.
    const appendStore = await createPostgresEventStore({ connectionString: server.connectionString, schema: 'ceiling_appends', pollIntervalMs: 20 });
    const appender = createJourneyEngine({ store: appendStore, standardProjections: false, snapshots: false, logger: quiet });
    await appender.ready();
    await appender.recordUnknown(events.slice(0, BATCH));
    const appendStarted = performance.now();
    for (let i = BATCH; i < events.length; i += BATCH) await appender.recordUnknown(events.slice(i, i + BATCH));
    const appendMs = performance.now() - appendStarted;
    await appender.close();
    await appendStore.close();
    const recordRate = perSecond(events.length - BATCH, recordMs);
    const appendRate = perSecond(events.length - BATCH, appendMs);
    report({
      benchmark: 'tenant-ceiling',
      name: `record() into one tenant on the worker holding it, one call at a time, batches of ${BATCH} (${size})`,
      value: recordRate,
      unit: 'events/s',
      reference: { name: 'the same appends by an engine that folds nothing', value: appendRate, ratio: recordRate / appendRate },
    });
    const customers = owner.fold(TENANT)!.customerCount;
    await owner.close();

    // A second worker takes the tenant over from the log; the heap it keeps for it.
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    const takeStarted = performance.now();
    const taker = createJourneyEngine({ store, worker: { id: 'taker' }, snapshots: false, logger: quiet });
    await taker.ready();
    await served(taker);
    const takeMs = performance.now() - takeStarted;
    collectGarbage();
    const heap = process.memoryUsage().heapUsed - before;
    // Still held: the measurement above is of a live engine.
    if (taker.fold(TENANT)!.customerCount !== customers) throw new Error('the taker folded another number of customers');
    report({ benchmark: 'tenant-ceiling', name: `a worker taking the tenant over from the log, until served (${size})`, value: perSecond(events.length, takeMs), unit: 'events/s' });
    report({ benchmark: 'tenant-ceiling', name: `heap the worker keeps per customer (${(events.length / customers).toFixed(1)} events per customer; ${customers.toLocaleString('en-US')} customers)`, value: heap / customers, unit: 'bytes' });
    report({ benchmark: 'tenant-ceiling', name: 'heap the worker keeps per event', value: heap / events.length, unit: 'bytes' });
    report({ benchmark: 'tenant-ceiling', name: `customers of one tenant that fit in ${HEAP_MB.toLocaleString('en-US')} MB of heap at this many events per customer`, value: Math.floor((HEAP_MB * 1024 * 1024) / (heap / customers)), unit: 'customers' });
    await taker.close();
    await store.close();
  } finally {
    await server.stop();
  }
}
