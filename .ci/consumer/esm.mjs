// The engine from the packed packages, as an ESM app would use it.
import { createJourneyEngine } from '@omnitrail/journey';
import { createInMemoryEventStore, isWrongExpectedRevision } from '@omnitrail/eventstore';

const engine = createJourneyEngine({ store: createInMemoryEventStore(), clock: () => Date.UTC(2024, 2, 2) });
await engine.ready();
await engine.record({ id: 'm1', type: 'MessageReceived', tenantId: 'acme', occurredAt: '2024-03-01T10:00:00Z', identities: [{ type: 'email', value: 'Ann@example.com' }], channel: 'whatsapp', caseId: 'case-1', actor: { kind: 'customer' }, data: { text: 'Late order' } });
const view = engine.getCase('acme', 'case-1');
if (view?.status !== 'open' || view.channels[0] !== 'whatsapp') throw new Error(`unexpected case ${JSON.stringify(view)}`);
if (engine.customer('acme', 'ann@example.com') === undefined) throw new Error('customer not found by email');
if (typeof isWrongExpectedRevision !== 'function') throw new Error('missing export');
await engine.close();
console.log('esm ok');
