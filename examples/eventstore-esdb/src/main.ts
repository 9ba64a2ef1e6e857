// Two services share one EventStoreDB: the support desk records touchpoints through its journey engine, and
// an analytics service opened later catches up from the store and then follows the desk's appends live.
// EventStoreDB is the one named by OMNITRAIL_ESDB_URL (e.g. esdb://localhost:2113?tls=false), or else the
// in-process fake server the adapter's tests use, so the example runs anywhere.
import { createEventStoreDbEventStore, startFakeEventStoreDb } from '@omnitrail/eventstore-esdb';
import { createJourneyEngine } from '@omnitrail/journey';
import { filter, firstValueFrom, timeout } from 'rxjs';

const fake = process.env.OMNITRAIL_ESDB_URL ? undefined : await startFakeEventStoreDb();
const connectionString = process.env.OMNITRAIL_ESDB_URL ?? fake!.connectionString;
// A run of its own on a shared server: the tenant id keeps this run's streams and state apart.
const tenantId = `acme-${Date.now().toString(36)}`;
const clock = () => Date.parse('2024-03-02T00:00:00Z');

const deskStore = createEventStoreDbEventStore({ connectionString });
const desk = createJourneyEngine({ store: deskStore, clock });
const ann = [{ type: 'email', value: 'ann@example.com' }];
await desk.record([
  { id: `${tenantId}-e1`, type: 'MessageReceived', tenantId, occurredAt: '2024-03-01T09:00:00Z', identities: ann, channel: 'whatsapp', caseId: 'case-1', actor: { kind: 'customer' }, data: { text: 'My parcel is late' } },
  { id: `${tenantId}-e2`, type: 'MessageSent', tenantId, occurredAt: '2024-03-01T09:30:00Z', identities: ann, channel: 'whatsapp', caseId: 'case-1', actor: { kind: 'agent', id: 'bob' }, data: { senderKind: 'agent', text: 'A new parcel leaves today' } },
]);

// The analytics service starts after those two events: it catches up from the store...
const analyticsStore = createEventStoreDbEventStore({ connectionString });
const analytics = createJourneyEngine({ store: analyticsStore, clock });
await analytics.ready();
console.log('analytics after catch-up: case-1 is', analytics.getCase(tenantId, 'case-1')?.status);

// ...then follows the desk live: the resolution recorded by the desk reaches it through the subscription.
const resolved = firstValueFrom(
  analytics.case$(tenantId, 'case-1').pipe(
    filter((c) => c?.status === 'resolved'),
    timeout(10_000),
  ),
);
await desk.record({ id: `${tenantId}-e3`, type: 'CaseResolved', tenantId, occurredAt: '2024-03-01T10:00:00Z', identities: ann, caseId: 'case-1', actor: { kind: 'agent', id: 'bob' }, data: {} });
await resolved;
console.log('analytics live: case-1 is resolved');

// Both engines fold the same events, so their reports agree field for field.
const same = JSON.stringify(desk.report(tenantId)) === JSON.stringify(analytics.report(tenantId));
console.log('desk and analytics reports identical:', same);
if (!same) throw new Error('the two engines disagree');

await desk.close();
await analytics.close();
await deskStore.close();
await analyticsStore.close();
await fake?.close();
