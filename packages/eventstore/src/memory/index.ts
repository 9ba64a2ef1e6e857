/**
 * The in-memory adapter: the embedded default for tests, examples and replays.
 *
 * Compactness: the frozen `RecordedEvent` object is the log's one copy of an event (its `data` and
 * `metadata` are the caller's objects, not clones; deep-frozen on request), referenced from the global log array;
 * a stream is its shared name string and an array of positions; the id index is a typed-array hash table of positions (see ../id-index).
 */
import { classifyKnownIds, checkExpectedRevision } from '../append/index.js';
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
  RecordedEvent,
} from '../port/index.js';
import { readAllPaged, readStreamPaged, type LogSource, type ScanPage } from '../reading/index.js';
import { createAllSubscription } from '../subscription/index.js';
import { assertExpectedRevision, assertStreamName, validateEvents } from '../validation/index.js';
import { decideCheckpoint, validateCheckpointArgs } from '../checkpoints/index.js';

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
  const log: RecordedEvent[] = [];
  const streams = new Map<string, StreamEntry>();
  const byId = createIdTable(log);
  const checkpoints = new Map<string, bigint>();
  const listeners = new Set<() => void>();
  const recordedAt = createRecordedAtClock(options.now);
  const deepFreeze = options.deepFreeze === true;
  const validateData = deepFreeze || options.validateData !== false;
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
    const e = log[p - 1]!;
    return { streamName: e.streamName, revision: Number(e.revision), position: p };
  };

  const source: LogSource = {
    head: () => log.length,
    state: () => (closed ? 'closed' : 'open'),
    scanAll(cursor: number, direction: Direction, limit: number, match: EventMatcher | undefined, end: number): ScanPage {
      const events: RecordedEvent[] = [];
      let p = cursor;
      if (direction === 'forwards') {
        const stop = Math.min(end, log.length, cursor + MAX_SCAN);
        while (p < stop && events.length < limit) {
          const e = log[p++]!; // position p (1-based) lives at index p - 1
          if (match === undefined || match(e.streamName, e.type)) events.push(e);
        }
      } else {
        p = Math.min(p, log.length + 1);
        const stop = Math.max(1, p - MAX_SCAN);
        while (p > stop && events.length < limit) {
          const e = log[--p - 1]!;
          if (match === undefined || match(e.streamName, e.type)) events.push(e);
        }
      }
      return { events, last: p };
    },
    streamLength: (stream) => streams.get(stream)?.positions.length ?? 0,
    readStreamPage(stream, from, count, direction) {
      const list = streams.get(stream)?.positions ?? [];
      const out: RecordedEvent[] = [];
      if (direction === 'forwards') for (let i = from; i < from + count && i < list.length; i++) out.push(log[list[i]! - 1]!);
      else for (let i = from; i > from - count && i >= 0; i--) out.push(log[list[i]! - 1]!);
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

  return {
    async appendToStream<D, M>(stream: string, events: readonly EventToAppend<D, M>[], options?: AppendOptions): Promise<AppendResult> {
      if (closed) throw new StoreClosedError();
      assertStreamName(stream);
      const expected = options?.expectedRevision ?? 'any';
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
        const h = hashString(e.id);
        if (byId.find(e.id, h) !== undefined) {
          const retried = classifyKnownIds(stream, [e.id], 1, locate);
          if (retried !== undefined) return retried;
        }
        checkExpectedRevision(stream, expected, current);
        const target = entry === undefined ? newStream(stream) : entry;
        const revision = revisionBigInt(current + 1);
        const position = log.length + 1;
        const positionBig = BigInt(position);
        log.push(
          Object.freeze({
            id: e.id,
            type: e.type,
            data: e.data,
            metadata: e.metadata,
            streamName: target.name,
            revision,
            position: positionBig,
            recordedAt: recordedAt(),
          }) as RecordedEvent,
        );
        target.positions.push(position);
        byId.add(h, position);
        if (listeners.size > 0) notify();
        return { nextExpectedRevision: revision, position: positionBig };
      }
      // One hash probe per event; the retry/conflict classification only runs when an id is known.
      let known = false;
      const hashes = new Array<number>(count);
      for (let i = 0; i < count && !known; i++) {
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
          : { nextExpectedRevision: BigInt(current), position: log[entry.positions[current]! - 1]!.position };
      }
      const target = entry === undefined ? newStream(stream) : entry;
      const streamName = target.name;
      const positions = target.positions;
      const at = recordedAt();
      let revision = current;
      let last: RecordedEvent | undefined;
      for (let i = 0; i < count; i++) {
        const e = events[i]!;
        last = Object.freeze({
          id: e.id,
          type: e.type,
          data: e.data,
          metadata: e.metadata,
          streamName,
          revision: revisionBigInt(++revision),
          position: BigInt(log.length + 1),
          recordedAt: at,
        }) as RecordedEvent;
        log.push(last);
        positions.push(log.length);
        byId.add(hashes[i]!, log.length);
      }
      if (listeners.size > 0) notify();
      return { nextExpectedRevision: last!.revision, position: last!.position };
    },
    readStream: (stream, options) => readStreamPaged(source, stream, options),
    readAll: (options) => readAllPaged(source, options),
    subscribeToAll: (options) => createAllSubscription(source, options),
    checkpoints: checkpointStore,
    async close() {
      if (closed) return;
      closed = true;
      notify();
    },
  };
}

