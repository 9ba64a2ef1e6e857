import { createEventStoreDbEventStore, startFakeEventStoreDb, type EventStoreDbEventStore, type FakeEventStoreDb } from '@omnitrail/eventstore-esdb';

/** A fake server and two stores on it (a follower and a writer) with short retry delays, for outage tests. */
export async function startOutageFixture(cleanups: (() => Promise<unknown>)[]): Promise<{ server: FakeEventStoreDb; follower: EventStoreDbEventStore; writer: EventStoreDbEventStore }> {
  const server = await startFakeEventStoreDb();
  cleanups.push(() => server.close());
  const options = { connectionString: server.connectionString, reconnectDelayMs: 10, maxReconnectDelayMs: 100 };
  const follower = createEventStoreDbEventStore(options);
  const writer = createEventStoreDbEventStore(options);
  cleanups.push(() => follower.close(), () => writer.close());
  return { server, follower, writer };
}

/** Resolves once `condition` holds (checked every few milliseconds): waits on behaviour, never on a duration. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
