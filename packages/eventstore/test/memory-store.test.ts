import { describe, expect, it } from 'vitest';
import { createInMemoryEventStore, type RecordedEvent } from '@omnitrail/eventstore';

describe('in-memory store specifics', () => {
  it('stores the recorded event as one frozen object and keeps data by reference', async () => {
    const store = createInMemoryEventStore({ now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 6) });
    const data = { amount: 10, tags: ['a'] };
    await store.appendToStream('s', [{ id: 'a', type: 'T', data }]);
    const [first] = (await collectAll(store.readAll())) as [RecordedEvent];
    const [again] = (await collectAll(store.readStream('s'))) as [RecordedEvent];
    expect(again).toBe(first);
    expect(first.data).toBe(data);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(data)).toBe(false);
    expect(first.recordedAt).toBe('2026-01-02T03:04:05.006Z');
  });

  it('keeps metadata that first appears after events without it, and reads events appended after a read', async () => {
    const store = createInMemoryEventStore();
    await store.appendToStream('s', [{ id: 'a', type: 'T', data: 1 }]);
    const first = (await collectAll(store.readAll())) as RecordedEvent[];
    await store.appendToStreams([
      { streamName: 's', events: [{ id: 'b', type: 'T', data: 2, metadata: { by: 'x' } }] },
      { streamName: 't', events: [{ id: 'c', type: 'T', data: 3 }] },
    ]);
    const all = (await collectAll(store.readAll())) as RecordedEvent[];
    expect(all.map((e) => [e.id, e.metadata, e.streamName, e.revision, e.position])).toEqual([
      ['a', undefined, 's', 0n, 1n],
      ['b', { by: 'x' }, 's', 1n, 2n],
      ['c', undefined, 't', 0n, 3n],
    ]);
    expect(all[0]).toBe(first[0]);
    expect(Object.isFrozen(all[2])).toBe(true);
  });

  it('keeps no id index with indexIds: false: appends and reads work, ids repeated in a batch are still rejected', async () => {
    const store = createInMemoryEventStore({ indexIds: false });
    await store.appendToStream('s', [{ id: 'a', type: 'T', data: 1 }, { id: 'b', type: 'T', data: 2 }]);
    await store.appendToStreams([{ streamName: 't', events: [{ id: 'c', type: 'T', data: 3 }] }]);
    await expect(store.appendToStream('s', [{ id: 'd', type: 'T', data: 4 }, { id: 'd', type: 'T', data: 4 }])).rejects.toMatchObject({ code: 'DUPLICATE_EVENT_ID', ids: ['d'] });
    const all = (await collectAll(store.readAll())) as RecordedEvent[];
    expect(all.map((e) => [e.id, e.streamName, e.revision])).toEqual([
      ['a', 's', 0n],
      ['b', 's', 1n],
      ['c', 't', 0n],
    ]);
    // The owner's promise: the store cannot see an id appended before (documented, not a feature).
    await store.appendToStream('u', [{ id: 'a', type: 'T', data: 5 }]);
    expect((await collectAll(store.readStream('u'))).length).toBe(1);
  });

  it('deep-freezes data and metadata with deepFreeze: true', async () => {
    const store = createInMemoryEventStore({ deepFreeze: true });
    const data = { order: { lines: [{ sku: 'x' }] } };
    const metadata = { by: { agent: 'a-1' } };
    await store.appendToStream('s', [{ id: 'a', type: 'T', data, metadata }]);
    expect(Object.isFrozen(data.order.lines[0])).toBe(true);
    expect(Object.isFrozen(metadata.by)).toBe(true);
    expect(() => {
      (data.order.lines as unknown[]).push({ sku: 'y' });
    }).toThrow(TypeError);
  });

  it('accepts data nested deeper than the fast validation pass, and still finds cycles deep down', async () => {
    const store = createInMemoryEventStore();
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 100; i++) deep = { next: deep };
    await store.appendToStream('s', [{ id: 'deep', type: 'T', data: deep }]);
    const cyclic: Record<string, unknown> = { a: { b: { c: {} } } };
    ((cyclic['a'] as Record<string, Record<string, Record<string, unknown>>>)['b']!['c']!)['back'] = cyclic;
    await expect(store.appendToStream('s', [{ id: 'cyc', type: 'T', data: cyclic }])).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      path: 'events[0].data.a.b.c.back',
    });
  });

  it('skips only the data walk with validateData: false (ids, types and duplicates are still checked)', async () => {
    const store = createInMemoryEventStore({ validateData: false });
    const notJson = { when: new Date(0), big: 1n };
    await store.appendToStream('s', [{ id: 'a', type: 'T', data: notJson }]);
    const [first] = (await collectAll(store.readAll())) as [RecordedEvent];
    expect(first.data).toBe(notJson);
    await expect(store.appendToStream('s', [{ id: '', type: 'T', data: {} }])).rejects.toMatchObject({ code: 'INVALID_EVENT', path: 'events[0].id' });
    await expect(store.appendToStream('s', [{ id: 'b', type: '', data: {} }])).rejects.toMatchObject({ code: 'INVALID_EVENT', path: 'events[0].type' });
    await expect(store.appendToStream('s', [{ id: 'c', type: 'T', data: undefined }])).rejects.toMatchObject({ code: 'INVALID_EVENT', path: 'events[0].data' });
    await expect(store.appendToStream('t', [{ id: 'a', type: 'T', data: {} }])).rejects.toMatchObject({ code: 'DUPLICATE_EVENT_ID' });
    // deepFreeze needs the walk, so it turns the check back on.
    const frozen = createInMemoryEventStore({ validateData: false, deepFreeze: true });
    await expect(frozen.appendToStream('s', [{ id: 'a', type: 'T', data: { big: 1n } }])).rejects.toMatchObject({ code: 'INVALID_EVENT', path: 'events[0].data.big' });
  });
});

async function collectAll<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
