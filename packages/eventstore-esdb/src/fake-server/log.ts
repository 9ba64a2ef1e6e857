/**
 * The in-memory log behind the fake EventStoreDB server: streams with 0-based revisions, a global log
 * (`$all`) whose positions are byte-offset-like (strictly increasing, not contiguous, commit = prepare), and
 * EventStoreDB's append rules (expected versions, idempotent retries by event id). No wire types here: the
 * gRPC layer in ./index.ts translates.
 */

/** An event as the fake server keeps it (the fields EventStoreDB's gRPC API returns). */
export interface FakeLogEvent {
  readonly streamName: string;
  readonly revision: bigint;
  /** `$all` position: EventStoreDB's commit and prepare positions are both this value. */
  readonly position: bigint;
  /** Event id, a lowercase UUID string. */
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
  /** .NET ticks (100 ns) since the Unix epoch, as EventStoreDB's gRPC API sends `created`. */
  readonly created: bigint;
}

/** What an append expects of the stream, as on the wire. */
export type FakeExpected = { kind: 'any' } | { kind: 'no_stream' } | { kind: 'stream_exists' } | { kind: 'revision'; revision: bigint };

/** A proposed event of an append request. */
export interface FakeProposedEvent {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  metadata: Uint8Array;
}

export type FakeAppendResult =
  | { kind: 'success'; currentRevision: bigint | undefined; position: bigint | undefined }
  | { kind: 'wrong-expected-version'; currentRevision: bigint | undefined; expected: FakeExpected }
  | { kind: 'stream-deleted' };

/** What deleting a stream did: its position in `$all`, or why not. */
export type FakeDeleteResult =
  | { kind: 'success'; position: bigint }
  | { kind: 'wrong-expected-version'; currentRevision: bigint | undefined; expected: FakeExpected }
  | { kind: 'stream-deleted' };

/** The in-memory log of {@link createFakeLog}. */
export interface FakeLog {
  readonly events: readonly FakeLogEvent[];
  /** Indexes into `events` of a stream's events, in revision order (undefined when it has none). */
  stream(name: string): readonly number[] | undefined;
  /**
   * The first revision a read of the stream shows: after a soft delete, the revision after the last one it
   * had ("truncate before"); `'tombstoned'` after a hard delete; 0n otherwise.
   */
  firstVisible(name: string): bigint | 'tombstoned';
  /**
   * Deletes a stream as EventStoreDB's `Delete` (soft: reads find no stream until it is appended to again,
   * its revisions then continue) or `Tombstone` (hard: every later read or append fails with stream-deleted).
   * Its events stay in `$all`, as on a server before a scavenge.
   */
  delete(streamName: string, expected: FakeExpected, hard: boolean): FakeDeleteResult;
  append(streamName: string, expected: FakeExpected, proposed: readonly FakeProposedEvent[]): FakeAppendResult;
  /** Index of the first event whose position is `>= position` (events.length when none). */
  indexAtOrAfter(position: bigint): number;
  /** Whether `$all` can be read from `position`: 0, an event's position, or at or past the end of the log. */
  isRecordBoundary(position: bigint): boolean;
  /** Calls `listener` after every append; returns a remover. */
  onAppend(listener: () => void): () => void;
}

/** Gap between consecutive positions besides the event's size, so positions look like log offsets. */
const RECORD_OVERHEAD = 64n;

/** Options of {@link createFakeLog}. */
export interface FakeLogOptions {
  /**
   * Ids in the server's cache of recent ids, which recognises batches retried with 'any' (default 100 000).
   * A real server bounds it by memory (8 MiB, ESConsts.CommitedEventsMemCacheLimit); the count is a guess.
   */
  idempotencyCacheSize?: number;
}

/** Creates an empty log. */
export function createFakeLog(options: FakeLogOptions = {}): FakeLog {
  const idempotencyCacheSize = options.idempotencyCacheSize ?? 100_000;
  const events: FakeLogEvent[] = [];
  const streams = new Map<string, number[]>();
  const listeners = new Set<() => void>();
  // A fresh real database starts with its own records, so the first user event is not at position 0.
  let nextPosition = 1024n;
  let lastTicks = 0n;

  const currentRevision = (indexes: number[] | undefined): bigint | undefined =>
    indexes === undefined || indexes.length === 0 ? undefined : BigInt(indexes.length - 1);

  // EventStoreDB's idempotency check (IndexWriter.CheckCommit in EventStore/EventStore, read for this):
  // - an exact expected revision (no_stream = -1) behind the stream: the events after it are compared with
  //   the batch; all equal is a retry (acknowledged again), the first different is a wrong expected version,
  //   a later one "corrupted idempotency", also answered as a wrong expected version;
  // - 'any' / stream_exists: every id is looked up in a bounded cache of recent ids; the first missing means
  //   a new write, a later missing one corrupted idempotency. An id that fell out of the cache is not seen,
  //   so an old batch retried with 'any' is stored again, as on a real server.
  const recentIds = new Map<string, { streamName: string; revision: bigint }>();
  const remember = (id: string, streamName: string, revision: bigint) => {
    recentIds.delete(id);
    recentIds.set(id, { streamName, revision });
    if (recentIds.size > idempotencyCacheSize) recentIds.delete(recentIds.keys().next().value!);
  };
  const idempotentResult = (streamName: string, indexes: number[] | undefined, expected: FakeExpected, proposed: readonly FakeProposedEvent[]): FakeAppendResult | undefined => {
    if (indexes === undefined || indexes.length === 0 || proposed.length === 0) return undefined;
    const current = BigInt(indexes.length - 1);
    const wrong: FakeAppendResult = { kind: 'wrong-expected-version', currentRevision: current, expected };
    if (expected.kind === 'revision' || expected.kind === 'no_stream') {
      const after = expected.kind === 'revision' ? expected.revision : -1n;
      if (after >= current) return undefined;
      let at = Number(after) + 1;
      for (let k = 0; k < proposed.length; k++, at++) {
        if (at < indexes.length && events[indexes[at]!]!.id === proposed[k]!.id) continue;
        return k === 0 ? undefined : wrong;
      }
      const last = events[indexes[at - 1]!]!;
      return { kind: 'success', currentRevision: last.revision, position: last.position };
    }
    let end: bigint | undefined;
    for (let k = 0; k < proposed.length; k++) {
      const known = recentIds.get(proposed[k]!.id);
      if (known === undefined || known.streamName !== streamName) return k === 0 ? undefined : wrong;
      end = known.revision;
    }
    const last = events[indexes[Number(end!)]!]!;
    return { kind: 'success', currentRevision: last.revision, position: last.position };
  };

  // Soft-deleted streams' "truncate before" revisions; tombstoned streams.
  const truncatedBefore = new Map<string, bigint>();
  const tombstoned = new Set<string>();
  const isSoftDeleted = (name: string, indexes: number[] | undefined) => indexes !== undefined && truncatedBefore.get(name) === BigInt(indexes.length);
  /** Appends a system record (a deletion's) to `$all` only, as the server writes `$streamDeleted` / `$metadata`. */
  const appendSystemRecord = (streamName: string, type: string): bigint => {
    const position = nextPosition;
    events.push({ streamName, revision: 0n, position, id: '00000000-0000-0000-0000-000000000000', type, contentType: 'application/json', data: new Uint8Array(0), metadata: new Uint8Array(0), created: BigInt(Date.now()) * 10_000n });
    nextPosition += RECORD_OVERHEAD + BigInt(type.length + streamName.length);
    for (const listener of listeners) listener();
    return position;
  };

  return {
    events,
    stream: (name) => streams.get(name),
    firstVisible: (name) => (tombstoned.has(name) ? 'tombstoned' : (truncatedBefore.get(name) ?? 0n)),
    delete(streamName, expected, hard) {
      if (tombstoned.has(streamName)) return { kind: 'stream-deleted' };
      const indexes = streams.get(streamName);
      const current = indexes === undefined || indexes.length === 0 || isSoftDeleted(streamName, indexes) ? undefined : BigInt(indexes.length - 1);
      const ok =
        expected.kind === 'any' ||
        (expected.kind === 'no_stream' && current === undefined) ||
        (expected.kind === 'stream_exists' && current !== undefined) ||
        (expected.kind === 'revision' && current === expected.revision);
      if (!ok) return { kind: 'wrong-expected-version', currentRevision: current, expected };
      if (hard) {
        tombstoned.add(streamName);
        return { kind: 'success', position: appendSystemRecord(streamName, '$streamDeleted') };
      }
      truncatedBefore.set(streamName, BigInt(indexes?.length ?? 0));
      return { kind: 'success', position: appendSystemRecord(`$$${streamName}`, '$metadata') };
    },
    append(streamName, expected, proposed) {
      if (tombstoned.has(streamName)) return { kind: 'stream-deleted' };
      const indexes = streams.get(streamName);
      const retried = idempotentResult(streamName, indexes, expected, proposed);
      if (retried !== undefined) return retried;
      const current = currentRevision(indexes);
      const ok =
        expected.kind === 'any' ||
        (expected.kind === 'no_stream' && (current === undefined || isSoftDeleted(streamName, indexes))) ||
        (expected.kind === 'stream_exists' && current !== undefined) ||
        (expected.kind === 'revision' && current === expected.revision);
      if (!ok) return { kind: 'wrong-expected-version', currentRevision: current, expected };
      if (proposed.length === 0) {
        const last = indexes === undefined || indexes.length === 0 ? undefined : events[indexes[indexes.length - 1]!];
        return { kind: 'success', currentRevision: current, position: last?.position };
      }
      const list = indexes ?? [];
      if (indexes === undefined) streams.set(streamName, list);
      // Strictly increasing creation stamps, as a real log's would be for one writer.
      let ticks = BigInt(Date.now()) * 10_000n;
      if (ticks <= lastTicks) ticks = lastTicks + 1n;
      lastTicks = ticks;
      let last: FakeLogEvent | undefined;
      for (const p of proposed) {
        last = {
          streamName,
          revision: BigInt(list.length),
          position: nextPosition,
          id: p.id,
          type: p.type,
          contentType: p.contentType,
          data: p.data,
          metadata: p.metadata,
          created: ticks,
        };
        nextPosition += RECORD_OVERHEAD + BigInt(p.data.length + p.metadata.length + p.type.length + streamName.length);
        list.push(events.length);
        events.push(last);
        remember(p.id, streamName, last.revision);
      }
      for (const listener of listeners) listener();
      return { kind: 'success', currentRevision: last!.revision, position: last!.position };
    },
    indexAtOrAfter(position) {
      let lo = 0;
      let hi = events.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (events[mid]!.position < position) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
    isRecordBoundary(position) {
      if (position === 0n || position >= nextPosition) return true;
      return events[this.indexAtOrAfter(position)]?.position === position;
    },
    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
