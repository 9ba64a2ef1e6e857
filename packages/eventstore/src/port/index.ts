import type { Observable } from 'rxjs';

/** The revision a stream must be at for an append to proceed. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** Plain JSON-compatible data: what an event's `data` and `metadata` may hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** An event handed to `appendToStream`. */
export interface EventToAppend<Data = unknown, Metadata = unknown> {
  /** Unique in the store. A retried append re-sends the same ids. */
  id: string;
  /** Non-empty event type name. */
  type: string;
  data: Data;
  metadata?: Metadata;
}

/** An event as the store keeps it. */
export interface RecordedEvent<Data = unknown, Metadata = unknown> {
  id: string;
  type: string;
  data: Data;
  metadata: Metadata | undefined;
  streamName: string;
  /** 0-based position of the event in its stream. */
  revision: bigint;
  /** Position in the store-wide log (`$all`): strictly increasing in append order, not contiguous. */
  position: bigint;
  /** When the store recorded it (ISO-8601 UTC with milliseconds). */
  recordedAt: string;
}

/** What a successful append returns. */
export interface AppendResult {
  /** Revision of the stream's last event after the append. */
  nextExpectedRevision: bigint;
  /** Global position of the batch's last event (for an empty or retried batch, of the stream's last event or the original batch's). */
  position: bigint;
}

/** Options of `appendToStream`. */
export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

/** One stream's batch in `appendToStreams`. */
export interface StreamAppend<Data = unknown, Metadata = unknown> {
  streamName: string;
  events: readonly EventToAppend<Data, Metadata>[];
  /** As in `appendToStream` (default `'any'`). */
  expectedRevision?: ExpectedRevision;
}

/** Which way a read goes through a stream or the log. */
export type Direction = 'forwards' | 'backwards';

/** Options of `readStream`. */
export interface ReadStreamOptions {
  direction?: Direction;
  /** Inclusive start revision; defaults to the first (forwards) or last (backwards) event. */
  fromRevision?: bigint | 'start' | 'end';
  maxCount?: number;
}

/** Which events a `readAll` or subscription delivers. */
export type EventFilter =
  | { eventTypePrefix: string | string[] }
  | { streamNamePrefix: string | string[] }
  | { eventTypeRegex: RegExp }
  | { streamNameRegex: RegExp };

/** Options of `readAll`. */
export interface ReadAllOptions {
  /** Exclusive: delivers events strictly after this position. */
  fromPosition?: bigint | 'start' | 'end';
  direction?: Direction;
  maxCount?: number;
  filter?: EventFilter;
}

/** Options of `subscribeToAll`. */
export interface SubscribeToAllOptions {
  /** Exclusive start position; `'start'` by default, `'end'` for live events only. */
  from?: bigint | 'start' | 'end';
  filter?: EventFilter;
}

/** One item delivered by a subscription: an event, or the one-time signal that history is exhausted. */
export type SubscriptionItem<Data = unknown, Metadata = unknown> =
  | { kind: 'event'; event: RecordedEvent<Data, Metadata> }
  | { kind: 'caught-up'; position: bigint | undefined };

/** A subscription to `$all`: an async iterable that can also be unsubscribed and seen as an Observable. */
export interface AllSubscription<Data = unknown, Metadata = unknown>
  extends AsyncIterable<SubscriptionItem<Data, Metadata>> {
  /** Stops all reading; the iterable ends. */
  unsubscribe(): Promise<void>;
  /** The same items as an rxjs Observable (one consumer: the subscription is single-use). */
  asObservable(): Observable<SubscriptionItem<Data, Metadata>>;
}

/** What storing a checkpoint did: stored, ignored (not newer than the stored one), or mismatch (the expected one differed). */
export type CheckpointStoreResult = 'stored' | 'ignored' | 'mismatch';

/** Per-subscriber processed positions, kept in the same store as the events. */
export interface CheckpointStore {
  /** The stored position of a subscriber, `undefined` if none. */
  load(subscriberId: string): Promise<bigint | undefined>;
  /**
   * Conditionally moves a subscriber's checkpoint: `expected` is the position the caller last saw
   * (`undefined` for none). Answers `ignored` when the stored position is already at or past `position`,
   * `mismatch` when it is not `expected`, else `stored`.
   */
  store(subscriberId: string, position: bigint, options?: { expected?: bigint | undefined }): Promise<CheckpointStoreResult>;
}

/** A stored document: its bytes and its version (see {@link DocumentStore}). */
export interface StoredDocument {
  /** The bytes last written (a copy: changing it changes nothing in the store). */
  readonly value: Uint8Array;
  /** Positive, and greater after every write or delete of the key, a delete and re-create included. */
  readonly version: bigint;
}

/**
 * The version a document write or delete expects: `'absent'` (no document under the key, never written or
 * deleted), a version read before (optimistic concurrency), or `'any'` (unconditional).
 */
export type ExpectedDocumentVersion = 'absent' | 'any' | bigint;

/**
 * Keyed documents with optimistic concurrency, kept in the same store as the events: engine snapshots, and
 * anything that needs compare-and-set on a small or large value (leases between workers). A write or delete
 * is atomic: a reader sees the previous document or the new one, never a mix, and a crash during a write
 * leaves the previous one readable. Versions of a key only increase (a delete moves them on too), so a
 * version read once is never valid again after a change (no ABA). Keys are 1 to 200 characters from
 * `A-Z a-z 0-9 . _ : @ -`, not starting with `.`; values are bytes of any size the adapter's storage holds
 * (tens of megabytes in every adapter).
 */
export interface DocumentStore {
  /** The document under `key`, `undefined` when there is none. */
  read(key: string): Promise<StoredDocument | undefined>;
  /**
   * Writes `value` under `key` if the document is at `expectedVersion`; fails with
   * `DocumentVersionConflictError` (code `DOCUMENT_VERSION_CONFLICT`) and writes nothing otherwise. Resolves
   * with the new version once the write is as durable as the store's appends.
   */
  write(key: string, value: Uint8Array, options: { expectedVersion: ExpectedDocumentVersion }): Promise<{ version: bigint }>;
  /**
   * Deletes the document under `key` if it is at `expectedVersion` (conflict as for `write`). Resolves with
   * `true` when a document was deleted, `false` when there was none (with `'any'`).
   */
  delete(key: string, options: { expectedVersion: ExpectedDocumentVersion }): Promise<boolean>;
}

/** Options of `StreamGroupIndex.list`: which streams, and where a group's part of their names ends. */
export interface StreamGroupsOptions {
  /** Only streams whose name starts with this (`''`: every stream). */
  readonly prefix: string;
  /**
   * One character: a group is every stream whose name agrees up to and including the first `separator`
   * after `prefix` (`journey-acme-` for `journey-acme-c1` and `journey-acme-c2` with prefix `journey-` and
   * separator `-`); a name with no separator after the prefix is a group of its own, its whole name.
   */
  readonly separator: string;
}

/** What `StreamGroupIndex.list` answers (plain, frozen data). */
export interface StreamGroupListing {
  /**
   * The store's last position when the listing was taken: every group with an event at or before it is
   * listed, so a reader that lists and then subscribes after this position (exclusive) misses no group.
   * `undefined` when the store held no event.
   */
  readonly position: bigint | undefined;
  /** The group keys (see {@link StreamGroupsOptions.separator}), sorted by UTF-16 code units, each once. */
  readonly groups: readonly string[];
}

/**
 * An optional capability: which groups of streams the store holds, answered from the store's own index
 * instead of a read of every event (a worker discovers the tenants of a shared store with it, the journey's
 * streams being named `journey-<tenant>-<customer>`). A group appears atomically with its first event: never
 * before that event is readable, and in every listing taken once it is. Costs what the adapter's index costs
 * (EventStoreDB: a directory the listings keep, so a listing reads only the events since the last one), never
 * a read of the whole log but the very first listing there (docs/eventstore.md, "Stream groups").
 */
export interface StreamGroupIndex {
  list(options: StreamGroupsOptions): Promise<StreamGroupListing>;
}

/** The storage port every adapter implements. */
export interface EventStore {
  appendToStream<Data = unknown, Metadata = unknown>(
    streamName: string,
    events: readonly EventToAppend<Data, Metadata>[],
    options?: AppendOptions,
  ): Promise<AppendResult>;
  /**
   * Appends batches to several streams in one call, with the semantics of calling `appendToStream` for each
   * entry in order and settling them all: each stream's batch is atomic and checked on its own (expected
   * revision, duplicate ids, validation), one entry's failure leaves the others alone, and nothing is atomic
   * across streams. Resolves with one settled result per entry, in order; rejects only when `appends` is not
   * an array or the store is closed. A writer of many small per-customer batches makes one call instead of
   * one per stream; adapters without a native multi-stream append use `appendEachStream`.
   */
  appendToStreams<Data = unknown, Metadata = unknown>(
    appends: readonly StreamAppend<Data, Metadata>[],
  ): Promise<PromiseSettledResult<AppendResult>[]>;
  readStream<Data = unknown, Metadata = unknown>(
    streamName: string,
    options?: ReadStreamOptions,
  ): AsyncIterable<RecordedEvent<Data, Metadata>>;
  readAll<Data = unknown, Metadata = unknown>(options?: ReadAllOptions): AsyncIterable<RecordedEvent<Data, Metadata>>;
  subscribeToAll<Data = unknown, Metadata = unknown>(options?: SubscribeToAllOptions): AllSubscription<Data, Metadata>;
  readonly checkpoints: CheckpointStore;
  /** Keyed documents with optimistic concurrency in the same store (snapshots, leases). */
  readonly documents: DocumentStore;
  /** The groups of streams the store holds, from its index (see {@link StreamGroupIndex}); absent on an adapter without one. */
  readonly streamGroups?: StreamGroupIndex;
  /** Releases files, locks and timers; pending subscriptions end. */
  close(): Promise<void>;
}
