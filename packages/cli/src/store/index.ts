import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EventStoreError, KEYS_FILE, openFileEventStore, openFileKeyStore, type EventStore, type KeyStore } from '@omnitrail/eventstore';
import type { CatalogEvent } from '@omnitrail/events';
import { createJourneyEngine, type Erasure } from '@omnitrail/journey';
import { createPersonalDataCodec } from '@omnitrail/journey/internal';
import { checkDirectoryOrAbsent, checkReadableDirectory } from '../file-access/index.js';
import { UsageError } from '../args/index.js';

/** A store URI that cannot be used here; the CLI reports it as a usage error (exit code 2). */
export class StoreUnavailableError extends UsageError {
  constructor(message: string, command?: string) {
    super(message, command);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * A store that could not be reached or failed while being read or written (the CLI prints the message and exits
 * with code 1). The message names the URI and the reason.
 */
export class StoreAccessError extends Error {
  /** The `--store` URI, as given. */
  readonly uri: string;
  /** Why the store failed, without the URI. */
  readonly reason: string;
  constructor(uri: string, reason: string, options?: { cause?: unknown }) {
    super(`--store "${uri}": ${reason}`, options);
    this.name = 'StoreAccessError';
    this.uri = uri;
    this.reason = reason;
  }
}

/** A parsed `--store` URI. */
export type StoreUri =
  | { kind: 'memory' }
  | { kind: 'file'; directory: string }
  | { kind: 'esdb'; uri: string }
  | {
      kind: 'postgres';
      uri: string;
      /** The connection string without the `schema` parameter, which is the adapter's, not the server's. */
      connectionString: string;
      /** The `schema` query parameter; the adapter's default (`omnitrail`) when absent. */
      schema: string | undefined;
    };

/** Options of {@link readStoreValues} and {@link appendStoreEvents}. */
export interface StoreAccessOptions {
  /**
   * How long an EventStoreDB server may take to answer the first read, or a PostgreSQL server to accept a
   * connection, before the command gives up, in ms (default {@link ESDB_CONNECT_TIMEOUT_MS}).
   */
  connectTimeoutMs?: number;
}

/**
 * Default time an `esdb://` store gets to answer its first read. The client's `$all` reads have no deadline
 * and gRPC keeps retrying a connection that is accepted but never answered, so without this limit a wrong
 * host or port could hang the command forever.
 */
export const ESDB_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Parses `memory:`, `file:<dir>` (also `file://<dir>`), `esdb://…`, `esdb+discover://…` and
 * `postgres://…` (also `postgresql://…`, with an optional `schema` query parameter).
 */
export function parseStoreUri(uri: string, command?: string): StoreUri {
  if (uri === 'memory:' || uri === 'memory') return { kind: 'memory' };
  if (uri.startsWith('file:')) {
    const directory = uri.startsWith('file://') ? uri.slice('file://'.length) : uri.slice('file:'.length);
    if (directory === '') throw new UsageError(`--store "${uri}": give a directory, like file:./events`, command);
    return { kind: 'file', directory };
  }
  if (uri.startsWith('esdb://') || uri.startsWith('esdb+discover://')) return { kind: 'esdb', uri };
  if (uri.startsWith('postgres://') || uri.startsWith('postgresql://')) return parsePostgresUri(uri, command);
  throw new UsageError(`--store "${uri}": unknown store; use memory:, file:<dir>, esdb://… or postgres://…`, command);
}

function parsePostgresUri(uri: string, command: string | undefined): StoreUri {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (error) {
    throw new UsageError(`--store "${uri}": not a valid PostgreSQL connection string: ${messageOf(error)}`, command);
  }
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  return { kind: 'postgres', uri, connectionString: url.toString(), schema };
}

/**
 * Opens the PostgreSQL store of a `postgres://` URI (creating its schema if needed). The adapter is imported
 * here, only for postgres URIs, so other commands never load `pg`. A server that cannot be reached fails
 * within `connectTimeoutMs` with the host and the reason.
 */
async function openPostgresStore(parsed: Extract<StoreUri, { kind: 'postgres' }>, command: string, options: StoreAccessOptions): Promise<EventStore> {
  let adapter: typeof import('@omnitrail/eventstore-postgres');
  try {
    adapter = await import('@omnitrail/eventstore-postgres');
  } catch (error) {
    throw new StoreUnavailableError(`--store "${parsed.uri}": the PostgreSQL adapter (@omnitrail/eventstore-postgres) could not be loaded: ${messageOf(error)}`, command);
  }
  try {
    return await adapter.createPostgresEventStore({
      connectionString: parsed.connectionString,
      connectTimeoutMs: options.connectTimeoutMs ?? ESDB_CONNECT_TIMEOUT_MS,
      ...(parsed.schema === undefined ? {} : { schema: parsed.schema }),
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'INVALID_ARGUMENT') throw new UsageError(`--store "${parsed.uri}": ${messageOf(error)}`, command);
    throw new StoreAccessError(parsed.uri, messageOf(error), { cause: error });
  }
}

/**
 * Opens the EventStoreDB store of an `esdb://` URI and checks that the server answers a first read within
 * `connectTimeoutMs`. The adapter is imported here, only for esdb URIs, so other commands never load gRPC.
 */
async function openEventStoreDbStore(uri: string, command: string, options: StoreAccessOptions): Promise<EventStore> {
  let adapter: typeof import('@omnitrail/eventstore-esdb');
  try {
    adapter = await import('@omnitrail/eventstore-esdb');
  } catch (error) {
    throw new StoreUnavailableError(`--store "${uri}": the EventStoreDB adapter (@omnitrail/eventstore-esdb) could not be loaded: ${messageOf(error)}`, command);
  }
  let store: EventStore;
  try {
    store = adapter.createEventStoreDbEventStore({ connectionString: uri });
  } catch (error) {
    // The client parses the connection string synchronously: a malformed URI is a usage error.
    throw new UsageError(`--store "${uri}": not a valid EventStoreDB connection string: ${messageOf(error)}`, command);
  }
  const timeoutMs = options.connectTimeoutMs ?? ESDB_CONNECT_TIMEOUT_MS;
  const probe = store.readAll()[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreAccessError(uri, `cannot reach EventStoreDB: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([probe.next(), timedOut]);
    await probe.return?.();
  } catch (error) {
    // Closing disposes of the client, which also cancels a probe still waiting for the server.
    await store.close().catch(() => undefined);
    if (error instanceof StoreAccessError) throw error;
    throw new StoreAccessError(uri, `cannot reach EventStoreDB${reasonTypeOf(error)}: ${clientMessageOf(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  return store;
}

/** Opens the store of a `file:`, `esdb:` or `postgres:` URI; `memory:` has no store to open. */
async function openStore(parsed: Exclude<StoreUri, { kind: 'memory' }>, mode: 'read' | 'append', command: string, options: StoreAccessOptions): Promise<EventStore> {
  if (parsed.kind === 'esdb') return openEventStoreDbStore(parsed.uri, command, options);
  if (parsed.kind === 'postgres') return openPostgresStore(parsed, command, options);
  // A store read must exist (a misspelt directory would read as an empty store); one appended to is created.
  if (mode === 'read') checkReadableDirectory(parsed.directory, `--store "file:${parsed.directory}"`);
  else checkDirectoryOrAbsent(parsed.directory, `--store "file:${parsed.directory}"`);
  return mode === 'read' ? openFileEventStore({ directory: parsed.directory, readOnly: true }) : openFileEventStore({ directory: parsed.directory, fsync: 'batch' });
}

/** The key store kept with a store (docs/privacy.md), and where, for messages. */
interface StoreKeys {
  keys: KeyStore;
  /** `keys.json in <dir>`, `the key tables of schema <s>`. */
  where: string;
}

/**
 * The key store kept with a store: a file store's `keys.json`, a PostgreSQL schema's key tables. Opened when it
 * exists, or created when `create` (import `--seal`); `undefined` when the store has none. EventStoreDB keeps
 * no keys: asking to create one there is a usage error.
 */
async function openStoreKeys(parsed: Exclude<StoreUri, { kind: 'memory' }>, create: boolean, command: string): Promise<StoreKeys | undefined> {
  if (parsed.kind === 'file') {
    if (!create && !existsSync(join(parsed.directory, KEYS_FILE))) return undefined;
    return { keys: openFileKeyStore({ directory: parsed.directory }), where: `${KEYS_FILE} in ${parsed.directory}` };
  }
  if (parsed.kind === 'postgres') {
    const adapter = await import('@omnitrail/eventstore-postgres');
    const options = { connectionString: parsed.connectionString, ...(parsed.schema === undefined ? {} : { schema: parsed.schema }) };
    try {
      if (!create && !(await adapter.postgresKeyStoreExists(options))) return undefined;
    } catch (error) {
      throw new StoreAccessError(parsed.uri, `the key tables could not be looked up: ${messageOf(error)}`, { cause: error });
    }
    return { keys: adapter.createPostgresKeyStore(options), where: `the key tables of schema ${parsed.schema ?? 'omnitrail'}` };
  }
  if (create) throw new StoreUnavailableError(`--store "${parsed.uri}": EventStoreDB keeps no keys; sealing personal fields needs a file: or postgres:// store`, command);
  return undefined;
}

/** Store errors name the URI they come from, so the user knows which `--store` failed. */
function withUri(uri: string, error: unknown): unknown {
  if (error instanceof EventStoreError) return new StoreAccessError(uri, error.message, { cause: error });
  return error;
}

/**
 * The event envelopes held in a store, in `$all` order: each stored event's `data` is the envelope JSON
 * (an object, or its JSON text). An `esdb://` server that cannot be reached fails with a
 * {@link StoreAccessError} within `options.connectTimeoutMs`.
 */
export async function* readStoreValues(uri: string, command = 'replay', options: StoreAccessOptions = {}): AsyncGenerator<unknown> {
  const parsed = parseStoreUri(uri, command);
  if (parsed.kind === 'memory') return;
  const store = await openStore(parsed, 'read', command, options);
  // Personal fields are opened with the keys kept with the store (docs/privacy.md); without them (a store
  // without keys, or an erased customer) they read as erased.
  let keys: KeyStore | undefined;
  try {
    keys = (await openStoreKeys(parsed, false, command))?.keys;
  } catch (error) {
    await store.close();
    throw error;
  }
  const codec = keys === undefined ? undefined : createPersonalDataCodec(keys);
  const opened = (value: unknown) => (codec === undefined ? value : codec.open(value));
  try {
    for await (const recorded of store.readAll()) {
      const data = recorded.data;
      if (typeof data === 'string') {
        let value: unknown;
        try {
          value = JSON.parse(data);
        } catch {
          yield data;
          continue;
        }
        yield await opened(value);
      } else {
        yield await opened(data);
      }
    }
  } catch (error) {
    throw withUri(uri, error);
  } finally {
    await keys?.close();
    await store.close();
  }
}

/**
 * The stream an imported event is appended to: one per customer and tenant. A `.` (and `%`) in the tenant id
 * is percent-escaped, so tenant `acme.eu` with customer `c1` and tenant `acme` with customer `eu.c1` never
 * share a stream.
 */
export function streamNameOf(event: { tenantId: string; customerId?: string; id: string }): string {
  const tenant = event.tenantId;
  const tenantPart = tenant.includes('.') || tenant.includes('%') ? tenant.replaceAll('%', '%25').replaceAll('.', '%2E') : tenant;
  return `customer-${tenantPart}.${event.customerId ?? 'none'}`;
}

/** Events per append: bounds one request's size while keeping the number of round trips low. */
const APPEND_BATCH_SIZE = 500;
/** Events whose keys are asked for together before they are sealed (a key store groups the new keys' writes). */
const SEAL_CHUNK_SIZE = 5_000;

/** Options of {@link appendStoreEvents}. */
export interface StoreWriteOptions extends StoreAccessOptions {
  /**
   * Seal personal fields with the store's key store, creating it when it has none (`import --seal`). Without
   * it, they are sealed when the store already has one (an engine or an earlier import with keys wrote it),
   * and stored in clear otherwise.
   */
  seal?: boolean;
}

/** What {@link appendStoreEvents} wrote. */
export interface StoreWriteResult {
  /** Events appended. */
  count: number;
  /** Where the keys their personal fields were sealed with are (`undefined`: stored in clear). */
  sealedWith: string | undefined;
}

/**
 * Appends events (envelopes as `data`) to a store, grouped by stream in batches of up to 500, with
 * expected revision `any`. Personal fields are sealed the way the engine seals them (docs/privacy.md) when the
 * store has a key store or `options.seal` asks for one. An `esdb://` server that cannot be reached fails with
 * a {@link StoreAccessError} within `options.connectTimeoutMs`, before anything is written.
 */
export async function appendStoreEvents(
  uri: string,
  events: Iterable<{ id: string; type: string; tenantId: string; customerId?: string }>,
  command = 'import',
  options: StoreWriteOptions = {},
): Promise<StoreWriteResult> {
  const parsed = parseStoreUri(uri, command);
  if (parsed.kind === 'memory') {
    let n = 0;
    for (const _ of events) n++;
    return { count: n, sealedWith: undefined };
  }
  // Refused before anything is opened: --seal on a store that cannot keep keys.
  if (options.seal === true && parsed.kind === 'esdb') await openStoreKeys(parsed, true, command);
  const store = await openStore(parsed, 'append', command, options);
  let storeKeys: StoreKeys | undefined;
  let count = 0;
  try {
    storeKeys = await openStoreKeys(parsed, options.seal === true, command);
    const codec = storeKeys === undefined ? undefined : createPersonalDataCodec(storeKeys.keys);
    const batches = new Map<string, { id: string; type: string; data: unknown }[]>();
    const flush = async (stream: string) => {
      const batch = batches.get(stream);
      if (!batch || batch.length === 0) return;
      batches.delete(stream);
      await store.appendToStream(stream, batch, { expectedRevision: 'any' });
    };
    const add = async (event: { id: string; type: string; tenantId: string; customerId?: string }, data: unknown) => {
      const stream = streamNameOf(event);
      let batch = batches.get(stream);
      if (!batch) batches.set(stream, (batch = []));
      batch.push({ id: event.id, type: event.type, data });
      count++;
      if (batch.length >= APPEND_BATCH_SIZE) await flush(stream);
    };
    let chunk: CatalogEvent[] = [];
    // The keys of a chunk's owners are made durable together, before any event sealed with them is appended.
    const sealChunk = async () => {
      await codec!.prepare(chunk);
      for (const event of chunk) await add(event, codec!.seal(event));
      chunk = [];
    };
    for (const event of events) {
      if (codec === undefined) await add(event, event);
      else {
        chunk.push(event as unknown as CatalogEvent);
        if (chunk.length >= SEAL_CHUNK_SIZE) await sealChunk();
      }
    }
    if (chunk.length > 0) await sealChunk();
    for (const stream of [...batches.keys()]) await flush(stream);
  } catch (error) {
    throw withUri(uri, error);
  } finally {
    await storeKeys?.keys.close();
    await store.close();
  }
  return { count, sealedWith: storeKeys?.where };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** ` (unavailable)`: the client's error type, from the adapter's `EventStoreDbError.reason`. */
function reasonTypeOf(error: unknown): string {
  const reason = (error as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' ? ` (${reason})` : '';
}

/**
 * The client's own message (the adapter's wraps it with advice meant for library users), without gRPC's empty
 * "Resolution note".
 */
function clientMessageOf(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const message = messageOf(cause instanceof Error ? cause : error);
  return message.replace(/\.?\s*Resolution note:\s*\.?\s*$/, '').trim();
}

/** The prefixes of the streams events are written to: the engine's, and `import --store`'s (see {@link streamNameOf}). */
const EVENT_STREAM_PREFIXES = ['journey-', 'customer-'];

/**
 * Erases a customer of a `file:` or `postgres://` store (docs/privacy.md): opens the store and the key store
 * kept with it (`keys.json`, the schema's key tables), catches an engine up with every event (the engine's
 * streams and those `import --store` wrote), and calls `engine.erase`. EventStoreDB keeps no keys (usage
 * error); a store without a key store was written in clear and has nothing to erase.
 */
export async function eraseStoreCustomer(uri: string, tenantId: string, customerId: string, options: StoreAccessOptions = {}): Promise<Erasure> {
  const parsed = parseStoreUri(uri, 'erase');
  if (parsed.kind !== 'file' && parsed.kind !== 'postgres') {
    throw new StoreUnavailableError(`--store "${uri}": erase needs a file: or postgres:// store, which keeps the keys (keys.json, or the schema's key tables)`, 'erase');
  }
  if (parsed.kind === 'file') checkReadableDirectory(parsed.directory, `--store "${uri}"`);
  const store = await openStore(parsed, 'append', 'erase', options);
  let storeKeys: StoreKeys | undefined;
  try {
    storeKeys = await openStoreKeys(parsed, false, 'erase');
  } catch (error) {
    await store.close();
    throw error;
  }
  if (storeKeys === undefined) {
    await store.close();
    const missing = parsed.kind === 'file' ? `no ${KEYS_FILE} in the directory` : `no key tables in schema ${parsed.schema ?? 'omnitrail'}`;
    throw new StoreAccessError(uri, `${missing}: its events were not written with sealed personal fields, so there are no keys to delete`);
  }
  // The engine follows its own streams; imported customers' events are in import's, so it is shown both.
  const everyStream: EventStore = { ...store, subscribeToAll: (o) => store.subscribeToAll({ ...o, filter: { streamNamePrefix: EVENT_STREAM_PREFIXES } }) };
  // No snapshot of its own (its projections are not a serving engine's); the erasure deletes every snapshot key.
  const engine = createJourneyEngine({ store: everyStream, keys: storeKeys.keys, standardProjections: false, snapshots: false });
  try {
    await engine.ready();
    return await engine.erase(tenantId, customerId);
  } catch (error) {
    throw withUri(uri, error);
  } finally {
    await engine.close();
    await storeKeys.keys.close();
    await store.close();
  }
}
