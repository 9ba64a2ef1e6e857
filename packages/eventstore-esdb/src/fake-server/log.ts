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
  | { kind: 'wrong-expected-version'; currentRevision: bigint | undefined; expected: FakeExpected };

/** The in-memory log of {@link createFakeLog}. */
export interface FakeLog {
  readonly events: readonly FakeLogEvent[];
  /** Indexes into `events` of a stream's events, in revision order (undefined when it has none). */
  stream(name: string): readonly number[] | undefined;
  append(streamName: string, expected: FakeExpected, proposed: readonly FakeProposedEvent[]): FakeAppendResult;
  /** Index of the first event whose position is `>= position` (events.length when none). */
  indexAtOrAfter(position: bigint): number;
  /** Calls `listener` after every append; returns a remover. */
  onAppend(listener: () => void): () => void;
}

/** Gap between consecutive positions besides the event's size, so positions look like log offsets. */
const RECORD_OVERHEAD = 64n;

/** Creates an empty log. */
export function createFakeLog(): FakeLog {
  const events: FakeLogEvent[] = [];
  const streams = new Map<string, number[]>();
  const listeners = new Set<() => void>();
  // A fresh real database starts with its own records, so the first user event is not at position 0.
  let nextPosition = 1024n;
  let lastTicks = 0n;

  const currentRevision = (indexes: number[] | undefined): bigint | undefined =>
    indexes === undefined || indexes.length === 0 ? undefined : BigInt(indexes.length - 1);

  // EventStoreDB's idempotency: a batch whose ids are already the stream's events right after the expected
  // revision (or, for 'any', wherever its first id sits) is acknowledged again without writing.
  const idempotentResult = (indexes: number[] | undefined, expected: FakeExpected, proposed: readonly FakeProposedEvent[]): FakeAppendResult | undefined => {
    if (indexes === undefined || proposed.length === 0) return undefined;
    let start: number;
    if (expected.kind === 'revision') start = Number(expected.revision) + 1;
    else if (expected.kind === 'no_stream') start = 0;
    else start = indexes.findIndex((i) => events[i]!.id === proposed[0]!.id);
    if (start < 0 || start + proposed.length > indexes.length) return undefined;
    for (let k = 0; k < proposed.length; k++) if (events[indexes[start + k]!]!.id !== proposed[k]!.id) return undefined;
    const last = events[indexes[start + proposed.length - 1]!]!;
    return { kind: 'success', currentRevision: last.revision, position: last.position };
  };

  return {
    events,
    stream: (name) => streams.get(name),
    append(streamName, expected, proposed) {
      const indexes = streams.get(streamName);
      const retried = idempotentResult(indexes, expected, proposed);
      if (retried !== undefined) return retried;
      const current = currentRevision(indexes);
      const ok =
        expected.kind === 'any' ||
        (expected.kind === 'no_stream' && current === undefined) ||
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
    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
