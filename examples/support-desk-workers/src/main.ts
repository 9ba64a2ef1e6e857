// The support desk in production shape, over PostgreSQL. Two desk workers share one database: they divide the
// tenants with leases kept in it, each folding and serving its own. A host routes each read to the worker
// that owns the tenant (a read elsewhere fails with TENANT_NOT_OWNED naming the owner); writes go anywhere.
// Each worker keeps only 30 days of events in memory and seals personal fields with per-customer keys kept
// in the same database, so a customer can be erased. Then one worker stops, and the other takes its tenants
// over. PostgreSQL is the server named by OMNITRAIL_POSTGRES_URL, or else a throwaway cluster this example
// starts itself (initdb into a temporary directory, removed at the end) with the machine's binaries.
// In production each worker is a process of its own; here they are two engines of one process, each with
// its own connection pool, which is what the database sees either way.
import {
  createPostgresEventStore,
  createPostgresKeyStore,
  findPostgresBinaries,
  POSTGRES_BINARIES_HINT,
  startThrowawayPostgres,
} from '@omnitrail/eventstore-postgres';
import { createJourneyEngine, TenantNotOwnedError, type JourneyEngine } from '@omnitrail/journey';
import { filter, firstValueFrom, timeout } from 'rxjs';

if (!process.env.OMNITRAIL_POSTGRES_URL && findPostgresBinaries() === undefined && process.env.CI !== 'true') {
  console.log(`support-desk-workers skipped: no PostgreSQL server or binaries; set OMNITRAIL_POSTGRES_URL, or ${POSTGRES_BINARIES_HINT}.`);
  process.exit(0);
}
const throwaway = process.env.OMNITRAIL_POSTGRES_URL ? undefined : await startThrowawayPostgres();
const connectionString = process.env.OMNITRAIL_POSTGRES_URL ?? throwaway!.connectionString;
// A schema of its own per run, so a shared server keeps runs apart.
const schema = `support_desk_workers_${Date.now().toString(36)}`;
const tenants = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark'];
const DAY = 86_400_000;
const start = Date.parse('2024-03-01T09:00:00Z');

/** One desk worker: its own pool to the shared store and key store, 30 days of events held, short leases for the demo (production keeps the defaults). */
async function startWorker(id: string): Promise<JourneyEngine> {
  const store = await createPostgresEventStore({ connectionString, schema });
  const keys = createPostgresKeyStore({ connectionString, schema });
  const engine = createJourneyEngine({ store, keys, worker: { id, leaseMs: 2_000 }, memory: { horizonMs: 30 * DAY, minEvictEvents: 20 }, logger: { info: () => undefined, warn: console.warn } });
  await engine.ready();
  return engine;
}

/** What a host does: ask any worker, and on TENANT_NOT_OWNED ask the owner it names (retrying while a tenant changes hands). */
async function routed<T>(workers: Map<string, JourneyEngine>, tenantId: string, read: (engine: JourneyEngine) => T): Promise<{ by: string; value: T }> {
  let target = workers.keys().next().value!;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      return { by: target, value: read(workers.get(target)!) };
    } catch (error) {
      if (!(error instanceof TenantNotOwnedError)) throw error;
      if (error.owner !== undefined && workers.has(error.owner)) target = error.owner;
      else await new Promise((resolve) => setTimeout(resolve, 200)); // being taken over: ask again shortly
    }
  }
  throw new Error(`no worker serves ${tenantId}`);
}

try {
  const workers = new Map<string, JourneyEngine>();
  for (const id of ['desk-1', 'desk-2']) workers.set(id, await startWorker(id));

  // Two months of a small desk per tenant, recorded through desk-1 whatever the tenant (writes need no routing).
  const events: Record<string, unknown>[] = [];
  for (const [t, tenantId] of tenants.entries()) {
    for (let day = 0; day < 60; day += 3) {
      const customer = `${tenantId}-customer-${day % 9}`;
      const caseId = `${tenantId}-case-${day}`;
      const at = (hours: number) => new Date(start + day * DAY + (t + hours) * 3_600_000).toISOString();
      events.push(
        { type: 'MessageReceived', tenantId, customerId: customer, caseId, occurredAt: at(0), channel: day % 2 === 0 ? 'email' : 'whatsapp', identities: [{ type: 'email', value: `${customer}@example.com` }], data: { text: `Order ${day}: where is it?` } },
        { type: 'MessageSent', tenantId, customerId: customer, caseId, occurredAt: at(1), channel: 'email', actor: { kind: 'agent', id: 'sam' }, data: { senderKind: 'agent', text: 'On its way' } },
        { type: 'CaseResolved', tenantId, customerId: customer, caseId, occurredAt: at(2), actor: { kind: 'agent', id: 'sam' }, data: {} },
      );
    }
  }
  await workers.get('desk-1')!.record(events as never);
  // The owners fold what was appended when their subscriptions deliver it: wait until each tenant shows it.
  for (const tenantId of tenants) {
    for (let attempt = 0; (await routed(workers, tenantId, (engine) => engine.report(tenantId))).value.cases.count < 20; attempt++) {
      if (attempt === 100) throw new Error(`${tenantId}: the events recorded never reached its owner`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  for (const [id, engine] of workers) console.log(`${id} serves ${engine.ownedTenants().sort().join(', ')}`);

  for (const tenantId of tenants) {
    const { by, value } = await routed(workers, tenantId, (engine) => engine.report(tenantId));
    console.log(`${tenantId} (served by ${by}): ${value.cases.count} cases, first response median ${Math.round(value.metrics.firstResponseMs.median! / 60_000)} min`);
  }
  const owner = (await routed(workers, 'acme', (engine) => engine.memoryStats())).by;
  const stats = workers.get(owner)!.memoryStats();
  console.log(`${owner} holds ${stats.heldEvents} events in memory, ${stats.evictedEvents} older than 30 days left it`);

  // A customer asks to be erased: their keys go, their history still counts, their values read as erased.
  const erased = await workers.get(owner)!.erase('acme', 'acme-customer-0');
  console.log(`erased ${erased.customerId}: ${erased.keysDeleted} key deleted, the acme report still counts ${workers.get(owner)!.report('acme').cases.count} cases`);

  // desk-1 stops (a deploy): it hands its leases back and desk-2 takes its tenants over.
  const leaving = workers.get('desk-1')!;
  const handedOver = leaving.ownedTenants();
  workers.delete('desk-1');
  const desk2 = workers.get('desk-2')!;
  const allServed = firstValueFrom(
    desk2.ownership$.pipe(
      filter(() => tenants.every((t) => desk2.ownedTenants().includes(t))),
      timeout(30_000),
    ),
  );
  await leaving.close();
  if (handedOver.length > 0) await allServed;
  console.log(`desk-1 stopped: desk-2 now serves ${desk2.ownedTenants().length} tenants (took over ${handedOver.sort().join(', ') || 'none'})`);
  const { value: acme } = await routed(workers, 'acme', (engine) => engine.report('acme'));
  console.log(`acme after the takeover: ${acme.cases.count} cases, ${acme.customers.count} customers`);
  await desk2.close();
} finally {
  await throwaway?.stop();
}
