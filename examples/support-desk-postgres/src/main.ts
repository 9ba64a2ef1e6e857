// The support desk on PostgreSQL. The desk records touchpoints through its journey engine; an analytics
// service with a store of its own (another pool, as another process would have) catches up from the
// database and then follows the desk's appends live; a restart of the desk rebuilds everything from the
// database. PostgreSQL is the server named by OMNITRAIL_POSTGRES_URL, or else a throwaway cluster this
// example starts itself (initdb into a temporary directory, removed at the end) with the machine's binaries.
import { createPostgresEventStore, findPostgresBinaries, POSTGRES_BINARIES_HINT, startThrowawayPostgres } from '@omnitrail/eventstore-postgres';
import { createJourneyEngine } from '@omnitrail/journey';
import { filter, firstValueFrom, timeout } from 'rxjs';

if (!process.env.OMNITRAIL_POSTGRES_URL && findPostgresBinaries() === undefined && process.env.CI !== 'true') {
  console.log(`support-desk-postgres skipped: no PostgreSQL server or binaries; set OMNITRAIL_POSTGRES_URL, or ${POSTGRES_BINARIES_HINT}.`);
  process.exit(0);
}
const throwaway = process.env.OMNITRAIL_POSTGRES_URL ? undefined : await startThrowawayPostgres();
const connectionString = process.env.OMNITRAIL_POSTGRES_URL ?? throwaway!.connectionString;
// A schema of its own per run, so a shared server keeps runs apart.
const schema = `support_desk_${Date.now().toString(36)}`;
const tenantId = 'acme';
const clock = () => Date.parse('2024-03-02T00:00:00Z');

try {
  const deskStore = await createPostgresEventStore({ connectionString, schema });
  const desk = createJourneyEngine({ store: deskStore, clock });
  await desk.ready();
  const ann = [{ type: 'email', value: 'Ann@Example.com' }];
  await desk.record([
    { id: 'e1', type: 'MessageReceived', tenantId, occurredAt: '2024-03-01T09:00:00+01:00', identities: [{ type: 'phone', value: '+33 6 12 34 56 78' }, ...ann], channel: 'whatsapp', caseId: 'case-1', actor: { kind: 'customer' }, data: { text: 'My parcel is late' } },
    { id: 'e2', type: 'MessageReceived', tenantId, occurredAt: '2024-03-01T09:20:00+01:00', identities: ann, channel: 'email', caseId: 'case-1', actor: { kind: 'customer' }, data: { text: 'Order 1234, see photo' } },
    { id: 'e3', type: 'MessageSent', tenantId, occurredAt: '2024-03-01T09:45:00+01:00', identities: ann, channel: 'email', caseId: 'case-1', actor: { kind: 'agent', id: 'bob' }, data: { senderKind: 'agent', text: 'A new parcel leaves today' } },
  ]);

  // The analytics service starts after those events: it catches up from the database...
  const analyticsStore = await createPostgresEventStore({ connectionString, schema });
  const analytics = createJourneyEngine({ store: analyticsStore, clock });
  await analytics.ready();
  console.log('analytics after catch-up: case-1 is', analytics.getCase(tenantId, 'case-1')?.status);

  // ...then follows the desk live: the resolution reaches it through LISTEN/NOTIFY and its subscription.
  const resolved = firstValueFrom(
    analytics.case$(tenantId, 'case-1').pipe(
      filter((c) => c?.status === 'resolved'),
      timeout(10_000),
    ),
  );
  await desk.record({ id: 'e4', type: 'CaseResolved', tenantId, occurredAt: '2024-03-01T10:00:00+01:00', identities: ann, caseId: 'case-1', actor: { kind: 'agent', id: 'bob' }, data: {} });
  await resolved;
  console.log('analytics live: case-1 is resolved');

  const report = desk.report(tenantId);
  console.log('customers:', report.customers.count, '| cases:', report.cases.count, '| open:', report.cases.open.length);
  console.log('first response (ms):', report.metrics.firstResponseMs.mean, '| channel mix:', JSON.stringify(report.metrics.channelMix));
  const same = JSON.stringify(report) === JSON.stringify(analytics.report(tenantId));
  console.log('desk and analytics reports identical:', same);
  await desk.close();
  await analytics.close();
  await deskStore.close();
  await analyticsStore.close();

  // A restarted desk rebuilds its projections from the database.
  const reopenedStore = await createPostgresEventStore({ connectionString, schema });
  const again = createJourneyEngine({ store: reopenedStore, clock });
  await again.ready();
  const afterRestart = again.getCase(tenantId, 'case-1')?.status;
  console.log('after restarting the desk, case-1 is', afterRestart);
  const rebuilt = JSON.stringify(again.report(tenantId)) === JSON.stringify(report);
  await again.close();
  await reopenedStore.close();
  if (!same || !rebuilt || afterRestart !== 'resolved' || report.customers.count !== 1 || report.cases.count !== 1) {
    console.error('unexpected result');
    process.exitCode = 1;
  }
} finally {
  await throwaway?.stop();
}
