/**
 * The EventStoreDB adapter of the storage port, over `@eventstore/db-client` v6.
 *
 * EventStoreDB does most of the work (revisions, expected versions, atomic batches, `$all`, subscriptions).
 * What the server cannot tell the port, the adapter does itself, and says so:
 * - Event ids are unique per stream, not store-wide (capability `idUniqueness: 'stream'`, see
 *   docs/eventstore.md): EventStoreDB recognises a retried batch in the same stream (exactly, with an exact
 *   expected revision; from a bounded cache of recent ids with 'any') and never rejects an id used in another
 *   stream. The adapter adds a bounded window of the ids it appended lately, to classify retries and partial
 *   overlaps in-process, and serialises appends whose ids overlap within the process. It never reads the log
 *   to do so, so start-up time and memory do not grow with the log.
 * - Filters: `readAll` of the client has no server-side filter, so filters (and the exclusion of system and
 *   checkpoint events) are applied by the adapter while paging; live subscriptions are filtered on the
 *   server by stream name (see serverStreamFilter).
 * - "Caught up": the adapter catches up by paged reads and then opens a live subscription from the last
 *   position it saw, so the signal does not depend on the server version.
 * - Subscriptions retry transient failures (capped backoff, no limit by default) from the last position they
 *   examined, and tell their health (`health$`).
 */
import { BehaviorSubject, type Observable } from 'rxjs';
import { EventStoreDBClient, jsonEvent, streamNameFilter, type Filter, type AllStreamResolvedEvent, type ResolvedEvent } from '@eventstore/db-client';
import { DuplicateEventIdError, EventStoreError, type EventFilter, InvalidArgumentError, InvalidStreamNameError, StoreClosedError, StreamNotFoundError, WrongExpectedRevisionError, type AllSubscription, type AppendOptions, type AppendResult, type CheckpointStore, type CheckpointStoreResult, type Direction, type EventStore, type EventToAppend, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type SubscribeToAllOptions, type StreamAppend, type SubscriptionItem } from '@omnitrail/eventstore';
import { appendEachStream, assertDirection, assertExpectedRevision, assertFromRevision, assertMaxCount, assertStreamName, checkExpectedRevision, compileFilter, decideCheckpoint, validateCheckpointArgs, subscriptionOf, validateEvents, type EventMatcher } from '@omnitrail/eventstore/adapter';
import { decodeMetadata, encodeMetadata, toEventStoreDbId } from './ids.js';
import { fromEventStoreDbPosition, toEventStoreDbPosition } from './positions.js';
import { createEventStoreDbDocuments, DEFAULT_CHUNK_SIZE, DOCUMENT_STREAM_PREFIX } from './documents.js';

/** Options of {@link createEventStoreDbEventStore}: a connection string, or a client you own. */
export type EventStoreDbEventStoreOptions = (
  | {
      /** E.g. `esdb://127.0.0.1:2113?tls=false`. The adapter creates the client and disposes of it on `close()`. */
      connectionString: string;
      client?: undefined;
    }
  | {
      /** A client you created; `close()` leaves it open. */
      client: EventStoreDBClient;
      connectionString?: undefined;
    }
) & {
  /**
   * Prefix of every EventStoreDB stream this store uses (default `''`). Streams outside it are invisible to
   * the store, so several stores (tenants, test runs) can share one database. Port stream names are the
   * EventStoreDB names without the prefix.
   */
  streamPrefix?: string;
  /** Events per page of reads (default 256): what a read or a catching-up subscription holds at once. */
  pageSize?: number;
  /** Delay before the first retry of a subscription after a transient failure, doubled up to `maxReconnectDelayMs` (default 100 ms). */
  reconnectDelayMs?: number;
  /** Cap of the doubling retry delay of subscriptions (default 5000 ms). */
  maxReconnectDelayMs?: number;
  /**
   * Consecutive failed retries after which a subscription ends with the error. Default: no limit, a
   * subscription retries for as long as the store is open (a server outage of any length is survived).
   */
  maxReconnectAttempts?: number;
  /**
   * How many ids of its own recent appends the adapter remembers (default 10 000), to answer a retried batch
   * or refuse a partial overlap without asking the server. Memory is bounded by this, not by the log; older
   * retries are recognised by the server's own idempotency (see docs/eventstore-esdb.md). 0 turns it off.
   */
  recentIdWindow?: number;
  /**
   * Bytes per chunk event of a large document (default 512 KiB): keep it under the server's `MaxAppendSize`
   * (1 MiB by default), since each chunk is one append.
   */
  documentChunkSize?: number;
};

/**
 * Port stream names that start with this are reserved: the adapter keeps checkpoints in
 * `omnitrail-checkpoint-<subscriberId>` streams (EventStoreDB reserves names starting with `$` for itself).
 */
export const CHECKPOINT_STREAM_PREFIX = 'omnitrail-checkpoint-';

/** Event type of the events that record checkpoints. */
export const CHECKPOINT_EVENT_TYPE = 'OmnitrailCheckpointStored';

/** EventStoreDB (or its client) failed in a way the port has no specific error for. */
export class EventStoreDbError extends EventStoreError {
  /** What the adapter was doing, e.g. `appendToStream('order-1')`. */
  readonly operation: string;
  /** The client's error type (`'unavailable'`, `'access-denied'`...), when it had one. */
  readonly reason: string | undefined;
  /**
   * The server was unreachable, not the leader, or too slow (see {@link isTransientEventStoreDbFailure}): the
   * same call may succeed later, with the same store (subscriptions retry by themselves).
   */
  readonly transient: boolean;
  constructor(operation: string, cause: unknown) {
    const reason = clientErrorType(cause);
    super(
      'EVENTSTOREDB_ERROR',
      `${operation} failed in EventStoreDB${reason === undefined ? '' : ` (${reason})`}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Check that the server is reachable and the connection string and credentials are right, then retry.',
      { cause },
    );
    this.operation = operation;
    this.reason = reason;
    this.transient = isTransientEventStoreDbFailure(cause);
  }
}

function clientErrorType(error: unknown): string | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : undefined;
}

/** The server refused to read `$all` from a position inside a record (not an event's position). */
function isInvalidPosition(error: unknown): boolean {
  return error instanceof Error && /invalid position/i.test(error.message);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The server-side filter of a live subscription: streams of this store (its prefix) that are neither system
 * streams nor checkpoint streams, and, for a port filter by stream-name prefix, only those. Other port
 * filters (event types, regexes) are applied by the adapter on what the server sends.
 */
function serverStreamFilter(streamPrefix: string, filter: EventFilter | undefined): Filter {
  const own = `^${escapeRegex(streamPrefix)}(?!\\$|${escapeRegex(CHECKPOINT_STREAM_PREFIX)}|${escapeRegex(DOCUMENT_STREAM_PREFIX)})`;
  const prefixes = filter !== undefined && 'streamNamePrefix' in filter ? [filter.streamNamePrefix].flat() : undefined;
  const regex = prefixes === undefined ? own : `${own}(?:${prefixes.map(escapeRegex).join('|')})`;
  return streamNameFilter({ regex });
}

/** The port's error for an append to a stream EventStoreDB deleted for good. */
function tombstonedError(stream: string): InvalidStreamNameError {
  return new InvalidStreamNameError(stream, 'the stream was deleted permanently (tombstoned) in EventStoreDB, so its name cannot be appended to again: use another stream name');
}

/** The port's error for a position EventStoreDB cannot read from. */
function invalidPositionError(argument: string, position: bigint | 'start' | 'end'): InvalidArgumentError {
  return new InvalidArgumentError(argument, `${String(position)}n is not the position of an event in this store: EventStoreDB reads $all only from record boundaries (use a position the store gave)`);
}

/**
 * Failures worth a retry: the server went away or cancelled the call, a cluster node is not (or no longer) the
 * leader, a deadline passed. Anything else (access denied, a bad request...) would fail again.
 */
export function isTransientEventStoreDbFailure(error: unknown): boolean {
  if (error instanceof EventStoreDbError) return error.transient;
  const type = clientErrorType(error);
  if (type === 'unavailable' || type === 'cancelled' || type === 'deadline-exceeded' || type === 'not-leader' || type === 'timeout') return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === 14 || code === 1 || code === 4; // grpc UNAVAILABLE, CANCELLED (server-side), DEADLINE_EXCEEDED
}

/**
 * The health of an EventStoreDB subscription: `connecting` until the first answer, `catching-up` while it
 * reads history, `live` once caught up, `retrying` after a transient failure (attempt 1, 2... with the last
 * error, until an answer comes), `ended` when unsubscribed, closed, or failed (with the error).
 */
export type EventStoreDbSubscriptionHealth =
  | { state: 'connecting' }
  | { state: 'catching-up'; position: bigint | undefined }
  | { state: 'live'; position: bigint | undefined }
  | { state: 'retrying'; attempt: number; lastError: EventStoreDbError; position: bigint | undefined }
  | { state: 'ended'; error: unknown };

/** A subscription of the EventStoreDB adapter: the port's, with its health. */
export interface EventStoreDbSubscription<D = unknown, M = unknown> extends AllSubscription<D, M> {
  /** The current health first, then every change; completes when the subscription ends. */
  readonly health$: Observable<EventStoreDbSubscriptionHealth>;
  /** The current health. */
  health(): EventStoreDbSubscriptionHealth;
}

/** The EventStoreDB adapter's store: the port, with subscriptions that tell their health. */
export interface EventStoreDbEventStore extends EventStore {
  subscribeToAll<D = unknown, M = unknown>(options?: SubscribeToAllOptions): EventStoreDbSubscription<D, M>;
}

/** Where an id of the recent-id window was stored; the position is known for a batch's last event only. */
interface RecentId {
  streamName: string;
  revision: bigint;
  position: bigint | undefined;
}

/** One page from the server: the events the port sees, and the position of the last raw event examined. */
interface Page {
  events: RecordedEvent[];
  /** How many events the server returned (before the adapter's filtering): fewer than a page means the end. */
  raw: number;
  last: bigint | undefined;
}

/**
 * Creates an `EventStore` backed by EventStoreDB. Appends store JSON events (`jsonEvent`) after the same
 * validation as the other adapters; positions are EventStoreDB commit positions (see ./positions.ts);
 * checkpoints live in `omnitrail-checkpoint-<subscriberId>` streams of the same database.
 */
export function createEventStoreDbEventStore(options: EventStoreDbEventStoreOptions): EventStoreDbEventStore {
  const ownsClient = options.client === undefined;
  const client = options.client ?? EventStoreDBClient.connectionString(options.connectionString!);
  const prefix = options.streamPrefix ?? '';
  const pageSize = options.pageSize ?? 256;
  const reconnectDelayMs = options.reconnectDelayMs ?? 100;
  const maxReconnectAttempts = options.maxReconnectAttempts ?? Number.POSITIVE_INFINITY;
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 5000;
  for (const [name, value] of [['reconnectDelayMs', reconnectDelayMs], ['maxReconnectDelayMs', maxReconnectDelayMs], ['maxReconnectAttempts', maxReconnectAttempts]] as const) {
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) throw new InvalidArgumentError(name, `expected a number >= 0, got ${String(value)}`);
  }
  const recentIdWindow = options.recentIdWindow ?? 10_000;
  if (!Number.isInteger(recentIdWindow) || recentIdWindow < 0) throw new InvalidArgumentError('recentIdWindow', `expected an integer >= 0, got ${String(recentIdWindow)}`);
  const documentChunkSize = options.documentChunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(documentChunkSize) || documentChunkSize < 1024) throw new InvalidArgumentError('documentChunkSize', `expected an integer >= 1024, got ${String(documentChunkSize)}`);
  if (!Number.isInteger(pageSize) || pageSize < 2) throw new InvalidArgumentError('pageSize', `expected an integer >= 2, got ${String(pageSize)}`);
  let closed = false;
  const stops = new Set<() => void>();

  const physical = (stream: string) => prefix + stream;
  const checkpointStream = (subscriberId: string) => physical(CHECKPOINT_STREAM_PREFIX + subscriberId);
  const assertOpen = () => {
    if (closed) throw new StoreClosedError();
  };
  const fail = (operation: string, error: unknown): never => {
    if (closed) throw new StoreClosedError();
    if (error instanceof EventStoreError) throw error;
    throw new EventStoreDbError(operation, error);
  };
  const assertUserStream = (stream: unknown): void => {
    assertStreamName(stream);
    if (stream.startsWith(CHECKPOINT_STREAM_PREFIX)) {
      throw new InvalidStreamNameError(stream, `names starting with '${CHECKPOINT_STREAM_PREFIX}' are reserved for checkpoints by the EventStoreDB adapter`);
    }
    if (stream.startsWith(DOCUMENT_STREAM_PREFIX)) {
      throw new InvalidStreamNameError(stream, `names starting with '${DOCUMENT_STREAM_PREFIX}' are reserved for documents by the EventStoreDB adapter`);
    }
  };

  /** The port's view of a resolved event, or undefined for events outside the store (system, checkpoints, other prefixes). */
  const toRecorded = (resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined => {
    const e = resolved.event;
    if (e === undefined) return undefined;
    if (!e.streamId.startsWith(prefix)) return undefined;
    const streamName = e.streamId.slice(prefix.length);
    if (streamName.startsWith('$') || streamName.startsWith(CHECKPOINT_STREAM_PREFIX) || streamName.startsWith(DOCUMENT_STREAM_PREFIX) || e.streamId.startsWith('$') || e.type.startsWith('$')) return undefined;
    const position = e.position === undefined ? undefined : fromEventStoreDbPosition(e.position);
    const { id, metadata } = decodeMetadata(e.id, e.metadata);
    return {
      id,
      type: e.type,
      data: e.data,
      metadata,
      streamName,
      revision: e.revision,
      position: position ?? -1n,
      recordedAt: e.created.toISOString(),
    } as RecordedEvent;
  };

  // ------------------------------------------------------------------------------------------ raw pages

  async function collectRaw(readable: AsyncIterable<ResolvedEvent | AllStreamResolvedEvent>): Promise<(ResolvedEvent | AllStreamResolvedEvent)[]> {
    const out: (ResolvedEvent | AllStreamResolvedEvent)[] = [];
    for await (const resolved of readable) out.push(resolved);
    return out;
  }

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

  // ------------------------------------------------------------------------------- recent-id window

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

  // ----------------------------------------------------------------------------------------------- reads

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

  function positionOption(name: string, value: unknown, fallback: 'start' | 'end'): bigint | 'start' | 'end' {
    const v = value ?? fallback;
    if (v === 'start' || v === 'end') return v;
    if (typeof v === 'bigint' && v >= 0n) return v;
    throw new InvalidArgumentError(name, `expected 'start', 'end' or a bigint position >= 0n, got ${typeof v === 'bigint' ? `${v}n` : String(v)}`);
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

  // ------------------------------------------------------------------------------------------ subscribe

  function subscribeToAll<D, M>(subscribeOptions: SubscribeToAllOptions = {}): EventStoreDbSubscription<D, M> {
    let initError: unknown;
    let match: EventMatcher | undefined;
    let from: bigint | 'start' | 'end' = 'start';
    try {
      if (closed) throw new StoreClosedError();
      match = compileFilter(subscribeOptions.filter);
      from = positionOption('from', subscribeOptions.from, 'start');
    } catch (error) {
      initError = error;
    }
    const serverFilter = serverStreamFilter(prefix, initError === undefined ? subscribeOptions.filter : undefined);
    const health = new BehaviorSubject<EventStoreDbSubscriptionHealth>({ state: 'connecting' });
    const setHealth = (next: EventStoreDbSubscriptionHealth) => {
      const current = health.value;
      if (current.state === 'ended') return;
      // A change of state, or another retry; not every position (health is not a progress feed).
      if (current.state === next.state && next.state !== 'retrying') return;
      health.next(next);
    };

    let stopped = false;
    let signalStop: () => void = () => undefined;
    const stopSignal = new Promise<'stop'>((resolve) => {
      signalStop = () => resolve('stop');
    });
    const stop = () => {
      stopped = true;
      signalStop();
    };
    stops.add(stop);

    // A transient failure: wait (capped backoff, cut short by a stop) and let the caller retry from its
    // cursor; anything else, or one failure too many, ends the subscription.
    let failures = 0;
    const retryAfter = async (error: unknown, cursor: bigint | undefined): Promise<void> => {
      if (closed) throw new StoreClosedError();
      if (!isTransientEventStoreDbFailure(error) || failures + 1 > maxReconnectAttempts) fail('subscribeToAll', error);
      failures++;
      setHealth({ state: 'retrying', attempt: failures, lastError: error instanceof EventStoreDbError ? error : new EventStoreDbError('subscribeToAll', error), position: cursor });
      await Promise.race([delay(Math.min(maxReconnectDelayMs, reconnectDelayMs * 2 ** (failures - 1))), stopSignal]);
    };

    async function* run(): AsyncGenerator<SubscriptionItem<D, M>, void, undefined> {
      if (initError !== undefined) throw initError;
      let cursor: bigint | undefined;
      // 'end' means "the head when subscribeToAll was called" (resolved eagerly below), retried like the rest.
      for (;;) {
        if (stopped) return;
        try {
          cursor = from === 'end' ? await endPosition! : from === 'start' ? undefined : from;
          break;
        } catch (error) {
          await retryAfter(error, undefined);
          endPosition = headPosition();
          endPosition.catch(() => undefined);
        }
      }
      // Catch-up: pages of $all after the cursor, until a page comes back short.
      for (;;) {
        if (stopped) return;
        let page: Page;
        try {
          page = await readAllPage(cursor, 'forwards', match);
          failures = 0;
          setHealth({ state: 'catching-up', position: cursor });
        } catch (error) {
          if (stopped) return;
          if (isInvalidPosition(error)) throw invalidPositionError('from', from);
          await retryAfter(error, cursor);
          continue;
        }
        for (const event of page.events) {
          if (stopped) return;
          yield { kind: 'event', event: event as RecordedEvent<D, M> };
        }
        if (page.last !== undefined) cursor = page.last;
        if (page.raw < pageSize) break;
      }
      if (stopped) return;
      setHealth({ state: 'live', position: cursor });
      yield { kind: 'caught-up', position: cursor };
      // Live: a subscription from the cursor (exclusive). Its own catch-up covers what was appended since
      // the last page, so nothing is lost at the boundary; positions at or before the cursor are skipped,
      // so nothing is repeated. After a transient failure it resubscribes from the cursor, for as long as
      // the store is open (unless maxReconnectAttempts says otherwise).
      for (;;) {
        if (stopped) return;
        // Filtered on the server: other prefixes, system and checkpoint streams never cross the network.
        const subscription = client.subscribeToAll({ fromPosition: cursor === undefined ? 'start' : toEventStoreDbPosition(cursor), filter: serverFilter });
        subscription.on('confirmation', () => {
          // Answered again after a failure: connected, catching up until the server says caughtUp.
          if (health.value.state === 'retrying') setHealth({ state: 'catching-up', position: cursor });
          failures = 0;
        });
        subscription.on('caughtUp', () => setHealth({ state: 'live', position: cursor }));
        subscription.on('fellBehind', () => setHealth({ state: 'catching-up', position: cursor }));
        const iterator = subscription[Symbol.asyncIterator]() as AsyncIterator<AllStreamResolvedEvent>;
        try {
          for (;;) {
            const next = await Promise.race([iterator.next(), stopSignal]);
            if (next === 'stop' || stopped) return;
            if (next.done) throw Object.assign(new Error('The subscription ended'), { type: 'cancelled' });
            failures = 0;
            const resolved = next.value;
            const p = resolved.event?.position === undefined ? undefined : fromEventStoreDbPosition(resolved.event.position);
            if (p === undefined || (cursor !== undefined && p <= cursor)) continue;
            cursor = p;
            const event = toRecorded(resolved);
            if (event !== undefined && (match === undefined || match(event.streamName, event.type))) {
              yield { kind: 'event', event: event as RecordedEvent<D, M> };
            }
          }
        } catch (error) {
          if (stopped) return;
          await retryAfter(error, cursor);
        } finally {
          void subscription.unsubscribe().catch(() => undefined);
          subscription.destroy();
        }
      }
    }

    // 'end' means "after this call": resolve it now, not when iteration starts.
    let endPosition = initError === undefined && from === 'end' ? headPosition() : undefined;
    endPosition?.catch(() => undefined);
    const end = (error: unknown) => {
      if (health.value.state !== 'ended') health.next({ state: 'ended', error });
      health.complete();
    };
    async function* tracked(): AsyncGenerator<SubscriptionItem<D, M>, void, undefined> {
      try {
        yield* run();
      } catch (error) {
        end(error);
        throw error;
      } finally {
        stops.delete(stop);
        end(undefined);
      }
    }
    const generator = tracked();
    const unsubscribe = async (): Promise<void> => {
      if (stopped) return;
      stop();
      await generator.return(undefined);
      stops.delete(stop);
      end(undefined); // also when iteration never started, so the generator's finally never ran
    };
    const subscription = subscriptionOf<D, M>(() => generator.next(), unsubscribe);
    return Object.assign(subscription, { health$: health.asObservable(), health: () => health.value });
  }

  // ---------------------------------------------------------------------------------------- checkpoints

  const readCheckpoint = async (subscriberId: string): Promise<{ position: bigint | undefined; revision: bigint | undefined }> => {
    const last = await lastOfStream(checkpointStream(subscriberId));
    if (last?.event === undefined) return { position: undefined, revision: undefined };
    const data = last.event.data as { position?: unknown } | undefined;
    const position = typeof data?.position === 'string' ? BigInt(data.position) : undefined;
    return { position, revision: last.event.revision };
  };

  const checkpoints: CheckpointStore = {
    async load(subscriberId) {
      assertOpen();
      validateCheckpointArgs(subscriberId, 0n);
      try {
        return (await readCheckpoint(subscriberId)).position;
      } catch (error) {
        return fail(`checkpoints.load('${subscriberId}')`, error);
      }
    },
    async store(subscriberId, position, storeOptions): Promise<CheckpointStoreResult> {
      assertOpen();
      validateCheckpointArgs(subscriberId, position);
      const operation = `checkpoints.store('${subscriberId}')`;
      // Optimistic concurrency on the checkpoint stream: decide on what was read, append expecting the
      // revision that was read; if another writer got there first, read again and decide again.
      for (;;) {
        let current: { position: bigint | undefined; revision: bigint | undefined };
        try {
          current = await readCheckpoint(subscriberId);
        } catch (error) {
          return fail(operation, error);
        }
        const decision = decideCheckpoint(current.position, position, storeOptions);
        if (decision !== 'stored') return decision;
        try {
          await client.appendToStream(checkpointStream(subscriberId), jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { position: position.toString() } }), {
            expectedRevision: current.revision ?? 'no_stream',
          });
          return 'stored';
        } catch (error) {
          if (clientErrorType(error) !== 'wrong-expected-version') return fail(operation, error);
          assertOpen();
        }
      }
    },
  };

  const documents = createEventStoreDbDocuments({
    client,
    physical,
    lastOfStream: lastOfStream as (name: string) => Promise<ResolvedEvent | undefined>,
    assertOpen,
    fail,
    chunkSize: documentChunkSize,
  });

  return {
    appendToStream,
    async appendToStreams<D, M>(appends: readonly StreamAppend<D, M>[]): Promise<PromiseSettledResult<AppendResult>[]> {
      assertOpen();
      // EventStoreDB appends one stream per request: the requests go out together on the one connection.
      return appendEachStream(appendToStream, appends as readonly StreamAppend[]);
    },
    readStream,
    readAll,
    subscribeToAll,
    checkpoints,
    documents,
    async close() {
      if (closed) return;
      closed = true;
      for (const stop of [...stops]) stop();
      if (ownsClient) await client.dispose().catch(() => undefined);
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
