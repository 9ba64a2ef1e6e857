import { createInMemoryEventStore, type RecordedEvent } from '@omnitrail/eventstore';
import { parseEventOrThrow } from '@omnitrail/events';
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine, replayReport } from '../src/index.js';

// On a store whose ids are unique per stream only (capability idUniqueness 'stream', e.g. EventStoreDB),
// another writer can store a second copy of an id in another stream. The engine checks ids against
// everything it folded, so the copy is never folded twice.
const T = 'acme';
const asOf = Date.parse('2024-03-02T00:00:00Z');
const at = (minutes: number) => new Date(Date.parse('2024-03-01T09:00:00Z') + minutes * 60_000).toISOString();
const events = [
  { id: 'u01', type: 'SessionStarted', tenantId: T, occurredAt: at(0), customerId: 'cust-a', channel: 'web', actor: { kind: 'customer' }, data: { sessionId: 's1' } },
  { id: 'u02', type: 'OrderPlaced', tenantId: T, occurredAt: at(5), customerId: 'cust-a', channel: 'web', actor: { kind: 'customer' }, data: { orderId: 'o1', salesChannel: 'web', amount: 40, currency: 'EUR' } },
  { id: 'u03', type: 'CaseOpened', tenantId: T, occurredAt: at(6), customerId: 'cust-b', channel: 'voice', caseId: 'c1', actor: { kind: 'agent' }, data: { handledBy: 'human' } },
];

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Stores a copy of a stored event under the same id in another stream, as a writer that did not know it would. */
async function copyToAnotherStream(store: ReturnType<typeof createInMemoryEventStore>, event: RecordedEvent, stream: string): Promise<void> {
  await store.appendToStream(stream, [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }]);
}

describe("journey engine on an idUniqueness 'stream' store", () => {
  it('folds a second copy of an id in another stream once, live and at catch-up', async () => {
    // indexIds: false makes the in-memory store accept an id again in another stream, as EventStoreDB does.
    const store = createInMemoryEventStore({ indexIds: false });
    const writer = createJourneyEngine({ store, clock: () => asOf });
    const follower = createJourneyEngine({ store, clock: () => asOf });
    await writer.recordUnknown(events);
    await follower.ready();
    const stored = await collect(store.readAll());
    expect(stored.map((e) => e.id)).toEqual(['u01', 'u02', 'u03']);
    await copyToAnotherStream(store, stored[1]!, `journey-${T}-copy`);
    expect((await collect(store.readAll())).filter((e) => e.id === 'u02').length).toBe(2);

    // Live: the copy reaches both engines through their subscriptions. Waiting for a later event shows it was handled.
    const marker = { id: 'u04', type: 'PageViewed', tenantId: T, occurredAt: at(7), customerId: 'cust-a', channel: 'web', actor: { kind: 'customer' }, data: { url: '/x', pageKind: 'other' } };
    await writer.recordUnknown(marker);
    while (!(follower.fold(T)?.events.some((e) => e.event.id === 'u04') ?? false)) await new Promise((resolve) => setImmediate(resolve));
    const reference = replayReport({ events: [...events, marker].map((e) => parseEventOrThrow(e)), asOf });
    for (const engine of [writer, follower]) {
      expect(engine.fold(T)!.events.map((e) => e.event.id).sort()).toEqual(['u01', 'u02', 'u03', 'u04']);
      expect(engine.stats(T)!.applied).toBe(4);
      expect(JSON.stringify(engine.report(T, { asOf }))).toBe(JSON.stringify(reference.tenants[T]));
      // Not folded twice, and counted.
      expect(engine.duplicateStoredEventCount()).toBe(1);
      expect(engine.rejectedStoredEventCount()).toBe(0);
    }

    // Catch-up: a new engine reads both copies from the store and folds one.
    const late = createJourneyEngine({ store, clock: () => asOf });
    await late.ready();
    expect(late.fold(T)!.events.map((e) => e.event.id).sort()).toEqual(['u01', 'u02', 'u03', 'u04']);
    expect(JSON.stringify(late.report(T, { asOf }))).toBe(JSON.stringify(reference.tenants[T]));
    expect(late.duplicateStoredEventCount()).toBe(1);

    // A copy with other content is not a retry: rejected, with the reason, never folded.
    await store.appendToStream(`journey-${T}-conflict`, [{ id: 'u03', type: stored[2]!.type, data: { ...(stored[2]!.data as object), occurredAt: at(9) } }]);
    await writer.recordUnknown({ ...marker, id: 'u05', occurredAt: at(8) });
    while (!(follower.fold(T)?.events.some((e) => e.event.id === 'u05') ?? false)) await new Promise((resolve) => setImmediate(resolve));
    expect(follower.rejectedStoredEventCount()).toBe(1);
    const [conflict] = await firstValueFrom(follower.rejectedStoredEvents$.pipe(take(1), toArray()));
    expect(conflict).toMatchObject({ id: 'u03', stream: `journey-${T}-conflict` });
    expect(conflict!.errors[0]!.message).toContain('already folded with other content');
    expect(follower.fold(T)!.events.filter((e) => e.event.id === 'u03').length).toBe(1);
    await Promise.all([writer.close(), follower.close(), late.close()]);
  });
});
