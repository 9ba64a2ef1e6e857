// A store as one worker sees it, counting every event it hands the worker by tenant (tests of tenant
// discovery, issue 19): the testing kit's counting store, grouped by the journey's stream names.
import type { EventStore } from '@omnitrail/eventstore';
import { countingStore, type StoreReads } from '@omnitrail/testing';

/** The tenant of a journey stream name (`journey-<escaped tenant>-<customer>`). */
export function tenantOfStream(name: string): string {
  return name.slice('journey-'.length, name.indexOf('-', 'journey-'.length)).replaceAll('%2D', '-').replaceAll('%25', '%');
}

/** The store as one worker sees it, `readAll` events counted by tenant; without the index when `indexed` is false. */
export function counted(inner: EventStore, indexed = true): { store: EventStore; reads: StoreReads } {
  return countingStore(inner, { hideStreamGroups: !indexed, groupOf: tenantOfStream });
}
