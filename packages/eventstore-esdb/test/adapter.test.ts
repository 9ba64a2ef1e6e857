import { afterEach, describe, expect, it } from 'vitest';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import type { EventStore, EventToAppend, RecordedEvent, SubscriptionItem } from '@omnitrail/eventstore';
import {
  CHECKPOINT_STREAM_PREFIX,
  createEventStoreDbEventStore,
  DOCUMENT_STREAM_PREFIX,
  decodeMetadata,
  fromEventStoreDbPosition,
  isTransientEventStoreDbFailure,
  startFakeEventStoreDb,
  toEventStoreDbId,
  toEventStoreDbPosition,
  ulidToUuid,
  type FakeEventStoreDb,
} from '@omnitrail/eventstore-esdb';
import { startOutageFixture, until } from './outage.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { streamPrefix?: string } = {}): Promise<{ server: FakeEventStoreDb; store: EventStore; open: () => EventStore }> {
  const server = await startFakeEventStoreDb();
  cleanups.push(() => server.close());
  const open = () => {
    const store = createEventStoreDbEventStore({ connectionString: server.connectionString, reconnectDelayMs: 20, ...options });
    cleanups.push(() => store.close());
    return store;
  };
  return { server, store: open(), open };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

let n = 0;
const ev = (type = 'Tested', data: unknown = { n: ++n }, metadata?: unknown) => ({ id: `adapter-${process.pid}-${++n}`, type, data, ...(metadata === undefined ? {} : { metadata }) });

describe('EventStoreDB adapter: positions', () => {
  it('maps the port position to the commit position and back to { commit, prepare } exactly', () => {
    expect(fromEventStoreDbPosition({ commit: 4_611_686_018_427_387_904n, prepare: 4_611_686_018_427_387_904n })).toBe(4_611_686_018_427_387_904n);
    expect(toEventStoreDbPosition(1234n)).toEqual({ commit: 1234n, prepare: 1234n });
    expect(fromEventStoreDbPosition(toEventStoreDbPosition(2n ** 63n - 1n))).toBe(2n ** 63n - 1n);
  });

  it("delivers the server's $all positions (not contiguous) and reads from them exclusively", async () => {
    const { server, store } = await setup();
    await store.appendToStream('a', [ev(), ev()]);
    const appended = await store.appendToStream('b', [ev()]);
    const all = await collect(store.readAll());
    expect(all.map((e) => e.position)).toEqual(server.log.events.map((e) => e.position));
    expect(appended.position).toBe(server.log.events[2]!.position);
    expect(all[1]!.position - all[0]!.position > 1n).toBe(true);
    expect((await collect(store.readAll({ fromPosition: all[0]!.position }))).map((e) => e.id)).toEqual([all[1]!.id, all[2]!.id]);
    expect((await collect(store.readAll({ fromPosition: all[2]!.position, direction: 'backwards' }))).map((e) => e.id)).toEqual([all[1]!.id, all[0]!.id]);
    // A position between two events is inside a record: a real server refuses to read from it.
    await expect(collect(store.readAll({ fromPosition: all[0]!.position + 1n }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'fromPosition' });
  });

  it("records recordedAt from the server's created timestamp", async () => {
    const { server, store } = await setup();
    await store.appendToStream('a', [ev()]);
    const [event] = await collect(store.readAll());
    expect(event!.recordedAt).toBe(new Date(Number(server.log.events[0]!.created / 10_000n)).toISOString());
    expect(event!.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe('EventStoreDB adapter: ids and metadata', () => {
  it('keeps UUIDs, re-encodes ULIDs bit for bit, and hashes other ids deterministically', () => {
    expect(toEventStoreDbId('0F8FAD5B-D9CB-469F-A165-70867728950E')).toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(ulidToUuid('00000000000000000000000000')).toBe('00000000-0000-0000-0000-000000000000');
    expect(ulidToUuid('7ZZZZZZZZZZZZZZZZZZZZZZZZZ')).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
    expect(toEventStoreDbId('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe('01563e3a-b5d3-d676-4c61-efb99302bd5b');
    const hashed = toEventStoreDbId('order-42-placed');
    expect(hashed).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(toEventStoreDbId('order-42-placed')).toBe(hashed);
    expect(toEventStoreDbId('order-42-placee')).not.toBe(hashed);
  });

  it('stores mapped ids on the server and gives the port ids and metadata back unchanged', async () => {
    const { server, store } = await setup();
    const uuid = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    const events: EventToAppend[] = [
      { id: uuid, type: 'T', data: { a: 1 } },
      { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', type: 'T', data: 'text', metadata: { correlationId: 'c-1' } },
      { id: 'plain-id', type: 'T', data: null, metadata: null },
      { id: 'array-meta', type: 'T', data: [1, 2], metadata: ['x', 2] },
      { id: 'own-envelope', type: 'T', data: 0, metadata: { $omnitrail: 'mine', other: true } },
      { id: 'false-meta', type: 'T', data: false, metadata: false },
    ];
    await store.appendToStream('ids', events);
    expect(server.log.events.map((e) => e.id)).toEqual(events.map((e) => toEventStoreDbId(e.id)));
    // An object metadata stays an object on the server (other tools see its keys), with the port id beside them.
    const stored = JSON.parse(Buffer.from(server.log.events[1]!.metadata).toString('utf8'));
    expect(stored).toEqual({ correlationId: 'c-1', $omnitrail: { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } });
    expect(server.log.events[0]!.metadata.length).toBe(0);
    const read = await collect(store.readStream('ids'));
    expect(read.map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata }))).toEqual(events.map((e) => ({ ...e, metadata: e.metadata })));
    expect(read[0]!.metadata).toBeUndefined();
    expect(decodeMetadata('x', { $omnitrail: { wrapped: true } })).toEqual({ id: 'x', metadata: undefined });
  });

  it('reads nothing of the log before its first append, and a new process retrying a batch gets the original result from the server', async () => {
    const { server, store, open } = await setup();
    const batch = [ev(), ev()];
    const first = await store.appendToStream('s', batch);
    await store.close();
    const before = { ...server.requests };
    const again = open();
    // The server recognises the retry (its recent-id cache for 'any', the events after an exact revision).
    expect(await again.appendToStream('s', batch)).toEqual(first);
    expect(await again.appendToStream('s', batch, { expectedRevision: 'no_stream' })).toEqual(first);
    expect(server.requests.allReads).toBe(before.allReads);
    expect(server.requests.subscriptions).toBe(before.subscriptions);
    expect((await collect(again.readStream('s'))).map((e) => e.id)).toEqual(batch.map((e) => e.id));
  });

  it("stores a copy of an id another process stored in another stream (idUniqueness 'stream'), and refuses one it appended itself", async () => {
    const { store, open } = await setup();
    const other = open();
    const shared = ev();
    await other.appendToStream('s1', [shared]);
    await store.appendToStream('s2', [shared]);
    expect((await collect(store.readAll())).filter((e) => e.id === shared.id).map((e) => e.streamName)).toEqual(['s1', 's2']);
    await expect(store.appendToStream('s3', [shared])).rejects.toMatchObject({ code: 'DUPLICATE_EVENT_ID', ids: [shared.id] });
  });

  it('keeps a bounded window of recent ids; older retries and partial overlaps are decided by the server', async () => {
    const { server } = await setup();
    const store = createEventStoreDbEventStore({ connectionString: server.connectionString, recentIdWindow: 2 });
    cleanups.push(() => store.close());
    const [a, b, c, d, e] = [ev(), ev(), ev(), ev(), ev()];
    const first = await store.appendToStream('s', [a, b]);
    await store.appendToStream('s', [c, d]);
    const appendsBefore = server.requests.appends;
    // [c, d] are in the window: answered without a request.
    expect((await store.appendToStream('s', [c, d])).nextExpectedRevision).toBe(3n);
    expect(server.requests.appends).toBe(appendsBefore);
    // [a, b] fell out of it: the server recognises the retry.
    expect(await store.appendToStream('s', [a, b])).toEqual(first);
    expect(server.requests.appends).toBe(appendsBefore + 1);
    // A partial overlap the window does not see: the server refuses it, nothing is stored twice.
    await expect(store.appendToStream('s', [b, e])).rejects.toMatchObject({ code: 'DUPLICATE_EVENT_ID' });
    await expect(store.appendToStream('s', [c, e], { expectedRevision: 1n })).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION' });
    expect((await collect(store.readStream('s'))).map((x) => x.id)).toEqual([a, b, c, d].map((x) => x.id));
    expect(() => createEventStoreDbEventStore({ connectionString: server.connectionString, recentIdWindow: -1 })).toThrow(/recentIdWindow/);
  });
});

describe('fake server: what a real server refuses', () => {
  it('refuses reads and subscriptions from a position inside a record; the adapter says InvalidArgumentError', async () => {
    const { store } = await setup();
    await store.appendToStream('s', [ev(), ev()]);
    const [first] = await collect(store.readAll());
    expect((await collect(store.readAll({ fromPosition: first!.position }))).length).toBe(1);
    await expect(collect(store.readAll({ fromPosition: first!.position + 1n }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'fromPosition' });
    const iterator = store.subscribeToAll({ from: first!.position + 1n })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'from' });
  });

  it('says FellBehind to a live subscriber too far behind, then catches it up: health live → catching-up → live, every event once', async () => {
    const server = await startFakeEventStoreDb({ liveBufferSize: 4 });
    cleanups.push(() => server.close());
    const store = createEventStoreDbEventStore({ connectionString: server.connectionString });
    cleanups.push(() => store.close());
    const sub = store.subscribeToAll();
    const states: string[] = [];
    sub.health$.subscribe((h) => states.push(h.state));
    const iterator = sub[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ kind: 'caught-up' });
    // The server subscription starts after the adapter's own catch-up; an event through it shows it is open.
    const opener = ev();
    await store.appendToStream('s', [opener]);
    expect((await iterator.next()).value).toMatchObject({ kind: 'event', event: { id: opener.id } });
    const burst = Array.from({ length: 20 }, () => ev());
    await store.appendToStream('s', burst);
    const seen: string[] = [];
    while (seen.length < burst.length) {
      const next = await iterator.next();
      if (next.value?.kind === 'event') seen.push(next.value.event.id);
    }
    expect(seen).toEqual(burst.map((e) => e.id));
    while (sub.health().state !== 'live') await new Promise((resolve) => setTimeout(resolve, 5));
    const afterFirstLive = states.slice(states.indexOf('live'));
    expect(afterFirstLive).toEqual(['live', 'catching-up', 'live']);
    await sub.unsubscribe();
  });

  it("refuses an append over the maximum append size (data + metadata + 2 × type length): InvalidArgumentError 'events', nothing written", async () => {
    const server = await startFakeEventStoreDb({ maxAppendSize: 1000 });
    cleanups.push(() => server.close());
    const store = createEventStoreDbEventStore({ connectionString: server.connectionString });
    cleanups.push(() => store.close());
    const big = (size: number) => ({ id: `big-${++n}`, type: 'T', data: { text: 'x'.repeat(size) } });
    await store.appendToStream('s', [big(400), big(400)]);
    await expect(store.appendToStream('s', [big(400), big(400), big(400)])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'events' });
    expect(server.log.events.length).toBe(2);
  });

  it('deletes streams as a server does: soft (not found, then recreated with revisions continuing) and tombstone (gone for good)', async () => {
    const { server, store } = await setup();
    const client = EventStoreDBClient.connectionString(server.connectionString);
    cleanups.push(() => client.dispose());
    const [a, b, c] = [ev(), ev(), ev()];
    await store.appendToStream('soft', [a, b]);
    await client.deleteStream('soft', { expectedRevision: 1n });
    await expect(collect(store.readStream('soft'))).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
    // Recreated by an append (no_stream is accepted on a soft-deleted stream); its revisions continue.
    expect((await store.appendToStream('soft', [c], { expectedRevision: 'no_stream' })).nextExpectedRevision).toBe(2n);
    expect((await collect(store.readStream('soft'))).map((e) => [e.id, e.revision])).toEqual([[c.id, 2n]]);
    // Until a scavenge, $all still holds the deleted events; the deletion's own records are system events, hidden.
    expect((await collect(store.readAll())).map((e) => e.id)).toEqual([a.id, b.id, c.id]);

    await store.appendToStream('hard', [ev()]);
    await client.tombstoneStream('hard');
    await expect(collect(store.readStream('hard'))).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
    await expect(store.appendToStream('hard', [ev()])).rejects.toMatchObject({ code: 'INVALID_STREAM_NAME', stream: 'hard' });
    await expect(store.appendToStream('hard', [])).rejects.toMatchObject({ code: 'INVALID_STREAM_NAME', stream: 'hard' });
    await expect(client.tombstoneStream('hard')).rejects.toMatchObject({ type: 'stream-deleted' });
    await expect(client.deleteStream('soft', { expectedRevision: 0n })).rejects.toMatchObject({ type: 'wrong-expected-version' });
  });

  it("recognises an 'any' retry only while its ids are in the bounded cache, and refuses a partial overlap", async () => {
    const { createFakeLog } = await import('@omnitrail/eventstore-esdb');
    const log = createFakeLog({ idempotencyCacheSize: 2 });
    const proposed = (id: string) => ({ id, type: 'T', contentType: 'application/json', data: new Uint8Array(1), metadata: new Uint8Array(0) });
    const any = { kind: 'any' } as const;
    const first = log.append('s', any, [proposed('a'), proposed('b')]);
    expect(log.append('s', any, [proposed('a'), proposed('b')])).toEqual(first);
    expect(log.append('s', any, [proposed('b'), proposed('z')])).toMatchObject({ kind: 'wrong-expected-version', currentRevision: 1n });
    log.append('s', any, [proposed('c'), proposed('d')]);
    // 'a' fell out of the cache: a real server stores the batch again.
    expect(log.append('s', any, [proposed('a')])).toMatchObject({ kind: 'success', currentRevision: 4n });
    // With an exact revision the stream itself is compared, however old the batch.
    expect(log.append('s', { kind: 'no_stream' }, [proposed('a'), proposed('b')])).toEqual(first);
    expect(log.append('s', { kind: 'no_stream' }, [proposed('a'), proposed('x')])).toMatchObject({ kind: 'wrong-expected-version' });
    expect(log.events.length).toBe(5);
  });
});

describe('EventStoreDB adapter: errors', () => {
  it("maps the client's WrongExpectedVersionError to WrongExpectedRevisionError with stream, expected and actual", async () => {
    const { store } = await setup();
    await store.appendToStream('s', [ev(), ev(), ev()]);
    const error = await store.appendToStream('s', [ev()], { expectedRevision: 0n }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'WrongExpectedRevisionError', code: 'WRONG_EXPECTED_REVISION', stream: 's', expected: 0n, actual: 2n });
    expect((error as Error).constructor.name).toBe('WrongExpectedRevisionError');
  });

  it('reports an unreachable server as EventStoreDbError naming the operation, not as a client error type', async () => {
    const { server, store } = await setup();
    await store.appendToStream('s', [ev()]);
    await server.close();
    const error = await store.appendToStream('s', [ev()]).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'EventStoreDbError', code: 'EVENTSTOREDB_ERROR', operation: "appendToStream('s')" });
    expect((error as Error).message).toMatch(/failed in EventStoreDB/);
    const readError = await collect(store.readStream('s')).catch((e: unknown) => e);
    expect(readError).toMatchObject({ code: 'EVENTSTOREDB_ERROR', operation: "readStream('s')" });
  });

  it('reserves the checkpoint stream names and keeps checkpoints out of reads and subscriptions', async () => {
    const { server, store } = await setup();
    await expect(store.appendToStream(`${CHECKPOINT_STREAM_PREFIX}p`, [ev()])).rejects.toMatchObject({ code: 'INVALID_STREAM_NAME' });
    await expect(collect(store.readStream(`${CHECKPOINT_STREAM_PREFIX}p`))).rejects.toMatchObject({ code: 'INVALID_STREAM_NAME' });
    await store.appendToStream('s', [ev()]);
    expect(await store.checkpoints.store('projector', 7n)).toBe('stored');
    expect(server.log.stream(`${CHECKPOINT_STREAM_PREFIX}projector`)?.length).toBe(1);
    expect((await collect(store.readAll())).map((e) => e.streamName)).toEqual(['s']);
    const items: SubscriptionItem[] = [];
    for await (const item of store.subscribeToAll()) {
      items.push(item);
      if (item.kind === 'caught-up') break;
    }
    expect(items.map((i) => (i.kind === 'event' ? i.event.streamName : i.kind))).toEqual(['s', 'caught-up']);
  });

  it("hides other writers' system events and, with streamPrefix, streams outside the prefix", async () => {
    const { server, store } = await setup({ streamPrefix: 'tenant-a/' });
    const client = EventStoreDBClient.connectionString(server.connectionString);
    cleanups.push(() => client.dispose());
    await client.appendToStream('$system-ish', [jsonEvent({ type: 'Whatever', data: {} })]);
    await client.appendToStream('tenant-b/s', [jsonEvent({ type: 'Other', data: {} })]);
    await client.appendToStream('tenant-a/s', [jsonEvent({ type: '$metadata', data: {} })]);
    await store.appendToStream('s', [ev('Mine')]);
    expect(server.log.stream('tenant-a/s')?.length).toBe(2);
    const all = await collect(store.readAll());
    expect(all.map((e) => [e.streamName, e.type])).toEqual([['s', 'Mine']]);
  });
});

describe('EventStoreDB adapter: documents', () => {
  const big = (size: number, seed: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);

  it('chunks a large value under the append limit, commits it with one head event, removes replaced chunks, and keeps it all out of reads', async () => {
    const { server, store } = await setup();
    await expect(store.appendToStream(`${DOCUMENT_STREAM_PREFIX}-x`, [ev()])).rejects.toMatchObject({ code: 'INVALID_STREAM_NAME' });
    await store.appendToStream('s', [ev()]);
    const first = await store.documents.write('snap', big(3 * 1024 * 1024 + 5, 1), { expectedVersion: 'absent' });
    const chunkStreams = () => server.log.events.filter((e) => e.streamName.startsWith(`${DOCUMENT_STREAM_PREFIX}~snap~`)).map((e) => e.streamName);
    const firstChunks = [...new Set(chunkStreams())];
    expect(firstChunks.length).toBe(1);
    expect(server.log.stream(firstChunks[0]!)!.length).toBe(7); // 3 MiB + 5 bytes in 512 KiB chunks
    expect(server.log.stream(`${DOCUMENT_STREAM_PREFIX}-snap`)!.length).toBe(1);
    const second = await store.documents.write('snap', big(2 * 1024 * 1024, 2), { expectedVersion: first.version });
    expect(second.version).toBe(first.version + 1n);
    // The replaced value's chunk stream is deleted (soft), the new one is read.
    expect(server.log.firstVisible(firstChunks[0]!)).toBe(7n);
    expect(Buffer.from((await store.documents.read('snap'))!.value).equals(Buffer.from(big(2 * 1024 * 1024, 2)))).toBe(true);
    expect((await collect(store.readAll())).map((e) => e.streamName)).toEqual(['s']);
    const items: SubscriptionItem[] = [];
    for await (const item of store.subscribeToAll()) {
      items.push(item);
      if (item.kind === 'caught-up') break;
    }
    expect(items.map((i) => (i.kind === 'event' ? i.event.streamName : i.kind))).toEqual(['s', 'caught-up']);
  });

  it('leaves the previous document readable when a writer dies between its chunks and its head event', async () => {
    const { server, store } = await setup();
    const { version } = await store.documents.write('snap', big(100_000, 3), { expectedVersion: 'absent' });
    // What a crashed writer leaves: chunks of a new value, no head event naming them.
    const client = EventStoreDBClient.connectionString(server.connectionString);
    cleanups.push(() => client.dispose());
    await client.appendToStream(`${DOCUMENT_STREAM_PREFIX}~snap~crashed`, [jsonEvent({ type: 'OmnitrailDocumentChunk', data: { torn: true } })]);
    const read = await store.documents.read('snap');
    expect(read!.version).toBe(version);
    expect(Buffer.from(read!.value).equals(Buffer.from(big(100_000, 3)))).toBe(true);
  });

  it('says CORRUPT_DOCUMENT when the chunks a head names do not add up', async () => {
    const { server, store } = await setup();
    await store.documents.write('snap', big(700_000, 4), { expectedVersion: 'absent' });
    const chunkStream = server.log.events.find((e) => e.streamName.startsWith(`${DOCUMENT_STREAM_PREFIX}~snap~`))!.streamName;
    const client = EventStoreDBClient.connectionString(server.connectionString);
    cleanups.push(() => client.dispose());
    await client.appendToStream(chunkStream, [jsonEvent({ type: 'OmnitrailDocumentChunk', data: { extra: 1 } })]);
    await expect(store.documents.read('snap')).rejects.toMatchObject({ code: 'CORRUPT_DOCUMENT', key: 'snap' });
  });
});

describe('EventStoreDB adapter: subscriptions over the network', () => {
  const take = async (iterator: AsyncIterator<SubscriptionItem>, count: number) => {
    const out: SubscriptionItem[] = [];
    while (out.length < count) {
      const r = await iterator.next();
      if (r.done) break;
      out.push(r.value);
    }
    return out;
  };
  const ids = (items: SubscriptionItem[]) => items.map((i) => (i.kind === 'event' ? i.event.id : i.kind));

  it('resubscribes from the last delivered position when the server drops the subscription: no loss, no duplicate', async () => {
    const { server, store } = await setup();
    const before = [ev(), ev()];
    await store.appendToStream('s', before);
    const sub = store.subscribeToAll();
    const iterator = sub[Symbol.asyncIterator]();
    expect(ids(await take(iterator, 3))).toEqual([before[0]!.id, before[1]!.id, 'caught-up']);
    const live = ev();
    await store.appendToStream('s', [live]);
    expect(ids(await take(iterator, 1))).toEqual([live.id]);
    server.dropSubscriptions();
    const after = [ev(), ev(), ev()];
    await store.appendToStream('t', after.slice(0, 2));
    await store.appendToStream('s', after.slice(2));
    expect(ids(await take(iterator, 3))).toEqual(after.map((e) => e.id));
    await sub.unsubscribe();
  });

  it('resubscribes after a server restart that kills the connection, and appends work again', async () => {
    const { server, store } = await setup();
    const first = ev();
    await store.appendToStream('s', [first]);
    const sub = store.subscribeToAll();
    const iterator = sub[Symbol.asyncIterator]();
    expect(ids(await take(iterator, 2))).toEqual([first.id, 'caught-up']);
    await server.restart();
    const next = [ev(), ev()];
    // The first call after the restart may meet the dead connection; the client reconnects for the next one.
    await store.appendToStream('s', [next[0]!]).catch(() => store.appendToStream('s', [next[0]!]));
    await store.appendToStream('s', [next[1]!]);
    expect(ids(await take(iterator, 2))).toEqual(next.map((e) => e.id));
    const all = await collect(store.readAll());
    expect(all.map((e: RecordedEvent) => e.id)).toEqual([first.id, ...next.map((e) => e.id)]);
    await sub.unsubscribe();
  });

  it('survives an outage by default (server stopped, restarted on the same port): every event once, in order; health went retrying and back to live', async () => {
    const { server, follower: store, writer } = await startOutageFixture(cleanups);
    const sub = store.subscribeToAll<unknown, unknown>();
    const states: string[] = [];
    const health = sub.health$.subscribe((h) => states.push(h.state));
    let attempts = 0;
    sub.health$.subscribe((h) => {
      if (h.state === 'retrying') attempts = h.attempt;
    });
    const delivered: string[] = [];
    const consumed = (async () => {
      for await (const item of sub) if (item.kind === 'event') delivered.push(item.event.id);
    })();
    // A writer that retries each batch until it is stored; a retry of a batch that did reach the server is
    // recognised by the server (same ids, same stream), so nothing is stored twice.
    const written: string[] = [];
    const transientFailures: boolean[] = [];
    const write = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const e = ev();
        for (;;) {
          try {
            await writer.appendToStream(`s${i % 3}`, [e]);
            break;
          } catch (error) {
            transientFailures.push((error as { transient?: boolean }).transient === true);
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        }
        written.push(e.id);
      }
    };
    await write(5);
    await until(() => delivered.length === 5 && sub.health().state === 'live');
    await server.stop();
    const duringOutage = write(10);
    // Held down until the subscription has failed several times in a row (capped backoff, no limit by default).
    await until(() => attempts >= 10 && transientFailures.length >= 2);
    await server.start();
    await duringOutage;
    await write(5);
    await until(() => delivered.length >= 20 && sub.health().state === 'live');
    expect(delivered).toEqual(written);
    expect((await collect(store.readAll())).map((e) => e.id)).toEqual(written);
    expect(transientFailures.every(Boolean)).toBe(true);
    expect(states).toContain('retrying');
    const afterOutage = states.slice(states.indexOf('retrying'));
    expect(afterOutage).toContain('live');
    expect(states.slice(0, states.indexOf('retrying'))).toContain('live');
    await sub.unsubscribe();
    await consumed;
    expect(sub.health()).toEqual({ state: 'ended', error: undefined });
    health.unsubscribe();
  });

  it('filters live subscriptions on the server: other prefixes, system and checkpoint streams are not sent', async () => {
    const server = await startFakeEventStoreDb();
    cleanups.push(() => server.close());
    const open = (streamPrefix: string) => {
      const store = createEventStoreDbEventStore({ connectionString: server.connectionString, streamPrefix });
      cleanups.push(() => store.close());
      return store;
    };
    const mine = open('mine.');
    const others = open('other.');
    const sub = mine.subscribeToAll({ filter: { streamNamePrefix: ['order-', 'case+'] } });
    const iterator = sub[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ kind: 'caught-up' });
    const opener = ev();
    await mine.appendToStream('order-1', [opener]);
    expect((await iterator.next()).value).toMatchObject({ kind: 'event', event: { id: opener.id } });
    const sentBefore = server.requests.subscriptionEvents;
    for (let i = 0; i < 10; i++) await others.appendToStream('order-1', [ev()]);
    await mine.checkpoints.store('projector', 5n);
    await mine.appendToStream('invoice-1', [ev()]);
    const wanted = [ev(), ev()];
    await mine.appendToStream('case+1', [wanted[0]!]);
    await mine.appendToStream('order-2', [wanted[1]!]);
    const seen = [(await iterator.next()).value, (await iterator.next()).value].map((x) => (x as { event: RecordedEvent }).event.id);
    expect(seen).toEqual(wanted.map((e) => e.id));
    // Only the two wanted events crossed the network.
    expect(server.requests.subscriptionEvents - sentBefore).toBe(2);
    await sub.unsubscribe();
  });

  it('treats not-leader, unavailable and deadline errors as transient, others not', () => {
    for (const type of ['not-leader', 'unavailable', 'deadline-exceeded', 'cancelled']) expect(isTransientEventStoreDbFailure({ type })).toBe(true);
    for (const type of ['access-denied', 'invalid-argument', 'stream-deleted']) expect(isTransientEventStoreDbFailure({ type })).toBe(false);
    expect(isTransientEventStoreDbFailure({ code: 4 })).toBe(true);
    expect(() => createEventStoreDbEventStore({ connectionString: 'esdb://127.0.0.1:1?tls=false', reconnectDelayMs: -1 })).toThrow(/reconnectDelayMs/);
  });

  it('ends a subscription with the error when the server stays away past maxReconnectAttempts (an option; no limit by default)', async () => {
    const server = await startFakeEventStoreDb();
    const store = createEventStoreDbEventStore({ connectionString: server.connectionString, reconnectDelayMs: 5, maxReconnectAttempts: 2 });
    cleanups.push(() => store.close());
    await store.appendToStream('s', [ev()]);
    const iterator = store.subscribeToAll()[Symbol.asyncIterator]();
    expect(ids(await take(iterator, 2))).toHaveLength(2);
    await server.close();
    await expect(iterator.next()).rejects.toMatchObject({ code: 'EVENTSTOREDB_ERROR', operation: 'subscribeToAll', transient: true });
  });
});
