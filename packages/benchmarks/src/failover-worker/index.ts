// A journey engine worker process for the failover benchmark (../failover.bench.ts): the given lease
// settings (`default`, or `<leaseMs>/<renewEveryMs>`) over a shared PostgreSQL store, per-tenant snapshots every <everyEvents> events of a tenant (or
// none: `off`); prints `ready`, then `owned <n> <ms>` (how many tenants it serves, at which wall-clock
// instant) whenever that changes, and `snapshot <kind> <tenant>` for what it does with tenant snapshots.
import { createPostgresEventStore } from '@omnitrail/eventstore-postgres';
import { createJourneyEngine } from '@omnitrail/journey';

const [connectionString, schema, id, everyEvents, leases] = process.argv.slice(2) as [string, string, string, string, string];
const [leaseMs, renewEveryMs] = leases === 'default' ? [] : leases.split('/').map(Number);
const store = await createPostgresEventStore({ connectionString, schema, pollIntervalMs: 20 });
const engine = createJourneyEngine({
  store,
  worker: leaseMs === undefined ? { id } : { id, leaseMs, renewEveryMs },
  snapshots: everyEvents === 'off' ? false : { everyEvents: Number(everyEvents) },
  logger: { info: () => undefined, warn: (m) => process.stderr.write(`${m}\n`) },
});
engine.ownership$.subscribe(() => process.stdout.write(`owned ${engine.ownedTenants().length} ${Date.now()}\n`));
engine.snapshotEvents$.subscribe((e) => {
  if (e.tenantId !== undefined) process.stdout.write(`snapshot ${e.kind} ${e.tenantId}\n`);
});
await engine.ready();
process.stdout.write(`ready ${engine.ownedTenants().length}\n`);
