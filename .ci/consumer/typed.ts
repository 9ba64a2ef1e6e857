// A typed consumer, checked with tsc --strict: the public types are usable from an installed package.
import { createJourneyEngine, type CaseSnapshot, type CustomerProfile, type JourneyEngine, type ReplayReport } from '@omnitrail/journey';
import { createInMemoryEventStore, type EventStore } from '@omnitrail/eventstore';
import { createEventRegistry, defineEventType, type CatalogEvent, type EventOf } from '@omnitrail/events';
import { generateWorkload, type RawEvent, type WorkloadOptions } from '@omnitrail/workload';
import { z } from 'zod';

const store: EventStore = createInMemoryEventStore();
const engine: JourneyEngine = createJourneyEngine({ store });
const view: CaseSnapshot | undefined = engine.getCase('acme', 'case-1');
const channels: readonly string[] = view?.channels ?? [];
const profile: CustomerProfile | undefined = engine.customer('acme', 'ann@example.com');
const message = (e: CatalogEvent): string | undefined => (e.type === 'MessageReceived' ? (e as EventOf<'MessageReceived'>).data.text : undefined);
const reportVersion = (r: ReplayReport): 1 => r.omnitrailReport;

// A host event type: record() is typed with it, so a misspelt type or wrong data does not compile.
const LoyaltyPointsEarned = defineEventType({ type: 'LoyaltyPointsEarned', data: z.object({ points: z.number() }) });
const loyal = createJourneyEngine({ registry: createEventRegistry([LoyaltyPointsEarned]) });
const recorded = loyal.record({ type: 'LoyaltyPointsEarned', tenantId: 'acme', occurredAt: '2024-03-01T10:00:00Z', customerId: 'ann', data: { points: 10 } });
// @ts-expect-error host data of the wrong type
void loyal.record({ type: 'LoyaltyPointsEarned', tenantId: 'acme', occurredAt: '2024-03-01T10:00:00Z', customerId: 'ann', data: { points: 'ten' } });

// The workload generator's options and events are typed.
const options: WorkloadOptions = { seed: 7, customers: 20, events: 200, tenants: ['north', 'south'], rates: { bot: 0.5 } };
const first: RawEvent | undefined = generateWorkload(options).next().value ?? undefined;
// @ts-expect-error a rate that is not a number
void generateWorkload({ seed: 7, rates: { bot: 'often' } });
export { channels, profile, message, reportVersion, recorded, first };
