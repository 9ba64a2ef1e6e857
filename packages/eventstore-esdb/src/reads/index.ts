// Reads: pages of `$all` and of a stream from the server, turned into the port's reads (`readStream`,
// `readAll`). The client's `readAll` has no server-side filter, so the port's filter (and the exclusion of
// system and checkpoint events) is applied here while paging.
import type { AllStreamResolvedEvent, ResolvedEvent } from '@eventstore/db-client';
import { InvalidArgumentError, StreamNotFoundError, type Direction, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent } from '@omnitrail/eventstore';
import { assertDirection, assertFromRevision, assertMaxCount, compileFilter, type EventMatcher } from '@omnitrail/eventstore/adapter';
import type { StoreContext } from '../context/index.js';
import { clientErrorType, invalidPositionError, isInvalidPosition } from '../errors/index.js';
import { fromEventStoreDbPosition, toEventStoreDbPosition } from '../positions.js';

/** One page from the server: the events the port sees, and the position of the last raw event examined. */
export interface Page {
  events: RecordedEvent[];
  /** How many events the server returned (before the adapter's filtering): fewer than a page means the end. */
  raw: number;
  last: bigint | undefined;
}

/** Every event of a client read, in order. */
export async function collectRaw(readable: AsyncIterable<ResolvedEvent | AllStreamResolvedEvent>): Promise<(ResolvedEvent | AllStreamResolvedEvent)[]> {
  const out: (ResolvedEvent | AllStreamResolvedEvent)[] = [];
  for await (const resolved of readable) out.push(resolved);
  return out;
}

/** The raw reads of one store: pages of `$all`, its head, a stream's last event. */
export interface RawReads {
  readAllPage(cursor: bigint | undefined, direction: Direction, match: EventMatcher | undefined): Promise<Page>;
  headPosition(): Promise<bigint | undefined>;
  lastOfStream(name: string): Promise<(ResolvedEvent | AllStreamResolvedEvent) | undefined>;
}

/** The raw reads of the store of `ctx`. */
export function createRawReads(ctx: StoreContext): RawReads {
  const { client, pageSize, toRecorded } = ctx;

  /** One page of `$all` strictly after (forwards) or before (backwards) `cursor`; undefined cursor = the start (forwards) or the end (backwards). */
  async function readAllPage(cursor: bigint | undefined, direction: Direction, match: EventMatcher | undefined): Promise<Page> {
    const raw = await collectRaw(
      client.readAll({
        fromPosition: cursor === undefined ? (direction === 'forwards' ? 'start' : 'end') : toEventStoreDbPosition(cursor),
        direction,
        maxCount: pageSize,
      }),
    );
    const events: RecordedEvent[] = [];
    let last = cursor;
    for (const resolved of raw) {
      const p = resolved.event?.position === undefined ? undefined : fromEventStoreDbPosition(resolved.event.position);
      if (p === undefined) continue;
      // EventStoreDB reads forwards from a position include the event at it; the port's cursor is exclusive.
      if (cursor !== undefined && (direction === 'forwards' ? p <= cursor : p >= cursor)) continue;
      last = p;
      const event = toRecorded(resolved);
      if (event !== undefined && (match === undefined || match(event.streamName, event.type))) events.push(event);
    }
    return { events, raw: raw.length, last };
  }

  /** Position of the last event of `$all` (any event), undefined for an empty database. */
  async function headPosition(): Promise<bigint | undefined> {
    const raw = await collectRaw(client.readAll({ fromPosition: 'end', direction: 'backwards', maxCount: 1 }));
    const p = raw[0]?.event?.position;
    return p === undefined ? undefined : fromEventStoreDbPosition(p);
  }

  /** The last event of an EventStoreDB stream, undefined when it has none. */
  async function lastOfStream(name: string): Promise<(ResolvedEvent | AllStreamResolvedEvent) | undefined> {
    try {
      const raw = await collectRaw(client.readStream(name, { fromRevision: 'end', direction: 'backwards', maxCount: 1 }));
      return raw[0];
    } catch (error) {
      if (clientErrorType(error) === 'stream-not-found') return undefined;
      throw error;
    }
  }

  return { readAllPage, headPosition, lastOfStream };
}

/** A position option of the port (`'start'`, `'end'` or a bigint ≥ 0n), checked; `fallback` when absent. */
export function positionOption(name: string, value: unknown, fallback: 'start' | 'end'): bigint | 'start' | 'end' {
  const v = value ?? fallback;
  if (v === 'start' || v === 'end') return v;
  if (typeof v === 'bigint' && v >= 0n) return v;
  throw new InvalidArgumentError(name, `expected 'start', 'end' or a bigint position >= 0n, got ${typeof v === 'bigint' ? `${v}n` : String(v)}`);
}

/** The port's `readStream` and `readAll` over the store of `ctx`. */
export function createReads(ctx: StoreContext, raw: RawReads): Pick<import('@omnitrail/eventstore').EventStore, 'readStream' | 'readAll'> {
  const { client, pageSize, physical, assertOpen, assertUserStream, fail, toRecorded } = ctx;
  const { readAllPage } = raw;

  function readStream<D, M>(stream: string, readOptions: ReadStreamOptions = {}): AsyncIterable<RecordedEvent<D, M>> {
    return {
      async *[Symbol.asyncIterator]() {
        assertOpen();
        assertUserStream(stream);
        const direction = assertDirection(readOptions.direction);
        let remaining = assertMaxCount(readOptions.maxCount);
        const from = assertFromRevision(readOptions.fromRevision, direction);
        let next: bigint | 'start' | 'end' = from;
        let first = true;
        while (first || remaining > 0) {
          // The first page is read even for maxCount 0, so that a missing stream is reported.
          const count = Math.max(1, Math.min(pageSize, remaining));
          let raw: (ResolvedEvent | AllStreamResolvedEvent)[];
          try {
            raw = await collectRaw(client.readStream(physical(stream), { fromRevision: next, direction, maxCount: count }));
          } catch (error) {
            // A stream deleted for good (tombstoned) has no events, and never will: for the port, not found.
            if (clientErrorType(error) === 'stream-not-found' || clientErrorType(error) === 'stream-deleted') throw new StreamNotFoundError(stream);
            return fail(`readStream('${stream}')`, error);
          }
          assertOpen();
          first = false;
          if (raw.length === 0) return;
          for (const resolved of raw) {
            if (remaining <= 0) return;
            const event = toRecorded(resolved);
            if (event === undefined) continue;
            remaining--;
            yield event as RecordedEvent<D, M>;
          }
          const lastRevision = raw[raw.length - 1]!.event!.revision;
          if (raw.length < count) return;
          if (direction === 'forwards') next = lastRevision + 1n;
          else if (lastRevision === 0n) return;
          else next = lastRevision - 1n;
        }
      },
    };
  }

  function readAll<D, M>(readOptions: ReadAllOptions = {}): AsyncIterable<RecordedEvent<D, M>> {
    return {
      async *[Symbol.asyncIterator]() {
        assertOpen();
        const direction = assertDirection(readOptions.direction);
        let remaining = assertMaxCount(readOptions.maxCount);
        const match = compileFilter(readOptions.filter);
        const from = positionOption('fromPosition', readOptions.fromPosition, direction === 'forwards' ? 'start' : 'end');
        if ((direction === 'forwards' && from === 'end') || (direction === 'backwards' && from === 'start')) return;
        let cursor = typeof from === 'bigint' ? from : undefined;
        while (remaining > 0) {
          let page: Page;
          try {
            page = await readAllPage(cursor, direction, match);
          } catch (error) {
            if (isInvalidPosition(error)) throw invalidPositionError('fromPosition', from);
            return fail('readAll', error);
          }
          assertOpen();
          for (const event of page.events) {
            if (remaining <= 0) return;
            remaining--;
            yield event as RecordedEvent<D, M>;
          }
          if (page.last === undefined || page.last === cursor || page.raw < pageSize) return;
          cursor = page.last;
        }
      },
    };
  }

  return { readStream, readAll };
}
