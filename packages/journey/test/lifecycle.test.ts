// An engine on a store that already holds events: reads before the catch-up say so instead of showing an
// empty store, and stored events that are not valid journey events are reported, never dropped silently.
import { createInMemoryEventStore } from '@omnitrail/eventstore';
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine } from '../src/index.js';

const at = (minute: number) => new Date(Date.UTC(2024, 2, 1, 9, minute)).toISOString();
const asOf = Date.UTC(2024, 2, 2);
const message = (id: string, minute: number) => ({ id, type: 'MessageReceived', tenantId: 'acme', occurredAt: at(minute), customerId: 'ann', channel: 'email', caseId: 'k1', actor: { kind: 'customer' }, data: { text: 'hi' } });

describe('an engine opened on a store with history', () => {
  it('refuses synchronous reads until it caught up (await ready()), then serves the history', async () => {
    const store = createInMemoryEventStore();
    const first = createJourneyEngine({ store, clock: () => asOf });
    await first.recordUnknown([message('m1', 1), message('m2', 2)]);
    await first.close();
    const reopened = createJourneyEngine({ store, clock: () => asOf });
    expect(() => reopened.getCase('acme', 'k1')).toThrow(/before the engine caught up with its store: await engine.ready\(\) first/);
    expect(() => reopened.report('acme')).toThrow(/await engine.ready\(\)/);
    // Streams may be subscribed to at once: they follow the catch-up.
    const views = firstValueFrom(reopened.case$('acme', 'k1').pipe(take(1), toArray()));
    await reopened.ready();
    expect(reopened.getCase('acme', 'k1')).toMatchObject({ status: 'open', channels: ['email'] });
    expect((await views).length).toBe(1);
    await reopened.close();
  });

  it('reports stored events that are not valid journey events, with position, id and field errors', async () => {
    const store = createInMemoryEventStore();
    await store.appendToStream('journey-acme-ann', [
      { id: 'm1', type: 'MessageReceived', data: message('m1', 1) },
      { id: 'bad', type: 'MessageReceived', data: { ...message('bad', 2), channel: 'fax' } },
    ]);
    const engine = createJourneyEngine({ store, clock: () => asOf });
    await engine.ready();
    expect(engine.rejectedStoredEventCount()).toBe(1);
    const [rejected] = await firstValueFrom(engine.rejectedStoredEvents$.pipe(take(1), toArray()));
    let stored: bigint | undefined;
    for await (const e of store.readAll()) if (e.id === 'bad') stored = e.position;
    expect(rejected).toMatchObject({ id: 'bad', stream: 'journey-acme-ann', position: stored });
    expect(rejected!.errors.map((e) => e.path)).toContain('channel');
    expect(engine.getCase('acme', 'k1')?.channels).toEqual(['email']);
    await engine.close();
  });

  it('tells how it follows its store: catching-up, live, ended; none for its own private store', async () => {
    const store = createInMemoryEventStore();
    await store.appendToStream('journey-acme-ann', [{ id: 'm1', type: 'MessageReceived', data: message('m1', 1) }]);
    const engine = createJourneyEngine({ store, clock: () => asOf });
    const states: string[] = [];
    engine.storeHealth$.subscribe((h) => states.push(h.state));
    await engine.ready();
    expect(states).toEqual(['catching-up', 'live']);
    await engine.close();
    expect(states).toEqual(['catching-up', 'live', 'ended']);
    const own = createJourneyEngine();
    expect((await firstValueFrom(own.storeHealth$)).state).toBe('none');
    await own.close();
  });
});
