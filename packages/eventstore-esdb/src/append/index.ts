// Appends. EventStoreDB keeps event ids unique per stream only and recognises a retried batch in the same
// stream; the adapter adds a bounded window of the ids it appended lately, to classify retries and partial
// overlaps in-process without reading the log, and serialises appends whose ids overlap within the process.
import { jsonEvent, type AllStreamResolvedEvent, type EventStoreDBClient, type ResolvedEvent } from '@eventstore/db-client';
import { DuplicateEventIdError, InvalidArgumentError, WrongExpectedRevisionError, type AppendOptions, type AppendResult, type EventToAppend } from '@omnitrail/eventstore';
import { assertExpectedRevision, checkExpectedRevision, validateEvents } from '@omnitrail/eventstore/adapter';
import type { StoreContext } from '../context/index.js';
import { clientErrorType, tombstonedError } from '../errors/index.js';
import { encodeMetadata, toEventStoreDbId } from '../ids.js';
import type { RawReads } from '../reads/index.js';
import { collectRaw } from '../reads/index.js';
import { fromEventStoreDbPosition } from '../positions.js';

/** Where an id of the recent-id window was stored; the position is known for a batch's last event only. */
interface RecentId {
  streamName: string;
  revision: bigint;
  position: bigint | undefined;
}

/** The port's `appendToStream` over the store of `ctx`. */
export function createAppend(ctx: StoreContext, raw: RawReads): <D, M>(stream: string, events: readonly EventToAppend<D, M>[], appendOptions?: AppendOptions) => Promise<AppendResult> {
  const { client, recentIdWindow, physical, assertOpen, assertUserStream, fail } = ctx;
  const { lastOfStream } = raw;


  // Ids this adapter appended lately, oldest first (a Map keeps insertion order), at most `recentIdWindow`:
  // enough to classify a retry or a partial overlap in this process without reading the log. Older retries
  // are recognised by the server itself (see appendToStream).
  const recentIds = new Map<string, RecentId>();
  const pendingIds = new Map<string, Promise<unknown>>();
  const remember = (id: string, at: RecentId) => {
    recentIds.delete(id);
    recentIds.set(id, at);
    if (recentIds.size > recentIdWindow) recentIds.delete(recentIds.keys().next().value!);
  };

  /** The retry/duplicate decision of the port over the window: the stored batch's last event, or undefined when no id is known. */
  const classifyRecentIds = (stream: string, ids: readonly string[]): (RecentId & { id: string }) | undefined => {
    const found: RecentId[] = [];
    const foundIds: string[] = [];
    for (const id of ids) {
      const at = recentIds.get(id);
      if (at !== undefined) {
        found.push(at);
        foundIds.push(id);
      }
    }
    if (found.length === 0) return undefined;
    if (found.length === ids.length && found.every((at, i) => at.streamName === stream && at.revision === found[0]!.revision + BigInt(i))) {
      return { ...found[found.length - 1]!, id: ids[ids.length - 1]! };
    }
    throw new DuplicateEventIdError(stream, foundIds);
  };

  /** `$all` position of the event at `revision` of a port stream (-1n when the server does not say). */
  async function positionAt(stream: string, revision: bigint): Promise<bigint> {
    const raw = await collectRaw(client.readStream(physical(stream), { fromRevision: revision, direction: 'forwards', maxCount: 1 }));
    const p = raw[0]?.event?.position;
    return p === undefined ? -1n : fromEventStoreDbPosition(p);
  }

  // ---------------------------------------------------------------------------------------------- append

  async function appendToStream<D, M>(stream: string, events: readonly EventToAppend<D, M>[], appendOptions?: AppendOptions): Promise<AppendResult> {
    assertOpen();
    assertUserStream(stream);
    const expected = appendOptions?.expectedRevision ?? 'any';
    assertExpectedRevision(expected);
    const repeated = validateEvents(events, false);
    if (repeated.length > 0) throw new DuplicateEventIdError(stream, repeated);
    const operation = `appendToStream('${stream}')`;

    if (events.length === 0) {
      // EventStoreDB has no "check only" append: read the stream's last event and decide here.
      let last: (ResolvedEvent | AllStreamResolvedEvent) | undefined;
      try {
        last = await lastOfStream(physical(stream));
      } catch (error) {
        if (clientErrorType(error) === 'stream-deleted') throw tombstonedError(stream);
        return fail(operation, error);
      }
      const current = last?.event === undefined ? -1 : Number(last.event.revision);
      checkExpectedRevision(stream, expected, current);
      if (last?.event === undefined) return { nextExpectedRevision: -1n, position: -1n };
      // Servers that leave positions of stream reads empty give -1n here (the port's "unknown").
      const position = last.event.position === undefined ? -1n : fromEventStoreDbPosition(last.event.position);
      return { nextExpectedRevision: last.event.revision, position };
    }

    const ids = events.map((e) => e.id);
    // Appends sharing an id with one in flight wait for it, then see its result in the window.
    for (;;) {
      const busy = ids.map((id) => pendingIds.get(id)).filter((p) => p !== undefined);
      if (busy.length === 0) break;
      await Promise.allSettled(busy);
    }
    let release: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const id of ids) pendingIds.set(id, inFlight);
    try {
      const retried = classifyRecentIds(stream, ids);
      if (retried !== undefined) {
        // The window holds exact positions for batches' last events only; look the others up.
        if (retried.position !== undefined) return { nextExpectedRevision: retried.revision, position: retried.position };
        try {
          return { nextExpectedRevision: retried.revision, position: await positionAt(stream, retried.revision) };
        } catch (error) {
          return fail(operation, error);
        }
      }
      const esdbEvents = events.map((e) => {
        const esdbId = toEventStoreDbId(e.id);
        const metadata = encodeMetadata(e.id, esdbId, e.metadata);
        return jsonEvent({ id: esdbId, type: e.type, data: e.data as never, ...(metadata === undefined ? {} : { metadata }) });
      });
      let result: Awaited<ReturnType<EventStoreDBClient['appendToStream']>>;
      try {
        result = await client.appendToStream(physical(stream), esdbEvents, { expectedRevision: expected } /* the port's values are the client's: ANY, NO_STREAM, STREAM_EXISTS, bigint */);
      } catch (error) {
        if (clientErrorType(error) === 'wrong-expected-version') {
          // With 'any' the server refuses only a batch that overlaps events it stored in part (its
          // idempotency check): the port's duplicate-id error. Which ids it recognised it does not say.
          if (expected === 'any') throw new DuplicateEventIdError(stream, ids);
          const actual = (error as { actualVersion?: unknown }).actualVersion;
          throw new WrongExpectedRevisionError(stream, expected, typeof actual === 'bigint' && actual >= 0n ? actual : 'no_stream');
        }
        if (clientErrorType(error) === 'stream-deleted') throw tombstonedError(stream);
        if (clientErrorType(error) === 'maximum-append-size-exceeded') {
          const max = (error as { maxAppendSize?: unknown }).maxAppendSize;
          throw new InvalidArgumentError('events', `the batch is larger than the server's maximum append size${typeof max === 'number' ? ` (${max} bytes)` : ''}: nothing was written; split it into smaller appends`);
        }
        return fail(operation, error);
      }
      let position: bigint;
      try {
        // A server that recognised a retried batch may leave the position out: read it from the stream.
        position = result.position === undefined ? await positionAt(stream, result.nextExpectedRevision) : fromEventStoreDbPosition(result.position);
      } catch (error) {
        return fail(operation, error);
      }
      const first = result.nextExpectedRevision - BigInt(events.length) + 1n;
      ids.forEach((id, i) => remember(id, { streamName: stream, revision: first + BigInt(i), position: i === ids.length - 1 ? position : undefined }));
      return { nextExpectedRevision: result.nextExpectedRevision, position };
    } finally {
      for (const id of ids) if (pendingIds.get(id) === inFlight) pendingIds.delete(id);
      release();
    }
  }

  return appendToStream;
}
