/**
 * The PostgreSQL adapter of the storage port, over `pg`. Many processes may write to one schema:
 * - appends run in one transaction per call, in the `append` function of ../schema (one round trip): stream
 *   advisory locks, then the transaction id (so a stream's positions follow its revisions), the id and
 *   revision checks, and the insert; the unique index on `id` decides races between processes;
 * - reads of `$all` and subscriptions only return settled positions (below the oldest running
 *   transaction's id, see ../schema), so an event committed late by a slow transaction is never skipped;
 * - subscriptions are woken by LISTEN/NOTIFY and poll, and retry from their cursor when the server goes away.
 */
import pg from 'pg';
import type { Pool, PoolConfig } from 'pg';
import { DocumentVersionConflictError, DuplicateEventIdError, EventStoreError, InvalidArgumentError, InvalidEventError, StoreClosedError, StreamNotFoundError, WrongExpectedRevisionError, type AllSubscription, type AppendOptions, type AppendResult, type CheckpointStore, type CheckpointStoreResult, type DocumentStore, type EventStore, type ExpectedDocumentVersion, type EventToAppend, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type StreamAppend, type SubscribeToAllOptions } from '@omnitrail/eventstore';
import { assertDirection, assertStreamGroupsOptions, streamGroupListing, assertDocumentKey, assertDocumentValue, assertExpectedDocumentVersion, assertExpectedRevision, assertFromRevision, assertMaxCount, assertStreamAppends, assertStreamName, compileFilter, validateCheckpointArgs, validateEvents } from '@omnitrail/eventstore/adapter';
import {
  PostgresEventStoreError,
  PostgresUnavailableError,
  sqlStateOf,
  unavailableReason,
  type ServerAddress,
} from '../errors/index.js';
import { createWakeups } from '../notifications/index.js';
import { positionArgument } from '../positions/index.js';
import { assertSchemaName, MAX_EVENTS_PER_TRANSACTION, migrate, ORDINAL_BITS, schemaNames } from '../schema/index.js';
import { createSubscription } from '../subscription/index.js';

/** Options of {@link createPostgresEventStore}: a connection string, or a pool you own. */
export type PostgresEventStoreOptions = (
  | {
      /** E.g. `postgres://user:password@127.0.0.1:5432/app`. The store creates its pool and ends it on `close()`. */
      connectionString: string;
      pool?: undefined;
    }
  | {
      /** A `pg` pool you created; `close()` leaves it open. Handle its `'error'` events (a server restart emits them). */
      pool: Pool;
      connectionString?: undefined;
    }
) & {
  /** PostgreSQL schema holding the tables (default `omnitrail`): lowercase letters, digits and underscores. */
  schema?: string;
  /** Connections of the pool the store creates (default 10; ignored with `pool`). */
  maxConnections?: number;
  /** How long opening a connection may take before it fails (default 10,000 ms; ignored with `pool`). */
  connectTimeoutMs?: number;
  /** Events per page of reads and subscriptions (default 500). */
  pageSize?: number;
  /** How often a waiting subscription reads even without a notification (default 500 ms). */
  pollIntervalMs?: number;
  /**
   * Least time between two notifications this store sends to other processes' subscriptions (default 10 ms):
   * a busy writer sends one per interval, not one per append. This process's subscriptions are woken at once.
   */
  notifyIntervalMs?: number;
  /** First delay before a subscription retries after the server went away, doubled up to 5 s (default 100 ms). */
  reconnectDelayMs?: number;
  /** Consecutive failed retries after which a subscription ends with the error (default 30, about 2 minutes). */
  maxReconnectAttempts?: number;
  /**
   * How long `readAll` waits for this store's own acknowledged appends to become readable when an older
   * transaction (another writer's) is still open (default 2,000 ms). After that it reads what is settled.
   */
  readOwnWritesTimeoutMs?: number;
};

/** Rows of the events table as the reads select them. */
interface EventRow {
  position: string;
  stream_name: string;
  revision: string;
  id: string;
  type: string;
  data: string;
  metadata: string | null;
  recorded_at: string;
}

/** One row per entry of a call to the `append` function. */
interface AppendRow {
  o_outcome: 'ok' | 'retry' | 'wrong_revision' | 'duplicate';
  o_revision: string | null;
  o_position: string | null;
  o_actual: string | null;
  o_ids: string[] | null;
}

/** An entry of `appendToStreams` that passed validation, ready for the database. */
interface PreparedAppend {
  index: number;
  stream: string;
  expected: ExpectedRevision;
  events: readonly EventToAppend<unknown, unknown>[];
}

/** Retries of a whole append after a race lost to another process (unique violation, deadlock). */
const MAX_APPEND_ATTEMPTS = 20;

/** Where a connection string or pool connects, for error messages. */
function serverAddress(config: PoolConfig & { connectionString?: string | undefined }): ServerAddress {
  let host = config.host ?? process.env['PGHOST'] ?? 'localhost';
  let port = Number(config.port ?? process.env['PGPORT'] ?? 5432);
  if (config.connectionString) {
    try {
      const url = new URL(config.connectionString);
      if (url.hostname) host = decodeURIComponent(url.hostname);
      else if (url.searchParams.get('host')) host = url.searchParams.get('host')!;
      if (url.port) port = Number(url.port);
    } catch {
      // A key=value connection string: keep the defaults.
    }
  }
  return { host, port };
}

/**
 * Opens an `EventStore` on PostgreSQL: connects, creates or upgrades its schema (idempotent, safe when
 * several processes start at once), and resolves when the store is ready. Fails with
 * `PostgresUnavailableError`, naming the host and the reason, when the server cannot be reached.
 *
 * Events are stored in `<schema>.events` (data and metadata as `json`, so their text is kept as written),
 * checkpoints in `<schema>.checkpoints`. `close()` ends the pool the store created; a pool passed in stays open.
 */
export async function createPostgresEventStore(options: PostgresEventStoreOptions): Promise<EventStore> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'expected { connectionString } or { pool }');
  const schema = options.schema ?? 'omnitrail';
  assertSchemaName(schema);
  if (options.pool === undefined && (typeof options.connectionString !== 'string' || options.connectionString === '')) {
    throw new InvalidArgumentError('connectionString', 'expected a PostgreSQL connection string such as postgres://user@host:5432/db, or pass { pool }');
  }
  const pageSize = positiveInteger('pageSize', options.pageSize, 500);
  const pollIntervalMs = positiveInteger('pollIntervalMs', options.pollIntervalMs, 500);
  const reconnectDelayMs = positiveInteger('reconnectDelayMs', options.reconnectDelayMs, 100);
  const maxReconnectAttempts = positiveInteger('maxReconnectAttempts', options.maxReconnectAttempts, 30);
  const notifyIntervalMs = positiveInteger('notifyIntervalMs', options.notifyIntervalMs, 10, 0);
  const readOwnWritesTimeoutMs = positiveInteger('readOwnWritesTimeoutMs', options.readOwnWritesTimeoutMs, 2000, 0);
  const ownsPool = options.pool === undefined;
  const pool: Pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: positiveInteger('maxConnections', options.maxConnections, 10),
      connectionTimeoutMillis: positiveInteger('connectTimeoutMs', options.connectTimeoutMs, 10_000),
    });
  // An idle connection that the server drops (a restart) is an 'error' of the pool, which removes it; without
  // a listener Node would end the process. The next query opens a new connection.
  if (ownsPool) pool.on('error', () => undefined);
  const poolConfig = (pool as unknown as { options: PoolConfig }).options;
  const address = serverAddress(poolConfig);
  const names = schemaNames(schema);
  const s = names.quoted;
  let closed = false;
  // Highest position this store acknowledged: readAll waits (briefly) until it is readable.
  let acknowledgedHead = 0n;
  const closeHooks = new Set<() => void>();

  const translate = (operation: string, error: unknown): Error => {
    if (closed) return new StoreClosedError();
    if (error instanceof EventStoreError) return error;
    const reason = unavailableReason(error);
    if (reason !== undefined) return new PostgresUnavailableError(operation, address, reason, error);
    return new PostgresEventStoreError(operation, error);
  };
  const query = async <R extends object>(operation: string, config: pg.QueryConfig): Promise<R[]> => {
    if (closed) throw new StoreClosedError();
    try {
      return (await pool.query<R>(config)).rows;
    } catch (error) {
      throw translate(operation, error);
    }
  };
  const assertOpen = () => {
    if (closed) throw new StoreClosedError();
  };

  try {
    await migrate(pool, names);
  } catch (error) {
    if (ownsPool) await pool.end().catch(() => undefined);
    throw translate(`createPostgresEventStore (schema ${schema})`, error);
  }

  const wakeups = createWakeups({
    pool,
    connect: () => {
      const client = new pg.Client(poolConfig);
      return client;
    },
    channel: names.channel,
    reconnectDelayMs,
    notifyIntervalMs,
  });

  // ------------------------------------------------------------------------------------------ SQL texts

  const columns = `position, stream_name, revision, id, type, data::text AS data, metadata::text AS metadata,
    to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at`;
  // Every transaction with a smaller id than the oldest running one has finished: positions below this
  // bound never change again. A scalar subquery, so it is computed once per statement and bounds the index scan.
  const settledBound = `(SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint << ${ORDINAL_BITS})`;
  const sql = {
    append: `SELECT o_outcome, o_revision, o_position, o_actual, o_ids FROM ${s}.append($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[])`,
    bound: `SELECT ${settledBound} AS bound`,
    settledHead: `SELECT position FROM ${s}.events WHERE position < ${settledBound} ORDER BY position DESC LIMIT 1`,
    livePage: `SELECT ${columns} FROM ${s}.events WHERE position > $1 AND position < ${settledBound} ORDER BY position LIMIT $2`,
    forwardsPage: `SELECT ${columns} FROM ${s}.events WHERE position > $1 AND position < $2 ORDER BY position LIMIT $3`,
    // A read of some streams by name prefix (a worker catching up its tenants): filtered by the server, so the
    // other streams' rows never cross the network nor get parsed (^@ is starts_with).
    forwardsPagePrefixed: `SELECT ${columns} FROM ${s}.events WHERE position > $1 AND position < $2 AND stream_name ^@ ANY($4::text[]) ORDER BY position LIMIT $3`,
    backwardsPage: `SELECT ${columns} FROM ${s}.events WHERE position < $1 ORDER BY position DESC LIMIT $2`,
    streamHead: `SELECT revision FROM ${s}.events WHERE stream_name = $1 ORDER BY revision DESC LIMIT 1`,
    streamForwards: `SELECT ${columns} FROM ${s}.events WHERE stream_name = $1 AND revision >= $2 AND revision <= $3 ORDER BY revision LIMIT $4`,
    streamBackwards: `SELECT ${columns} FROM ${s}.events WHERE stream_name = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`,
    loadCheckpoint: `SELECT position FROM ${s}.checkpoints WHERE subscriber_id = $1`,
    storeCheckpoint: `SELECT ${s}.store_checkpoint($1, $2, $3, $4) AS result`,
    readDocument: `SELECT version, value FROM ${s}.documents WHERE key = $1 AND value IS NOT NULL`,
    changeDocument: `SELECT o_outcome, o_version, o_actual, o_existed FROM ${s}.change_document($1, $2, $3, $4)`,
    streamGroups: streamGroupsSql(s, settledBound),
  };
  // Named statements are parsed and planned once per connection.
  const named = (key: keyof typeof sql, values: unknown[]): pg.QueryConfig => ({ name: `omnitrail_${schema}_${key}`, text: sql[key], values });

  const toRecorded = (row: EventRow): RecordedEvent => ({
    id: row.id,
    type: row.type,
    data: JSON.parse(row.data) as unknown,
    metadata: row.metadata === null ? undefined : (JSON.parse(row.metadata) as unknown),
    streamName: row.stream_name,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    recordedAt: row.recorded_at,
  });

  // ---------------------------------------------------------------------------------------------- append

  /**
   * Runs entries in one transaction (one call of the `append` function) and settles each. A race lost to
   * another process's transaction (the same new id, or a deadlock between two such waits) rolls the whole
   * call back; it is then decided again, and the ids the other process stored are seen as such.
   */
  async function appendInOneTransaction(operation: string, entries: readonly PreparedAppend[]): Promise<PromiseSettledResult<AppendResult>[]> {
    // A subscription from 'end' started before this append must not see its end move past it: the query that
    // fixes its end goes to the server first (it runs on another connection, so the order is not otherwise
    // kept within this process).
    if (endsBeingFixed.size > 0) await Promise.allSettled([...endsBeingFixed]);
    const streams: string[] = [];
    const expected: string[] = [];
    const counts: number[] = [];
    const ids: string[] = [];
    const types: string[] = [];
    const data: string[] = [];
    const metadata: (string | null)[] = [];
    for (const entry of entries) {
      streams.push(entry.stream);
      expected.push(typeof entry.expected === 'bigint' ? entry.expected.toString() : entry.expected);
      counts.push(entry.events.length);
      for (const e of entry.events) {
        ids.push(e.id);
        types.push(e.type);
        data.push(JSON.stringify(e.data));
        metadata.push(e.metadata === undefined ? null : JSON.stringify(e.metadata));
      }
    }
    let rows: AppendRow[] | undefined;
    for (let attempt = 1; rows === undefined; attempt++) {
      assertOpen();
      try {
        rows = (await pool.query<AppendRow>(named('append', [streams, expected, counts, ids, types, data, metadata]))).rows;
      } catch (error) {
        const state = sqlStateOf(error);
        // 23505: another transaction committed one of these ids (or revisions) first; 40P01: two appends
        // waited for each other's ids. Decided again, the stored ids are then recognised.
        if ((state === '23505' || state === '40P01') && attempt < MAX_APPEND_ATTEMPTS) continue;
        throw translate(operation, error);
      }
    }
    let wrote = false;
    const results = rows.map((row, i): PromiseSettledResult<AppendResult> => {
      const entry = entries[i]!;
      switch (row.o_outcome) {
        case 'ok':
        case 'retry': {
          const position = BigInt(row.o_position!);
          if (row.o_outcome === 'ok' && entry.events.length > 0) {
            wrote = true;
            if (position > acknowledgedHead) acknowledgedHead = position;
          }
          return { status: 'fulfilled', value: { nextExpectedRevision: BigInt(row.o_revision!), position } };
        }
        case 'wrong_revision': {
          const actual = BigInt(row.o_actual!);
          return { status: 'rejected', reason: new WrongExpectedRevisionError(entry.stream, entry.expected, actual < 0n ? 'no_stream' : actual) };
        }
        default:
          return { status: 'rejected', reason: new DuplicateEventIdError(entry.stream, row.o_ids ?? []) };
      }
    });
    if (wrote) wakeups.announce();
    return results;
  }

  /** Validates one stream's batch as the other adapters do; throws the port's error for a bad one. */
  function prepare(index: number, stream: unknown, events: unknown, expected: unknown): PreparedAppend {
    assertStreamName(stream);
    assertExpectedRevision(expected);
    const repeated = validateEvents(events, false);
    if (repeated.length > 0) throw new DuplicateEventIdError(stream, repeated);
    const list = events as readonly EventToAppend<unknown, unknown>[];
    if (list.length > MAX_EVENTS_PER_TRANSACTION) {
      throw new InvalidEventError('events', `a batch holds at most ${MAX_EVENTS_PER_TRANSACTION} events on PostgreSQL (one transaction), got ${list.length}; split it into several appends`);
    }
    return { index, stream, expected, events: list };
  }

  async function appendToStream<D, M>(stream: string, events: readonly EventToAppend<D, M>[], appendOptions?: AppendOptions): Promise<AppendResult> {
    assertOpen();
    const entry = prepare(0, stream, events, appendOptions?.expectedRevision ?? 'any');
    const [result] = await appendInOneTransaction(`appendToStream('${stream}')`, [entry]);
    if (result!.status === 'rejected') throw result!.reason;
    return result!.value;
  }

  async function appendToStreams<D, M>(appends: readonly StreamAppend<D, M>[]): Promise<PromiseSettledResult<AppendResult>[]> {
    assertOpen();
    assertStreamAppends(appends);
    const results = new Array<PromiseSettledResult<AppendResult>>(appends.length);
    const valid: PreparedAppend[] = [];
    appends.forEach((a, i) => {
      try {
        valid.push(prepare(i, a.streamName, a.events, a.expectedRevision ?? 'any'));
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    });
    // One transaction per call, split only when the call is too large for one (nothing is atomic across
    // entries, so a split changes no outcome: later transactions see what earlier ones committed).
    let chunk: PreparedAppend[] = [];
    let events = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      const settled = await appendInOneTransaction('appendToStreams', chunk);
      chunk.forEach((entry, k) => (results[entry.index] = settled[k]!));
      chunk = [];
      events = 0;
    };
    for (const entry of valid) {
      if (chunk.length > 0 && events + entry.events.length > MAX_EVENTS_PER_TRANSACTION) await flush();
      chunk.push(entry);
      events += entry.events.length;
    }
    await flush();
    return results;
  }

  // ----------------------------------------------------------------------------------------------- reads

  /** The settled bound, after waiting (up to readOwnWritesTimeoutMs) for this store's own appends to be readable. */
  async function readableBound(operation: string): Promise<bigint> {
    const deadline = Date.now() + readOwnWritesTimeoutMs;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      const [row] = await query<{ bound: string }>(operation, named('bound', []));
      const bound = BigInt(row!.bound);
      if (bound > acknowledgedHead || Date.now() >= deadline) return bound;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  function readAll<D, M>(readOptions: ReadAllOptions = {}): AsyncIterable<RecordedEvent<D, M>> {
    return {
      async *[Symbol.asyncIterator]() {
        assertOpen();
        const direction = assertDirection(readOptions.direction);
        let remaining = assertMaxCount(readOptions.maxCount);
        const match = compileFilter(readOptions.filter);
        const filter = readOptions.filter as { streamNamePrefix?: string | string[] } | undefined;
        const prefixes = filter?.streamNamePrefix === undefined ? undefined : typeof filter.streamNamePrefix === 'string' ? [filter.streamNamePrefix] : [...filter.streamNamePrefix];
        const from = positionArgument('fromPosition', readOptions.fromPosition, direction === 'forwards' ? 'start' : 'end');
        if (remaining === 0 || (direction === 'forwards' && from === 'end') || (direction === 'backwards' && from === 'start')) return;
        // A forwards read ends at the bound seen when it started, so a consumer that appends while reading ends.
        const bound = await readableBound('readAll');
        let cursor = direction === 'forwards' ? (from === 'start' ? 0n : (from as bigint)) : from === 'end' || (from as bigint) > bound ? bound : (from as bigint);
        for (;;) {
          const rows =
            direction === 'forwards'
              ? prefixes === undefined
                ? await query<EventRow>('readAll', named('forwardsPage', [cursor.toString(), bound.toString(), pageSize]))
                : await query<EventRow>('readAll', named('forwardsPagePrefixed', [cursor.toString(), bound.toString(), pageSize, prefixes]))
              : await query<EventRow>('readAll', named('backwardsPage', [cursor.toString(), pageSize]));
          for (const row of rows) {
            const event = toRecorded(row);
            cursor = event.position;
            if (match !== undefined && !match(event.streamName, event.type)) continue;
            yield event as RecordedEvent<D, M>;
            if (--remaining <= 0) return;
          }
          if (rows.length < pageSize) return;
          assertOpen();
        }
      },
    };
  }

  function readStream<D, M>(stream: string, readOptions: ReadStreamOptions = {}): AsyncIterable<RecordedEvent<D, M>> {
    return {
      async *[Symbol.asyncIterator]() {
        assertOpen();
        assertStreamName(stream);
        const direction = assertDirection(readOptions.direction);
        let remaining = assertMaxCount(readOptions.maxCount);
        const from = assertFromRevision(readOptions.fromRevision, direction);
        const operation = `readStream('${stream}')`;
        const [head] = await query<{ revision: string }>(operation, named('streamHead', [stream]));
        if (head === undefined) throw new StreamNotFoundError(stream);
        // Forwards reads end at the stream's last revision when the read started, as readAll does.
        const last = BigInt(head.revision);
        let next = from === 'start' ? 0n : from === 'end' ? last : from;
        if (direction === 'backwards' && next > last) next = last;
        while (remaining > 0 && next >= 0n && next <= last) {
          const limit = Math.min(pageSize, remaining);
          const rows =
            direction === 'forwards'
              ? await query<EventRow>(operation, named('streamForwards', [stream, next.toString(), last.toString(), limit]))
              : await query<EventRow>(operation, named('streamBackwards', [stream, next.toString(), limit]));
          for (const row of rows) yield toRecorded(row) as RecordedEvent<D, M>;
          remaining -= rows.length;
          if (rows.length < limit) return;
          next = direction === 'forwards' ? BigInt(rows[rows.length - 1]!.revision) + 1n : BigInt(rows[rows.length - 1]!.revision) - 1n;
          assertOpen();
        }
      },
    };
  }

  /** The queries fixing where subscriptions from 'end' start, while they run (appends wait for them). */
  const endsBeingFixed = new Set<Promise<unknown>>();

  function subscribeToAll<D, M>(subscribeOptions?: SubscribeToAllOptions): AllSubscription<D, M> {
    return createSubscription<D, M>(
      {
        readPage: async (cursor, limit) => (await query<EventRow>('subscribeToAll', named('livePage', [cursor.toString(), limit]))).map(toRecorded),
        settledHead: () => {
          const head = (async () => {
            const [row] = await query<{ position: string }>('subscribeToAll', named('settledHead', []));
            return row === undefined ? undefined : BigInt(row.position);
          })();
          endsBeingFixed.add(head);
          const forget = () => endsBeingFixed.delete(head);
          head.then(forget, forget);
          return head;
        },
        wakeups,
        isClosed: () => closed,
        onClose(stop) {
          closeHooks.add(stop);
          return () => closeHooks.delete(stop);
        },
        pageSize,
        pollIntervalMs,
        reconnectDelayMs,
        maxReconnectAttempts,
      },
      subscribeOptions,
    );
  }

  // ---------------------------------------------------------------------------------------- checkpoints

  const checkpoints: CheckpointStore = {
    async load(subscriberId) {
      assertOpen();
      validateCheckpointArgs(subscriberId, 0n);
      const [row] = await query<{ position: string | null }>(`checkpoints.load('${subscriberId}')`, named('loadCheckpoint', [subscriberId]));
      return row?.position == null ? undefined : BigInt(row.position);
    },
    async store(subscriberId, position, storeOptions): Promise<CheckpointStoreResult> {
      assertOpen();
      validateCheckpointArgs(subscriberId, position);
      const hasExpected = storeOptions !== undefined && 'expected' in storeOptions;
      const expected = hasExpected && storeOptions.expected !== undefined ? storeOptions.expected.toString() : null;
      const [row] = await query<{ result: CheckpointStoreResult }>(
        `checkpoints.store('${subscriberId}')`,
        named('storeCheckpoint', [subscriberId, position.toString(), hasExpected, expected]),
      );
      return row!.result;
    },
  };

  // ------------------------------------------------------------------------------------------ documents

  interface ChangeRow {
    o_outcome: 'ok' | 'conflict';
    o_version: string | null;
    o_actual: string | null;
    o_existed: boolean;
  }
  const changeDocument = async (operation: string, key: string, value: Uint8Array | null, expected: ExpectedDocumentVersion, remove: boolean): Promise<ChangeRow> => {
    const [row] = await query<ChangeRow>(operation, named('changeDocument', [key, value === null ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength), typeof expected === 'bigint' ? expected.toString() : expected, remove]));
    if (row!.o_outcome === 'conflict') throw new DocumentVersionConflictError(key, expected, row!.o_actual === null ? 'absent' : BigInt(row!.o_actual));
    return row!;
  };
  const documents: DocumentStore = {
    async read(key) {
      assertOpen();
      assertDocumentKey(key);
      const [row] = await query<{ version: string; value: Buffer }>(`documents.read('${key}')`, named('readDocument', [key]));
      return row === undefined ? undefined : { value: new Uint8Array(row.value.buffer, row.value.byteOffset, row.value.byteLength), version: BigInt(row.version) };
    },
    async write(key, value, writeOptions) {
      assertOpen();
      assertDocumentKey(key);
      assertDocumentValue(value);
      const expected = assertExpectedDocumentVersion(writeOptions);
      const row = await changeDocument(`documents.write('${key}')`, key, value, expected, false);
      return { version: BigInt(row.o_version!) };
    },
    async delete(key, deleteOptions) {
      assertOpen();
      assertDocumentKey(key);
      const expected = assertExpectedDocumentVersion(deleteOptions);
      return (await changeDocument(`documents.delete('${key}')`, key, null, expected, true)).o_existed;
    },
  };

  return {
    appendToStream,
    appendToStreams,
    readStream,
    readAll,
    subscribeToAll,
    checkpoints,
    documents,
    streamGroups: {
      async list(listOptions) {
        assertOpen();
        const { prefix, separator } = assertStreamGroupsOptions(listOptions);
        const [row] = await query<{ position: string | null; groups: string[] }>('streamGroups.list', named('streamGroups', [prefix, separator]));
        return streamGroupListing(row?.position == null ? undefined : BigInt(row.position), row?.groups ?? []);
      },
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const stop of [...closeHooks]) stop();
      await wakeups.close();
      if (ownsPool) await pool.end().catch(() => undefined);
    },
  };
}

/**
 * The stream groups of a prefix in one statement (one snapshot): a loose index scan over the
 * `(stream_name, revision)` index that jumps from one group to the next (one index probe per group, however
 * many streams and events a group holds), each group kept only if it has an event below the settled bound
 * (readable), and the last settled position as the cut. $1 is the prefix, $2 the separator (one character).
 * Names compare in byte order (COLLATE "C"), so the names of a group `…<separator>` all lie below the same
 * string with the separator's successor in its place.
 */
function streamGroupsSql(s: string, settledBound: string): string {
  const keyOf = (name: string) =>
    `CASE WHEN strpos(substr(${name}, length($1) + 1), $2) > 0 THEN left(${name}, length($1) + strpos(substr(${name}, length($1) + 1), $2)) ELSE ${name} END`;
  // The smallest name above every name of the group: past the group's names, or past the one name.
  const pastGroup = (key: string) =>
    `CASE WHEN length(${key}) > length($1) AND right(${key}, 1) = $2 THEN left(${key}, -1) || chr(ascii($2) + 1) ELSE ${key} || chr(1) END`;
  return `WITH RECURSIVE walk(key) AS (
    SELECT ${keyOf('f.stream_name')} FROM (SELECT stream_name FROM ${s}.events WHERE stream_name >= $1 ORDER BY stream_name LIMIT 1) f
      WHERE starts_with(f.stream_name, $1)
    UNION ALL
    SELECT ${keyOf('n.stream_name')} FROM walk,
      LATERAL (SELECT e.stream_name FROM ${s}.events e WHERE e.stream_name >= ${pastGroup('walk.key')} ORDER BY e.stream_name LIMIT 1) n
      WHERE starts_with(n.stream_name, $1)
  ), bound AS MATERIALIZED (SELECT ${settledBound} AS b)
  SELECT (SELECT position FROM ${s}.events WHERE position < (SELECT b FROM bound) ORDER BY position DESC LIMIT 1)::text AS position,
    ARRAY(SELECT w.key FROM walk w WHERE EXISTS (
      SELECT 1 FROM ${s}.events e WHERE e.stream_name >= w.key AND e.stream_name < ${pastGroup('w.key')} AND e.position < (SELECT b FROM bound))) AS groups`;
}

function positiveInteger(name: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new InvalidArgumentError(name, `expected an integer >= ${min}, got ${String(value)}`);
  return value;
}
