import { createInMemoryEventStore, type EventStore } from '@omnitrail/eventstore';
import fc from 'fast-check';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  connectProjection,
  createProjectionHost,
  createProjectionRuntime,
  decodeRecordedEvent,
  foldEvents,
  ProjectionStateError,
  type ProjectionChange,
} from '../src/index.js';
import { asObject, concat, minute, mutating, seqId, shuffledArb, statesOf, type TestEvent } from './helpers.js';

async function append(store: EventStore, events: TestEvent[]): Promise<void> {
  for (const e of events) await store.appendToStream(`customer-${e.customer || 'none'}`, [{ id: e.id, type: 'Touched', data: e }]);
}

const ev = (i: number, customer = 'c', v = String(i), at = i): TestEvent => ({ id: seqId(i), occurredAt: minute(at), customer, v });

/** Waits until the runtime has processed the store up to its head. */
async function settle(rt: { position: bigint | undefined }, store: EventStore): Promise<void> {
  let head: bigint | undefined;
  for await (const e of store.readAll({ direction: 'backwards', maxCount: 1 })) head = e.position;
  for (let i = 0; i < 1000 && rt.position !== head; i++) await new Promise((r) => setTimeout(r, 1));
  expect(rt.position).toBe(head);
}

describe('rxjs streams', () => {
  it('state$ emits the current state first, then every change; duplicates emit nothing', () => {
    const rt = createProjectionRuntime(concat);
    rt.apply(ev(1));
    const seen: string[] = [];
    const sub = rt.state$('c').subscribe((s) => seen.push(s));
    expect(seen).toEqual(['c:1,']);
    rt.apply(ev(3));
    rt.apply(ev(3));
    rt.apply(ev(2)); // late: the emitted state has it in its place
    rt.apply(ev(4, 'other'));
    sub.unsubscribe();
    rt.apply(ev(5));
    expect(seen).toEqual(['c:1,', 'c:1,3,', 'c:1,2,3,']);
  });

  it('state$ of a key with no events starts with its initial state; changes$ carries key, state, event and lateness', () => {
    const rt = createProjectionRuntime(concat);
    const first: string[] = [];
    rt.state$('new').subscribe((s) => first.push(s));
    expect(first).toEqual(['new:']);
    const changes: ProjectionChange<TestEvent, string>[] = [];
    rt.changes$.subscribe((c) => changes.push(c));
    rt.apply(ev(2, 'new'));
    rt.apply(ev(1, 'new'));
    expect(changes.map((c) => [c.key, c.state, c.event.id, c.late])).toEqual([
      ['new', 'new:2,', seqId(2), false],
      ['new', 'new:1,2,', seqId(1), true],
    ]);
    expect(first).toEqual(['new:', 'new:2,', 'new:1,2,']);
  });

  it('a restore pushes the restored state to current subscribers', () => {
    const a = createProjectionRuntime(concat);
    a.applyMany([ev(1), ev(2)]);
    const b = createProjectionRuntime(concat);
    const seen: string[] = [];
    b.state$('c').subscribe((s) => seen.push(s));
    b.restore(a.snapshot());
    expect(seen).toEqual(['c:', 'c:1,2,']);
  });
});

describe('connecting to a store', () => {
  it('catches up from the store, then follows live appends (state$ across both)', async () => {
    const store = createInMemoryEventStore();
    await append(store, [ev(1), ev(3), ev(2, 'c', 'late')]);
    const rt = createProjectionRuntime(concat);
    const seen: string[] = [];
    rt.state$('c').subscribe((s) => seen.push(s));
    const connection = connectProjection(rt, store);
    await connection.caughtUp;
    expect(connection.status).toBe('live');
    expect(rt.state('c')).toBe('c:1,late,3,');
    const next = firstValueFrom(rt.state$('c').pipe(filter((s) => s.includes('4'))));
    await append(store, [ev(4)]);
    expect(await next).toBe('c:1,late,3,4,');
    expect(seen).toEqual(['c:', 'c:1,', 'c:1,3,', 'c:1,late,3,', 'c:1,late,3,4,']);
    await connection.stop();
    expect(connection.status).toBe('stopped');
    expect(await store.checkpoints.load('concat@v1')).toBe(rt.position);
    await store.close();
  });

  it('decodes envelope-in-metadata records and skips undecodable ones, still advancing the position', async () => {
    const store = createInMemoryEventStore();
    await store.appendToStream('s', [
      { id: 'x1', type: 'Touched', data: { customer: 'c', v: 'meta' }, metadata: { occurredAt: minute(1), customer: 'c', v: 'meta' } },
      { id: 'x2', type: 'Other', data: { nothing: true } },
    ]);
    const rt = createProjectionRuntime(concat);
    const connection = connectProjection(rt, store, { saveCheckpoints: false });
    await connection.caughtUp;
    expect(rt.state('c')).toBe('c:meta,');
    expect(rt.position).toBe(2n);
    await connection.stop();
    expect(await store.checkpoints.load('concat@v1')).toBeUndefined();
    expect(decodeRecordedEvent({ id: 'i', type: 't', data: 1, metadata: undefined, streamName: 's', revision: 0n, position: 1n, recordedAt: minute(0) })).toBeUndefined();
    await store.close();
  });

  it('restart from a persisted snapshot at its checkpoint equals never stopping (property)', async () => {
    await fc.assert(
      fc.asyncProperty(shuffledArb(30), fc.nat(), fc.nat(), async ([events, arrival], cut1, cut2) => {
        const store = createInMemoryEventStore();
        const a = cut1 % (arrival.length + 1);
        const b = a + (cut2 % (arrival.length - a + 1));
        await append(store, arrival.slice(0, a));
        const never = createProjectionRuntime(mutating, { snapshotEvery: 3 });
        const neverConn = connectProjection(never, store, { subscriberId: 'never' });
        const first = createProjectionRuntime(mutating, { snapshotEvery: 3 });
        const firstConn = connectProjection(first, store, { checkpointEvery: 2 });
        await firstConn.caughtUp;
        await firstConn.stop();
        const persisted = JSON.stringify(first.snapshot());
        const checkpoint = await store.checkpoints.load('mutating@v1');
        expect(checkpoint).toBe(first.position);
        await append(store, arrival.slice(a, b)); // appended while the process is down
        const second = createProjectionRuntime(mutating, { snapshotEvery: 3 });
        second.restore(JSON.parse(persisted));
        const secondConn = connectProjection(second, store, { checkpointEvery: 2 });
        expect(second.position).toBe(checkpoint);
        await secondConn.caughtUp;
        expect(secondConn.loadedCheckpoint).toBe(checkpoint);
        await append(store, arrival.slice(b)); // live after the restart
        await settle(second, store);
        await settle(never, store);
        expect(statesOf(second)).toEqual(statesOf(never));
        expect(statesOf(second)).toEqual(asObject(foldEvents(mutating, events)));
        // Only events after the checkpoint were read again: nothing before it was applied twice.
        expect(second.counters.duplicates).toBe(0);
        await secondConn.stop();
        await neverConn.stop();
        expect(await store.checkpoints.load('mutating@v1')).toBe(second.position);
        await store.close();
      }),
      { numRuns: 40 },
    );
  });

  it('a second instance moving the checkpoint is counted as a mismatch, and our progress still lands', async () => {
    const store = createInMemoryEventStore();
    await append(store, [ev(1), ev(2), ev(3)]);
    await store.checkpoints.store('concat@v1', 1n, { expected: undefined });
    const rt = createProjectionRuntime(concat);
    const conn = connectProjection(rt, store, { checkpointEvery: 2 });
    await conn.caughtUp;
    expect(conn.loadedCheckpoint).toBe(1n);
    expect(await store.checkpoints.load('concat@v1')).toBe(3n);
    await store.checkpoints.store('concat@v1', 4n, { expected: 3n }); // someone else
    await append(store, [ev(4), ev(5)]);
    await settle(rt, store);
    await conn.stop();
    expect(conn.checkpointMismatches).toBe(1);
    expect(await store.checkpoints.load('concat@v1')).toBe(5n);
    await store.close();
  });
});

describe('projection host: rebuild and swap', () => {
  it('serves v1 while v2 rebuilds from the start, then swaps; state$ follows the swap', async () => {
    const store = createInMemoryEventStore();
    await append(store, [ev(1), ev(2), ev(3, 'd')]);
    const host = createProjectionHost(concat, store);
    await host.caughtUp;
    const seen: string[] = [];
    host.state$('c').subscribe((s) => seen.push(s));
    expect(host.state('c')).toBe('c:1,2,');

    const v2def = { ...concat, version: 2, evolve: (s: string, e: TestEvent) => `${s}[${e.v}]` };
    const rebuild = host.rebuild(v2def);
    expect(() => host.rebuild(v2def)).toThrow(ProjectionStateError);
    await rebuild.caughtUp;
    expect(rebuild.runtime.state('c')).toBe('c:[1][2]');
    expect(host.state('c')).toBe('c:1,2,'); // the old version still serves
    await append(store, [ev(4)]);
    await settle(host.runtime, store);
    await settle(rebuild.runtime, store);
    expect(host.state('c')).toBe('c:1,2,4,');

    await rebuild.swap();
    expect(host.runtime).toBe(rebuild.runtime);
    expect(host.state('c')).toBe('c:[1][2][4]');
    const next = firstValueFrom(host.changes$.pipe(take(1), toArray()));
    await append(store, [ev(5)]);
    expect((await next)[0]!.state).toBe('c:[1][2][4][5]');
    expect(seen).toEqual(['c:1,2,', 'c:1,2,4,', 'c:[1][2][4]', 'c:[1][2][4][5]']);
    expect(await store.checkpoints.load('concat@v2')).toBeDefined();
    await host.stop();
    await store.close();
  });

  it('refuses a rebuild into the served version or another projection; cancel keeps serving', async () => {
    const store = createInMemoryEventStore();
    const host = createProjectionHost(concat, store);
    expect(() => host.rebuild(concat)).toThrow(/bump version/);
    expect(() => host.rebuild({ ...concat, name: 'other', version: 2 })).toThrow(/not a version/);
    const r = host.rebuild({ ...concat, version: 2 });
    await r.cancel();
    await expect(r.swap()).rejects.toThrow(ProjectionStateError);
    expect(host.runtime.definition.version).toBeUndefined();
    await host.stop();
    await store.close();
  });

  it('a host resumes from a persisted snapshot', async () => {
    const store = createInMemoryEventStore();
    await append(store, [ev(1), ev(2)]);
    const h1 = createProjectionHost(concat, store);
    await h1.caughtUp;
    await h1.stop();
    const snapshot = JSON.parse(JSON.stringify(h1.runtime.snapshot())) as unknown;
    await append(store, [ev(3), ev(0, 'c', 'early')]);
    const h2 = createProjectionHost(concat, store, { snapshot });
    await h2.caughtUp;
    expect(h2.state('c')).toBe('c:early,1,2,3,');
    expect(h2.runtime.counters.eventsApplied).toBe(2);
    await h2.stop();
    await store.close();
  });
});
