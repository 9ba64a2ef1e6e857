/**
 * The in-memory adapter: the embedded default for tests, examples and replays.
 *
 * Compactness: the log is kept in columns, one array per field (id, type, data, metadata, stream,
 * revision, recordedAt), holding the caller's `data` and `metadata` by reference (deep-frozen on request).
 * An append allocates nothing per event: a frozen `RecordedEvent`, with its `bigint` position, costs more
 * than the rest of an append, and most events of an embedded log are never read back as records. A record
 * is made on its first read and kept, so every read of an event returns the same frozen object. A stream
 * is its shared name string and an array of positions; the id index is a typed-array hash table of
 * positions (see ../id-index).
 */
import { assertStreamAppends, classifyKnownIds, checkExpectedRevision } from '../append/index.js';
import { createRecordedAtClock } from '../clock/index.js';
import { createIdTable, hashString } from '../id-index/index.js';
import { DuplicateEventIdError, StoreClosedError } from '../errors/index.js';
import type { EventMatcher } from '../filters/index.js';
import type {
  AppendOptions,
  AppendResult,
  CheckpointStore,
  CheckpointStoreResult,
  Direction,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  RecordedEvent,
  StreamAppend,
} from '../port/index.js';
import { readAllPaged, readStreamPaged, type LogSource, type ScanPage } from '../reading/index.js';
import { createAllSubscription } from '../subscription/index.js';
import { assertExpectedRevision, assertStreamName, validateEvents } from '../validation/index.js';
import { decideCheckpoint, validateCheckpointArgs } from '../checkpoints/index.js';
import { createMemoryDocumentStore } from '../documents/index.js';
import { createInMemoryStreamGroups } from '../stream-groups/index.js';

/** Options of {@link createInMemoryEventStore}. */
export interface InMemoryEventStoreOptions {
  /**
   * Deep-freeze every appended event's `data` and `metadata` (default `false`). The store keeps them by
   * reference (cloning would cost more than the rest of an append); freezing turns a later mutation by
   * the caller into a TypeError instead of a silent rewrite of history, at about a third of append speed.
   */
  deepFreeze?: boolean;
  /**
   * Check that every appended event's `data` and `metadata` are JSON-storable (default `true`). `false`
   * skips that walk, which is most of an append's cost for a large payload: only for an owner that appends
   * data it has validated itself and never hands the store to anyone else (the journey engine's default
   * store). Ids, types, stream names and revisions are checked either way; `deepFreeze` implies the walk.
   */
  validateData?: boolean;
  /**
   * Index event ids (default `true`), which is how the store finds an id appended before: a retried batch
   * answers its original result and a reused id is a `DuplicateEventIdError`. `false` keeps no index (no
   * hash, probe or table growth per event, nor its ~16 bytes per event): only for an owner that guarantees
   * every id it appends is new to the store, retries included, and never hands the store to anyone else
   * (the journey engine's default store, which checks ids against everything it recorded). Ids repeated
   * inside one batch are still rejected.
   */
  indexIds?: boolean;
  /** Clock for `recordedAt` (milliseconds since the epoch); `Date.now` by default. */
  now?: () => number;
}

// Revisions are small numbers repeated across streams: share their BigInts instead of allocating one per
// event (BigInts are immutable primitives, so sharing is invisible).
const SMALL_REVISIONS: bigint[] = [];
function revisionBigInt(revision: number): bigint {
  if (revision >= 4096) return BigInt(revision);
  let b = SMALL_REVISIONS[revision];
  if (b === undefined) {
    for (let i = SMALL_REVISIONS.length; i <= revision; i++) SMALL_REVISIONS.push(BigInt(i));
    b = SMALL_REVISIONS[revision]!;
  }
  return b;
}

/**
 * A stream: its name (one string shared by all its events, even when callers pass equal but distinct
 * strings) and the positions of its events (small integers: an array the garbage collector need not trace).
 * Keeping the name here spares an append a dependent load through the log to the stream's first event.
 */
interface StreamEntry {
  readonly name: string;
  readonly positions: number[];
}

/** Upper bound of positions examined per synchronous scan step, so a filtered read yields to the loop. */
const MAX_SCAN = 65_536;

/**
 * Creates an empty in-memory event store implementing the whole port. Appends validate the batch (data
 * must be JSON-storable), then store it atomically. Data and metadata are kept by reference: do not mutate
 * them after appending (or pass `deepFreeze: true` to have that enforced). Everything is lost when the process ends.
 */
export function createInMemoryEventStore(options: InMemoryEventStoreOptions = {}): EventStore {
  // Position p (1-based) lives at index p - 1 of every column.
  const ids: string[] = [];
  const types: string[] = [];
  const datas: unknown[] = [];
  // Made when the first event with metadata arrives (most logs carry none), then kept as long as the others.
  let metadatas: unknown[] | undefined;
  const streamOf: StreamEntry[] = [];
  const revisions: number[] = [];
  const recordedAts: string[] = [];
  // The records made so far by reads (undefined until the first read of the event); made on the first read.
  let records: (RecordedEvent | undefined)[] | undefined;
  const streams = new Map<string, StreamEntry>();
  const byId = createIdTable((index) => ids[index]!);
  const checkpoints = new Map<string, bigint>();
  const listeners = new Set<() => void>();
  const recordedAt = createRecordedAtClock(options.now);
  const deepFreeze = options.deepFreeze === true;
  const validateData = deepFreeze || options.validateData !== false;
  const indexIds = options.indexIds !== false;
  let closed = false;

  const notify = () => {
    for (const listener of listeners) listener();
  };
  const positionOf = (id: string): number | undefined => byId.find(id);
  const newStream = (name: string): StreamEntry => {
    const entry: StreamEntry = { name, positions: [] };
    streams.set(name, entry);
    return entry;
  };
  const locate = (id: string) => {
    const p = positionOf(id);
    if (p === undefined) return undefined;
    return { streamName: streamOf[p - 1]!.name, revision: revisions[p - 1]!, position: p };
  };
  /** The record of position p, made on its first read. */
  const recordAt = (p: number): RecordedEvent => {
    const i = p - 1;
    records ??= new Array<RecordedEvent | undefined>(ids.length).fill(undefined);
    if (records.length < ids.length) for (let k = records.length; k < ids.length; k++) records.push(undefined);
    let r = records[i];
    if (r === undefined) {
      r = Object.freeze({
        id: ids[i]!,
        type: types[i]!,
        data: datas[i],
        metadata: metadatas?.[i],
        streamName: streamOf[i]!.name,
        revision: revisionBigInt(revisions[i]!),
        position: BigInt(p),
        recordedAt: recordedAts[i]!,
      });
      records[i] = r;
    }
    return r;
  };
  const push = (e: EventToAppend<unknown, unknown>, stream: StreamEntry, revision: number, at: string): number => {
    ids.push(e.id);
    types.push(e.type);
    datas.push(e.data);
    if (metadatas !== undefined) metadatas.push(e.metadata);
    else if (e.metadata !== undefined) {
      metadatas = new Array<unknown>(ids.length - 1).fill(undefined);
      metadatas.push(e.metadata);
    }
    streamOf.push(stream);
    revisions.push(revision);
    recordedAts.push(at);
    stream.positions.push(ids.length);
    return ids.length;
  };

  const source: LogSource = {
    head: () => ids.length,
    state: () => (closed ? 'closed' : 'open'),
    scanAll(cursor: number, direction: Direction, limit: number, match: EventMatcher | undefined, end: number): ScanPage {
      const events: RecordedEvent[] = [];
      let p = cursor;
      if (direction === 'forwards') {
        const stop = Math.min(end, ids.length, cursor + MAX_SCAN);
        while (p < stop && events.length < limit) {
          // Position p + 1 lives at index p.
          if (match === undefined || match(streamOf[p]!.name, types[p]!)) events.push(recordAt(p + 1));
          p++;
        }
      } else {
        p = Math.min(p, ids.length + 1);
        const stop = Math.max(1, p - MAX_SCAN);
        while (p > stop && events.length < limit) {
          const i = --p - 1;
          if (match === undefined || match(streamOf[i]!.name, types[i]!)) events.push(recordAt(p));
        }
      }
      return { events, last: p };
    },
    streamLength: (stream) => streams.get(stream)?.positions.length ?? 0,
    readStreamPage(stream, from, count, direction) {
      const list = streams.get(stream)?.positions ?? [];
      const out: RecordedEvent[] = [];
      if (direction === 'forwards') for (let i = from; i < from + count && i < list.length; i++) out.push(recordAt(list[i]!));
      else for (let i = from; i > from - count && i >= 0; i--) out.push(recordAt(list[i]!));
      return out;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  const checkpointStore: CheckpointStore = {
    async load(subscriberId) {
      if (closed) throw new StoreClosedError();
      validateCheckpointArgs(subscriberId, 0n);
      return checkpoints.get(subscriberId);
    },
    async store(subscriberId, position, options): Promise<CheckpointStoreResult> {
      if (closed) throw new StoreClosedError();
      validateCheckpointArgs(subscriberId, position);
      const result = decideCheckpoint(checkpoints.get(subscriberId), position, options);
      if (result === 'stored') checkpoints.set(subscriberId, position);
      return result;
    },
  };

  // The append itself, synchronous: appendToStream is one call of it, appendToStreams one per entry (and
  // one notification for them all).
  function appendNow(stream: string, events: readonly EventToAppend<unknown, unknown>[], expected: ExpectedRevision, notifyNow: boolean): AppendResult {
    assertStreamName(stream);
    assertExpectedRevision(expected);
    // Looked up before validating: the lookup's cache misses then overlap the validation's. Streams are
    // never removed, so only a missing entry needs a second look (validation may run callers' getters).
    let entry = streams.get(stream);
    const repeated = validateEvents(events, deepFreeze, validateData);
    if (repeated.length > 0) throw new DuplicateEventIdError(stream, repeated);
    if (entry === undefined) entry = streams.get(stream);
    const current = entry === undefined ? -1 : entry.positions.length - 1;
    const count = events.length;
    if (count === 1) {
      // The common case, without the per-batch arrays of the general path below.
      const e = events[0]!;
      const h = indexIds ? hashString(e.id) : 0;
      if (indexIds && byId.find(e.id, h) !== undefined) {
        const retried = classifyKnownIds(stream, [e.id], 1, locate);
        if (retried !== undefined) return retried;
      }
      checkExpectedRevision(stream, expected, current);
      const target = entry === undefined ? newStream(stream) : entry;
      const position = push(e, target, current + 1, recordedAt());
      if (indexIds) byId.add(h, position);
      if (notifyNow && listeners.size > 0) notify();
      return { nextExpectedRevision: revisionBigInt(current + 1), position: BigInt(position) };
    }
    // One hash probe per event; the retry/conflict classification only runs when an id is known.
    let known = false;
    const hashes = new Array<number>(indexIds ? count : 0);
    for (let i = 0; i < count && !known && indexIds; i++) {
      const id = events[i]!.id;
      const h = hashString(id);
      hashes[i] = h;
      known = byId.find(id, h) !== undefined;
    }
    if (known) {
      const retried = classifyKnownIds(stream, (i) => events[i]!.id, count, locate);
      if (retried !== undefined) return retried;
    }
    checkExpectedRevision(stream, expected, current);
    if (count === 0) {
      return entry === undefined
        ? { nextExpectedRevision: -1n, position: -1n }
        : { nextExpectedRevision: BigInt(current), position: BigInt(entry.positions[current]!) };
    }
    const target = entry === undefined ? newStream(stream) : entry;
    const at = recordedAt();
    let position = 0;
    for (let i = 0; i < count; i++) {
      position = push(events[i]!, target, current + 1 + i, at);
      if (indexIds) byId.add(hashes[i]!, position);
    }
    if (notifyNow && listeners.size > 0) notify();
    return { nextExpectedRevision: revisionBigInt(current + count), position: BigInt(position) };
  }

  return {
    async appendToStream<D, M>(stream: string, events: readonly EventToAppend<D, M>[], options?: AppendOptions): Promise<AppendResult> {
      if (closed) throw new StoreClosedError();
      return appendNow(stream, events, options?.expectedRevision ?? 'any', true);
    },
    async appendToStreams<D, M>(appends: readonly StreamAppend<D, M>[]): Promise<PromiseSettledResult<AppendResult>[]> {
      if (closed) throw new StoreClosedError();
      assertStreamAppends(appends);
      const results = new Array<PromiseSettledResult<AppendResult>>(appends.length);
      let appended = false;
      for (let i = 0; i < appends.length; i++) {
        const a = appends[i]!;
        try {
          results[i] = { status: 'fulfilled', value: appendNow(a.streamName, a.events, a.expectedRevision ?? 'any', false) };
          appended = true;
        } catch (reason) {
          results[i] = { status: 'rejected', reason };
        }
      }
      if (appended && listeners.size > 0) notify();
      return results;
    },
    readStream: (stream, options) => readStreamPaged(source, stream, options),
    readAll: (options) => readAllPaged(source, options),
    subscribeToAll: (options) => createAllSubscription(source, options),
    checkpoints: checkpointStore,
    documents: createMemoryDocumentStore(() => {
      if (closed) throw new StoreClosedError();
    }),
    // A failed append creates no entry with positions: only streams holding an event form a group.
    streamGroups: createInMemoryStreamGroups({
      assertOpen: () => {
        if (closed) throw new StoreClosedError();
      },
      *streams() {
        for (const entry of streams.values()) if (entry.positions.length > 0) yield entry.name;
      },
      head: () => ids.length,
    }),
    async close() {
      if (closed) return;
      closed = true;
      notify();
    },
  };
}

