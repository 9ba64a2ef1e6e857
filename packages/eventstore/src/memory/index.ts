/**
 * The in-memory adapter: the embedded default for tests, examples and replays.
 *
 * Compactness: the frozen `RecordedEvent` object is the log's one copy of an event (its `data` and
 * `metadata` are the caller's objects, not clones; deep-frozen on request), referenced from the global log array;
 * a stream is an array of positions; the id index is a typed-array hash table of positions (see ../id-index).
 */
import { classifyKnownIds, checkExpectedRevision } from '../append/index.js';
import { createRecordedAtClock } from '../clock/index.js';
import { createIdIndex, hashString } from '../id-index/index.js';
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

/** Upper bound of positions examined per synchronous scan step, so a filtered read yields to the loop. */
const MAX_SCAN = 65_536;

/**
 * Creates an empty in-memory event store implementing the whole port. Appends validate the batch (data
 * must be JSON-storable), then store it atomically. Data and metadata are kept by reference: do not mutate
 * them after appending (or pass `deepFreeze: true` to have that enforced). Everything is lost when the process ends.
 */
export function createInMemoryEventStore(options: InMemoryEventStoreOptions = {}): EventStore {
  const log: RecordedEvent[] = [];
  // Per stream, the positions of its events (small integers: arrays the garbage collector need not trace).
  const streams = new Map<string, number[]>();
  const byId = createIdIndex();
  const checkpoints = new Map<string, bigint>();
  const listeners = new Set<() => void>();
  const recordedAt = createRecordedAtClock(options.now);
  const deepFreeze = options.deepFreeze === true;
  let closed = false;

  const notify = () => {
    for (const listener of listeners) listener();
  };
  // The id being looked up, read by one long-lived confirm function: no closure allocated per probe.
  let probeId = '';
  const confirm = (p: number) => log[p - 1]!.id === probeId;
  const positionOf = (id: string): number | undefined => {
    probeId = id;
    return byId.find(hashString(id), confirm);
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
    streamLength: (stream) => streams.get(stream)?.length ?? 0,
    readStreamPage(stream, from, count, direction) {
      const list = streams.get(stream) ?? [];
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
      const repeated = validateEvents(events, deepFreeze);
      if (repeated.length > 0) throw new DuplicateEventIdError(stream, repeated);
      const list = streams.get(stream);
      const current = list === undefined ? -1 : list.length - 1;
      const count = events.length;
      // One hash probe per event; the retry/conflict classification only runs when an id is known.
      let known = false;
      const hashes = count === 1 ? undefined : new Array<number>(count);
      let firstHash = 0;
      for (let i = 0; i < count && !known; i++) {
        const id = events[i]!.id;
        const h = hashString(id);
        if (i === 0) firstHash = h;
        else hashes![i] = h;
        probeId = id;
        known = byId.find(h, confirm) !== undefined;
      }
      if (known) {
        const retried = classifyKnownIds(stream, (i) => events[i]!.id, count, locate);
        if (retried !== undefined) return retried;
      }
      checkExpectedRevision(stream, expected, current);
      if (count === 0) {
        return list === undefined
          ? { nextExpectedRevision: -1n, position: -1n }
          : { nextExpectedRevision: BigInt(current), position: log[list[current]! - 1]!.position };
      }
      // Reuse the stream's stored name string, so every event of a stream shares one string.
      const streamName = list === undefined ? stream : log[list[0]! - 1]!.streamName;
      const target = list ?? [];
      if (list === undefined) streams.set(stream, target);
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
        target.push(log.length);
        byId.add(i === 0 ? firstHash : hashes![i]!, log.length);
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

