// The stream-group index kept as a directory document by the listings themselves (createScannedStreamGroups,
// what the EventStoreDB adapter offers): over the in-memory store here, the whole contract, then what the
// directory saves (a listing reads only the events since the last one), a damaged or foreign directory
// replaced by a full scan, and a lost race that changes nothing.
import { describe, expect, it } from 'vitest';
import { createInMemoryEventStore, StoreClosedError, type EventStore, type RecordedEvent } from '@omnitrail/eventstore';
import { createScannedStreamGroups, STREAM_GROUP_DIRECTORY_PREFIX } from '@omnitrail/eventstore/adapter';
import { eventStoreContract } from '@omnitrail/testing/vitest';

/** The in-memory store with the scanned index in place of its own, counting the events the index reads. */
function scanned(inner: EventStore = createInMemoryEventStore()): { store: EventStore; read: () => number } {
  let read = 0;
  let closed = false;
  const readAll: EventStore['readAll'] = <D, M>(options?: Parameters<EventStore['readAll']>[0]) => {
    const source = inner.readAll<D, M>(options);
    return {
      async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent<D, M>> {
        for await (const event of source) {
          read++;
          yield event;
        }
      },
    };
  };
  const store: EventStore = {
    ...inner,
    streamGroups: createScannedStreamGroups({
      assertOpen: () => {
        if (closed) throw new StoreClosedError();
      },
      readAll,
      documents: inner.documents,
    }),
    async close() {
      closed = true;
      await inner.close();
    },
  };
  return { store, read: () => read };
}

eventStoreContract('in-memory with the scanned stream-group directory', () => ({ store: scanned().store }), { propertyRuns: 15 });

const journey = { prefix: 'journey-', separator: '-' };
const ev = (id: string) => ({ id, type: 'T', data: {} });

describe('scanned stream groups', () => {
  it('a listing reads only the events since the last one, and the directory survives for the next process', async () => {
    const inner = createInMemoryEventStore();
    for (let i = 0; i < 50; i++) await inner.appendToStream(`journey-t${i % 5}-c${i}`, [ev(`a${i}`)]);
    const first = scanned(inner);
    expect((await first.store.streamGroups!.list(journey)).groups).toEqual(['journey-t0-', 'journey-t1-', 'journey-t2-', 'journey-t3-', 'journey-t4-']);
    expect(first.read()).toBe(50);
    await inner.appendToStream('journey-t9-c1', [ev('b1'), ev('b2')]);
    // Another process: it starts from the directory the first listing wrote.
    const second = scanned(inner);
    const listing = await second.store.streamGroups!.list(journey);
    expect(listing.groups).toContain('journey-t9-');
    expect(listing.position).toBe(52n);
    expect(second.read()).toBe(2);
    // Nothing new: nothing read past the directory's position.
    await second.store.streamGroups!.list(journey);
    expect(second.read()).toBe(2);
  });

  it('replaces a damaged or foreign directory by a full scan; a lost race changes no answer', async () => {
    const inner = createInMemoryEventStore();
    for (let i = 0; i < 10; i++) await inner.appendToStream(`journey-t${i % 2}-c${i}`, [ev(`a${i}`)]);
    const { store, read } = scanned(inner);
    await store.streamGroups!.list(journey);
    const [key] = [...(await keysOf(inner))];
    expect(key!.startsWith(STREAM_GROUP_DIRECTORY_PREFIX)).toBe(true);
    const current = await inner.documents.read(key!);
    await inner.documents.write(key!, new TextEncoder().encode('{"prefix":"other-","separator":"-","position":"9","groups":["other-x-"]}'), { expectedVersion: current!.version });
    expect((await store.streamGroups!.list(journey)).groups).toEqual(['journey-t0-', 'journey-t1-']);
    expect(read()).toBe(20);
    const again = await inner.documents.read(key!);
    await inner.documents.write(key!, new TextEncoder().encode('not json'), { expectedVersion: again!.version });
    expect((await store.streamGroups!.list(journey)).groups).toEqual(['journey-t0-', 'journey-t1-']);
    // Two listings at once over new groups: both answers complete, one directory write wins.
    await inner.appendToStream('journey-t7-c1', [ev('n1')]);
    const [a, b] = await Promise.all([store.streamGroups!.list(journey), scanned(inner).store.streamGroups!.list(journey)]);
    expect(a).toEqual(b);
    expect(a.groups).toEqual(['journey-t0-', 'journey-t1-', 'journey-t7-']);
  });
});

/** The directory keys written so far (the in-memory documents cannot be listed: the key is derived as the index derives it). */
async function keysOf(inner: EventStore): Promise<string[]> {
  const { createHash } = await import('node:crypto');
  const key = `${STREAM_GROUP_DIRECTORY_PREFIX}${createHash('sha256').update('journey-\u0000-', 'utf8').digest('hex').slice(0, 40)}`;
  return (await inner.documents.read(key)) === undefined ? [] : [key];
}
