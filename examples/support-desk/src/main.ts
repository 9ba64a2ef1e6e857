// A support desk embedding Omnitrail: a customer writes on WhatsApp, continues by email, gets a reply and a
// resolution; the desk follows the case live through rxjs and prints the tenant report's highlights.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileEventStore } from '@omnitrail/eventstore';
import { createJourneyEngine, defineJourneyProjection } from '@omnitrail/journey';

const directory = await mkdtemp(join(tmpdir(), 'omnitrail-example-'));
const store = await openFileEventStore({ directory, fsync: 'batch' });
// The desk's own view, next to the standard projections: the channels each customer has used.
const channelsUsed = defineJourneyProjection({
  name: 'channels-used',
  partitionBy: 'customer',
  initialState: (): string[] => [],
  evolve: (channels, e) => (e.event.channel && !channels.includes(e.event.channel) ? [...channels, e.event.channel] : channels),
  clone: false,
});
const engine = createJourneyEngine({ store, clock: () => Date.parse('2024-03-02T00:00:00Z'), projections: [channelsUsed] });

const seen: string[] = [];
const subscription = engine.case$('acme', 'case-1').subscribe((c) => seen.push(c ? c.status : 'none'));

const ann = [{ type: 'email', value: 'Ann@Example.com' }];
await engine.record([
  { id: 'e1', type: 'MessageReceived', tenantId: 'acme', occurredAt: '2024-03-01T09:00:00+01:00', identities: [{ type: 'phone', value: '+33 6 12 34 56 78' }, ...ann], channel: 'whatsapp', caseId: 'case-1', actor: { kind: 'customer' }, data: { text: 'My parcel is late' } },
  { id: 'e2', type: 'MessageReceived', tenantId: 'acme', occurredAt: '2024-03-01T09:20:00+01:00', identities: ann, channel: 'email', caseId: 'case-1', actor: { kind: 'customer' }, data: { text: 'Order 1234, see photo' } },
  { id: 'e3', type: 'MessageSent', tenantId: 'acme', occurredAt: '2024-03-01T09:45:00+01:00', identities: ann, channel: 'email', caseId: 'case-1', actor: { kind: 'agent', id: 'bob' }, data: { senderKind: 'agent', text: 'A new parcel leaves today' } },
  { id: 'e4', type: 'CaseResolved', tenantId: 'acme', occurredAt: '2024-03-01T10:00:00+01:00', identities: ann, caseId: 'case-1', actor: { kind: 'agent', id: 'bob' }, data: {} },
]);

const report = engine.report('acme');
const customerId = engine.fold('acme')!.events[0]!.customerId;
const channels = engine.projection(channelsUsed).state('acme', customerId) ?? [];
console.log('channels used by the customer:', channels.join(', '));
console.log('case-1 went through:', [...new Set(seen)].join(' → '));
console.log('customers:', report.customers.count, '| cases:', report.cases.count, '| open:', report.cases.open.length);
console.log('first response (ms):', report.metrics.firstResponseMs.mean, '| channel mix:', JSON.stringify(report.metrics.channelMix));
subscription.unsubscribe();
await engine.close();
await store.close();

// Reopen: the engine saved a snapshot of its state in the store on close(), and resumes from it (it would
// rebuild from the durable log if there were none, or one made with other projections).
const reopened = await openFileEventStore({ directory, fsync: 'batch' });
const again = createJourneyEngine({ store: reopened, clock: () => Date.parse('2024-03-02T00:00:00Z'), projections: [channelsUsed] });
again.snapshotEvents$.subscribe((e) => console.log('snapshot on reopening:', e.kind));
await again.ready();
console.log('after reopening, case-1 is', again.getCase('acme', 'case-1')?.status);
await again.close();
await reopened.close();
await rm(directory, { recursive: true, force: true });
if (report.cases.count !== 1 || seen.at(-1) !== 'resolved' || channels.join() !== 'whatsapp,email') {
  console.error('unexpected result');
  process.exit(1);
}
