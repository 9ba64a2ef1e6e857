// What every part of one EventStoreDB store shares: the client, the options, the open/closed state, the
// stream names of the store (its prefix, the reserved checkpoint streams) and the port's view of an event.
import { EventStoreDBClient, type AllStreamResolvedEvent, type ResolvedEvent } from '@eventstore/db-client';
import { EventStoreError, InvalidArgumentError, InvalidStreamNameError, StoreClosedError, type RecordedEvent } from '@omnitrail/eventstore';
import { assertStreamName } from '@omnitrail/eventstore/adapter';
import { EventStoreDbError } from '../errors/index.js';
import { DEFAULT_CHUNK_SIZE, DOCUMENT_STREAM_PREFIX } from '../documents/index.js';
import { decodeMetadata } from '../ids.js';
import { fromEventStoreDbPosition } from '../positions.js';

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

/** One EventStoreDB store's shared state and helpers, given to each of its parts. */
export interface StoreContext {
  readonly client: EventStoreDBClient;
  /** Whether `close()` disposes of the client (the adapter created it). */
  readonly ownsClient: boolean;
  readonly prefix: string;
  readonly pageSize: number;
  readonly reconnectDelayMs: number;
  readonly maxReconnectAttempts: number;
  readonly maxReconnectDelayMs: number;
  readonly recentIdWindow: number;
  /** Bytes per chunk event of a large document. */
  readonly documentChunkSize: number;
  /** Whether `close()` was called. */
  isClosed(): boolean;
  /** Marks the store closed: every call from now on fails with `StoreClosedError`. */
  markClosed(): void;
  /** How to stop each running subscription (on close). */
  readonly stops: Set<() => void>;
  /** The EventStoreDB name of a port stream (the prefix added). */
  physical(stream: string): string;
  /** The EventStoreDB stream of a subscriber's checkpoints. */
  checkpointStream(subscriberId: string): string;
  assertOpen(): void;
  /** Rethrows a failure of `operation`: the port's errors as they are, others as an {@link EventStoreDbError}. */
  fail(operation: string, error: unknown): never;
  /** Checks a port stream name, refusing the names reserved for checkpoints. */
  assertUserStream(stream: unknown): void;
  /** The port's view of a resolved event, or undefined for events outside the store (system, checkpoints, other prefixes). */
  toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined;
}

/** Validates the options and creates the shared state of one store (and its client, unless one is given). */
export function createStoreContext(options: EventStoreDbEventStoreOptions): StoreContext {
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
  return {
    client,
    ownsClient,
    prefix,
    pageSize,
    reconnectDelayMs,
    maxReconnectAttempts,
    maxReconnectDelayMs,
    recentIdWindow,
    documentChunkSize,
    isClosed: () => closed,
    markClosed: () => {
      closed = true;
    },
    stops,
    physical,
    checkpointStream,
    assertOpen,
    fail,
    assertUserStream,
    toRecorded,
  };
}
