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
import type { ResolvedEvent } from '@eventstore/db-client';
import type { EventStore, SubscribeToAllOptions, AppendResult, StreamAppend } from '@omnitrail/eventstore';
import { appendEachStream, createScannedStreamGroups } from '@omnitrail/eventstore/adapter';
import { createAppend } from '../append/index.js';
import { createCheckpoints } from '../checkpoints/index.js';
import { createEventStoreDbDocuments } from '../documents/index.js';
import { createStoreContext, type EventStoreDbEventStoreOptions } from '../context/index.js';
import { createRawReads, createReads } from '../reads/index.js';
import { createSubscribeToAll, type EventStoreDbSubscription } from '../subscription/index.js';

/** The EventStoreDB adapter's store: the port, with subscriptions that tell their health. */
export interface EventStoreDbEventStore extends EventStore {
  subscribeToAll<D = unknown, M = unknown>(options?: SubscribeToAllOptions): EventStoreDbSubscription<D, M>;
}

/**
 * Creates an `EventStore` backed by EventStoreDB. Appends store JSON events (`jsonEvent`) after the same
 * validation as the other adapters; positions are EventStoreDB commit positions (see ../positions.ts);
 * checkpoints live in `omnitrail-checkpoint-<subscriberId>` streams of the same database.
 */
export function createEventStoreDbEventStore(options: EventStoreDbEventStoreOptions): EventStoreDbEventStore {
  const ctx = createStoreContext(options);
  const raw = createRawReads(ctx);
  const appendToStream = createAppend(ctx, raw);
  const { readStream, readAll } = createReads(ctx, raw);
  const subscribeToAll = createSubscribeToAll(ctx, raw);
  const checkpoints = createCheckpoints(ctx, raw);
  const documents = createEventStoreDbDocuments({
    client: ctx.client,
    physical: ctx.physical,
    lastOfStream: raw.lastOfStream as (name: string) => Promise<ResolvedEvent | undefined>,
    assertOpen: ctx.assertOpen,
    fail: ctx.fail,
    chunkSize: ctx.documentChunkSize,
  });

  return {
    appendToStream,
    async appendToStreams<D, M>(appends: readonly StreamAppend<D, M>[]): Promise<PromiseSettledResult<AppendResult>[]> {
      ctx.assertOpen();
      // EventStoreDB appends one stream per request: the requests go out together on the one connection.
      return appendEachStream(appendToStream, appends as readonly StreamAppend[]);
    },
    readStream,
    readAll,
    subscribeToAll,
    checkpoints,
    documents,
    // EventStoreDB keeps no list of streams atomic with the events: a directory document the listings keep.
    streamGroups: createScannedStreamGroups({ assertOpen: ctx.assertOpen, readAll, documents }),
    async close() {
      if (ctx.isClosed()) return;
      ctx.markClosed();
      for (const stop of [...ctx.stops]) stop();
      if (ctx.ownsClient) await ctx.client.dispose().catch(() => undefined);
    },
  };
}
