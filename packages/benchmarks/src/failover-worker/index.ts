// A journey engine worker process for the failover benchmark (../failover.bench.ts): default lease
// settings over a shared PostgreSQL store; prints `ready`, then `owned <n> <ms>` (how many tenants it
// serves, at which wall-clock instant) whenever that changes.
import { createPostgresEventStore } from '@omnitrail/eventstore-postgres';
import { createJourneyEngine } from '@omnitrail/journey';

const [connectionString, schema, id] = process.argv.slice(2) as [string, string, string];
const store = await createPostgresEventStore({ connectionString, schema, pollIntervalMs: 20 });
const engine = createJourneyEngine({ store, worker: { id }, logger: { info: () => undefined, warn: (m) => process.stderr.write(`${m}\n`) } });
engine.ownership$.subscribe(() => process.stdout.write(`owned ${engine.ownedTenants().length} ${Date.now()}\n`));
await engine.ready();
process.stdout.write(`ready ${engine.ownedTenants().length}\n`);
