// A typed consumer, checked with tsc --strict: the public types are usable from an installed package.
import { createJourneyEngine, type CaseSnapshot, type CustomerProfile, type JourneyEngine, type ReplayReport } from '@omnitrail/journey';
import { createInMemoryEventStore, type EventStore } from '@omnitrail/eventstore';
import type { CatalogEvent, EventOf } from '@omnitrail/events';

const store: EventStore = createInMemoryEventStore();
const engine: JourneyEngine = createJourneyEngine({ store });
const view: CaseSnapshot | undefined = engine.getCase('acme', 'case-1');
const channels: readonly string[] = view?.channels ?? [];
const profile: CustomerProfile | undefined = engine.customer('acme', 'ann@example.com');
const message = (e: CatalogEvent): string | undefined => (e.type === 'MessageReceived' ? (e as EventOf<'MessageReceived'>).data.text : undefined);
const reportVersion = (r: ReplayReport): 1 => r.omnitrailReport;
export { channels, profile, message, reportVersion };
