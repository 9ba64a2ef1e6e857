import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore, RecordedEvent, SubscribeToAllOptions } from '@omnitrail/eventstore';
import { parseEventOrThrow } from '@omnitrail/events';
import { createJourneyEngine, replayReport } from '@omnitrail/journey';
import type { EventStoreDbSubscription, EventStoreDbSubscriptionHealth } from '@omnitrail/eventstore-esdb';
import { startOutageFixture, until } from './outage.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const T = 'acme';
const asOf = Date.parse('2024-03-05T00:00:00Z');
const at = (minutes: number) => new Date(Date.parse('2024-03-01T09:00:00Z') + minutes * 60_000).toISOString();
const event = (i: number) => ({ id: `outage-${i}`, type: 'PageViewed', tenantId: T, occurredAt: at(i), customerId: `cust-${i % 4}`, channel: 'web', actor: { kind: 'customer' }, data: { url: `/p/${i}`, pageKind: 'product' } });

/** How long the server stays away at least, in ms: 0 (the default) is "until ~10 reconnection attempts failed". */
const OUTAGE_MS = Number(process.env.OMNITRAIL_OUTAGE_MS ?? 0);

describe('a journey engine on EventStoreDB through a server outage', () => {
  it('folds every event exactly once, its report equals a replay of the store, and record() works again with no new engine', { timeout: OUTAGE_MS + 60_000 }, async () => {
    const { server, follower: followed, writer: written } = await startOutageFixture(cleanups);
    // The engine's subscription, kept to watch its health.
    let subscription: EventStoreDbSubscription | undefined;
    const store: EventStore = {
      ...followed,
      subscribeToAll<D, M>(o?: SubscribeToAllOptions) {
        const s = followed.subscribeToAll<D, M>(o);
        subscription = s as unknown as EventStoreDbSubscription;
        return s;
      },
    };
    const follower = createJourneyEngine({ store, clock: () => asOf });
    const writer = createJourneyEngine({ store: written, clock: () => asOf });
    cleanups.push(() => follower.close(), () => writer.close());
    const states: EventStoreDbSubscriptionHealth['state'][] = [];
    const engineStates: string[] = [];
    follower.storeHealth$.subscribe((h) => engineStates.push(h.state));
    let attempts = 0;
    // The engine subscribes once it has looked for a snapshot in the store (none here).
    while (subscription === undefined) await new Promise((resolve) => setTimeout(resolve, 1));
    subscription.health$.subscribe((h) => {
      states.push(h.state);
      if (h.state === 'retrying') attempts = h.attempt;
    });
    await follower.ready();

    const failures: boolean[] = [];
    // A writer that retries each record() until it is stored.
    const record = async (engine: typeof writer, i: number) => {
      for (;;) {
        try {
          return await engine.recordUnknown(event(i));
        } catch (error) {
          failures.push((error as { transient?: boolean }).transient === true);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    };
    const folded = () => follower.fold(T)?.events.length ?? 0;
    for (let i = 0; i < 10; i++) await record(writer, i);
    await until(() => folded() === 10);

    await server.stop();
    const stoppedAt = Date.now();
    const throughOutage = (async () => {
      for (let i = 10; i < 20; i++) await record(writer, i);
    })();
    // The follower's own record() fails with a transient error while the server is away.
    await expect(follower.recordUnknown(event(100))).rejects.toMatchObject({ code: 'EVENTSTOREDB_ERROR', transient: true });
    await until(() => attempts >= 10 && failures.length >= 2);
    // The campaign: OMNITRAIL_OUTAGE_MS=180000 keeps the server away for 3 minutes (CI runs the short slice).
    if (OUTAGE_MS > 0) await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt))));
    await server.start();
    await throughOutage;
    // ...and works again, on the same engine, once it is back.
    expect((await record(follower, 100)).recorded).toBe(1);
    for (let i = 20; i < 25; i++) await record(writer, i);
    await until(() => folded() === 26 && subscription!.health().state === 'live');

    const stored = [] as RecordedEvent[];
    for await (const e of followed.readAll()) stored.push(e);
    const ids = stored.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(26);
    expect(follower.fold(T)!.events.map((e) => e.event.id).sort()).toEqual([...ids].sort());
    const replay = replayReport({ events: stored.map((e) => parseEventOrThrow(e.data)), asOf });
    expect(JSON.stringify(follower.report(T, { asOf }))).toBe(JSON.stringify(replay.tenants[T]));
    expect(failures.every(Boolean)).toBe(true);
    expect(states).toContain('retrying');
    expect(states.slice(states.lastIndexOf('retrying'))).toContain('live');
    // The engine passes the same health on to its host.
    expect(engineStates).toContain('retrying');
    expect(engineStates.at(-1)).toBe('live');
    await follower.close();
    expect(engineStates.at(-1)).toBe('ended');
  });
});
