import { createInMemoryEventStore, type EventStore } from '@omnitrail/eventstore';
import { appendEachStream } from '@omnitrail/eventstore/adapter';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import fc from 'fast-check';
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine, replayReport } from '../src/index.js';

const T = 'acme';
const at = (minutes: number) => new Date(Date.parse('2024-03-01T09:00:00Z') + minutes * 60_000).toISOString();

/** A small omnichannel story: two customers, a device later tied to an email (a late merge), cases, surveys. */
function story(): Record<string, unknown>[] {
  const ann = { type: 'email', value: 'ann@example.com' };
  const tablet = { type: 'device_id', value: 'dev-42' };
  return [
    { id: 'a01', type: 'SessionStarted', tenantId: T, occurredAt: at(0), identities: [tablet], channel: 'web', actor: { kind: 'customer' }, data: { sessionId: 's1' } },
    { id: 'a02', type: 'PageViewed', tenantId: T, occurredAt: at(1), identities: [tablet], channel: 'web', actor: { kind: 'customer' }, data: { url: '/p/1', pageKind: 'product' } },
    { id: 'a03', type: 'MessageReceived', tenantId: T, occurredAt: at(2), identities: [tablet], channel: 'web_chat', caseId: 'c1', actor: { kind: 'customer' }, data: { text: 'is it waterproof?' } },
    { id: 'a04', type: 'CustomerIdentified', tenantId: T, occurredAt: at(5), identities: [tablet, ann], actor: { kind: 'customer' }, data: { identities: [tablet, ann] } },
    { id: 'a05', type: 'MessageSent', tenantId: T, occurredAt: at(9), identities: [ann], channel: 'web_chat', caseId: 'c1', actor: { kind: 'agent', id: 'bob' }, data: { senderKind: 'agent', text: 'yes' } },
    { id: 'a06', type: 'OrderPlaced', tenantId: T, occurredAt: at(30), identities: [ann], channel: 'web', actor: { kind: 'customer' }, data: { orderId: 'o1', salesChannel: 'web', amount: 120, currency: 'EUR' } },
    { id: 'a07', type: 'CaseResolved', tenantId: T, occurredAt: at(40), caseId: 'c1', identities: [ann], actor: { kind: 'agent', id: 'bob' }, data: {} },
    { id: 'a08', type: 'MessageReceived', tenantId: T, occurredAt: at(60 * 24 * 10), identities: [ann], channel: 'email', caseId: 'c1', actor: { kind: 'customer' }, data: { text: 'broken after 10 days' } },
    { id: 'a09', type: 'SurveyAnswered', tenantId: T, occurredAt: at(60 * 24 * 11), identities: [ann], channel: 'email', actor: { kind: 'customer' }, data: { kind: 'csat', score: 2 } },
    { id: 'b01', type: 'CaseOpened', tenantId: T, occurredAt: at(3), customerId: 'cust-b', channel: 'voice', caseId: 'c2', actor: { kind: 'agent' }, data: { handledBy: 'human' } },
    { id: 'b02', type: 'MessageReceived', tenantId: T, occurredAt: at(4), customerId: 'cust-b', channel: 'voice', caseId: 'c2', actor: { kind: 'customer' }, data: {} },
    { id: 'b03', type: 'CaseStatusChanged', tenantId: T, occurredAt: at(6), customerId: 'cust-b', caseId: 'c2', actor: { kind: 'agent' }, data: { to: 'snoozed', snoozedUntil: at(120) } },
    { id: 'x01', type: 'MessageReceived', tenantId: 'other', occurredAt: at(7), customerId: 'cust-b', channel: 'sms', caseId: 'c2', actor: { kind: 'customer' }, data: {} },
  ];
}

const parsed = (raw: Record<string, unknown>[]): CatalogEvent[] => raw.map((r) => parseEventOrThrow(r));
const asOf = Date.parse(at(60 * 24 * 12));

describe('createJourneyEngine', () => {
  it('records, folds and reports like replayReport', async () => {
    const engine = createJourneyEngine({ clock: () => asOf });
    await engine.recordUnknown(story());
    const expected = replayReport({ events: parsed(story()), asOf, from: Date.parse(at(0)), to: asOf });
    expect(engine.report(T, { asOf, from: Date.parse(at(0)), to: asOf })).toEqual(expected.tenants[T]);
    expect(engine.getCase(T, 'c1')).toBeDefined();
    await engine.close();
  });

  it('gives the same state whatever the arrival order, batching and redelivery (property)', async () => {
    const events = story();
    const reference = replayReport({ events: parsed(events), asOf, from: Date.parse(at(0)), to: asOf }).tenants[T];
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(events, { minLength: events.length }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(events.length - 1), { maxLength: 4 }), async (order, sizes, redeliver) => {
        const engine = createJourneyEngine({ clock: () => asOf });
        let i = 0;
        let s = 0;
        while (i < order.length) {
          const size = sizes[s++ % sizes.length]!;
          await engine.recordUnknown(order.slice(i, i + size));
          i += size;
        }
        for (const r of redeliver) await engine.recordUnknown(order[r]!);
        expect(engine.report(T, { asOf, from: Date.parse(at(0)), to: asOf })).toEqual(reference);
        await engine.close();
      }),
      { numRuns: 30 },
    );
  });

  it('rebuilds the same state from the store after a restart', async () => {
    const store = createInMemoryEventStore();
    const first = createJourneyEngine({ store, clock: () => asOf });
    await first.recordUnknown(story().slice(0, 6));
    await first.close();
    const second = createJourneyEngine({ store, clock: () => asOf });
    await second.ready();
    await second.recordUnknown(story().slice(6));
    const reference = replayReport({ events: parsed(story()), asOf, from: Date.parse(at(0)), to: asOf }).tenants[T];
    expect(second.report(T, { asOf, from: Date.parse(at(0)), to: asOf })).toEqual(reference);
    await second.close();
    await store.close();
  });

  it('retries an append when another writer moved the stream (optimistic concurrency)', async () => {
    const store = createInMemoryEventStore();
    const a = createJourneyEngine({ store, clock: () => asOf });
    const b = createJourneyEngine({ store, clock: () => asOf });
    const events = story().filter((e) => e.customerId === 'cust-b');
    await a.recordUnknown(events[0]);
    await b.recordUnknown(events[1]); // b has not seen the stream yet: reads it, appends after a's event
    await a.recordUnknown(events[2]); // a's cached revision is stale: WrongExpectedRevisionError, re-read, retry
    const all: string[] = [];
    for await (const e of store.readStream(`journey-${T}-cust-b`)) all.push(e.id);
    expect(all).toEqual(['b01', 'b02', 'b03']);
    await a.ready();
    // b03 snoozed the case; as of the engine's clock (12 days on) the snooze is over, so the case is open
    // again, with the snooze still on record.
    expect(a.getCase(T, 'c2')).toMatchObject({ status: 'open' });
    expect(a.getCase(T, 'c2')?.snoozedUntil).not.toBeNull();
    expect(a.fold(T)?.cases.cases.get('c2')?.status).toBe('snoozed');
    await a.close();
    await b.close();
    await store.close();
  });

  it('rejects an invalid batch whole, naming the field, and writes nothing', async () => {
    const store = createInMemoryEventStore();
    const engine = createJourneyEngine({ store, clock: () => asOf });
    const bad = story().slice(0, 2);
    bad.push({ ...story()[8]!, data: { kind: 'csat', score: 9 } });
    await expect(engine.recordUnknown(bad)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: '[2].data.score' }] });
    const all: unknown[] = [];
    for await (const e of store.readAll()) all.push(e);
    expect(all).toHaveLength(0);
    await engine.close();
    await store.close();
  });

  it('rejects an id reused with other content', async () => {
    const engine = createJourneyEngine({ clock: () => asOf });
    await engine.recordUnknown(story()[0]);
    await expect(engine.recordUnknown({ ...story()[0]!, occurredAt: at(500) })).rejects.toMatchObject({ issues: [{ path: 'id' }] });
    await engine.close();
  });

  it('folds what a partly failed record() appended, reports the failure, and takes the rest on a retry', async () => {
    const inner = createInMemoryEventStore();
    let failing = true;
    // A store whose appends to one customer's stream fail (a network error, say) until told otherwise.
    const store: EventStore = {
      ...inner,
      appendToStream(stream, events, options) {
        if (failing && stream === `journey-${T}-cust-b`) return Promise.reject(new Error('connection reset'));
        return inner.appendToStream(stream, events, options);
      },
      appendToStreams: (appends) => appendEachStream(store.appendToStream, appends),
    };
    const engine = createJourneyEngine({ store, clock: () => asOf });
    const events = story().filter((e) => e.tenantId === T);
    await expect(engine.recordUnknown(events)).rejects.toThrow('connection reset');
    const ids = () => engine.fold(T)!.events.map((e) => e.event.id).sort();
    expect(ids()).toEqual(events.filter((e) => e.customerId !== 'cust-b').map((e) => e.id).sort());
    failing = false;
    const retry = await engine.recordUnknown(events);
    expect(retry.recorded).toBe(3);
    expect(ids()).toEqual(events.map((e) => e.id).sort());
    // Every event once, even after the subscription has handed the appended ones back.
    await new Promise((resolve) => setImmediate(resolve));
    const reference = replayReport({ events: parsed(events), asOf });
    expect(JSON.stringify(engine.report(T, { asOf }))).toBe(JSON.stringify(reference.tenants[T]));
    await engine.close();
    await inner.close();
  });

  it('folds an event once when two record() calls race with it', async () => {
    for (const store of [undefined, createInMemoryEventStore()]) {
      const engine = createJourneyEngine({ clock: () => asOf, ...(store ? { store } : {}) });
      const events = story().filter((e) => e.tenantId === T);
      const results = await Promise.all([engine.recordUnknown(events), engine.recordUnknown(events.slice(3)), engine.recordUnknown(events[5])]);
      expect(results.map((r) => r.events.length)).toEqual([events.length, events.length - 3, 1]);
      // Each event is recorded by exactly one of the calls (the engine's own store keeps no id index: a
      // call holding an id another call is appending waits for it, then sees a redelivery; a store with
      // an index answers the second call's batch as a retry, which folds nothing new).
      expect(results.reduce((n, r) => n + r.recorded, 0)).toBe(events.length);
      await new Promise((resolve) => setImmediate(resolve));
      expect(engine.fold(T)!.events).toHaveLength(events.length);
      const reference = replayReport({ events: parsed(events), asOf });
      expect(JSON.stringify(engine.report(T, { asOf }))).toBe(JSON.stringify(reference.tenants[T]));
      await engine.close();
      await store?.close();
    }
  });

  it("rejects an id already recorded for another tenant, before appending anything of the batch", async () => {
    for (const store of [undefined, createInMemoryEventStore()]) {
      const engine = createJourneyEngine({ clock: () => asOf, ...(store ? { store } : {}) });
      const [first, second] = story().filter((e) => e.tenantId === T);
      await engine.recordUnknown(first);
      const stolen = { ...second!, id: first!.id, tenantId: 'other' };
      const fine = { ...second!, id: 'fine-1', tenantId: 'other' };
      await expect(engine.recordUnknown([fine, stolen])).rejects.toMatchObject({ issues: [{ path: 'id', message: expect.stringContaining('another stream') }] });
      expect(engine.fold('other')).toBeUndefined();
      // Nothing of the rejected batch reached the store: the same events with a new id record whole.
      const again = await engine.recordUnknown([fine, { ...stolen, id: 'fresh-2' }]);
      expect(again.recorded).toBe(2);
      await engine.close();
      await store?.close();
    }
  });

  it('keeps tenants apart', async () => {
    const engine = createJourneyEngine({ clock: () => asOf });
    await engine.recordUnknown(story());
    expect(engine.report('other', { asOf }).cases.count).toBe(1);
    expect(engine.getCase('other', 'c1')).toBeUndefined();
    await engine.close();
  });

  it('streams a case: current state first, then every change', async () => {
    const engine = createJourneyEngine({ clock: () => asOf });
    const events = story();
    await engine.recordUnknown(events.slice(0, 3));
    const statuses = firstValueFrom(engine.case$(T, 'c1').pipe(take(3), toArray()));
    await engine.recordUnknown(events.slice(3, 5)); // the agent reply changes waitingSince
    await engine.recordUnknown(events[6]!); // resolution
    const seen = await statuses;
    expect(seen.map((c) => c?.status)).toEqual(['open', 'open', 'resolved']);
    await engine.close();
  });

  it('re-folds a late event from a snapshot near the end, not from the start', async () => {
    const engine = createJourneyEngine({ clock: () => Date.parse('2025-01-01T00:00:00Z') });
    const many = Array.from({ length: 3000 }, (_, i) => ({
      id: `p${String(i).padStart(5, '0')}`, type: 'PageViewed', tenantId: T, occurredAt: at(i), customerId: `c${i % 50}`, channel: 'web', actor: { kind: 'customer' }, data: { url: '/x' },
    }));
    await engine.recordUnknown(many);
    const before = { ...engine.stats(T)! };
    await engine.recordUnknown({ ...many[2990]!, id: 'late', occurredAt: at(2990.5) });
    const after = engine.stats(T)!;
    expect(after.refolds).toBe(before.refolds + 1);
    expect(after.refoldedEvents - before.refoldedEvents).toBeLessThan(1200);
    const prefix = replayReport({ events: parsed([...many, { ...many[2990]!, id: 'late', occurredAt: at(2990.5) }]), asOf: Date.parse('2025-01-01T00:00:00Z') });
    expect(engine.report(T, { asOf: Date.parse('2025-01-01T00:00:00Z') })).toEqual(prefix.tenants[T]);
    await engine.close();
  });
});
