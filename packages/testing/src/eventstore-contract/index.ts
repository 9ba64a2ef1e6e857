/**
 * The storage-port contract suite: one behaviour for every adapter. Call {@link eventStoreContract} from
 * a vitest test file with a factory for fresh, empty stores; it defines the `describe`/`it` blocks.
 */
import fc from 'fast-check';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore, EventToAppend, ExpectedRevision, RecordedEvent, SubscriptionItem } from '@omnitrail/eventstore';

/** A fresh empty store, and how to reopen it and clean up after it. */
export interface ContractStoreHandle {
  store: EventStore;
  /**
   * Opens the same storage again. The suite closes the previous store first. Give it for durable adapters:
   * the suite then checks that everything survives a close and reopen.
   */
  reopen?: () => Promise<EventStore>;
  /** Removes what the store left behind (temporary directories...), after the suite closed it. */
  cleanup?: () => Promise<void> | void;
}

/** Makes a fresh, empty store for one test. */
export type ContractStoreFactory = () => Promise<ContractStoreHandle> | ContractStoreHandle;

/**
 * What an adapter guarantees beyond the port's common core (docs/eventstore.md, "Capabilities"). The suite
 * checks each guarantee the adapter states, and only those.
 */
export interface EventStoreCapabilities {
  /**
   * Where event ids are unique. `'store'` (in-memory, file, PostgreSQL): an id stored in any stream is
   * refused in every other stream. `'stream'` (EventStoreDB): a retried batch is recognised in its own
   * stream, but a copy of an id appended to another stream by a writer that does not know it is stored
   * again; readers that need once-only processing check ids themselves (the journey engine does).
   */
  idUniqueness: 'store' | 'stream';
  /**
   * Whether the adapter offers the optional `streamGroups` index (default `true`). With `false` the suite
   * checks that the store does not claim it (a reader then falls back to reading the log).
   */
  streamGroups?: boolean;
}

/** Tuning of the suite for slow adapters, and the capabilities the adapter states. */
export interface EventStoreContractOptions {
  /** What the adapter guarantees (default: `{ idUniqueness: 'store' }`). */
  capabilities?: EventStoreCapabilities;
  /** Concurrent-append races run (each with several appenders on one revision). Default 1000. */
  races?: number;
  /** fast-check runs of the model property. Default 25. */
  propertyRuns?: number;
}

/** Drains an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

let counter = 0;
/** A unique event for tests: `{ id, type, data }`. */
function ev(type = 'CustomerMessaged', data: unknown = { n: counter }, metadata?: unknown): EventToAppend {
  const id = `evt-${process.pid}-${++counter}`;
  return metadata === undefined ? { id, type, data } : { id, type, data, metadata };
}

/** Catches what a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string } & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string } & Record<string, unknown>;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/**
 * Defines the contract tests for an adapter. Every test gets a fresh store from `createStore`, closes it
 * at the end and calls `cleanup`.
 */
export function eventStoreContract(name: string, createStore: ContractStoreFactory, options: EventStoreContractOptions = {}): void {
  const races = options.races ?? 1000;
  const propertyRuns = options.propertyRuns ?? 25;
  const capabilities: EventStoreCapabilities = options.capabilities ?? { idUniqueness: 'store' };

  describe(`EventStore contract: ${name}`, () => {
    const open: { store: EventStore; handle: ContractStoreHandle }[] = [];
    const fresh = async (): Promise<{ store: EventStore; handle: ContractStoreHandle }> => {
      const handle = await createStore();
      const entry = { store: handle.store, handle };
      open.push(entry);
      return entry;
    };
    afterEach(async () => {
      for (const entry of open.splice(0)) {
        await entry.store.close();
        await entry.handle.cleanup?.();
      }
    });

    describe('appendToStream and expectedRevision', () => {
      it('gives 0-based revisions and strictly increasing positions across streams', async () => {
        const { store } = await fresh();
        const a = await store.appendToStream('order-1', [ev(), ev()]);
        expect(a.nextExpectedRevision).toBe(1n);
        const b = await store.appendToStream('order-2', [ev()]);
        expect(b.nextExpectedRevision).toBe(0n);
        expect(b.position > a.position).toBe(true);
        const all = await collect(store.readAll());
        expect(all.map((e) => e.revision)).toEqual([0n, 1n, 0n]);
        for (let i = 1; i < all.length; i++) expect(all[i]!.position > all[i - 1]!.position).toBe(true);
        expect(all[1]!.position).toBe(a.position);
        expect(all[2]!.position).toBe(b.position);
        expect(typeof all[0]!.recordedAt).toBe('string');
        expect(new Date(all[0]!.recordedAt).toISOString()).toBe(all[0]!.recordedAt);
      });

      it("'any' appends whatever the stream's state", async () => {
        const { store } = await fresh();
        await store.appendToStream('s', [ev()], { expectedRevision: 'any' });
        const r = await store.appendToStream('s', [ev()], { expectedRevision: 'any' });
        expect(r.nextExpectedRevision).toBe(1n);
        const r2 = await store.appendToStream('s', [ev()]);
        expect(r2.nextExpectedRevision).toBe(2n);
      });

      it("'no_stream' appends only to a stream without events", async () => {
        const { store } = await fresh();
        await store.appendToStream('s', [ev()], { expectedRevision: 'no_stream' });
        const error = await rejection(store.appendToStream('s', [ev()], { expectedRevision: 'no_stream' }));
        expect(error.code).toBe('WRONG_EXPECTED_REVISION');
        expect(error.name).toBe('WrongExpectedRevisionError');
        expect(error).toMatchObject({ stream: 's', expected: 'no_stream', actual: 0n });
        expect(error.message).toMatch(/retry/);
        expect((await collect(store.readStream('s'))).length).toBe(1);
      });

      it("'stream_exists' appends only to a stream with events", async () => {
        const { store } = await fresh();
        const error = await rejection(store.appendToStream('s', [ev()], { expectedRevision: 'stream_exists' }));
        expect(error).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', stream: 's', expected: 'stream_exists', actual: 'no_stream' });
        await store.appendToStream('s', [ev()]);
        const r = await store.appendToStream('s', [ev()], { expectedRevision: 'stream_exists' });
        expect(r.nextExpectedRevision).toBe(1n);
      });

      it('a bigint appends only when it is the revision of the last event', async () => {
        const { store } = await fresh();
        const absent = await rejection(store.appendToStream('s', [ev()], { expectedRevision: 0n }));
        expect(absent).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', expected: 0n, actual: 'no_stream' });
        await store.appendToStream('s', [ev(), ev()]);
        const stale = await rejection(store.appendToStream('s', [ev()], { expectedRevision: 0n }));
        expect(stale).toMatchObject({ stream: 's', expected: 0n, actual: 1n });
        const ahead = await rejection(store.appendToStream('s', [ev()], { expectedRevision: 5n }));
        expect(ahead).toMatchObject({ expected: 5n, actual: 1n });
        const ok = await store.appendToStream('s', [ev()], { expectedRevision: 1n });
        expect(ok.nextExpectedRevision).toBe(2n);
        expect((await collect(store.readStream('s'))).length).toBe(3);
      });

      it('an empty batch checks the expected revision and writes nothing', async () => {
        const { store } = await fresh();
        const none = await store.appendToStream('s', [], { expectedRevision: 'no_stream' });
        expect(none.nextExpectedRevision).toBe(-1n);
        await expect(collect(store.readStream('s'))).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
        const written = await store.appendToStream('s', [ev()]);
        const same = await store.appendToStream('s', [], { expectedRevision: 0n });
        expect(same).toEqual(written);
        const wrong = await rejection(store.appendToStream('s', [], { expectedRevision: 'no_stream' }));
        expect(wrong.code).toBe('WRONG_EXPECTED_REVISION');
        expect((await collect(store.readAll())).length).toBe(1);
      });

      it('stores a batch atomically and contiguously, even with concurrent batches', async () => {
        const { store } = await fresh();
        const batches = Array.from({ length: 20 }, (_, i) => Array.from({ length: 1 + (i % 5) }, () => ev('Batched', { batch: i })));
        await Promise.all(batches.map((b, i) => store.appendToStream(`batch-${i % 3}`, b)));
        const all = await collect(store.readAll());
        expect(all.length).toBe(batches.reduce((n, b) => n + b.length, 0));
        for (const batch of batches) {
          const at = all.findIndex((e) => e.id === batch[0]!.id);
          expect(all.slice(at, at + batch.length).map((e) => e.id)).toEqual(batch.map((e) => e.id));
        }
      });

      it(`lets exactly one of several concurrent appenders win a revision (${races} races)`, async () => {
        const { store } = await fresh();
        let winners = 0;
        for (let r = 0; r < races; r += 50) {
          const round = Array.from({ length: Math.min(50, races - r) }, async (_, k) => {
            const stream = `race-${r + k}`;
            const expected: ExpectedRevision = (r + k) % 2 === 0 ? 'no_stream' : 0n;
            if (expected === 0n) await store.appendToStream(stream, [ev()]);
            const contenders = 2 + ((r + k) % 4);
            const results = await Promise.allSettled(
              Array.from({ length: contenders }, (_, c) => store.appendToStream(stream, [ev('Raced', { c })], { expectedRevision: expected })),
            );
            const won = results.filter((x) => x.status === 'fulfilled');
            expect(won.length).toBe(1);
            for (const x of results) {
              if (x.status === 'rejected') expect((x.reason as { code?: string }).code).toBe('WRONG_EXPECTED_REVISION');
            }
            const events = await collect(store.readStream(stream));
            expect(events.length).toBe(expected === 0n ? 2 : 1);
            winners += won.length;
          });
          await Promise.all(round);
        }
        expect(winners).toBe(races);
      });
    });

    describe('appendToStreams', () => {
      it('appends each entry as its own batch, in order, and settles one result per entry', async () => {
        const { store } = await fresh();
        await store.appendToStream('b', [ev()]);
        const batches = { a: [ev(), ev()], b: [ev()], c: [ev(), ev(), ev()] };
        const settled = await store.appendToStreams([
          { streamName: 'a', events: batches.a, expectedRevision: 'no_stream' },
          { streamName: 'b', events: batches.b, expectedRevision: 0n },
          { streamName: 'c', events: batches.c },
        ]);
        expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
        const values = settled.map((r) => (r as PromiseFulfilledResult<{ nextExpectedRevision: bigint; position: bigint }>).value);
        expect(values.map((v) => v.nextExpectedRevision)).toEqual([1n, 1n, 2n]);
        for (const [stream, batch] of Object.entries(batches)) {
          const read = await collect(store.readStream(stream));
          expect(read.slice(-batch.length).map((e) => e.id)).toEqual(batch.map((e) => e.id));
        }
        // Each entry's position is its last event's position in the log.
        const all = await collect(store.readAll());
        expect(values.map((v) => all.find((e) => e.position === v.position)?.id)).toEqual([batches.a[1]!.id, batches.b[0]!.id, batches.c[2]!.id]);
        expect(await store.appendToStreams([])).toEqual([]);
      });

      it("one entry's failure rejects that entry only: wrong revision, known id, invalid stream name or event", async () => {
        const { store } = await fresh();
        const stored = ev();
        await store.appendToStream('s', [stored]);
        const ok1 = ev();
        const ok2 = ev();
        const settled = await store.appendToStreams([
          { streamName: 's', events: [ev()], expectedRevision: 'no_stream' },
          { streamName: 't', events: [ok1] },
          { streamName: 'u', events: [{ ...stored }] },
          { streamName: '$system', events: [ev()] },
          { streamName: 'v', events: [{ id: '', type: 'X', data: null }] },
          { streamName: 'w', events: [ok2], expectedRevision: 'no_stream' },
        ]);
        expect(settled.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
        const reasons = settled.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : undefined));
        expect(reasons).toEqual(['WRONG_EXPECTED_REVISION', undefined, 'DUPLICATE_EVENT_ID', 'INVALID_STREAM_NAME', 'INVALID_EVENT', undefined]);
        expect((settled[0] as PromiseRejectedResult).reason).toMatchObject({ stream: 's', expected: 'no_stream', actual: 0n });
        expect((await collect(store.readAll())).map((e) => e.id)).toEqual([stored.id, ok1.id, ok2.id]);
      });

      it('sees what earlier entries of the same call appended (revisions, known ids), as calls in order would', async () => {
        const { store } = await fresh();
        const a = ev();
        const settled = await store.appendToStreams([
          { streamName: 's', events: [a], expectedRevision: 'no_stream' },
          { streamName: 's', events: [ev()], expectedRevision: 0n },
          { streamName: 's', events: [ev()], expectedRevision: 0n },
          { streamName: 'other', events: [{ ...a }] },
          { streamName: 's', events: [{ ...a }] },
        ]);
        expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
        expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'WRONG_EXPECTED_REVISION', actual: 1n });
        expect((settled[3] as PromiseRejectedResult).reason).toMatchObject({ code: 'DUPLICATE_EVENT_ID', ids: [a.id] });
        // A retried batch answers the original result and writes nothing.
        expect((settled[4] as PromiseFulfilledResult<unknown>).value).toEqual((settled[0] as PromiseFulfilledResult<unknown>).value);
        expect((await collect(store.readStream('s'))).length).toBe(2);
      });

      it('rejects as a whole, writing nothing, when appends is not an array of entries', async () => {
        const { store } = await fresh();
        await expect(store.appendToStreams('s' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'appends' });
        await expect(store.appendToStreams([{ streamName: 'a', events: [ev()] }, null] as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'appends[1]' });
        expect(await collect(store.readAll())).toEqual([]);
      });

      it('a subscriber sees every appended event once, each entry in its order', async () => {
        const { store } = await fresh();
        const sub = store.subscribeToAll({ from: 'end' });
        const items = firstValueFrom(sub.asObservable().pipe(filter((x) => x.kind === 'event'), take(4), toArray()));
        const batches = [[ev(), ev()], [ev()], [ev()]];
        await store.appendToStreams(batches.map((events, i) => ({ streamName: `s${i}`, events })));
        const seen = await items;
        await sub.unsubscribe();
        // Each entry's events in their order; entries on different streams may interleave in any order.
        const ids = seen.map((x) => (x as { event: RecordedEvent }).event.id);
        expect([...ids].sort()).toEqual(batches.flat().map((e) => e.id).sort());
        for (const batch of batches) expect(ids.filter((id) => batch.some((e) => e.id === id))).toEqual(batch.map((e) => e.id));
      });

      it('ends in the state that appending each entry in order with appendToStream gives (property)', async () => {
        const entry = fc.record({
          stream: fc.constantFrom('s1', 's2', 's3'),
          size: fc.integer({ min: 0, max: 3 }),
          expected: fc.constantFrom<'any' | 'no_stream' | 'stream_exists' | 0 | 1 | 2>('any', 'no_stream', 'stream_exists', 0, 1, 2),
          reuse: fc.option(fc.nat(), { nil: undefined }),
        });
        await fc.assert(
          fc.asyncProperty(fc.array(entry, { maxLength: 8 }), async (plan) => {
            const one = await fresh();
            const other = await fresh();
            // Entries may reuse an earlier entry's first event (a retry or a conflict, depending on the stream).
            const batches: EventToAppend[][] = [];
            for (const p of plan) {
              const earlier = p.reuse === undefined ? [] : batches.filter((b) => b.length > 0);
              const events = Array.from({ length: p.size }, () => ev());
              if (earlier.length > 0 && events.length > 0) events[0] = { ...earlier[p.reuse! % earlier.length]![0]! };
              batches.push(events);
            }
            const appends = plan.map((p, i) => ({ streamName: p.stream, events: batches[i]!, expectedRevision: (typeof p.expected === 'number' ? BigInt(p.expected) : p.expected) as ExpectedRevision }));
            const together = await one.store.appendToStreams(appends);
            // The other store gets ids of its own (an adapter over a shared server may check ids server-wide).
            const separately: string[] = [];
            for (const a of appends.map((x) => ({ ...x, events: x.events.map((e) => ({ ...e, id: `${e.id}-b` })) }))) {
              try {
                const r = await other.store.appendToStream(a.streamName, a.events, { expectedRevision: a.expectedRevision });
                separately.push(`ok ${r.nextExpectedRevision}`);
              } catch (error) {
                separately.push((error as { code: string }).code);
              }
            }
            expect(together.map((r) => (r.status === 'fulfilled' ? `ok ${r.value.nextExpectedRevision}` : (r.reason as { code: string }).code))).toEqual(separately);
            // Per stream (entries on different streams may land in the log in any order).
            const shape = (events: RecordedEvent[]) => ['s1', 's2', 's3'].map((stream) => events.filter((e) => e.streamName === stream).map((e) => [e.id.replace(/-b$/, ''), e.revision]));
            expect(shape(await collect(one.store.readAll()))).toEqual(shape(await collect(other.store.readAll())));
          }),
          { numRuns: propertyRuns },
        );
      });
    });

    describe('idempotency and duplicate ids', () => {
      it('a retried append succeeds, writes nothing and returns the original result', async () => {
        const { store } = await fresh();
        const batch = [ev(), ev(), ev()];
        await store.appendToStream('other', [ev()]);
        const first = await store.appendToStream('s', batch, { expectedRevision: 'no_stream' });
        await store.appendToStream('other', [ev()]);
        const again = await store.appendToStream('s', batch, { expectedRevision: 'no_stream' });
        expect(again).toEqual(first);
        const concurrent = await Promise.all([store.appendToStream('s', batch), store.appendToStream('s', batch)]);
        expect(concurrent).toEqual([first, first]);
        expect((await collect(store.readStream('s'))).map((e) => e.id)).toEqual(batch.map((e) => e.id));
        expect((await collect(store.readAll())).length).toBe(5);
      });

      it('a batch with only some existing ids fails with DuplicateEventIdError naming them, and writes nothing', async () => {
        const { store } = await fresh();
        const a = ev();
        const b = ev();
        await store.appendToStream('s', [a, b]);
        const c = ev();
        const error = await rejection(store.appendToStream('s', [b, c]));
        expect(error.code).toBe('DUPLICATE_EVENT_ID');
        expect(error.name).toBe('DuplicateEventIdError');
        expect(error.ids).toEqual([b.id]);
        expect(error.message).toContain(b.id);
        const reordered = await rejection(store.appendToStream('s', [b, a]));
        expect(reordered.ids).toEqual([b.id, a.id]);
        expect((await collect(store.readAll())).map((e) => e.id)).toEqual([a.id, b.id]);
      });

      it.runIf(capabilities.idUniqueness === 'store')("an id stored in another stream fails with DuplicateEventIdError (idUniqueness 'store')", async () => {
        const { store } = await fresh();
        const a = ev();
        await store.appendToStream('s1', [a]);
        const error = await rejection(store.appendToStream('s2', [a]));
        expect(error).toMatchObject({ code: 'DUPLICATE_EVENT_ID', ids: [a.id] });
        await expect(collect(store.readStream('s2'))).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
      });

      it.runIf(capabilities.idUniqueness === 'stream')("another writer's retry is recognised in its stream; a copy in another stream is stored or refused, never half (idUniqueness 'stream')", async () => {
        const entry = await fresh();
        if (entry.handle.reopen === undefined) throw new Error("idUniqueness 'stream' needs reopen: the suite opens a second writer on the same storage");
        const second = await entry.handle.reopen();
        open.push({ store: second, handle: {} as ContractStoreHandle });
        const batch = [ev(), ev()];
        const first = await entry.store.appendToStream('s1', batch, { expectedRevision: 'no_stream' });
        // A writer that never saw the batch retries it with the same expected revision: the same result, nothing written.
        expect(await second.appendToStream('s1', batch, { expectedRevision: 'no_stream' })).toEqual(first);
        expect((await collect(entry.store.readStream('s1'))).map((e) => e.id)).toEqual(batch.map((e) => e.id));
        // The same id in another stream: this capability does not promise a refusal, but whatever happens is whole.
        const copy = await second.appendToStream('s2', [{ ...batch[0]! }]).then(
          () => 'stored' as const,
          (error: { code?: string }) => error.code,
        );
        expect(['stored', 'DUPLICATE_EVENT_ID']).toContain(copy);
        const inS2 = await collect(entry.store.readStream('s2')).catch((error: { code?: string }) => error.code);
        if (copy === 'stored') expect((inS2 as RecordedEvent[]).map((e) => e.id)).toEqual([batch[0]!.id]);
        else expect(inS2).toBe('STREAM_NOT_FOUND');
        expect((await collect(entry.store.readAll())).filter((e) => e.id === batch[0]!.id).length).toBe(copy === 'stored' ? 2 : 1);
      });

      it('an id repeated inside one batch fails with DuplicateEventIdError', async () => {
        const { store } = await fresh();
        const a = ev();
        const error = await rejection(store.appendToStream('s', [a, ev(), { ...a }]));
        expect(error).toMatchObject({ code: 'DUPLICATE_EVENT_ID', ids: [a.id] });
        expect((await collect(store.readAll())).length).toBe(0);
      });
    });

    describe('readStream', () => {
      it('reads forwards and backwards, from a revision, with maxCount', async () => {
        const { store } = await fresh();
        const events = Array.from({ length: 10 }, (_, i) => ev('Step', { i }, { correlationId: `c${i}` }));
        await store.appendToStream('s', events.slice(0, 4));
        await store.appendToStream('noise', [ev()]);
        await store.appendToStream('s', events.slice(4));
        const ids = (xs: RecordedEvent[]) => xs.map((e) => e.id);
        const forwards = await collect(store.readStream('s'));
        expect(ids(forwards)).toEqual(ids(events as RecordedEvent[]));
        expect(forwards.map((e) => e.revision)).toEqual(events.map((_, i) => BigInt(i)));
        expect(forwards[3]!.data).toEqual({ i: 3 });
        expect(forwards[3]!.metadata).toEqual({ correlationId: 'c3' });
        expect(forwards[3]!.streamName).toBe('s');
        expect(forwards[3]!.type).toBe('Step');
        const backwards = await collect(store.readStream('s', { direction: 'backwards' }));
        expect(ids(backwards)).toEqual(ids(forwards).reverse());
        expect(ids(await collect(store.readStream('s', { fromRevision: 7n })))).toEqual(ids(forwards.slice(7)));
        expect(ids(await collect(store.readStream('s', { fromRevision: 2n, maxCount: 3 })))).toEqual(ids(forwards.slice(2, 5)));
        expect(ids(await collect(store.readStream('s', { direction: 'backwards', fromRevision: 6n, maxCount: 4 })))).toEqual(
          ids(forwards.slice(3, 7)).reverse(),
        );
        expect(ids(await collect(store.readStream('s', { direction: 'backwards', maxCount: 1 })))).toEqual([events[9]!.id]);
        expect(await collect(store.readStream('s', { fromRevision: 10n }))).toEqual([]);
        expect(await collect(store.readStream('s', { maxCount: 0 }))).toEqual([]);
      });

      it('pages through a stream longer than one page', async () => {
        const { store } = await fresh();
        const events = Array.from({ length: 700 }, (_, i) => ev('Step', { i }));
        for (let i = 0; i < events.length; i += 100) await store.appendToStream('long', events.slice(i, i + 100));
        const read = await collect(store.readStream('long'));
        expect(read.map((e) => e.id)).toEqual(events.map((e) => e.id));
        const back = await collect(store.readStream('long', { direction: 'backwards', fromRevision: 600n, maxCount: 450 }));
        expect(back.map((e) => Number(e.revision))).toEqual(Array.from({ length: 450 }, (_, i) => 600 - i));
      });

      it('fails with StreamNotFoundError for a stream without events', async () => {
        const { store } = await fresh();
        const error = await rejection(collect(store.readStream('nobody')));
        expect(error).toMatchObject({ code: 'STREAM_NOT_FOUND', stream: 'nobody', name: 'StreamNotFoundError' });
      });
    });

    describe('readAll', () => {
      const seed = async (store: EventStore) => {
        await store.appendToStream('customer-1', [ev('CustomerMessaged'), ev('CaseOpened')]);
        await store.appendToStream('order-1', [ev('OrderPlaced')]);
        await store.appendToStream('customer-2', [ev('CustomerMessaged'), ev('CaseEscalated')]);
        await store.appendToStream('order-2', [ev('OrderShipped'), ev('CaseOpened')]);
        return collect(store.readAll());
      };

      it('reads in position order both ways; fromPosition is exclusive; start and end', async () => {
        const { store } = await fresh();
        const all = await seed(store);
        expect(all.length).toBe(7);
        const pos = all.map((e) => e.position);
        expect(await collect(store.readAll({ direction: 'backwards' }))).toEqual([...all].reverse());
        expect(await collect(store.readAll({ fromPosition: pos[2]! }))).toEqual(all.slice(3));
        expect(await collect(store.readAll({ fromPosition: pos[2]!, direction: 'backwards' }))).toEqual(all.slice(0, 2).reverse());
        expect(await collect(store.readAll({ fromPosition: 'start' }))).toEqual(all);
        expect(await collect(store.readAll({ fromPosition: 'end' }))).toEqual([]);
        expect(await collect(store.readAll({ fromPosition: 'end', direction: 'backwards', maxCount: 2 }))).toEqual(all.slice(5).reverse());
        expect(await collect(store.readAll({ fromPosition: 'start', direction: 'backwards' }))).toEqual([]);
        expect(await collect(store.readAll({ maxCount: 3 }))).toEqual(all.slice(0, 3));
        expect(await collect(store.readAll({ fromPosition: pos[6]! }))).toEqual([]);
      });

      it('filters by event-type prefix, stream-name prefix and regular expression', async () => {
        const { store } = await fresh();
        const all = await seed(store);
        const ids = (xs: RecordedEvent[]) => xs.map((e) => e.id);
        const expectFilter = async (filter: Parameters<EventStore['readAll']>[0], keep: (e: RecordedEvent) => boolean) =>
          expect(ids(await collect(store.readAll(filter)))).toEqual(ids(all.filter(keep)));
        await expectFilter({ filter: { eventTypePrefix: 'Case' } }, (e) => e.type.startsWith('Case'));
        await expectFilter({ filter: { eventTypePrefix: ['Order', 'CustomerM'] } }, (e) => e.type.startsWith('Order') || e.type === 'CustomerMessaged');
        await expectFilter({ filter: { streamNamePrefix: 'order-' } }, (e) => e.streamName.startsWith('order-'));
        await expectFilter({ filter: { eventTypeRegex: /Opened$/g } }, (e) => e.type.endsWith('Opened'));
        await expectFilter({ filter: { streamNameRegex: /-2$/ } }, (e) => e.streamName.endsWith('-2'));
        const back = await collect(store.readAll({ direction: 'backwards', maxCount: 2, filter: { eventTypePrefix: 'Case' } }));
        expect(ids(back)).toEqual(ids(all.filter((e) => e.type.startsWith('Case')).reverse().slice(0, 2)));
      });

      it('pages lazily: a consumer can stop early in a long log', async () => {
        const { store } = await fresh();
        for (let i = 0; i < 10; i++) await store.appendToStream(`s-${i}`, Array.from({ length: 100 }, () => ev()));
        let n = 0;
        for await (const e of store.readAll()) {
          expect(e.position > 0n).toBe(true);
          if (++n === 300) break;
        }
        expect(n).toBe(300);
        expect((await collect(store.readAll({ filter: { streamNamePrefix: 's-9' } }))).length).toBe(100);
      });
    });

    describe('subscribeToAll', () => {
      const takeItems = async (sub: AsyncIterable<SubscriptionItem>, n: number): Promise<SubscriptionItem[]> => {
        const out: SubscriptionItem[] = [];
        if (n === 0) return out;
        for await (const item of sub) {
          out.push(item);
          if (out.length === n) break;
        }
        return out;
      };

      it('catches up, signals caught-up once, then delivers live appends', async () => {
        const { store } = await fresh();
        await store.appendToStream('a', [ev(), ev()]);
        const sub = store.subscribeToAll();
        const got: SubscriptionItem[] = [];
        const done = (async () => {
          for await (const item of sub) {
            got.push(item);
            if (item.kind === 'caught-up') await store.appendToStream('b', [ev('Live')]);
            if (got.length === 4) break;
          }
        })();
        await done;
        expect(got.map((i) => i.kind)).toEqual(['event', 'event', 'caught-up', 'event']);
        const caught = got[2] as { kind: 'caught-up'; position: bigint };
        expect(caught.position).toBe((got[1] as { event: RecordedEvent }).event.position);
        expect((got[3] as { event: RecordedEvent }).event.type).toBe('Live');
      });

      it('delivers every event once, in order, while appends race with the catch-up', async () => {
        const { store } = await fresh();
        for (let i = 0; i < 5; i++) await store.appendToStream(`pre-${i}`, Array.from({ length: 120 }, () => ev()));
        const total = 600 + 400;
        const sub = store.subscribeToAll();
        const writer = (async () => {
          for (let i = 0; i < 200; i++) {
            await store.appendToStream(`live-${i % 7}`, [ev(), ev()]);
            if (i % 10 === 0) await new Promise((r) => setImmediate(r));
          }
        })();
        const positions: bigint[] = [];
        let caughtUp = 0;
        for await (const item of sub) {
          if (item.kind === 'caught-up') caughtUp++;
          else positions.push(item.event.position);
          if (positions.length === total) break;
          if (positions.length % 97 === 0) await new Promise((r) => setTimeout(r, 0));
        }
        await writer;
        expect(caughtUp).toBeLessThanOrEqual(1);
        const all = await collect(store.readAll());
        expect(positions).toEqual(all.map((e) => e.position));
      });

      it('starts after `from` (exclusive), at the end, and applies filters', async () => {
        const { store } = await fresh();
        await store.appendToStream('x', [ev('A'), ev('B'), ev('A')]);
        const all = await collect(store.readAll());
        const after = await takeItems(store.subscribeToAll({ from: all[0]!.position }), 3);
        expect(after.map((i) => (i.kind === 'event' ? i.event.id : 'caught-up'))).toEqual([all[1]!.id, all[2]!.id, 'caught-up']);
        const fromEnd = store.subscribeToAll({ from: 'end' });
        await store.appendToStream('x', [ev('C')]);
        const live = await takeItems(fromEnd, 2);
        // C was appended after the subscription started, so it is the one event after `from`.
        expect(live[0]!.kind === 'event' && live[0]!.event.type).toBe('C');
        expect(live[1]).toMatchObject({ kind: 'caught-up' });
        expect((live[1] as { position: bigint }).position > all[2]!.position).toBe(true);
        const filtered = await takeItems(store.subscribeToAll({ filter: { eventTypePrefix: 'A' } }), 3);
        expect(filtered.map((i) => (i.kind === 'event' ? i.event.type : i.kind))).toEqual(['A', 'A', 'caught-up']);
      });

      it('works as an rxjs Observable', async () => {
        const { store } = await fresh();
        await store.appendToStream('x', [ev(), ev()]);
        const items = await firstValueFrom(store.subscribeToAll().asObservable().pipe(take(3), toArray()));
        expect(items.map((i) => i.kind)).toEqual(['event', 'event', 'caught-up']);
      });

      it('stops reading when unsubscribed', async () => {
        const { store } = await fresh();
        await store.appendToStream('x', [ev()]);
        const sub = store.subscribeToAll();
        const iterator = sub[Symbol.asyncIterator]();
        expect((await iterator.next()).done).toBe(false);
        expect((await iterator.next()).value).toMatchObject({ kind: 'caught-up' });
        const pending = iterator.next();
        await sub.unsubscribe();
        expect((await pending).done).toBe(true);
        await store.appendToStream('x', [ev()]);
        expect((await iterator.next()).done).toBe(true);
      });

      it('ends when the store closes, and a closed store refuses work with StoreClosedError', async () => {
        const { store } = await fresh();
        const sub = store.subscribeToAll();
        const iterator = sub[Symbol.asyncIterator]();
        expect((await iterator.next()).value).toEqual({ kind: 'caught-up', position: undefined });
        const pending = iterator.next();
        await store.close();
        expect((await pending).done).toBe(true);
        const error = await rejection(store.appendToStream('x', [ev()]));
        expect(error).toMatchObject({ code: 'STORE_CLOSED', name: 'StoreClosedError' });
        await expect(collect(store.readAll())).rejects.toMatchObject({ code: 'STORE_CLOSED' });
        await expect(store.checkpoints.load('p')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
        await expect(store.appendToStreams([{ streamName: 'x', events: [ev()] }])).rejects.toMatchObject({ code: 'STORE_CLOSED' });
      });
    });

    describe('checkpoints', () => {
      it('stores conditionally: stored, ignored, mismatch', async () => {
        const { store } = await fresh();
        const cp = store.checkpoints;
        expect(await cp.load('projection-a')).toBeUndefined();
        expect(await cp.store('projection-a', 5n, { expected: undefined })).toBe('stored');
        expect(await cp.load('projection-a')).toBe(5n);
        expect(await cp.store('projection-a', 5n, { expected: 5n })).toBe('ignored');
        expect(await cp.store('projection-a', 3n, { expected: 5n })).toBe('ignored');
        expect(await cp.store('projection-a', 9n, { expected: 4n })).toBe('mismatch');
        expect(await cp.store('projection-a', 9n, { expected: undefined })).toBe('mismatch');
        expect(await cp.load('projection-a')).toBe(5n);
        expect(await cp.store('projection-a', 9n, { expected: 5n })).toBe('stored');
        expect(await cp.store('projection-a', 12n)).toBe('stored');
        expect(await cp.load('projection-a')).toBe(12n);
        expect(await cp.load('projection-b')).toBeUndefined();
        const error = await rejection(cp.store('', 1n));
        expect(error.code).toBe('INVALID_ARGUMENT');
      });

      it('lets exactly one of two concurrent conditional moves win', async () => {
        const { store } = await fresh();
        await store.checkpoints.store('p', 1n);
        const results = await Promise.all([
          store.checkpoints.store('p', 2n, { expected: 1n }),
          store.checkpoints.store('p', 3n, { expected: 1n }),
        ]);
        expect(results.sort()).toEqual(['mismatch', 'stored']);
      });
    });

    describe('documents', () => {
      const bytes = (text: string) => new TextEncoder().encode(text);
      const text = (doc: { value: Uint8Array } | undefined) => (doc === undefined ? undefined : new TextDecoder().decode(doc.value));

      it('creates, updates and deletes with optimistic concurrency; versions only increase', async () => {
        const { store } = await fresh();
        const docs = store.documents;
        expect(await docs.read('snapshot:a')).toBeUndefined();
        const created = await docs.write('snapshot:a', bytes('one'), { expectedVersion: 'absent' });
        expect(created.version >= 1n).toBe(true);
        expect(text(await docs.read('snapshot:a'))).toBe('one');
        expect((await docs.read('snapshot:a'))!.version).toBe(created.version);
        const updated = await docs.write('snapshot:a', bytes('two'), { expectedVersion: created.version });
        expect(updated.version > created.version).toBe(true);
        expect(text(await docs.read('snapshot:a'))).toBe('two');
        const stale = await rejection(docs.write('snapshot:a', bytes('three'), { expectedVersion: created.version }));
        expect(stale).toMatchObject({ code: 'DOCUMENT_VERSION_CONFLICT', key: 'snapshot:a', expected: created.version, actual: updated.version });
        await expect(docs.write('snapshot:a', bytes('x'), { expectedVersion: 'absent' })).rejects.toMatchObject({ code: 'DOCUMENT_VERSION_CONFLICT', actual: updated.version });
        expect(text(await docs.read('snapshot:a'))).toBe('two');
        await expect(docs.delete('snapshot:a', { expectedVersion: created.version })).rejects.toMatchObject({ code: 'DOCUMENT_VERSION_CONFLICT' });
        expect(await docs.delete('snapshot:a', { expectedVersion: updated.version })).toBe(true);
        expect(await docs.read('snapshot:a')).toBeUndefined();
        expect(await docs.delete('snapshot:a', { expectedVersion: 'any' })).toBe(false);
        await expect(docs.write('snapshot:a', bytes('y'), { expectedVersion: updated.version })).rejects.toMatchObject({ code: 'DOCUMENT_VERSION_CONFLICT', actual: 'absent' });
        // Re-created after a delete: a new, larger version, so a version read before the delete never matches again.
        const again = await docs.write('snapshot:a', bytes('four'), { expectedVersion: 'absent' });
        expect(again.version > updated.version).toBe(true);
        const forced = await docs.write('snapshot:a', bytes('five'), { expectedVersion: 'any' });
        expect(forced.version > again.version).toBe(true);
        expect(text(await docs.read('snapshot:a'))).toBe('five');
        // Keys are independent, and documents are not events.
        expect(await docs.read('snapshot:b')).toBeUndefined();
        await docs.write('lease.tenant-1', new Uint8Array(0), { expectedVersion: 'absent' });
        expect((await docs.read('lease.tenant-1'))!.value.length).toBe(0);
        expect(await collect(store.readAll())).toEqual([]);
      });

      it('keeps no reference to the caller\'s bytes', async () => {
        const { store } = await fresh();
        const value = bytes('abc');
        await store.documents.write('k', value, { expectedVersion: 'absent' });
        value[0] = 0x7a;
        const read = await store.documents.read('k');
        expect(text(read)).toBe('abc');
        read!.value[1] = 0x7a;
        expect(text(await store.documents.read('k'))).toBe('abc');
      });

      it('holds a large value (24 MiB) byte for byte', async () => {
        const { store } = await fresh();
        const value = new Uint8Array(24 * 1024 * 1024 + 17);
        let x = 0x12345678;
        for (let i = 0; i < value.length; i++) {
          x = (Math.imul(x, 1103515245) + 12345) | 0;
          value[i] = x >>> 24;
        }
        const { version } = await store.documents.write('big', value, { expectedVersion: 'absent' });
        const read = await store.documents.read('big');
        expect(read!.version).toBe(version);
        expect(read!.value.length).toBe(value.length);
        expect(Buffer.from(read!.value).equals(Buffer.from(value))).toBe(true);
        const smaller = await store.documents.write('big', bytes('small'), { expectedVersion: version });
        expect(text(await store.documents.read('big'))).toBe('small');
        expect((await store.documents.read('big'))!.version).toBe(smaller.version);
      }, 60_000);

      it('lets exactly one of concurrent writers expecting the same version win', async () => {
        const { store } = await fresh();
        const { version } = await store.documents.write('lease', bytes('v0'), { expectedVersion: 'absent' });
        const writers = Array.from({ length: 5 }, (_, i) => store.documents.write('lease', bytes(`w${i}`), { expectedVersion: version }));
        const settled = await Promise.allSettled(writers);
        const won = settled.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(won.length).toBe(1);
        for (const r of settled) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'DOCUMENT_VERSION_CONFLICT' });
        expect(text(await store.documents.read('lease'))).toBe(`w${won[0]}`);
        const creators = await Promise.allSettled([0, 1, 2].map((i) => store.documents.write('fresh', bytes(`c${i}`), { expectedVersion: 'absent' })));
        expect(creators.filter((r) => r.status === 'fulfilled').length).toBe(1);
      });

      it('rejects bad keys, values and versions, naming the argument', async () => {
        const { store } = await fresh();
        const docs = store.documents;
        for (const key of ['', '.hidden', 'a/b', 'sp ace', 'x'.repeat(201), 42]) {
          await expect(docs.read(key as string)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'key' });
        }
        await expect(docs.write('k', 'text' as unknown as Uint8Array, { expectedVersion: 'any' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'value' });
        await expect(docs.write('k', bytes('x'), { expectedVersion: 0n })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'expectedVersion' });
        await expect(docs.write('k', bytes('x'), {} as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'expectedVersion' });
        expect(await docs.read('k')).toBeUndefined();
      });

      it('keeps documents across a close and reopen (when the adapter is durable), and refuses calls once closed', async () => {
        const entry = await fresh();
        const { version } = await entry.store.documents.write('kept', bytes('still here'), { expectedVersion: 'absent' });
        await entry.store.close();
        await expect(entry.store.documents.read('kept')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
        if (entry.handle.reopen === undefined) return;
        entry.store = await entry.handle.reopen();
        const read = await entry.store.documents.read('kept');
        expect(text(read)).toBe('still here');
        expect(read!.version).toBe(version);
        await expect(entry.store.documents.write('kept', bytes('z'), { expectedVersion: 'absent' })).rejects.toMatchObject({ code: 'DOCUMENT_VERSION_CONFLICT' });
      });
    });

    describe('streamGroups (optional capability)', () => {
      if (capabilities.streamGroups === false) {
        it('is absent, as the adapter states', async () => {
          const { store } = await fresh();
          expect(store.streamGroups).toBeUndefined();
        });
        return;
      }
      const journey = { prefix: 'journey-', separator: '-' };
      const lastPosition = async (store: EventStore) => (await collect(store.readAll({ direction: 'backwards', maxCount: 1 })))[0]?.position;

      it('lists the groups of a prefix from the index, with the store position they are complete up to', async () => {
        const { store } = await fresh();
        const index = store.streamGroups!;
        expect(index).toBeDefined();
        expect(await index.list(journey)).toEqual({ position: undefined, groups: [] });
        await store.appendToStream('journey-acme-c1', [ev(), ev()]);
        await store.appendToStream('journey-acme-c2', [ev()]);
        await store.appendToStream('journey-beta%2Dx-c1', [ev()]);
        await store.appendToStream('journey-h-0a1b2c', [ev()]);
        await store.appendToStream('journey-solo', [ev()]);
        await store.appendToStream('other-acme-c1', [ev()]);
        await store.appendToStream('journeyx-1', [ev()]);
        await store.appendToStream('journey-acme-c1', [ev()]);
        const listing = await index.list(journey);
        expect(listing).toEqual({ position: await lastPosition(store), groups: ['journey-acme-', 'journey-beta%2Dx-', 'journey-h-', 'journey-solo'] });
        expect(Object.isFrozen(listing) && Object.isFrozen(listing.groups)).toBe(true);
        expect((await index.list({ prefix: '', separator: '-' })).groups).toEqual(['journey-', 'journeyx-', 'other-']);
        // Past the prefix with no separator after it, each stream is its own group.
        expect((await index.list({ prefix: 'journey-acme-', separator: '-' })).groups).toEqual(['journey-acme-c1', 'journey-acme-c2']);
        expect((await index.list({ prefix: 'nothing-', separator: '-' })).groups).toEqual([]);
        // Documents and checkpoints are not streams.
        await store.documents.write('journey-doc', new Uint8Array([1]), { expectedVersion: 'absent' });
        await store.checkpoints.store('journey-sub', 1n);
        expect((await index.list(journey)).groups).toEqual(listing.groups);
      });

      it('shows no group for an append that failed, and none before its first event', async () => {
        const { store } = await fresh();
        await store.appendToStream('journey-acme-c1', [ev()]);
        await expect(store.appendToStream('journey-fail-c1', [ev()], { expectedRevision: 3n })).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION' });
        const settled = await store.appendToStreams([
          { streamName: 'journey-late-c1', events: [ev()], expectedRevision: 'stream_exists' },
          { streamName: 'journey-ok-c1', events: [ev()] },
        ]);
        expect(settled.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
        expect((await store.streamGroups!.list(journey)).groups).toEqual(['journey-acme-', 'journey-ok-']);
        await store.appendToStream('journey-late-c1', [ev()]);
        expect((await store.streamGroups!.list(journey)).groups).toEqual(['journey-acme-', 'journey-late-', 'journey-ok-']);
      });

      it('under concurrent appends: every listed group has a readable event, and every group with an event at or before the position is listed', async () => {
        const { store } = await fresh();
        const listings: { position: bigint | undefined; groups: readonly string[]; readable: Set<string> }[] = [];
        let writing = true;
        const lister = (async () => {
          while (writing) {
            const listing = await store.streamGroups!.list(journey);
            // Read after the listing: a listed group's first event is readable by then.
            const readable = new Set((await collect(store.readAll({ filter: { streamNamePrefix: 'journey-' } }))).map((e) => e.streamName.slice(0, e.streamName.indexOf('-', 8) + 1)));
            listings.push({ ...listing, readable });
            // A turn of the event loop: an adapter whose reads answer without one would starve the appends.
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
        })();
        await Promise.all(
          Array.from({ length: 6 }, async (_, writer) => {
            for (let i = 0; i < 8; i++) {
              await store.appendToStreams([
                { streamName: `journey-w${writer}t${i}-c1`, events: [ev()] },
                { streamName: `journey-w${writer}t${i}-c2`, events: [ev(), ev()] },
              ]);
            }
          }),
        );
        writing = false;
        await lister;
        const all = await collect(store.readAll());
        for (const listing of [...listings, { ...(await store.streamGroups!.list(journey)), readable: new Set(all.map((e) => e.streamName.slice(0, e.streamName.indexOf('-', 8) + 1))) }]) {
          for (const group of listing.groups) expect(listing.readable.has(group)).toBe(true);
          const upTo = all.filter((e) => listing.position !== undefined && e.position <= listing.position);
          const expected = [...new Set(upTo.map((e) => e.streamName.slice(0, e.streamName.indexOf('-', 8) + 1)))];
          for (const group of expected) expect(listing.groups).toContain(group);
        }
        expect((await store.streamGroups!.list(journey)).groups).toHaveLength(48);
        expect(listings.length).toBeGreaterThan(0);
      });

      it('matches a model of the stream names (property)', async () => {
        const { store } = await fresh();
        let run = 0;
        await fc.assert(
          fc.asyncProperty(fc.array(fc.stringMatching(/^[ab%_é.:-]{1,6}$/), { minLength: 0, maxLength: 12 }), fc.constantFrom('-', '.', ':', 'é'), async (suffixes, separator) => {
            // Byte order and character order differ past ASCII, and % and _ are LIKE wildcards: none may matter.
            const prefix = `p${++run}%_-`;
            for (const suffix of suffixes) await store.appendToStream(`${prefix}${suffix}`, [ev()]);
            const model = new Set<string>();
            for (const suffix of suffixes) {
              const at = suffix.indexOf(separator);
              model.add(at < 0 ? `${prefix}${suffix}` : `${prefix}${suffix.slice(0, at + 1)}`);
            }
            const listing = await store.streamGroups!.list({ prefix, separator });
            expect(listing.groups).toEqual([...model].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
            expect(listing.position).toBe(await lastPosition(store));
          }),
          { numRuns: propertyRuns },
        );
      });

      it('refuses bad options naming the field, keeps the groups across a reopen, and refuses calls once closed', async () => {
        const entry = await fresh();
        const index = entry.store.streamGroups!;
        await expect(index.list({ prefix: 'journey-', separator: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'separator' });
        await expect(index.list({ prefix: 'journey-', separator: '--' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'separator' });
        await expect(index.list({ prefix: 1, separator: '-' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'prefix' });
        await expect(index.list(undefined as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        await entry.store.appendToStream('journey-kept-c1', [ev()]);
        const before = await index.list(journey);
        await entry.store.close();
        await expect(index.list(journey)).rejects.toMatchObject({ code: 'STORE_CLOSED' });
        if (entry.handle.reopen === undefined) return;
        entry.store = await entry.handle.reopen();
        expect(await entry.store.streamGroups!.list(journey)).toEqual(before);
      });
    });

    describe('invalid input: the error names the problem and nothing is written', () => {
      const cases: [string, () => [string, EventToAppend[]], string, RegExp][] = [
        ['a BigInt in data', () => ['s', [ev(), ev('T', { order: { amount: 10n } })]], 'INVALID_EVENT', /events\[1\]\.data\.order\.amount: BigInt cannot be stored as JSON/],
        ['a cycle in data', () => {
          const data: Record<string, unknown> = { a: 1 };
          data['self'] = data;
          return ['s', [ev('T', data)]];
        }, 'INVALID_EVENT', /events\[0\]\.data\.self: a cycle/],
        ['a function in metadata', () => ['s', [ev('T', {}, { f: () => 1 })]], 'INVALID_EVENT', /events\[0\]\.metadata\.f: a function/],
        ['NaN in data', () => ['s', [ev('T', { x: [1, Number.NaN] })]], 'INVALID_EVENT', /events\[0\]\.data\.x\[1\]: NaN is not a finite number/],
        ['a Date in data', () => ['s', [ev('T', { at: new Date() })]], 'INVALID_EVENT', /events\[0\]\.data\.at: a Date instance/],
        ['an empty type', () => ['s', [ev(''), ev()]], 'INVALID_EVENT', /events\[0\]\.type: the event type is empty/],
        ['a non-string id', () => ['s', [ev(), { id: 42 as unknown as string, type: 'T', data: {} }]], 'INVALID_EVENT', /events\[1\]\.id: expected a string id/],
        ['missing data', () => ['s', [{ id: 'x-missing', type: 'T' } as EventToAppend]], 'INVALID_EVENT', /events\[0\]\.data: data is missing/],
        ['a $ stream', () => ['$all', [ev()]], 'INVALID_STREAM_NAME', /reserved/],
        ['an empty stream name', () => ['', [ev()]], 'INVALID_STREAM_NAME', /empty/],
        ['a 257-character stream name', () => ['s'.repeat(257), [ev()]], 'INVALID_STREAM_NAME', /257 characters/],
      ];
      for (const [label, make, code, message] of cases) {
        it(`rejects ${label}`, async () => {
          const { store } = await fresh();
          const [stream, events] = make();
          const error = await rejection(store.appendToStream(stream, events));
          expect(error.code).toBe(code);
          expect(error.message).toMatch(message);
          expect(await collect(store.readAll())).toEqual([]);
          await expect(collect(store.readStream('s'))).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
        });
      }

      it('rejects bad options and reserved names on reads', async () => {
        const { store } = await fresh();
        await expect(store.appendToStream('s', [ev()], { expectedRevision: -1n })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        await expect(store.appendToStream('s', [ev()], { expectedRevision: 'latest' as ExpectedRevision })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        await expect(collect(store.readStream('$all'))).rejects.toMatchObject({ code: 'INVALID_STREAM_NAME' });
        await expect(collect(store.readAll({ maxCount: -1 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        await expect(collect(store.readAll({ filter: {} as never }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
        expect(await collect(store.readAll())).toEqual([]);
      });
    });

    it('matches a simple model under random appends and reads (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              stream: fc.constantFrom('a', 'b', 'c'),
              size: fc.integer({ min: 0, max: 3 }),
              expected: fc.oneof(fc.constantFrom<ExpectedRevision>('any', 'no_stream', 'stream_exists'), fc.integer({ min: 0, max: 4 }).map((n) => BigInt(n))),
              retryPrevious: fc.boolean(),
            }),
            { maxLength: 25 },
          ),
          async (ops) => {
            const { store } = await fresh();
            const model = new Map<string, string[]>();
            const log: string[] = [];
            let previous: { stream: string; events: EventToAppend[] } | undefined;
            for (const op of ops) {
              if (op.retryPrevious && previous !== undefined && previous.events.length > 0) {
                await store.appendToStream(previous.stream, previous.events);
                continue;
              }
              const events = Array.from({ length: op.size }, () => ev('M', { s: op.stream }));
              const current = model.get(op.stream) ?? [];
              const last = current.length - 1;
              const e = op.expected;
              const ok = e === 'any' || (e === 'no_stream' ? last === -1 : e === 'stream_exists' ? last >= 0 : BigInt(last) === e && last >= 0);
              const attempt = store.appendToStream(op.stream, events, { expectedRevision: e });
              if (ok) {
                const result = await attempt;
                current.push(...events.map((x) => x.id));
                log.push(...events.map((x) => x.id));
                if (events.length > 0) model.set(op.stream, current);
                expect(result.nextExpectedRevision).toBe(BigInt(current.length - 1));
                previous = { stream: op.stream, events };
              } else {
                await expect(attempt).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION' });
              }
            }
            expect((await collect(store.readAll())).map((x) => x.id)).toEqual(log);
            for (const [stream, ids] of model) {
              expect((await collect(store.readStream(stream))).map((x) => x.id)).toEqual(ids);
              expect((await collect(store.readStream(stream, { direction: 'backwards' }))).map((x) => x.id)).toEqual([...ids].reverse());
            }
          },
        ),
        { numRuns: propertyRuns },
      );
    });

    describe('close and reopen', () => {
      it('keeps events, positions, revisions and checkpoints across a close and reopen (when the adapter is durable)', async () => {
        const entry = await fresh();
        const { store, handle } = entry;
        await store.appendToStream('s', [ev('A', { amount: 12.5, text: 'héllo ✓' }, { by: 'agent-7' }), ev('B')]);
        await store.appendToStream('t', [ev('C', [1, 'two', null, true])]);
        await store.checkpoints.store('projector', 2n);
        const before = await collect(store.readAll());
        if (handle.reopen === undefined) {
          // Not durable: the contract only asks that the store keeps working until closed.
          expect(before.length).toBe(3);
          return;
        }
        await store.close();
        const reopened = await handle.reopen();
        entry.store = reopened;
        expect(await collect(reopened.readAll())).toEqual(before);
        expect(await reopened.checkpoints.load('projector')).toBe(2n);
        expect(await reopened.checkpoints.store('projector', 3n, { expected: 2n })).toBe('stored');
        const retried = await reopened.appendToStream('t', [{ ...before[2]!, metadata: undefined } as EventToAppend].map((e) => ({ id: e.id, type: e.type, data: e.data })));
        expect(retried).toEqual({ nextExpectedRevision: 0n, position: before[2]!.position });
        await expect(reopened.appendToStream('s', [ev()], { expectedRevision: 0n })).rejects.toMatchObject({ code: 'WRONG_EXPECTED_REVISION', actual: 1n });
        const next = await reopened.appendToStream('s', [ev()], { expectedRevision: 1n });
        expect(next.nextExpectedRevision).toBe(2n);
        expect(next.position > before[2]!.position).toBe(true);
        await reopened.close();
        const third = await handle.reopen();
        entry.store = third;
        expect((await collect(third.readStream('s'))).length).toBe(3);
        expect(await third.checkpoints.load('projector')).toBe(3n);
      });
    });
  });
}
