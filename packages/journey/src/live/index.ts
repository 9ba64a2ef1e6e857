import {
  createInMemoryEventStore,
  isDocumentVersionConflict,
  isDuplicateEventId,
  isWrongExpectedRevision,
  type AllSubscription,
  type EventStore,
  type EventToAppend,
  type KeyStore,
  type WrongExpectedRevisionError,
} from '@omnitrail/eventstore';
import { createIdTable, deepFreeze, hashString, type IdTable } from '@omnitrail/eventstore/adapter';
import {
  catalogRegistry,
  compareEventOrder,
  instantMs,
  jsonContentHash,
  newEventId,
  parseEvent,
  ValidationError,
  identityRank,
  normalizeIdentityValue,
  type CatalogEvent,
  type EventRegistry,
  type InputOfEvents,
} from '@omnitrail/events';
import { BehaviorSubject, Observable, ReplaySubject, Subject, distinctUntilChanged, map } from 'rxjs';
import { resolveJourneyConfig } from '../core/config/index.js';
import { caseSnapshot, statusAsOf, type CaseSnapshot } from '../core/cases/index.js';
import { customerProfile, type CustomerProfile } from '../core/customer-profile/index.js';
import { isOpenCaseStatus, type JourneyConfig, type ReportWindow } from '../core/model/index.js';
import { tenantReport, type TenantFold } from '../core/standard/index.js';
import type { TenantReport } from '../core/report/types.js';
import { TENANT_PROJECTIONS } from '../core/standard/index.js';
import { createHostProjections, NEEDS_HISTORY, type JourneyProjection } from './host-projections.js';
import { DEFAULT_SNAPSHOT_SLICE_MS, periodicSnapshotDue } from './snapshot-policy/index.js';
import { decodeEngineSnapshot, DEFAULT_SNAPSHOT_KEY, encodeEngineSnapshotInSlices, snapshotFingerprint, type SavedEngineState, type SavedTenant, type SlicedSnapshotEncoding, type SnapshotRejection } from './engine-snapshot/index.js';
import { createSnapshotKeys, deleteSnapshotKeys, isSealedEngineSnapshot, openSealedEngineSnapshot, sealEngineSnapshot, type SnapshotKey } from './sealed-snapshot/index.js';
import { createOwnEventQueue } from './own-events.js';
import { createPersonalDataCodec, SNAPSHOT_KEY_TENANT } from './personal-data/index.js';
import { canonicalCustomerId, mergedGroup } from '../core/identity/index.js';
import { addEvents, compactRecordedIndex, createLiveTenant, createRecordedIndex, detachedTenant, evictBefore, pruneSnapshots, foldEventsAsOf, foldTenantAsOf, recordedEvent, restoreLoadedRecords, shareLoadedCases, tenantFoldOf, type GroupHistoryRequest, type LiveTenant, type RecordedIndex } from './tenant-state.js';
import { packedRecordStats, type LiveCustomersState } from './packed-customers/index.js';
import { createRecordSpill } from './record-spill/index.js';
import { packedCaseStats } from './packed-cases/index.js';
import { packedChunkStats } from './packed-facts/index.js';
import type { CasesState } from '../core/cases/index.js';
import { beyondHorizonError, resolveMemorySettings, type JourneyMemoryOptions, type JourneyMemoryStats } from './memory/index.js';
import { createTriageQueries, type TriageQueries } from './triage.js';
import { createJourneyOperations, type JourneyOperations } from './operations.js';
import { createTenantSnapshots, DEFAULT_TENANT_SNAPSHOT_EVERY_MS, type CapturedTenant, type TenantSnapshots } from './tenant-snapshots/index.js';
import { createTenantDiscovery, type TenantDiscovery } from './tenant-discovery/index.js';
import { createTenantOwnership, guardTenantReads, type JourneyWorkerOptions, type TenantOwnership, type TenantOwnershipChange } from './workers/index.js';

export { ENGINE_SNAPSHOT_FORMAT, type SnapshotRejection } from './engine-snapshot/index.js';
export type { BeyondHorizonError, JourneyMemoryOptions, JourneyMemoryStats } from './memory/index.js';
export { DEFAULT_WORKER_LEASE_MS, JourneyWorkerOptionsError, TenantNotOwnedError, type JourneyWorkerOptions, type TenantOwnershipChange } from './workers/index.js';
export {
  defineJourneyProjection,
  type JourneyPartitioning,
  type JourneyProjection,
  type JourneyProjectionEvent,
  type StateOfJourneyProjection,
} from './host-projections.js';

/**
 * Options of `createJourneyEngine`. `E` and `I` are the events the engine knows, parsed and as given: the
 * catalog's, plus the host types of `registry` (inferred from it).
 */
export interface JourneyEngineOptions<E = CatalogEvent, I = InputOfEvents<E>> {
  /** Where events are appended; the in-memory store by default. */
  store?: EventStore;
  config?: Partial<JourneyConfig>;
  /** The engine's clock (ms): used only for generated ids and default `asOf`; never inside a fold. */
  clock?: () => number;
  /**
   * Known event types; the catalog by default. A registry with host types (`createEventRegistry([...])`)
   * types `record()` with them too.
   */
  registry?: EventRegistry<E, I>;
  /** How many times an append is retried after a concurrent writer moved the stream (default 5). */
  maxAppendRetries?: number;
  /** The host's own projections, folded live next to the standard ones (see `defineJourneyProjection`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  projections?: readonly JourneyProjection<any, any>[];
  /**
   * Whether to fold the standard projections (cases, journey map, customer 360, churn, metrics); default
   * true. An engine that serves only its host projections turns them off and records much faster; its
   * `report`, `getCase`, `openCases`, `fold`, `foldAsOf`, `tenant$` and `case$` then throw.
   */
  standardProjections?: boolean;
  /**
   * Snapshots of the engine's state, kept in the store's documents (`store.documents`), so that an engine
   * over a durable store resumes from its latest snapshot and reads only the events after it (see
   * docs/durable-engine.md). On by default when a store is passed in; `false` turns them off. Unused with
   * the engine's own private store, which nothing outlives.
   */
  snapshots?: false | JourneyEngineSnapshotOptions;
  /** Where the engine reports what it did with snapshots (loaded, rejected, failed); `console` by default. */
  logger?: JourneyEngineLogger;
  /**
   * Makes the engine one of several workers over a shared store (see docs/workers.md): the workers divide the
   * tenants through leases in the store's documents, each folds and serves only its own, `record()` works for
   * any tenant, and a read of a tenant another worker serves throws `TenantNotOwnedError` naming it. Needs a
   * `store`. A worker snapshots each tenant it serves on its own (`snapshots.key` + `:tenant:` + the tenant),
   * and a tenant it gains is loaded from its latest snapshot and caught up from the log after it.
   */
  worker?: JourneyWorkerOptions;
  /**
   * Bounded memory (docs/durable-engine.md): events older than `horizonMs` of event time before each
   * tenant's latest leave memory, their contribution staying in the state; what needs them later (a late
   * event before them, a merge of two customers that both have evicted events, an erasure, an as-of query
   * before them through `foldAsOfFromStore`/`reportFromStore`) re-reads the tenant's history from the store.
   * Absent: the engine holds every event.
   */
  memory?: JourneyMemoryOptions;
  /**
   * Where the keys that seal personal fields live (docs/privacy.md). Given, the engine stores every personal
   * field encrypted with its customer's key, reads it back decrypted, and `erase` works; absent, events are
   * stored as they are and `erase` throws. Its snapshots are then sealed with a snapshot key of this key store
   * (tenant `$snapshots`, which no event may have) that every erasure replaces.
   */
  keys?: KeyStore;
  /** Called after each erasure, in order (see {@link JourneyEngine.onErased}). */
  onErased?: readonly ErasureHook[];
}

/** Settings of an engine's snapshots (`createJourneyEngine({ snapshots })`). */
export interface JourneyEngineSnapshotOptions {
  /** The document key (default `'journey-engine.snapshot'`): engines with different projections over one store use different keys. */
  key?: string;
  /**
   * Take a snapshot after this many events were folded since the last one (0: never periodically). Taking
   * one costs a pause of the engine proportional to its whole state (see the docs), so by default it is
   * 100,000 or the number of events held, whichever is larger, and no sooner than twenty times the last
   * snapshot's pause after it: the pauses then take at most a twentieth of the time, however long the log
   * and however fast events come.
   */
  everyEvents?: number;
  /** Take a snapshot on `close()` when events were folded since the last one (default true). */
  onClose?: boolean;
  /**
   * A worker's tenants (docs/workers.md): also snapshot a tenant once this many ms have passed since its last
   * snapshot (written or loaded) when events were folded for it since (default 30,000; 0: by `everyEvents`
   * only), and no sooner than twenty times its last snapshot's duration after it, so that timed snapshots
   * take at most a twentieth of the worker's time. Small tenants, which rarely reach `everyEvents`, are then
   * taken over after a kill from a snapshot at most about this old. An engine that is not a worker
   * snapshots by `everyEvents` only.
   */
  everyMs?: number;
  /**
   * A snapshot is encoded in slices of about this many ms of work (default 10), between which the engine goes
   * on folding and answering: the state is captured at once (shared under copy on write, as a fold snapshot
   * is), so the pause of the engine is the capture and the longest slice, not the whole encoding.
   */
  sliceMs?: number;
}

/** Where an engine writes its log lines. */
export interface JourneyEngineLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** What a snapshot the engine wrote or loaded holds. */
export interface EngineSnapshotInfo {
  readonly key: string;
  /** A worker's snapshot of one tenant (docs/workers.md): that tenant; absent for an engine snapshot. */
  readonly tenantId?: string;
  /** The store position the state covers (`undefined`: none of the store's events yet). */
  readonly position: bigint | undefined;
  /** Events folded in the state. */
  readonly events: number;
  readonly tenants: number;
  /** Size of the snapshot document. */
  readonly bytes: number;
  /** The document's version in the store. */
  readonly version: bigint;
}

/**
 * What the engine did with snapshots: `loaded` one on start (then read only the events after it), found
 * `none` (caught up from the whole log), `rejected` one (another format, other projections or configuration,
 * damaged, or sealed with a snapshot key an erasure deleted: rebuilt from the whole log instead, never
 * loaded), `written` one, or failed to write one (`write-failed`; the engine goes on, the previous snapshot
 * stays). A worker's events are about its per-tenant snapshots, loaded when it gains a tenant, and name the
 * tenant (`tenantId`).
 */
export type EngineSnapshotEvent =
  | ({ readonly kind: 'loaded' } & EngineSnapshotInfo)
  | { readonly kind: 'none'; readonly key: string; readonly tenantId?: string }
  | { readonly kind: 'rejected'; readonly key: string; readonly tenantId?: string; readonly reason: SnapshotRejection; readonly message: string }
  | ({ readonly kind: 'written' } & EngineSnapshotInfo)
  | { readonly kind: 'write-failed'; readonly key: string; readonly tenantId?: string; readonly error: unknown };

/** What an erasure removed: the customer (canonical id), every customer merged into it, and how many keys went. */
export interface Erasure {
  readonly tenantId: string;
  /** The erased customer's canonical id. */
  readonly customerId: string;
  /** The customers whose events were erased: the canonical one and those merged into it, sorted. */
  readonly customerIds: readonly string[];
  /** How many keys were deleted (a customer's own, and those of the identities and cases its anonymous events were sealed under). */
  readonly keysDeleted: number;
  /** The id of the `CustomerErased` event recorded. */
  readonly eventId: string;
}

/**
 * Called after an erasure, once the engine's projections read the customer's personal fields as erased and
 * its snapshots are resealed: anything else that keeps copies of projection state (caches, exported reports)
 * drops or rewrites them here, since they hold the values decrypted.
 */
export type ErasureHook = (erasure: Erasure) => void | Promise<void>;

/** Live access to one host projection of an engine. */
export interface JourneyProjectionHandle<S> {
  /** A partition's current state (`undefined` before its first event); a merged customer's id finds the survivor's partition. */
  state(tenantId: string, key: string): S | undefined;
  /**
   * The partition's state as of an instant (ms): the fold of the events with `occurredAt ≤ asOf`, merges after
   * it not applied. With `memory`, an instant the held events cannot answer (before the tenant's horizon, or
   * before a merge that moved a customer whose events left memory) throws a `BeyondHorizonError`, as
   * `foldAsOf` does: use `stateAtFromStore`.
   */
  stateAt(tenantId: string, key: string, asOf: number): S | undefined;
  /** {@link JourneyProjectionHandle.stateAt} for any instant: when memory cannot answer, it re-reads the tenant's history from the store. */
  stateAtFromStore(tenantId: string, key: string, asOf: number): Promise<S | undefined>;
  /**
   * The partition's state stream: the current state first, then the state after every change of the
   * partition. The engine keeps a subject per watched partition only while someone subscribes.
   */
  state$(tenantId: string, key: string): Observable<S | undefined>;
  /** How many partitions of this projection have subscribers now (each costs a subject until they leave). */
  watchedPartitions(): number;
  /** The keys of the tenant's partitions, sorted. */
  keys(tenantId: string): string[];
}

/** What `record` stored; `E` is the events the engine knows (the catalog's, plus a registry's host types). */
export interface RecordResult<E = CatalogEvent> {
  /** The parsed events, ids filled in, in input order (redelivered duplicates included). */
  events: E[];
  /** How many of them were new; the rest were redeliveries of recorded events and changed nothing. */
  recorded: number;
  /** Global position of the last event appended, if any. */
  position: bigint | undefined;
}

/**
 * How the engine follows its store: `none` for its own private store (nothing to follow), `catching-up`,
 * `live`, `ended` (closed or failed). An adapter that reports its subscription's health (EventStoreDB:
 * connecting, catching-up, live, retrying with the attempt and the last error, ended) is passed through as is.
 */
export type StoreHealth =
  | { readonly state: 'none' }
  | { readonly state: 'catching-up' | 'live' | 'connecting'; readonly position?: bigint | undefined }
  | { readonly state: 'retrying'; readonly attempt: number; readonly lastError: unknown; readonly position?: bigint | undefined }
  | { readonly state: 'ended'; readonly error?: unknown };

/** A stored event the engine could not fold: where it is and why (the field errors of `parseEvent`). */
export interface RejectedStoredEvent {
  readonly position: bigint;
  readonly stream: string;
  readonly id: string;
  readonly errors: readonly { readonly path: string; readonly message: string }[];
}

/** One change of a tenant's projections. */
export interface JourneyChange {
  tenantId: string;
  /** The events that caused it. */
  eventIds: string[];
  /** Customers (canonical ids) and cases the events touched. */
  customerIds: string[];
  caseIds: string[];
  /** Index in the tenant's ordered log from which the fold was recomputed (smaller than the log's length for late events). */
  refoldedFrom: number;
}

/**
 * The journey engine: records touchpoints and serves the standard projections, live. `E` and `I` are the
 * events it knows, parsed and as given: the catalog's, plus the host types of its registry.
 */
export interface JourneyEngine<E = CatalogEvent, I = InputOfEvents<E>> extends JourneyOperations, TriageQueries {
  /**
   * Validates, resolves identity and appends; resolves once the projections include the events. Typed with
   * the input types of the catalog and of the registry's host types, so a misspelt type or a wrong data
   * field does not compile; data of unknown shape (a webhook's body) goes through {@link JourneyEngine.recordUnknown}.
   */
  record(input: I | readonly I[]): Promise<RecordResult<E>>;
  /** `record` for input whose type is not known at compile time: validated the same way at run time. */
  recordUnknown(input: unknown): Promise<RecordResult<E>>;
  /** Waits until every event in the store has been folded (catch-up done). */
  ready(): Promise<void>;
  /** The report section of a tenant (report.md), as of an instant (default: the clock). */
  report(tenantId: string, window?: Partial<ReportWindow>): TenantReport;
  /** A case as of now (the clock): a frozen snapshot, in the form of the report's open-case rows and more. */
  getCase(tenantId: string, caseId: string): CaseSnapshot | undefined;
  /** The open cases of a tenant, by case id. */
  openCases(tenantId: string): CaseSnapshot[];
  /** The canonical id of a customer after merges. */
  canonicalCustomerId(tenantId: string, customerId: string): string;
  /**
   * A customer's 360 profile as of now (the clock): identities, traits, preferred channel, open cases, orders,
   * CSAT/NPS, sentiment, reply windows and health with its explanation. `customer` is the customer's id or
   * any identity it is known by (an email, a phone in any common format, a user or device id); `undefined`
   * when nobody is known by it. Frozen plain data.
   */
  customer(tenantId: string, customer: string): CustomerProfile | undefined;
  /** A customer's profile stream: the current profile first, then every change of it (see `customer`). */
  customer$(tenantId: string, customer: string): Observable<CustomerProfile | undefined>;
  /**
   * The tenant's fold as of an instant: the fold of the events with `occurredAt ≤ asOf`. With `memory`, an
   * instant before the tenant's evicted events' end throws a `BeyondHorizonError`: use `foldAsOfFromStore`.
   */
  foldAsOf(tenantId: string, asOf: number): TenantFold;
  /** {@link JourneyEngine.foldAsOf} for any instant: before the memory horizon it re-reads the tenant's history from the store. */
  foldAsOfFromStore(tenantId: string, asOf: number): Promise<TenantFold>;
  /** {@link JourneyEngine.report} for any window: before the memory horizon it re-reads the tenant's history from the store. */
  reportFromStore(tenantId: string, window?: Partial<ReportWindow>): Promise<TenantReport>;
  /**
   * What bounded memory did so far: events held and evicted, re-reads of histories and their cost, customer
   * records packed. Frozen plain data.
   */
  memoryStats(): JourneyMemoryStats;
  /**
   * The current fold of a tenant (undefined before its first event). Its `customers.customers` is a read-only
   * `Map` that follows the engine's state: with `memory`, the records of customers unchanged since an
   * eviction are kept packed and unpacked as they are read (docs/durable-engine.md, *Settled records packed*).
   * Its entries are read through its methods and iterators (`new Map(view)` copies them); `structuredClone`,
   * which reads a Map's internal slots, sees none.
   */
  fold(tenantId: string): TenantFold | undefined;
  /**
   * A tenant's state stream: emits the current fold first, then after every change. Follows catch-up from
   * the store, then live appends.
   */
  tenant$(tenantId: string): Observable<TenantFold | undefined>;
  /** A case's state stream: current state first, then every change of it. */
  case$(tenantId: string, caseId: string): Observable<CaseSnapshot | undefined>;
  /** Every change of every tenant. */
  readonly changes$: Observable<JourneyChange>;
  /**
   * Events in the store that are not valid journey events (written by another tool, or by an older version
   * of the catalog), met while following the store: each is skipped by the projections and reported here,
   * with its position, id and field errors, never dropped without a trace. Replays the latest 10,000 met so far.
   */
  readonly rejectedStoredEvents$: Observable<RejectedStoredEvent>;
  /**
   * The health of the engine's subscription to its store (see {@link StoreHealth}): the current state first,
   * then every change, so a host can show "reconnecting" during an outage; completes when the engine closes.
   */
  readonly storeHealth$: Observable<StoreHealth>;
  /** How many stored events were rejected so far (see `rejectedStoredEvents$`). */
  rejectedStoredEventCount(): number;
  /**
   * How many stored events were copies of an event already folded (same id, same content) and so not folded
   * again: retries another writer stored twice, in another stream, on a store that keeps ids unique per
   * stream only (EventStoreDB). A copy with other content is rejected instead (`rejectedStoredEvents$`).
   */
  duplicateStoredEventCount(): number;
  /** A host projection passed in `projections`, with typed state queries and streams. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  projection<S>(definition: JourneyProjection<S, any>): JourneyProjectionHandle<S>;
  /**
   * Counters for benchmarks: events folded, re-folds of the tenant from a snapshot (late events, unmerges) and
   * the events they folded again, regroups of a merge's survivor and the survivor's events they folded again.
   */
  stats(tenantId: string): { applied: number; refolds: number; refoldedEvents: number; regroups: number; regroupedEvents: number } | undefined;
  /**
   * Writes a snapshot of the engine's state now (after catching up), through the store's documents; resolves
   * with what it holds, or `undefined` when it could not be written (see `snapshotEvents$`). Throws for an
   * engine without snapshots (its own private store, or `snapshots: false`).
   */
  snapshot(): Promise<EngineSnapshotInfo | undefined>;
  /** What the engine did with snapshots (see {@link EngineSnapshotEvent}); replays the latest 64 to a new subscriber. */
  readonly snapshotEvents$: Observable<EngineSnapshotEvent>;
  /** A worker's gains and losses of tenants (see `worker`); completes at once for an engine without one. */
  readonly ownership$: Observable<TenantOwnershipChange>;
  /** The tenants this engine serves, sorted: a worker's own, or every tenant folded for an engine without `worker`. */
  ownedTenants(): string[];
  /**
   * Erases a customer (docs/privacy.md): deletes the keys its events' personal fields are sealed with (its
   * own, those of the customers merged into it, and those of its anonymous events), records `CustomerErased`,
   * and re-folds the tenant so every projection reads those fields as erased while still counting the events.
   * Then writes the engine's snapshot again under a new snapshot key and deletes every other snapshot key (no
   * snapshot sealed before can be read again), and calls the `onErased` hooks. Needs the `keys` option.
   */
  erase(tenantId: string, customerId: string): Promise<Erasure>;
  /** Adds a hook called after every erasure (see {@link ErasureHook}); returns a function that removes it. */
  onErased(hook: ErasureHook): () => void;
  /**
   * Stops following the store, writes a snapshot when snapshots are on and events were folded since the last
   * one, and completes every stream. Does not close a store passed in.
   */
  close(): Promise<void>;
}

const STREAM_PREFIX = 'journey-';

/** The id index's entry for an event of a tenant a worker forgot: no event id is empty, so no lookup matches it. */
const FORGOTTEN_EVENT = Object.freeze({ id: '', tenantId: '' }) as unknown as CatalogEvent;

/**
 * The stream of a customer: `journey-<tenant>-<customer key>`, hashed when too long for a stream name. A `-`
 * (and `%`) in the tenant id is percent-escaped, so tenant `acme-eu` with customer `c1` and tenant `acme`
 * with customer `eu-c1` never share a stream: a read by stream shows one tenant's events only.
 */
export function journeyStreamName(event: CatalogEvent): string {
  return journeyStreamNameOfKey(event.tenantId, event.customerId ?? strongestIdentityKey(event) ?? event.id);
}

/** The stream of a tenant's events known by `key` (a customer id, `id:<type>:<value>`, an event id). */
function journeyStreamNameOfKey(tenantId: string, key: string): string {
  const name = `${tenantStreamPrefix(tenantId)}${key}`;
  return name.length <= 256 ? name : `${STREAM_PREFIX}h-${fnv1a(name)}`;
}

/**
 * A read from the store a tenant waits for (its history re-read, or a merged group's events): the batches of
 * the tenant delivered meanwhile, folded after it in order, and when it is done.
 */
interface TenantRead {
  queue: { list: CatalogEvent[]; contents: number[] | undefined }[];
  done: Promise<void>;
}

/** What a read of a tenant says while the tenant is rebuilt from its history (see `rehydrate`). */
function rebuildingError(tenantId: string): Error {
  return new Error(`tenant "${tenantId}" is being rebuilt from the store's history (an event needed events evicted from memory); await engine.ready() and read again`);
}

/** A batch sorted in fold order and cut in steps of `step` events, each with its ids' and contents' hashes. */
function inSteps(
  group: { list: CatalogEvent[]; hashes: number[] | undefined; contents: number[] | undefined },
  step: number,
): { list: CatalogEvent[]; hashes: number[] | undefined; contents: number[] | undefined }[] {
  const order = group.list.map((_, i) => i).sort((a, b) => compareEventOrder(group.list[a]!, group.list[b]!));
  const parts: { list: CatalogEvent[]; hashes: number[] | undefined; contents: number[] | undefined }[] = [];
  for (let from = 0; from < order.length; from += step) {
    const slice = order.slice(from, from + step);
    parts.push({
      list: slice.map((i) => group.list[i]!),
      hashes: group.hashes === undefined ? undefined : slice.map((i) => group.hashes![i]!),
      contents: group.contents === undefined ? undefined : slice.map((i) => group.contents![i]!),
    });
  }
  return parts;
}

/** The prefix of a tenant's streams (`journey-<escaped tenant>-`); long names are hashed under `journey-h-`. */
function tenantStreamPrefix(tenant: string): string {
  const tenantPart = tenant.includes('-') || tenant.includes('%') ? tenant.replaceAll('%', '%25').replaceAll('-', '%2D') : tenant;
  return `${STREAM_PREFIX}${tenantPart}-`;
}

function strongestIdentityKey(event: CatalogEvent): string | undefined {
  let best: { rank: number; key: string } | undefined;
  for (const identity of event.identities ?? []) {
    const value = normalizeIdentityValue(identity.type.trim(), identity.value);
    if (value === undefined) continue;
    const rank = identityRank(identity.type.trim());
    if (!best || rank < best.rank) best = { rank, key: `id:${identity.type.trim()}:${value}` };
  }
  return best?.key;
}

function fnv1a(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619);
    h2 = Math.imul(h2 ^ c, 2246822519);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** The content hash an event read from the store was recorded with: its metadata's, else that of its stored data. */
function contentHashOf(data: unknown, metadata: unknown): number {
  const recorded = metadata !== null && typeof metadata === 'object' ? (metadata as { contentHash?: unknown }).contentHash : undefined;
  return typeof recorded === 'number' ? recorded : jsonContentHash(data);
}

/**
 * Creates a journey engine over a store (a new in-memory store of its own by default). `record()` folds
 * the events it appends as soon as they are stored. An engine given a store also follows it from the start
 * (catch-up, then live), so one opened on a durable store rebuilds its projections and sees what other
 * writers append; its own default store is private, so there is nothing to follow.
 */
export function createJourneyEngine<E = CatalogEvent, I = InputOfEvents<E>>(options: JourneyEngineOptions<E, I> = {}): JourneyEngine<E, I> {
  // The engine's own default store is appended to by record() alone, with events it has just validated:
  // walking them again to check they are JSON-storable would cost about a fifth of recording one.
  // It also keeps no id index: record() checks every id against everything the engine recorded, so each
  // id it appends is new (see recordParsed).
  const store = options.store ?? createInMemoryEventStore({ validateData: false, indexIds: false });
  const ownsStore = options.store === undefined;
  const config = resolveJourneyConfig(options.config);
  const clock = options.clock ?? Date.now;
  // Host types are folded like any event (the standard projections skip types they do not know); inside, an
  // event is a catalog event or an opaque one of the same envelope, so the engine is typed with the catalog.
  const registry = (options.registry ?? catalogRegistry) as EventRegistry<CatalogEvent, unknown>;
  const maxRetries = options.maxAppendRetries ?? 5;
  const standard = options.standardProjections ?? true;
  const host = createHostProjections(options.projections ?? [], config);
  const keyStore = options.keys;
  const codec = keyStore === undefined ? undefined : createPersonalDataCodec(keyStore);
  const erasureHooks: ErasureHook[] = [...(options.onErased ?? [])];
  // ---- bounded memory (see ./memory and tenant-state's evictBefore) ----------------------------------
  const memory = resolveMemorySettings(options.memory, standard);
  // Opens its file at the first record spilled: an engine that never evicts creates none.
  const recordSpill = memory?.spill === undefined ? undefined : createRecordSpill(memory.spill);
  const memoryCounters = { rehydrations: 0, rehydratedEvents: 0, rehydrateMs: 0, groupReads: 0, groupReadEvents: 0, groupReadMs: 0, historyReads: 0, historyReadEvents: 0, historyReadMs: 0 };
  // Tenants waiting for a merged group's events to be read back (see readGroupHistory), with the batches that came meanwhile.
  const groupReads = new Map<string, TenantRead>();
  // Tenants whose history is being re-read, with the batches that came meanwhile (folded after it, in order).
  const rehydrating = new Map<string, TenantRead>();
  // Tenants that must hold their whole history for a while (a record() checking late ids, an erasure).
  const pinned = new Map<string, number>();
  // Ids a re-read folded that the subscription has not handed over yet: skipped when it does.
  const prefolded = new Set<string>();
  // Evicted events still in the engine's index of folded ids, removed in one pass when they are many.
  const evictedFromIndex = new Set<CatalogEvent>();
  let evictedTotal = 0;
  // Our own events handed back since the last sweep of evictions, and whether one is scheduled.
  let handedBackSinceSweep = 0;
  let sweepScheduled = false;
  // One subject per partition someone watches, released when its last subscriber leaves.
  const hostSubjects = new Map<string, { index: number; tenantId: string; key: string; lastKey: string | undefined; subject: BehaviorSubject<unknown>; subscribers: number }>();
  const tenants = new Map<string, LiveTenant>();
  // One subject per tenant someone watches (tenant$, case$, customer$), released when its last subscriber
  // leaves: a host that watches many tenants over its life must not keep a subject for each one forever.
  const tenantSubjects = new Map<string, { subject: BehaviorSubject<TenantFold | undefined>; subscribers: number }>();
  const changes = new Subject<JourneyChange>();
  // The latest rejections are replayed to a new subscriber; the count keeps them all.
  const rejectedStored = new ReplaySubject<RejectedStoredEvent>(10_000);
  let rejectedStoredCount = 0;
  // Stored copies of ids already folded, with the same content (see the subscription loop).
  let storedCopies = 0;
  rejectedStored.subscribe(() => rejectedStoredCount++);
  const foldCache = new Map<string, TenantFold>();
  let caughtUp = ownsStore;
  const caughtUpWaiters: (() => void)[] = [];
  let failure: unknown;
  let closed = false;

  // Every event the engine folded, by id, for all tenants (ids are unique store-wide).
  const recordedIndex = createRecordedIndex();

  // The events record() appended: record() folds them itself right after the append, so the subscription
  // skips them when it hands them back.
  const ownIds = createOwnEventQueue();
  // The engine's own default store is new and private: nothing to catch up with, and no other writer to
  // follow, so no subscription (it would only hand back, one by one, the events record() has folded).
  const follows = !ownsStore;
  // Opened once the snapshot (if any) is loaded, from the position it covers.
  let subscription: AllSubscription | undefined;
  const storeHealth = new BehaviorSubject<StoreHealth>(follows ? { state: 'catching-up' } : { state: 'none' });
  // An adapter that reports its subscription's health is followed as is; for the others the engine says
  // what it sees itself (caught up, ended).
  let adapterHealth: Observable<StoreHealth> | undefined;
  let healthSubscription: { unsubscribe(): void } | undefined;

  // ---- snapshots (see ./engine-snapshot) -----------------------------------------------------------
  const logger: JourneyEngineLogger = options.logger ?? { info: () => undefined, warn: (message) => console.warn(message) };
  // A store from before the documents capability (another copy of an older @omnitrail/eventstore) has no
  // place for snapshots: the engine then catches up from the log as it always did.
  const snapshotSettings = follows && options.worker === undefined && options.snapshots !== false && typeof store.documents?.read === 'function' ? resolveSnapshotSettings(options.snapshots) : undefined;
  // ---- sealed snapshots (see ./sealed-snapshot, docs/privacy.md) ----
  // A snapshot holds projection state with personal fields opened: with keys it is sealed with a snapshot key
  // of the key store. An erasure seals the next one under a new key (`rotateSnapshotKey`, read when the state
  // is captured, so a snapshot captured before the erasure never gets the new key) and deletes the old keys.
  const snapshotKeys = keyStore === undefined || snapshotSettings === undefined ? undefined : createSnapshotKeys(keyStore, snapshotSettings.key);
  let rotateSnapshotKey = false;
  // The key of the snapshot document as last written (what an erasure keeps).
  let snapshotSealedWith: string | undefined;
  // ---- end of sealed snapshots ----
  const snapshotEvents = new ReplaySubject<EngineSnapshotEvent>(64);
  const fingerprint = snapshotSettings === undefined ? '' : snapshotFingerprint(config, standard, host.definitions);
  // The version of the snapshot document as last read or written (undefined: none seen).
  let snapshotVersion: bigint | undefined;
  // The position up to which every event of the store is in the state, once `pending` is flushed: the last
  // one the subscription handed over, unless one of our own events came back before record() folded it (on
  // a network store the subscription can see an append before its caller has the answer). Such an event is
  // a hole: the covered position stays before it until record() folds it, and the events handed over after
  // it wait in `afterHole` (a snapshot lists those it holds, so a resumed engine skips them).
  let deliveredPosition: bigint | undefined;
  const holes = new Set<string>();
  const afterHole: { position: bigint; id: string }[] = [];
  const delivered = (position: bigint, id: string) => {
    if (holes.size === 0 && afterHole.length === 0) deliveredPosition = position;
    else afterHole.push({ position, id });
  };
  /** Moves the covered position over the events handed over after holes that are filled now. */
  const coverFilledHoles = () => {
    while (afterHole.length > 0 && !holes.has(afterHole[0]!.id)) deliveredPosition = afterHole.shift()!.position;
  };
  const fillHoles = (events: readonly CatalogEvent[]) => {
    for (const event of events) holes.delete(event.id);
    coverFilledHoles();
  };
  /**
   * Fills the holes whose events the state now holds: a batch that waited for a re-read of its tenant is
   * folded by that re-read, not by `apply`, and the subscription may have handed its events back after
   * `apply` queued it (a batch waiting for a merged group's read is folded by `applyTenantOnce`, which fills
   * its holes itself). A hole left open would hold the covered position back for good, and with it every
   * later event in `afterHole`.
   */
  const fillFoldedHoles = () => {
    if (holes.size === 0) return;
    for (const id of holes) if (recordedEvent(recordedIndex, id) !== undefined) holes.delete(id);
    coverFilledHoles();
  };
  let foldedSinceSnapshot = 0;
  // When the last snapshot was written or loaded (monotonic ms), and what writing it cost (capture and encoding work).
  let lastSnapshotAt = performance.now();
  let lastSnapshotCostMs = 0;
  // How the last snapshot written held the event loop (see engineSnapshotPause).
  let lastSnapshotPause: SnapshotPause | undefined;
  // The size of the last snapshot encoded: the next one's buffer starts about that large.
  let lastSnapshotBytes = 0;
  // Erasures folded (or applied to the state): a snapshot captured before one is captured again.
  let erasuresFolded = 0;
  // The position of the latest CustomerErased whose customer the state has forgotten (see foldedLatestErasure).
  let erasuresFoldedThrough: bigint | undefined;
  // ---- workers (see ./workers): the tenants this engine folds, when it is one of several ----------------
  if (options.worker !== undefined && ownsStore) throw new TypeError('createJourneyEngine: worker needs a shared store (options.store)');
  // ---- a worker's per-tenant snapshots (see ./tenant-snapshots): a tenant it gains is loaded from the last
  // snapshot any worker wrote of it, and caught up from the log after that snapshot's position.
  const tenantSnapshotSettings =
    follows && options.worker !== undefined && options.snapshots !== false && typeof store.documents?.read === 'function' ? resolveSnapshotSettings(options.snapshots) : undefined;
  const tenantSnapshots: TenantSnapshots | undefined =
    tenantSnapshotSettings === undefined
      ? undefined
      : createTenantSnapshots({
          documents: store.documents,
          baseKey: tenantSnapshotSettings.key,
          // With keys, sealed like engine snapshots (they hold personal fields opened).
          ...(keyStore === undefined ? {} : { keys: createSnapshotKeys(keyStore, `${tenantSnapshotSettings.key}:tenants`) }),
          everyEvents: tenantSnapshotSettings.everyEvents,
          everyMs: tenantSnapshotSettings.everyMs,
          fingerprint: snapshotFingerprint(config, standard, host.definitions),
          clock,
          logger,
          emit: (event) => snapshotEvents.next(event),
          serves: (tenantId) => ownership?.serves(tenantId) ?? false,
          folds: (tenantId) => ownership?.folds(tenantId) ?? false,
          capture: captureTenant,
          sliceMs: tenantSnapshotSettings.sliceMs,
          erasures: () => erasuresFolded,
          erasuresFolded: (tenantId) => foldedErasures(tenantId),
          restore: restoreTenant,
          eventsHeld: (tenantId) => tenants.get(tenantId)?.events.length ?? 0,
        });
  // ---- a worker's tenant discovery (see ./tenant-discovery): from the store's stream-group index when it has
  // one, so a new worker reads only the tenants it gains, not the whole log.
  const discovery: TenantDiscovery | undefined =
    options.worker === undefined
      ? undefined
      : createTenantDiscovery({
          store,
          streamPrefix: STREAM_PREFIX,
          tenantOf: async (stored) => {
            const opening = codec === undefined ? stored.data : codec.open(stored.data);
            const parsed = parseEvent(opening instanceof Promise ? await opening : opening, { registry, uniformShape: true });
            return parsed.success ? parsed.event.tenantId : undefined;
          },
        });
  const ownership: TenantOwnership | undefined =
    options.worker === undefined
      ? undefined
      : createTenantOwnership({
          documents: store.documents,
          worker: options.worker,
          catchUp: catchUpTenants,
          // Polled every round: tenants created later are found even before the subscription meets them.
          ...(discovery?.indexed === true ? { listTenants: async () => (await discovery.list())?.tenants ?? [] } : {}),
          logger,
          ...(tenantSnapshots === undefined
            ? {}
            : {
                load: loadTenantSnapshots,
                // On close only when snapshots.onClose; before a hand-over to another worker always.
                handOver: (tenantIds: readonly string[]) => (closed && !tenantSnapshotSettings!.onClose ? Promise.resolve() : tenantSnapshots.write(tenantIds)),
              }),
        });
  // A tenant that became served may be due for its snapshot (caught up from the whole log, or its stored one
  // rejected); one it lost is dropped from memory (whoever takes it next starts from a snapshot or the log).
  ownership?.ownership$.subscribe((change) => {
    if (change.change === 'gained') tenantSnapshots?.folded(change.tenantId, 0);
    else if (!closed) forgetTenant(change.tenantId);
  });
  let snapshotInFlight: Promise<EngineSnapshotInfo | undefined> | undefined;
  let snapshotScheduled = false;
  let subscriptionEnded = false;
  // A snapshot was found and set aside: replace it as soon as the rebuild is done.
  let replaceRejected = false;
  // Other writers' events are folded in batches: everything the subscription hands over before the event
  // loop turns is applied at once, so a batch of late events costs one re-fold, not one per event.
  let pending: CatalogEvent[] = [];
  let pendingContents: number[] = [];
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    if (pending.length === 0) return;
    const batch = pending;
    const batchContents = pendingContents;
    pending = [];
    pendingContents = [];
    // Copies of one id within the batch are folded once too (apply drops them), and counted.
    storedCopies += batch.length - apply(batch, false, undefined, batchContents);
  };
  const pump = (async () => {
    if (!follows) return;
    try {
      let from = snapshotSettings === undefined ? 'start' : await loadSnapshot(snapshotSettings.key);
      if (ownership !== undefined && discovery !== undefined) from = await discoverTenants(ownership, discovery);
      if (closed) return;
      subscription = store.subscribeToAll({ from, filter: { streamNamePrefix: STREAM_PREFIX } });
      adapterHealth = (subscription as { health$?: Observable<StoreHealth> }).health$;
      healthSubscription = adapterHealth?.subscribe({ next: (h) => storeHealth.next(h), error: () => undefined });
      for await (const item of subscription) {
        if (item.kind === 'caught-up') {
          // The whole backlog in one fold: sorted once and folded in order, as the replay does, rather
          // than one page at a time (each page of events older than the last would re-fold the tenant).
          flush();
          if (adapterHealth === undefined && storeHealth.value.state !== 'live') storeHealth.next({ state: 'live', position: item.position });
          caughtUp = true;
          if (memory !== undefined) sweep();
          if (ownership !== undefined) void ownership.settled();
          caughtUpWaiters.splice(0).forEach((r) => r());
          if (replaceRejected) {
            replaceRejected = false;
            scheduleSnapshot();
          } else maybeSnapshot();
          continue;
        }
        if (ownIds.take(item.event.id)) {
          if (prefolded.size === 0 || !prefolded.delete(item.event.id)) {
            if (recordedEvent(recordedIndex, item.event.id) === undefined) holes.add(item.event.id);
          }
          delivered(item.event.position, item.event.id);
          // Our own events could not leave memory before they came back: look again now and then.
          if (memory !== undefined && ++handedBackSinceSweep >= memory.minEvictEvents) scheduleSweep();
          continue;
        }
        // Folded by a re-read of its tenant's history before the subscription got here.
        if (prefolded.size > 0 && prefolded.delete(item.event.id)) {
          delivered(item.event.position, item.event.id);
          // A re-read opens events with the keys left: an erasure's customer reads as erased there already.
          if (item.event.type === 'CustomerErased') noteErasureFolded(item.event.position);
          continue;
        }
        delivered(item.event.position, item.event.id);
        const opening = codec === undefined ? item.event.data : codec.open(item.event.data);
        const stored = opening instanceof Promise ? await opening : opening;
        const parsed = parseEvent(stored, { registry, uniformShape: true });
        if (!parsed.success) {
          rejectedStored.next(
            Object.freeze({
              position: item.event.position,
              stream: item.event.streamName,
              id: item.event.id,
              errors: Object.freeze(parsed.error.issues.map((i) => Object.freeze({ path: i.path, message: i.message }))),
            }),
          );
          continue;
        }
        // A worker folds only its tenants; the others it notes as candidates for its share.
        if (ownership !== undefined && !ownership.folds(parsed.event.tenantId)) {
          ownership.discover(parsed.event.tenantId);
          continue;
        }
        const content = contentHashOf(item.event.data, item.event.metadata);
        // A second copy of a folded id (another writer's retry into another stream, on a store that keeps ids
        // unique per stream only) is never folded twice: counted, and reported when its content differs.
        const known = recordedEvent(recordedIndex, parsed.event.id);
        if (known !== undefined) {
          if (known.content === content) storedCopies++;
          else {
            rejectedStored.next(
              Object.freeze({
                position: item.event.position,
                stream: item.event.streamName,
                id: item.event.id,
                errors: Object.freeze([Object.freeze({ path: 'id', message: `"${item.event.id}" was already folded with other content; this copy is ignored` })]),
              }),
            );
          }
          continue;
        }
        // Another engine erased a customer: its keys are gone, so the copies folded here go too. The event
        // itself is indexed (a redelivery is recognised) but not folded (see addEvents).
        if (parsed.event.type === 'CustomerErased') {
          flush();
          apply([parsed.event], false, undefined, [content]);
          if (parsed.event.customerId !== undefined && codec !== undefined) {
            const { tenantId, customerId } = parsed.event;
            // With bounded memory the customer's evicted events are in the tenant's base, opened: the
            // tenant is re-read from the store (where they now read as erased) before it is forgotten.
            await withWholeHistory([tenantId], () => forgetCustomer(tenantId, customerId));
          }
          noteErasureFolded(item.event.position);
          // Our snapshot may hold the erased values: the next one goes under a new key, the old keys go.
          if (snapshotKeys !== undefined) {
            rotateSnapshotKey = true;
            if (caughtUp) scheduleSnapshot();
            else replaceRejected = true;
          }
          continue;
        }
        pending.push(parsed.event);
        pendingContents.push(content);
        // While catching up everything is folded at once when history is exhausted (see above).
        if (!flushScheduled && caughtUp) {
          flushScheduled = true;
          setImmediate(flush);
        }
      }
      flush();
    } catch (error) {
      failure = error;
      storeHealth.next({ state: 'ended', error });
      changes.error(error);
      caughtUpWaiters.splice(0).forEach((r) => r());
    } finally {
      subscriptionEnded = true;
    }
  })();

  /**
   * Folds events into their tenants and notifies subscribers. Redeliveries of folded events are dropped,
   * unless the caller vouches that there is none (`distinct`: a lookup per event saved). Returns how many
   * events were new.
   */
  function apply(events: readonly CatalogEvent[], distinct = false, hashes?: readonly number[], contents?: readonly number[]): number {
    let folded = 0;
    // Grouped by tenant, with each event's id hash when the caller has it.
    const byTenant = new Map<string, { list: CatalogEvent[]; hashes: number[] | undefined; contents: number[] | undefined }>();
    let lastTenant = '';
    let last: { list: CatalogEvent[]; hashes: number[] | undefined; contents: number[] | undefined } | undefined;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      if (event.tenantId !== lastTenant || last === undefined) {
        lastTenant = event.tenantId;
        last = byTenant.get(lastTenant);
        if (!last) byTenant.set(lastTenant, (last = { list: [], hashes: hashes === undefined ? undefined : [], contents: contents === undefined ? undefined : [] }));
      }
      last.list.push(event);
      last.hashes?.push(hashes![i]!);
      last.contents?.push(contents![i]!);
    }
    try {
      for (const [tenantId, group] of byTenant) {
        if (ownership !== undefined && !ownership.folds(tenantId)) continue;
        const added = applyTenant(tenantId, group, distinct);
        folded += added;
        if (added > 0) tenantSnapshots?.folded(tenantId, added);
      }
    } finally {
      if (holes.size > 0) fillHoles(events);
      if (folded > 0) {
        foldedSinceSnapshot += folded;
        maybeSnapshot();
      }
    }
    return folded;
  }

  /**
   * With bounded memory a large batch (a catch-up's backlog) is folded in time-ordered steps, each starting
   * at a fold snapshot that is the exact state before it: evictions cut there (a single fold of everything
   * would leave no such point but its end).
   */
  function applyTenant(tenantId: string, group: { list: CatalogEvent[]; hashes: number[] | undefined; contents: number[] | undefined }, distinctBatch: boolean): number {
    const step = memory === undefined ? Number.POSITIVE_INFINITY : Math.max(memory.minEvictEvents, 1000);
    if (group.list.length <= step) return applyTenantOnce(tenantId, group, distinctBatch);
    let folded = 0;
    const parts = inSteps(group, step);
    // A catch-up evicts once at its end: fold snapshots matter only where that eviction can cut.
    const from = caughtUp ? undefined : backlogSnapshotsFrom(parts, tenants.get(tenantId)?.events.at(-1)?.at);
    for (const part of parts) {
      // Looked up for each step: the first creates the tenant, a re-read of its history replaces it.
      const before = tenants.get(tenantId);
      if (before !== undefined) before.snapshotsFrom = from;
      try {
        folded += applyTenantOnce(tenantId, part, distinctBatch);
      } finally {
        const after = tenants.get(tenantId);
        if (after !== undefined) after.snapshotsFrom = undefined;
      }
    }
    return folded;
  }

  /**
   * The instant from which a backlog folded in time-ordered steps needs fold snapshots: the start of the step
   * before the one where its last `horizonMs` begin, since the eviction at its end cuts at the newest snapshot
   * before that (see tenant-state's `snapshotsFrom`). `undefined` (snapshots everywhere) without bounded
   * memory or for a short backlog. `latestHeld`: the tenant's latest event already folded, if later.
   */
  function backlogSnapshotsFrom(parts: readonly { list: CatalogEvent[] }[], latestHeld: number | undefined): number | undefined {
    if (memory === undefined || parts.length < 3) return undefined;
    const firstAt = (k: number) => instantMs(parts[k]!.list[0]!.occurredAt);
    const lastAt = Math.max(instantMs(parts[parts.length - 1]!.list.at(-1)!.occurredAt), latestHeld ?? Number.NEGATIVE_INFINITY);
    const watermark = lastAt - memory.horizonMs;
    let k = 0;
    while (k + 1 < parts.length && firstAt(k + 1) < watermark) k++;
    return firstAt(Math.max(0, k - 1));
  }

  /** Folds one tenant's share of a batch into it and notifies its subscribers; returns how many events were new. */
  function applyTenantOnce(
    tenantId: string,
    group: { list: CatalogEvent[]; hashes: number[] | undefined; contents: number[] | undefined },
    distinctBatch: boolean,
    supplied?: { events: ReadonlyMap<string, CatalogEvent>; reads: number },
  ): number {
    {
      const waiting = rehydrating.get(tenantId) ?? groupReads.get(tenantId);
      if (waiting !== undefined) {
        waiting.queue.push({ list: group.list, contents: group.contents });
        return group.list.length;
      }
      let tenant = tenants.get(tenantId);
      if (!tenant) tenants.set(tenantId, (tenant = withEvictionStep(createLiveTenant(tenantId, config, standard, recordedIndex))));
      let folded: ReturnType<typeof addEvents>;
      tenant.supplied = supplied?.events;
      try {
        folded = addEvents(tenant, group.list, config, distinctBatch, group.hashes, group.contents, verifyHost);
      } finally {
        tenant.supplied = undefined;
      }
      const { refoldedFrom, added, needsHistory, request } = folded;
      if (needsHistory) {
        // Merged groups' events read back suffice; a few reads at most for one batch (a re-fold can meet
        // other groups than the batch's), then the tenant's history.
        if (request !== undefined && (supplied?.reads ?? 0) < 5) readGroupHistory(tenantId, request, { list: group.list, contents: group.contents }, supplied);
        else rehydrate(tenantId, { list: group.list, contents: group.contents });
        return group.list.length;
      }
      if (added.length === 0) return 0;
      const touched = host.update(tenant, added, hostSubjects.size > 0);
      foldCache.delete(tenantId);
      const fold = foldOf(tenantId)!;
      // Built only when someone listens: at hundreds of thousands of events a second it is not free.
      if (changes.observed) {
        const folded = added.map((e) => e.event);
        changes.next({
          tenantId,
          eventIds: folded.map((e) => e.id),
          customerIds: [...new Set(added.map((e) => fold.canonical(e.attributed)))].sort(),
          caseIds: caseIdsOf(folded),
          refoldedFrom,
        });
      }
      tenantSubjects.get(tenantId)?.subject.next(fold);
      for (const entry of hostSubjects.values()) {
        if (entry.tenantId !== tenantId) continue;
        const key = host.canonicalKey(tenant, entry.index, entry.key);
        if (key !== entry.lastKey || touched[entry.index]!.has(key)) {
          entry.lastKey = key;
          entry.subject.next(host.state(tenant, entry.index, entry.key));
        }
      }
      if (memory !== undefined && !caughtUp) {
        const latest = tenant.events.at(-1)?.at;
        if (latest !== undefined) pruneSnapshots(tenant, latest - memory.horizonMs);
      }
      // Before they may leave memory: a batch folded after a merged group's read is folded here, not by `apply`.
      if (holes.size > 0) fillHoles(group.list);
      evictOld(tenant);
      return added.length;
    }
  }

  // ---- bounded memory ---------------------------------------------------------------------------------

  /** Evicts a tenant's events older than the horizon (see tenant-state's evictBefore), unless it is pinned. */
  function evictOld(tenant: LiveTenant): void {
    // While catching up nothing is evicted: the backlog is folded in steps whose starts are exact states, and
    // evicted at the end from the last one before the horizon (evicting on the way would make every later
    // merge with an early anonymous customer re-read the history).
    if (memory === undefined || !caughtUp || pinned.has(tenant.tenantId) || rehydrating.has(tenant.tenantId) || groupReads.has(tenant.tenantId)) return;
    const latest = tenant.events.at(-1)?.at;
    if (latest === undefined) return;
    const watermark = latest - memory.horizonMs;
    if (tenant.events.length < memory.minEvictEvents || tenant.events[0]!.at >= watermark) return;
    // Our own events the subscription has not handed back stay: it tells holes from folded events by the index.
    const own = follows ? ownIds.pending() : [];
    const pendingOwn = new Set(own);
    const gone = evictBefore(tenant, watermark, memory.minEvictEvents, own.length === 0 ? undefined : (e) => pendingOwn.has(e.id));
    if (gone.length === 0) return;
    host.evict(tenant, gone);
    evictedTotal += gone.length;
    foldCache.delete(tenant.tenantId);
    for (const { event } of gone) evictedFromIndex.add(event);
    if (evictedFromIndex.size * 2 > recordedIndex.recorded.length) compactIndex();
  }

  /** Evicts what every tenant may evict (own events came back since the last look). */
  function sweep(): void {
    handedBackSinceSweep = 0;
    for (const tenant of tenants.values()) evictOld(tenant);
  }

  function scheduleSweep(): void {
    if (sweepScheduled) return;
    sweepScheduled = true;
    setImmediate(() => {
      sweepScheduled = false;
      if (!closed) sweep();
    });
  }

  /**
   * With host projections, a fold of a tenant with evicted events is checked before it is kept: one that
   * moves a customer whose evicted events the partitions folded (see HostProjections.verify) is rolled back
   * and the tenant re-read, as the standard fold's own needs of evicted events are.
   */
  const verifyHost = host.definitions.length === 0 ? undefined : (tenant: LiveTenant) => host.verify(tenant);

  /** Tells the watchers of a tenant's host partitions their state, after the tenant was replaced or rebuilt. */
  function notifyHostWatchers(tenantId: string, tenant: LiveTenant): void {
    for (const entry of hostSubjects.values()) {
      if (entry.tenantId !== tenantId) continue;
      entry.lastKey = host.canonicalKey(tenant, entry.index, entry.key);
      entry.subject.next(host.state(tenant, entry.index, entry.key));
    }
  }

  /** A new live tenant of this engine: with bounded memory, fold snapshots at least every eviction step. */
  function withEvictionStep(tenant: LiveTenant): LiveTenant {
    if (memory !== undefined) tenant.evictionStep = memory.minEvictEvents;
    if (recordSpill !== undefined) tenant.spill = recordSpill;
    return tenant;
  }

  function compactIndex(): void {
    if (evictedFromIndex.size === 0) return;
    compactRecordedIndex(recordedIndex, evictedFromIndex);
    evictedFromIndex.clear();
  }

  /**
   * Lets go of the batches that waited for a read of a tenant the worker lost meanwhile: their events are no
   * longer ours to fold (the subscription passes them by as another tenant's) and leave no hole behind.
   */
  function dropLostBatches(queue: readonly { list: CatalogEvent[] }[]): void {
    const ids = new Set<string>();
    for (const group of queue) for (const event of group.list) ids.add(event.id);
    ownIds.forget(ids);
    for (const group of queue) fillHoles(group.list);
  }

  /** Reads one tenant's events from the store, opened and parsed as the subscription does. */
  async function readTenantHistory(tenantId: string): Promise<{ events: CatalogEvent[]; contents: number[]; positions: bigint[] }> {
    const events: CatalogEvent[] = [];
    const contents: number[] = [];
    const positions: bigint[] = [];
    for await (const stored of store.readAll({ filter: { streamNamePrefix: [tenantStreamPrefix(tenantId), `${STREAM_PREFIX}h-`] } })) {
      const opening = codec === undefined ? stored.data : codec.open(stored.data);
      const data = opening instanceof Promise ? await opening : opening;
      const parsed = parseEvent(data, { registry, uniformShape: true });
      // Invalid events were reported when the subscription met them; hashed stream names hold any tenant.
      if (!parsed.success || parsed.event.tenantId !== tenantId) continue;
      events.push(parsed.event);
      contents.push(contentHashOf(stored.data, stored.metadata));
      positions.push(stored.position);
    }
    return { events, contents, positions };
  }

  /**
   * Reads a merged group's events back from the store (the streams of its named customers and identities,
   * see `GroupHistoryRequest`), then folds `first` again with them and every batch of the tenant that came
   * meanwhile, in order. When the events are not all found or the re-read fails, the tenant's history is
   * re-read instead (rehydrate).
   */
  function readGroupHistory(
    tenantId: string,
    request: GroupHistoryRequest,
    first: { list: CatalogEvent[]; contents: number[] | undefined },
    previous: { events: ReadonlyMap<string, CatalogEvent>; reads: number } | undefined,
  ): void {
    const entry: TenantRead = { queue: [first], done: Promise.resolve() };
    groupReads.set(tenantId, entry);
    entry.done = (async () => {
      const started = performance.now();
      const found = new Map(previous?.events ?? []);
      let complete = false;
      try {
        const before = found.size;
        await readGroupEvents(tenantId, request, found);
        memoryCounters.groupReadEvents += found.size - before;
        complete = request.ids.every((id) => found.has(id));
      } catch (error) {
        logger.warn(`journey engine: reading back a merged group of tenant "${tenantId}" failed (${String(error)}); re-reading the tenant's history`);
      }
      memoryCounters.groupReads++;
      memoryCounters.groupReadMs += performance.now() - started;
      groupReads.delete(tenantId);
      if (ownership !== undefined && !ownership.folds(tenantId)) {
        // Lost while the group was read (see `rehydrate`).
        dropLostBatches(entry.queue);
        return;
      }
      try {
        const [head, ...rest] = entry.queue;
        if (complete) applyTenantOnce(tenantId, { list: head!.list, hashes: undefined, contents: head!.contents }, false, { events: found, reads: (previous?.reads ?? 0) + 1 });
        else rehydrate(tenantId, head);
        for (const batch of rest) applyTenantOnce(tenantId, { list: batch.list, hashes: undefined, contents: batch.contents }, false);
      } catch (error) {
        failure ??= error;
        storeHealth.next({ state: 'ended', error });
        changes.error(error);
      }
    })();
  }

  /** Adds to `found` the events of the request's streams (its customers' and identities'), opened and parsed. */
  async function readGroupEvents(tenantId: string, request: GroupHistoryRequest, found: Map<string, CatalogEvent>): Promise<void> {
    const names = new Set<string>();
    for (const customerId of request.customers) names.add(journeyStreamNameOfKey(tenantId, customerId));
    // Events known by identities alone are named after their strongest identity; hashed when sealing (not followed here).
    if (codec === undefined) for (const key of request.identityKeys) names.add(journeyStreamNameOfKey(tenantId, `id:${key}`));
    for (const name of names) {
      try {
        for await (const stored of store.readStream(name)) {
          const opening = codec === undefined ? stored.data : codec.open(stored.data);
          const data = opening instanceof Promise ? await opening : opening;
          const parsed = parseEvent(data, { registry, uniformShape: true });
          if (parsed.success && parsed.event.tenantId === tenantId) found.set(parsed.event.id, parsed.event);
        }
      } catch (error) {
        if ((error as { code?: string }).code !== 'STREAM_NOT_FOUND') throw error;
      }
    }
  }

  /**
   * Rebuilds a tenant from its whole history in the store, then folds `first` and every batch of the tenant
   * that comes meanwhile (applyTenant queues them), and puts the rebuilt tenant in place. Reads see the
   * tenant as it was before `first` until then (or wait: see `ready()`).
   */
  function rehydrate(tenantId: string, first: { list: CatalogEvent[]; contents: number[] | undefined } | undefined): Promise<void> {
    const running = rehydrating.get(tenantId);
    if (running !== undefined) {
      if (first !== undefined) running.queue.push(first);
      return running.done;
    }
    const entry: TenantRead = { queue: first === undefined ? [] : [first], done: Promise.resolve() };
    rehydrating.set(tenantId, entry);
    entry.done = (async () => {
      const started = performance.now();
      try {
        let history: Awaited<ReturnType<typeof readTenantHistory>> | undefined;
        for (let attempt = 1; history === undefined; attempt++) {
          try {
            history = await readTenantHistory(tenantId);
          } catch (error) {
            if (attempt >= 3 || closed) throw error;
            logger.warn(`journey engine: re-reading tenant "${tenantId}"'s history failed (${String(error)}); retrying`);
            await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
          }
        }
        // A worker that lost the tenant while it was read drops what it read (whoever holds it now folds it),
        // as `apply` passes by a tenant it does not fold; the batches that waited leave no hole behind.
        if (ownership !== undefined && !ownership.folds(tenantId)) {
          dropLostBatches(entry.queue);
          return;
        }
        const rebuilt = withEvictionStep(createLiveTenant(tenantId, config, standard, createRecordedIndex()));
        const parts = inSteps({ list: history.events, hashes: undefined, contents: history.contents }, Math.max(memory?.minEvictEvents ?? 0, 1000));
        rebuilt.snapshotsFrom = backlogSnapshotsFrom(parts, undefined);
        for (const part of parts) addEvents(rebuilt, part.list, config, false, undefined, part.contents);
        rebuilt.snapshotsFrom = undefined;
        // Read ahead of the subscription: skipped when it hands them over.
        if (follows) {
          // Not those handed over already, after a hole (they would wait in `prefolded` for good).
          const handedOver = afterHole.length === 0 ? undefined : new Set(afterHole.map((a) => a.id));
          for (let i = 0; i < history.positions.length; i++) {
            if ((deliveredPosition === undefined || history.positions[i]! > deliveredPosition) && handedOver?.has(history.events[i]!.id) !== true) prefolded.add(history.events[i]!.id);
          }
        }
        const queued: CatalogEvent[] = [];
        for (let k = 0; k < entry.queue.length; k++) {
          const group = entry.queue[k]!;
          addEvents(rebuilt, group.list, config, false, undefined, group.contents);
          queued.push(...group.list);
        }
        // The engine's index of folded ids: the old tenant's entries out, the rebuilt one's in.
        const old = tenants.get(tenantId);
        if (old !== undefined) rebuilt.stats = { ...old.stats, evictedEvents: 0 };
        const drop = new Set<CatalogEvent>();
        for (const event of recordedIndex.recorded) if (event.tenantId === tenantId) drop.add(event);
        for (const event of evictedFromIndex) if (event.tenantId === tenantId) evictedFromIndex.delete(event);
        compactRecordedIndex(recordedIndex, drop);
        const own = rebuilt.index;
        for (let i = 0; i < own.recorded.length; i++) {
          recordedIndex.recorded.push(own.recorded[i]!);
          recordedIndex.contents.push(own.contents[i]!);
          recordedIndex.ids.add(hashString(own.recorded[i]!.id), recordedIndex.recorded.length);
        }
        (rebuilt as { index: RecordedIndex }).index = recordedIndex;
        // The host partitions too, from the whole history (each partition's state is the fold of its
        // events, however they came): evictOld below evicts them with the tenant's events.
        host.update(rebuilt, rebuilt.events, false);
        tenants.set(tenantId, rebuilt);
        rehydrating.delete(tenantId);
        fillFoldedHoles();
        foldCache.delete(tenantId);
        memoryCounters.rehydrations++;
        memoryCounters.rehydratedEvents += history.events.length;
        memoryCounters.rehydrateMs += performance.now() - started;
        const fold = foldOf(tenantId);
        if (changes.observed && queued.length > 0) {
          changes.next({
            tenantId,
            eventIds: queued.map((e) => e.id),
            customerIds: [...new Set(queued.map((e) => (e.customerId === undefined ? undefined : fold?.canonical(e.customerId))).filter((id): id is string => id !== undefined))].sort(),
            caseIds: caseIdsOf(queued),
            refoldedFrom: 0,
          });
        }
        tenantSubjects.get(tenantId)?.subject.next(fold);
        notifyHostWatchers(tenantId, rebuilt);
        evictOld(rebuilt);
      } catch (error) {
        // The tenant's events can no longer be folded exactly: the engine stops, as when its subscription fails.
        failure ??= error;
        storeHealth.next({ state: 'ended', error });
        changes.error(error);
      } finally {
        rehydrating.delete(tenantId);
      }
    })();
    return entry.done;
  }

  /** Runs `work` while the tenant holds its whole history (re-read from the store when some was evicted). */
  async function withWholeHistory<T>(tenantIds: Iterable<string>, work: () => Promise<T>): Promise<T> {
    const held = [...new Set(tenantIds)];
    for (const id of held) pinned.set(id, (pinned.get(id) ?? 0) + 1);
    try {
      for (const id of held) {
        await groupReads.get(id)?.done;
        const tenant = tenants.get(id);
        if (rehydrating.has(id) || tenant?.base !== undefined) await rehydrate(id, undefined);
      }
      if (failure) throw failure;
      return await work();
    } finally {
      for (const id of held) {
        const n = pinned.get(id)! - 1;
        if (n > 0) pinned.set(id, n);
        else {
          pinned.delete(id);
          const tenant = tenants.get(id);
          if (tenant !== undefined) evictOld(tenant);
        }
      }
    }
  }

  /** Waits for the re-reads in progress (of these tenants, or all). */
  async function rehydrated(tenantIds?: Iterable<string>): Promise<void> {
    const wanted = tenantIds === undefined ? undefined : [...new Set(tenantIds)];
    // A group read can end in a re-read of the tenant: wait until neither is left.
    for (;;) {
      if (rehydrating.size === 0 && groupReads.size === 0) return;
      const ids = wanted ?? [...rehydrating.keys(), ...groupReads.keys()];
      const running = ids.map((id) => rehydrating.get(id)?.done ?? groupReads.get(id)?.done).filter((done) => done !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** The fold as of `asOf` from what the tenant holds; throws `BeyondHorizonError` before its horizon. */
  function foldAsOfHeld(tenantId: string, asOf: number): TenantFold {
    const tenant = tenants.get(tenantId);
    if (tenant === undefined) return foldEventsAsOf(tenantId, [], asOf, config);
    if (tenant.broken) throw rebuildingError(tenantId);
    const fold = foldTenantAsOf(tenant, asOf, config);
    if (fold === undefined) throw beyondHorizonError(tenantId, asOf, tenant.horizon?.at ?? asOf);
    return fold;
  }

  /** The fold as of `asOf` from memory when it can be, else from the tenant's history in the store. */
  async function foldAsOfFromStore(tenantId: string, asOf: number): Promise<TenantFold> {
    await engine.ready();
    if (failure) throw failure;
    const tenant = tenants.get(tenantId);
    const latest = tenant?.events.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
    if (tenant !== undefined && latest <= asOf) return foldOf(tenantId)!;
    const held = tenant === undefined ? foldEventsAsOf(tenantId, [], asOf, config) : foldTenantAsOf(tenant, asOf, config);
    if (held !== undefined) return held;
    const started = performance.now();
    const history = await readTenantHistory(tenantId);
    memoryCounters.historyReads++;
    memoryCounters.historyReadEvents += history.events.length;
    const fold = foldEventsAsOf(tenantId, history.events, asOf, config);
    memoryCounters.historyReadMs += performance.now() - started;
    return fold;
  }

  /** A host partition's state as of `asOf` from what the tenant holds; throws `BeyondHorizonError` when that cannot answer. */
  function hostStateAtHeld(tenantId: string, index: number, key: string, asOf: number): unknown {
    const tenant = tenants.get(tenantId);
    if (tenant?.broken) throw rebuildingError(tenantId);
    const state = host.stateAt(tenant, index, key, asOf);
    if (state === NEEDS_HISTORY) throw beyondHorizonError(tenantId, asOf, tenant!.horizon?.at ?? asOf);
    return state;
  }

  /** A host partition's state as of `asOf` from memory when it can be, else from the tenant's history in the store. */
  async function hostStateAtFromStore(tenantId: string, index: number, key: string, asOf: number): Promise<unknown> {
    await engine.ready();
    if (failure) throw failure;
    const tenant = tenants.get(tenantId);
    const state = tenant?.broken ? NEEDS_HISTORY : host.stateAt(tenant, index, key, asOf);
    if (state !== NEEDS_HISTORY) return state;
    const started = performance.now();
    const history = await readTenantHistory(tenantId);
    memoryCounters.historyReads++;
    memoryCounters.historyReadEvents += history.events.length;
    const answer = host.stateAtOver(tenantId, history.events, index, key, asOf, config.identityLimits);
    memoryCounters.historyReadMs += performance.now() - started;
    return answer;
  }

  // ---- snapshots ------------------------------------------------------------------------------------

  /**
   * Loads the snapshot under `key` into the (empty) engine and answers the position to follow the store
   * from. Anything that keeps it from being loaded (none, another format or fingerprint, damage, a store
   * error) means following from the start: the log is the truth, a snapshot only a shortcut.
   */
  async function loadSnapshot(key: string): Promise<bigint | 'start'> {
    let bytes: Uint8Array;
    try {
      const document = await store.documents.read(key);
      if (document === undefined) {
        snapshotEvents.next(Object.freeze({ kind: 'none', key }));
        return 'start';
      }
      snapshotVersion = document.version;
      bytes = document.value;
    } catch (error) {
      // A damaged document (CORRUPT_DOCUMENT), or a store that cannot read it now (an EventStoreDB outage
      // at start): rebuild from the log, which the subscription follows through outages, and replace it.
      const damaged = (error as { code?: unknown }).code === 'CORRUPT_DOCUMENT';
      rejectSnapshot(key, damaged ? 'checksum' : 'unreadable', damaged ? (error as Error).message : `the store could not read it (${(error as Error).message})`);
      return 'start';
    }
    const decoded = await decodeSnapshot(bytes);
    if (!decoded.ok) {
      rejectSnapshot(key, decoded.reason, decoded.message);
      return 'start';
    }
    restoreState(decoded.state);
    lastSnapshotAt = performance.now();
    deliveredPosition = decoded.position;
    const info: EngineSnapshotInfo = Object.freeze({
      key,
      position: decoded.position,
      events: decoded.header.events,
      tenants: decoded.header.tenants,
      bytes: bytes.length,
      version: snapshotVersion!,
    });
    snapshotEvents.next(Object.freeze({ kind: 'loaded' as const, ...info }));
    logger.info(`journey engine: loaded snapshot '${key}' (${info.events} events, ${info.tenants} tenants, position ${String(info.position)}); reading the store after it`);
    return decoded.position ?? 'start';
  }

  /** Decodes snapshot bytes: sealed ones with the snapshot key (an engine with keys loads no other), plain ones otherwise. */
  async function decodeSnapshot(bytes: Uint8Array): Promise<ReturnType<typeof decodeEngineSnapshot>> {
    const sealed = isSealedEngineSnapshot(bytes);
    if (snapshotKeys === undefined) {
      return sealed ? { ok: false, reason: 'key', message: 'sealed with a snapshot key: only an engine given the key store (keys) can open it' } : decodeEngineSnapshot(bytes, fingerprint);
    }
    if (!sealed) return { ok: false, reason: 'key', message: 'not sealed: an engine with keys loads only sealed snapshots (one in clear may hold values erased since)' };
    try {
      return await openSealedEngineSnapshot(bytes, fingerprint, (id) => snapshotKeys.find(id));
    } catch (error) {
      return { ok: false, reason: 'unreadable', message: `the key store could not be read (${(error as Error).message})` };
    }
  }

  function rejectSnapshot(key: string, reason: SnapshotRejection, message: string): void {
    replaceRejected = true;
    snapshotEvents.next(Object.freeze({ kind: 'rejected', key, reason, message }));
    logger.warn(`journey engine: snapshot '${key}' not loaded (${reason}: ${message}); rebuilding from the whole log`);
  }

  /** Takes a snapshot soon when enough events were folded since the last one (see ./snapshot-policy). */
  function maybeSnapshot(): void {
    if (snapshotSettings === undefined || snapshotSettings.everyEvents === 0 || !caughtUp) return;
    const due = periodicSnapshotDue({
      folded: foldedSinceSnapshot,
      everyEvents: snapshotSettings.everyEvents,
      held: recordedIndex.recorded.length,
      sinceLastMs: performance.now() - lastSnapshotAt,
      lastCostMs: lastSnapshotCostMs,
    });
    if (due) scheduleSnapshot();
  }

  /** Notes that the state holds the erasure recorded at `position` (its customer's values forgotten). */
  function noteErasureFolded(position: bigint | undefined): void {
    erasuresFolded++;
    if (position !== undefined && (erasuresFoldedThrough === undefined || position > erasuresFoldedThrough)) erasuresFoldedThrough = position;
  }

  /**
   * Resolves once the state holds every `CustomerErased` the store has (of `tenantId` only, when given: a
   * worker's tenant): the subscription has forgotten their customers' values. Called when a snapshot key was
   * revoked, a rare moment: it polls rather than keep waiters, and reads back only the erasures after the
   * last one folded here. Answers whether they are (`false`: the engine closed or failed first).
   */
  async function foldedErasures(tenantId?: string): Promise<boolean> {
    let target: bigint | undefined;
    for await (const erasure of store.readAll({ fromPosition: 'end', direction: 'backwards', filter: { eventTypePrefix: 'CustomerErased' } })) {
      if (erasuresFoldedThrough !== undefined && erasure.position <= erasuresFoldedThrough) break;
      if (tenantId === undefined || (erasure.data as { tenantId?: unknown } | null)?.tenantId === tenantId) {
        target = erasure.position;
        break;
      }
    }
    const folded = () => target === undefined || (erasuresFoldedThrough !== undefined && erasuresFoldedThrough >= target);
    while (!folded() && !closed && failure === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    flush();
    return folded();
  }

  function scheduleSnapshot(): void {
    if (snapshotScheduled || snapshotInFlight !== undefined || closed) return;
    snapshotScheduled = true;
    setImmediate(() => {
      snapshotScheduled = false;
      if (!closed && failure === undefined) void writeSnapshot();
    });
  }

  /** Captures the state now (at once, so it is consistent), encodes it in slices and writes it; one write at a time. */
  function writeSnapshot(): Promise<EngineSnapshotInfo | undefined> {
    const key = snapshotSettings!.key;
    const previous = snapshotInFlight ?? Promise.resolve(undefined);
    const run = previous.then(async (): Promise<EngineSnapshotInfo | undefined> => {
      await ownEventsHandedBack();
      flush();
      // A tenant being re-read holds batches that are delivered but not folded yet: wait for them.
      while (rehydrating.size > 0 || groupReads.size > 0) {
        await rehydrated();
        flush();
      }
      // Our key gone means another engine erased a customer and its CustomerErased is in the store: the
      // state is saved once it holds that erasure, never before (it would seal the erased values anew).
      if (snapshotKeys !== undefined && !rotateSnapshotKey) {
        let erasuresIn = true;
        try {
          if (await snapshotKeys.revoked()) erasuresIn = await foldedErasures();
        } catch (error) {
          // The key store or the store cannot answer (closed, unreachable): nothing is sealed this time.
          snapshotEvents.next(Object.freeze({ kind: 'write-failed', key, error }));
          logger.warn(`journey engine: snapshot '${key}' not written: its key could not be checked (${(error as Error).message}); the previous one stays`);
          return undefined;
        }
        // Closed or failed while it waited: the state may miss the erasure, so it is not saved.
        if (!erasuresIn) return undefined;
      }
      // The state is captured at once and encoded in slices, between which the engine goes on folding. An
      // erasure meanwhile makes the capture hold values now forgotten: it is then captured again.
      let encoded: SlicedSnapshotEncoding | undefined;
      let position: bigint | undefined;
      let covered = 0;
      for (let attempt = 1; encoded === undefined; attempt++) {
        const pauseStarted = performance.now();
        // What may leave memory leaves before the state is saved, so the snapshot holds only the rest.
        if (memory !== undefined) sweep();
        position = deliveredPosition;
        covered = foldedSinceSnapshot;
        const erasures = erasuresFolded;
        try {
          const captured = captureState();
          const captureMs = performance.now() - pauseStarted;
          const sliced = await encodeEngineSnapshotInSlices(captured, { fingerprint, position, createdAt: clock() }, { sliceMs: snapshotSettings!.sliceMs, sizeHint: lastSnapshotBytes });
          lastSnapshotBytes = sliced.bytes.length;
          lastSnapshotCostMs = captureMs + sliced.busyMs;
          lastSnapshotPause = Object.freeze({ captureMs, longestSliceMs: sliced.longestSliceMs, slices: sliced.slices, busyMs: sliced.busyMs });
          if (erasuresFolded === erasures) encoded = sliced;
          else if (attempt === 3 || closed) {
            logger.warn(`journey engine: snapshot '${key}' not written: customers were erased while it was encoded, ${attempt} times; the next one is taken later`);
            return undefined;
          }
        } catch (error) {
          snapshotEvents.next(Object.freeze({ kind: 'write-failed', key, error }));
          logger.warn(`journey engine: snapshot '${key}' not taken: the state cannot be serialized (${(error as Error).message}); host projection states must be plain data`);
          return undefined;
        }
      }
      const rotate = rotateSnapshotKey;
      rotateSnapshotKey = false;
      let bytes = encoded.bytes;
      let sealedWith: SnapshotKey | undefined;
      if (snapshotKeys !== undefined) {
        try {
          sealedWith = rotate ? await snapshotKeys.rotate() : await snapshotKeys.current();
          bytes = sealEngineSnapshot(encoded, sealedWith);
        } catch (error) {
          if (rotate) rotateSnapshotKey = true;
          snapshotEvents.next(Object.freeze({ kind: 'write-failed', key, error }));
          logger.warn(`journey engine: snapshot '${key}' not written: no snapshot key (${(error as Error).message}); the previous one stays`);
          return undefined;
        }
      }
      // Events folded while the snapshot was encoded are for the next one.
      foldedSinceSnapshot = Math.max(0, foldedSinceSnapshot - covered);
      for (let attempt = 0; ; attempt++) {
        try {
          const { version } = await store.documents.write(key, bytes, { expectedVersion: snapshotVersion ?? 'absent' });
          snapshotVersion = version;
          lastSnapshotAt = performance.now();
          if (sealedWith !== undefined) snapshotSealedWith = sealedWith.id;
          // After an erasure the keys of this document's earlier snapshots go (the new one is written).
          if (rotate && snapshotKeys !== undefined) {
            await snapshotKeys.retire(sealedWith!.id).catch((error: unknown) => logger.warn(`journey engine: earlier snapshot keys of '${key}' not deleted (${(error as Error).message})`));
          }
          const info: EngineSnapshotInfo = Object.freeze({
            key,
            position,
            events: encoded.header.events,
            tenants: encoded.header.tenants,
            bytes: bytes.length,
            version,
          });
          snapshotEvents.next(Object.freeze({ kind: 'written' as const, ...info }));
          return info;
        } catch (error) {
          // Another engine over the same store wrote its own (as complete as ours): replace it once.
          if (isDocumentVersionConflict(error) && attempt === 0) {
            snapshotVersion = error.actual === 'absent' ? undefined : error.actual;
            continue;
          }
          foldedSinceSnapshot += covered;
          // The earlier keys stay until a snapshot under a new key is written: the next one rotates again.
          if (rotate) rotateSnapshotKey = true;
          snapshotEvents.next(Object.freeze({ kind: 'write-failed', key, error }));
          logger.warn(`journey engine: snapshot '${key}' not written (${(error as Error).message}); the previous one stays`);
          return undefined;
        }
      }
    });
    const settled = run.finally(() => {
      if (snapshotInFlight === settled) snapshotInFlight = undefined;
    });
    snapshotInFlight = settled;
    return settled;
  }

  /**
   * Waits (5 s at most) until the subscription has handed back the events record() folded itself, so that a
   * snapshot's position covers them: a resumed engine then reads only what came after, rather than reading
   * them again to skip them. A snapshot taken without waiting would still be exact (see captureState).
   */
  async function ownEventsHandedBack(): Promise<void> {
    const deadline = performance.now() + 5000;
    while (subscription !== undefined && !subscriptionEnded && failure === undefined && (ownIds.size > 0 || holes.size > 0) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** The engine's state as plain data, detached from the live structures: encoded in slices while the engine goes on. */
  function captureState(): SavedEngineState {
    compactIndex();
    const saved: SavedTenant[] = [];
    for (const tenant of tenants.values()) saved.push(savedTenantOf(tenant));
    // Our own events folded but not handed back by the subscription yet are after the covered position:
    // a resumed engine must skip them when the store hands them over.
    const ownFolded = ownIds.pending().filter((id) => recordedEvent(recordedIndex, id) !== undefined);
    // And the events handed over after a hole (see `holes`): folded, or counted as rejected or duplicate.
    for (const { id } of afterHole) if (!holes.has(id)) ownFolded.push(id);
    // And the events a re-read of a tenant's history folded ahead of the subscription.
    for (const id of prefolded) ownFolded.push(id);
    // The index's lists copied: they grow (and are compacted) while a snapshot is encoded.
    return { tenants: saved, recorded: recordedIndex.recorded.slice(), contents: recordedIndex.contents.slice(), ownFolded, rejectedStoredCount, storedCopies };
  }

  /**
   * A live tenant as saved in a snapshot, detached from the live one (see `detachedTenant`, and the host
   * projections' `exportTenant`): an engine snapshot holds every tenant's, a worker's tenant snapshot one.
   */
  function savedTenantOf(tenant: LiveTenant): SavedTenant {
    return { ...detachedTenant(tenant), host: host.exportTenant(tenant) };
  }

  /** Puts a saved tenant in place (its events already in the engine's index): rebuilds what was left out. */
  function restoreSavedTenant(saved: SavedTenant): void {
    const { host: hostTenant, ...rest } = saved;
    const tenant: LiveTenant = withEvictionStep({ ...rest, evictionStep: undefined, index: recordedIndex, projections: TENANT_PROJECTIONS });
    restoreLoadedRecords(tenant);
    shareLoadedCases(tenant);
    if (hostTenant !== undefined) host.importTenant(tenant, hostTenant);
    tenants.set(tenant.tenantId, tenant);
  }

  /** Puts a loaded state into the (empty) engine: rebuilds what was left out, tells watchers. */
  function restoreState(state: SavedEngineState): void {
    const { recorded, contents, ids } = recordedIndex;
    for (let i = 0; i < state.recorded.length; i++) {
      const event = state.recorded[i]!;
      recorded.push(event);
      contents.push(state.contents[i]!);
      ids.add(hashString(event.id), recorded.length);
    }
    for (const saved of state.tenants) restoreSavedTenant(saved);
    ownIds.expect(state.ownFolded);
    rejectedStoredCount = state.rejectedStoredCount;
    storedCopies = state.storedCopies;
    for (const [tenantId, entry] of tenantSubjects) entry.subject.next(foldOf(tenantId));
    for (const entry of hostSubjects.values()) {
      const tenant = tenants.get(entry.tenantId);
      if (tenant === undefined) continue;
      entry.lastKey = host.canonicalKey(tenant, entry.index, entry.key);
      entry.subject.next(host.state(tenant, entry.index, entry.key));
    }
  }

  function requireStandard(method: string): void {
    if (!standard) throw new Error(`engine.${method}() needs the standard projections, and this engine was created with standardProjections: false`);
    requireCaughtUp(method);
  }

  /** Synchronous reads before the catch-up with a given store would show a store that looks empty: say so. */
  function requireCaughtUp(method: string): void {
    if (caughtUp || failure !== undefined) return;
    throw new Error(`engine.${method}() before the engine caught up with its store: await engine.ready() first (streams such as tenant$ may be subscribed to at any time)`);
  }


  function foldOf(tenantId: string): TenantFold | undefined {
    const cached = foldCache.get(tenantId);
    if (cached) return cached;
    const tenant = tenants.get(tenantId);
    if (!tenant) return undefined;
    if (tenant.broken) throw rebuildingError(tenantId);
    const fold = tenantFoldOf(tenant, config);
    foldCache.set(tenantId, fold);
    return fold;
  }

  /** Parses `record()`'s input: the events, and each one's content hash as given (the redelivery rule's side). */
  function parseAll(input: unknown): { events: CatalogEvent[]; contents: number[] } {
    const list = Array.isArray(input) ? input : [input];
    const events: CatalogEvent[] = [];
    const contents: number[] = [];
    const issues: { path: string; message: string }[] = [];
    list.forEach((raw, index) => {
      const withId =
        raw !== null && typeof raw === 'object' && !Array.isArray(raw) && (raw as { id?: unknown }).id === undefined
          ? { ...(raw as object), id: newEventId(clock()) }
          : raw;
      const parsed = parseEvent(withId, { registry, uniformShape: true });
      const at = (path: string) => (Array.isArray(input) ? `[${index}]${path === '' ? '' : `.${path}`}` : path);
      if (parsed.success) {
        // The content hash walks the input as given, fields parseEvent dropped included: one nested too deep
        // or referring to itself is not JSON, and is said so rather than thrown as a stack overflow.
        let content: number;
        try {
          content = jsonContentHash(withId);
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          issues.push({ path: at(''), message: `the event is ${error.message}` });
          return;
        }
        events.push(parsed.event);
        contents.push(content);
      } else for (const issue of parsed.error.issues) issues.push({ path: Array.isArray(input) ? `[${index}].${issue.path}` : issue.path, message: issue.message });
    });
    if (issues.length > 0) throw new ValidationError(null, issues);
    return { events, contents };
  }

  /** A stream this engine appends to: its name and the last revision the engine saw there. */
  interface JourneyStream {
    readonly name: string;
    /**
     * Stated as the expected revision of the next append, so a concurrent writer is detected
     * (WrongExpectedRevisionError) without reading the stream first; `undefined` when unknown, and then the
     * append expects nothing ('any'): a stream the engine has not written since it started may hold events
     * already (a customer returning after a restart, or the engine's catch-up), and guessing 'no_stream'
     * cost every returning customer a refused append and a retry (450 per 12,000 events recorded after a
     * catch-up of 200,000 in the live-memory bench's workload).
     */
    revision: bigint | 'no_stream' | undefined;
  }
  const streamsByName = new Map<string, JourneyStream>();
  // By tenant and customer id: most events name their customer, and building the name anew would also
  // mean hashing a new string for every lookup by name.
  const streamsByCustomer = new Map<string, Map<string, JourneyStream>>();
  let lastStreamTenant = '';
  let lastStreamTenantMap: Map<string, JourneyStream> | undefined;
  function streamOf(event: CatalogEvent): JourneyStream {
    const customerId = event.customerId;
    if (customerId !== undefined) {
      let byCustomer = event.tenantId === lastStreamTenant ? lastStreamTenantMap : undefined;
      if (byCustomer === undefined) {
        byCustomer = streamsByCustomer.get(event.tenantId);
        if (!byCustomer) streamsByCustomer.set(event.tenantId, (byCustomer = new Map()));
        lastStreamTenant = event.tenantId;
        lastStreamTenantMap = byCustomer;
      }
      let stream = byCustomer.get(customerId);
      if (stream === undefined) byCustomer.set(customerId, (stream = streamNamed(journeyStreamName(event))));
      return stream;
    }
    // An event known by its identities alone is named after its strongest one: hashed when sealing, so the
    // store's stream names hold no identity value.
    return streamNamed(journeyStreamName(codec === undefined ? event : codec.erasedForm(event).event));
  }
  function streamNamed(name: string): JourneyStream {
    let stream = streamsByName.get(name);
    if (stream === undefined) streamsByName.set(name, (stream = { name, revision: undefined }));
    return stream;
  }

  async function currentRevision(stream: string): Promise<bigint | 'no_stream'> {
    let revision: bigint | 'no_stream' = 'no_stream';
    try {
      for await (const last of store.readStream(stream, { direction: 'backwards', maxCount: 1 })) revision = last.revision;
    } catch (error) {
      if ((error as { code?: string }).code !== 'STREAM_NOT_FOUND') throw error;
    }
    return revision;
  }

  // In a store others read (and this engine reads back when it restarts), each event carries the content hash
  // of its input as given, so a redelivery is judged on what the producer sent, not on its parsed form.
  const toAppend = (event: CatalogEvent, contentHash: number | undefined): EventToAppend => {
    const data = codec === undefined ? event : codec.seal(event);
    return contentHash === undefined ? { id: event.id, type: event.type, data } : { id: event.id, type: event.type, data, metadata: { contentHash } };
  };

  /**
   * The keys an erasure deletes: the canonical customer's and its merged customers' own, and the owners
   * (strongest identity, case) of every event attributed to them.
   */
  function ownersOf(tenant: LiveTenant, canonical: string): { customerIds: string[]; owners: Set<string> } {
    const identity = tenant.head.identity;
    const customerIds = [...new Set([canonical, ...mergedGroup(identity, canonical)])].sort();
    const owners = new Set<string>(customerIds);
    for (const e of tenant.events) if (canonicalCustomerId(identity, e.attributed) === canonical) owners.add(codec!.keyOwner(e.event));
    return { customerIds, owners };
  }

  /**
   * Replaces, in memory, the folded events of a customer whose keys are gone by their erased form, and folds
   * the tenant again from them: what a new engine reading the store would fold.
   */
  async function forgetCustomer(tenantId: string, customerId: string): Promise<{ customerIds: string[]; owners: Set<string> } | undefined> {
    const tenant = tenants.get(tenantId);
    if (tenant === undefined || codec === undefined) return undefined;
    await codec.loadTenant(tenantId);
    const canonical = canonicalCustomerId(tenant.head.identity, customerId);
    const group = ownersOf(tenant, canonical);
    for (const owner of group.owners) codec.forget(tenantId, owner);
    let changed = false;
    const events = tenant.events.map((e) => {
      if (!group.owners.has(codec.keyOwner(e.event))) return e.event;
      const erased = codec.erasedForm(e.event).event;
      if (erased === e.event) return e.event;
      changed = true;
      const position = recordedIndex.ids.find(e.id);
      if (position !== undefined) recordedIndex.recorded[position - 1] = erased;
      return erased;
    });
    if (!changed) return group;
    erasuresFolded++;
    // Folded into an index of its own (the shared one already holds these ids), then given the shared one.
    const rebuilt = withEvictionStep(createLiveTenant(tenantId, config, standard, createRecordedIndex()));
    const { added } = addEvents(rebuilt, events, config, true, undefined, new Array<number>(events.length).fill(0));
    (rebuilt as { index: RecordedIndex }).index = recordedIndex;
    rebuilt.stats = tenant.stats;
    tenants.set(tenantId, rebuilt);
    host.update(rebuilt, added, false);
    foldCache.delete(tenantId);
    const fold = standard ? foldOf(tenantId) : undefined;
    tenantSubjects.get(tenantId)?.subject.next(fold);
    for (const entry of hostSubjects.values()) {
      if (entry.tenantId !== tenantId) continue;
      entry.lastKey = host.canonicalKey(rebuilt, entry.index, entry.key);
      entry.subject.next(host.state(rebuilt, entry.index, entry.key));
    }
    return group;
  }

  /** Erases a customer of a tenant whose whole history is in memory (see engine.erase). */
  async function eraseHeld(tenantId: string, customerId: string): Promise<Erasure> {
    const keys = keyStore!;
    const tenant = tenants.get(tenantId);
    await codec!.loadTenant(tenantId);
    const canonical = tenant === undefined ? customerId : canonicalCustomerId(tenant.head.identity, customerId);
    const { customerIds, owners } = tenant === undefined ? { customerIds: [customerId], owners: new Set([customerId]) } : ownersOf(tenant, canonical);
    // Keys first: once they are gone the personal fields are unreadable in every copy of the log, even if
    // recording the erasure event below fails.
    let keysDeleted = 0;
    for (const owner of owners) {
      if (await keys.deleteCustomerKey(tenantId, owner)) keysDeleted++;
      codec!.forget(tenantId, owner);
    }
    const recorded = await recordInput({ type: 'CustomerErased', tenantId, customerId: canonical, occurredAt: new Date(clock()).toISOString(), data: { keysDeleted } }, true);
    await forgetCustomer(tenantId, canonical);
    noteErasureFolded(recorded.position);
    // Snapshots hold opened values: ours is written again from the erased state under a new key, then every
    // other snapshot key goes (ours before, other engines'), so no snapshot sealed before can be read again.
    let keepSnapshotKey: string | undefined;
    if (snapshotKeys !== undefined && failure === undefined) {
      rotateSnapshotKey = true;
      if ((await writeSnapshot()) !== undefined) keepSnapshotKey = snapshotSealedWith;
    }
    await deleteSnapshotKeys(keys, keepSnapshotKey);
    // A worker's tenant snapshots were sealed with keys just deleted: written again under a new one.
    if (tenantSnapshots !== undefined && ownership !== undefined && failure === undefined) await tenantSnapshots.rewrite(ownership.served());
    const erasure: Erasure = Object.freeze({ tenantId, customerId: canonical, customerIds: Object.freeze(customerIds), keysDeleted, eventId: recorded.events[0]!.id });
    for (const hook of [...erasureHooks]) await hook(erasure);
    return erasure;
  }

  /** Appends one stream's batch again after a concurrent writer moved the stream, against the revision it left. */
  async function appendWithRetry(stream: JourneyStream, batch: readonly EventToAppend[], moved: WrongExpectedRevisionError): Promise<bigint> {
    let error: unknown = moved;
    for (let attempt = 1; ; attempt++) {
      // Matched by code, not class: the store may come from another copy of @omnitrail/eventstore.
      if (!isWrongExpectedRevision(error) || attempt > maxRetries) throw error;
      // The error names the revision another writer left: retry against it (an adapter that does not
      // report it makes us read the stream).
      const expectedRevision = error.actual ?? (await currentRevision(stream.name));
      try {
        const result = await store.appendToStream(stream.name, batch, { expectedRevision });
        stream.revision = result.nextExpectedRevision;
        return result.position;
      } catch (next) {
        error = next;
      }
    }
  }

  /**
   * Appends each stream's batch in one `appendToStreams` call (a batch of events touches many customers'
   * streams; one call per stream cost more than the appends themselves), retrying the streams a concurrent
   * writer moved. Settles per stream, in the order of `streams`.
   */
  async function appendStreams(
    streams: readonly (readonly [JourneyStream, readonly CatalogEvent[]])[],
    contentsByStream?: ReadonlyMap<JourneyStream, readonly number[]>,
  ): Promise<PromiseSettledResult<bigint>[]> {
    const appends = streams.map(([stream, events]) => {
      const contents = contentsByStream?.get(stream);
      return { streamName: stream.name, events: events.map((e, k) => toAppend(e, contents?.[k])), expectedRevision: stream.revision ?? ('any' as const) };
    });
    const settled = await store.appendToStreams(appends);
    // Settled here in one pass; only streams a concurrent writer moved (rare) wait for a retry.
    const results = new Array<PromiseSettledResult<bigint>>(settled.length);
    let retries: Promise<void>[] | undefined;
    settled.forEach((result, i) => {
      const stream = streams[i]![0];
      if (result.status === 'fulfilled') {
        stream.revision = result.value.nextExpectedRevision;
        results[i] = { status: 'fulfilled', value: result.value.position };
        return;
      }
      stream.revision = undefined;
      results[i] = result;
      if (!isWrongExpectedRevision(result.reason)) return;
      const retry = appendWithRetry(stream, appends[i]!.events, result.reason).then(
        (value) => {
          results[i] = { status: 'fulfilled', value };
        },
        (reason: unknown) => {
          stream.revision = undefined;
          results[i] = { status: 'rejected', reason };
        },
      );
      (retries ??= []).push(retry);
    });
    if (retries) await Promise.all(retries);
    return results;
  }

  // record() calls in flight, and how many have started: a call that stayed alone from start to fold
  // knows no one else can have folded its events meanwhile (with the engine's own store, no one else writes).
  let recordsInFlight = 0;
  let recordGeneration = 0;

  async function recordParsed(events: CatalogEvent[], contents: readonly number[], generation: number): Promise<RecordResult> {
    // An event before its tenant's evicted events' end: its id is checked (and it is folded) against the
    // tenant's whole history, re-read from the store.
    if (memory !== undefined || rehydrating.size > 0) {
      const late = new Set<string>();
      for (const event of events) {
        const tenant = tenants.get(event.tenantId);
        if (rehydrating.has(event.tenantId) || (tenant?.horizon !== undefined && instantMs(event.occurredAt) <= tenant.horizon.at)) late.add(event.tenantId);
      }
      if (late.size > 0) return withWholeHistory(late, () => recordHeld(events, contents, generation));
    }
    return recordHeld(events, contents, generation);
  }

  async function recordHeld(events: CatalogEvent[], contents: readonly number[], generation: number): Promise<RecordResult> {
    // Redeliveries are checked against everything the store held when the engine opened and every other
    // writer's event delivered so far.
    if (!caughtUp) await engine.ready();
    if (failure) throw failure;
    flush();
    // Redeliveries of recorded events change nothing; an id reused with other content is a conflict.
    // Each id is hashed once here, for the engine's index, the batch's own and the fold (addEvents).
    const fresh: CatalogEvent[] = [];
    const hashes: number[] = [];
    const freshContents: number[] = [];
    // At most half full, so it never grows while the batch is checked.
    const inBatch = createIdTable((index) => fresh[index]!.id, events.length * 2 + 2);
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const content = contents[i]!;
      const hash = hashString(event.id);
      const folded = recordedEvent(recordedIndex, event.id, hash);
      if (folded !== undefined && folded.event.tenantId !== event.tenantId) {
        throw new ValidationError(event.id, [{ path: 'id', message: `"${event.id}" is already recorded in another stream; use a new id for a new event` }]);
      }
      const position = folded === undefined ? inBatch.find(event.id, hash) : undefined;
      const existing = folded?.content ?? (position === undefined ? undefined : freshContents[position - 1]);
      if (existing !== undefined) {
        // The one redelivery rule (@omnitrail/events, as the replay applies it): deeply equal JSON content.
        if (existing !== content) {
          throw new ValidationError(event.id, [{ path: 'id', message: `"${event.id}" is already recorded with other content; use a new id for a new event` }]);
        }
        continue;
      }
      fresh.push(event);
      hashes.push(hash);
      freshContents.push(content);
      inBatch.add(hash, fresh.length);
    }
    // The engine's own store keeps no id index: the engine vouches that every id it appends is new. An id
    // may still be on its way into the store in another record() call: wait for that call, then check again.
    if (ownsStore && batchesInFlight.size > 0) {
      const earlier = batchInFlightWith(fresh, hashes);
      if (earlier !== undefined) {
        await earlier;
        return recordHeld(events, contents, generation);
      }
    }
    let finish!: () => void;
    const batch: BatchInFlight = { table: inBatch, done: new Promise<void>((resolve) => (finish = resolve)) };
    batchesInFlight.add(batch);
    try {
      return await appendAndFold(events, fresh, hashes, freshContents, generation);
    } finally {
      batchesInFlight.delete(batch);
      finish();
    }
  }

  /** The batches of record() calls between their id check and their fold (see recordParsed). */
  interface BatchInFlight {
    /** The batch's new events by id. */
    table: IdTable;
    /** Resolves once the call has folded the batch (or failed). */
    done: Promise<void>;
  }
  const batchesInFlight = new Set<BatchInFlight>();

  /** The end of a batch in flight holding one of these events' ids, if any. */
  function batchInFlightWith(events: readonly CatalogEvent[], hashes: readonly number[]): Promise<void> | undefined {
    for (const batch of batchesInFlight) {
      for (let i = 0; i < events.length; i++) if (batch.table.find(events[i]!.id, hashes[i]) !== undefined) return batch.done;
    }
    return undefined;
  }

  /** Appends a batch's new events, stream by stream, and folds those the store took. */
  async function appendAndFold(events: CatalogEvent[], fresh: CatalogEvent[], hashes: number[], contents: number[], generation: number): Promise<RecordResult> {
    // Keys before stream names: an event known by its identities alone is named after their hash.
    if (codec !== undefined) await codec.prepare(fresh);
    // Per stream, its events and (for a store others read) their content hashes, in batch order.
    const byStream = new Map<JourneyStream, CatalogEvent[]>();
    const contentsByStream = follows ? new Map<JourneyStream, number[]>() : undefined;
    for (let i = 0; i < fresh.length; i++) {
      const event = fresh[i]!;
      const stream = streamOf(event);
      let batch = byStream.get(stream);
      if (!batch) byStream.set(stream, (batch = []));
      batch.push(event);
      if (contentsByStream !== undefined) {
        let list = contentsByStream.get(stream);
        if (!list) contentsByStream.set(stream, (list = []));
        list.push(contents[i]!);
      }
    }
    // Every stream's batch in one store call: one wait for the batch instead of one per stream.
    const batches = [...byStream.values()];
    // A worker leaves another worker's tenants to their owner: the subscription hands them over as any event.
    if (follows) ownIds.expect(batches.flat().flatMap((event) => (ownership === undefined || ownership.folds(event.tenantId) ? [event.id] : [])));
    const results = await appendStreams([...byStream], contentsByStream);
    let position: bigint | undefined;
    let error: unknown;
    let appended = fresh;
    let appendedContents = contents;
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') {
        if (position === undefined || result.value > position) position = result.value;
        return;
      }
      // An append is atomic: the failed stream's events never reach the store; the others' are folded.
      error ??= result.reason;
      const failed = new Set(batches[i]);
      ownIds.forget(new Set(batches[i]!.map((event) => event.id)));
      appendedContents = appendedContents.filter((_, k) => !failed.has(appended[k]!));
      appended = appended.filter((event) => !failed.has(event));
    });
    if (error !== undefined) {
      apply(appended, false, undefined, appendedContents);
      await rehydrated(appended.map((event) => event.tenantId));
      if (isDuplicateEventId(error)) {
        throw new ValidationError(null, error.ids.map((id) => ({ path: 'id', message: `"${id}" is already recorded in another stream; use a new id for a new event` })));
      }
      throw error;
    }
    // Folded here rather than when the subscription hands the events back: no wait for the event loop,
    // and the subscription skips them by id.
    // Another record() call racing with this one (and an external store, which answers a retried batch
    // with its original result) may have folded some of these first: count only what this call added.
    const recorded = apply(fresh, ownsStore && recordsInFlight === 1 && recordGeneration === generation, hashes, contents);
    // A worker that lost a tenant while the append was in flight did not fold its events: the subscription
    // must not take them for ours when it hands them back (they would be holes nothing fills).
    if (ownership !== undefined) ownIds.forget(new Set(fresh.filter((event) => !ownership.folds(event.tenantId)).map((event) => event.id)));
    // A batch that needed a tenant's evicted events is folded once its history is read again.
    await rehydrated(fresh.map((event) => event.tenantId));
    if (failure) throw failure;
    return { events, recorded, position };
  }

  /**
   * Folds the events of tenants a worker just gained, read from the log (the subscription skipped them): of
   * a tenant loaded from its snapshot, only those after the snapshot's position (`from`). The tenants are
   * already marked as folded here, so what the subscription delivers meanwhile is folded too; whichever
   * comes second is dropped as a redelivery, so nothing is lost or folded twice.
   */
  async function catchUpTenants(tenantIds: readonly string[], from: ReadonlyMap<string, bigint>): Promise<void> {
    const wanted = new Set(tenantIds);
    if (wanted.size === 0) return;
    // Two reads at most, each of its tenants' streams only (and of the hashed long names, which may hold any
    // tenant's events): the tenants with no snapshot from the start, those loaded from one from the oldest
    // of their positions.
    const fromStart = tenantIds.filter((tenantId) => !from.has(tenantId));
    const loaded = tenantIds.filter((tenantId) => from.has(tenantId));
    let oldest: bigint | undefined;
    for (const tenantId of loaded) if (oldest === undefined || from.get(tenantId)! < oldest) oldest = from.get(tenantId)!;
    const batch: CatalogEvent[] = [];
    const batchContents: number[] = [];
    const reads: [readonly string[], bigint | 'start'][] = [
      [fromStart, 'start'],
      [loaded, oldest ?? 'start'],
    ];
    for (const [group, fromPosition] of reads) {
      if (group.length === 0) continue;
      const streamNamePrefix = [...group.map(tenantStreamPrefix), `${STREAM_PREFIX}h-`];
      const inGroup = new Set(group);
      for await (const stored of store.readAll({ fromPosition, filter: { streamNamePrefix } })) {
        const parsed = parseEvent(stored.data, { registry, uniformShape: true });
        // Invalid events are reported when the subscription meets them (a worker that started from the
        // store's index never meets those stored before its start: docs/workers.md, limits).
        if (!parsed.success || !inGroup.has(parsed.event.tenantId)) continue;
        // In the snapshot already.
        const covered = from.get(parsed.event.tenantId);
        if (covered !== undefined && stored.position <= covered) continue;
        batch.push(parsed.event);
        batchContents.push(contentHashOf(stored.data, stored.metadata));
      }
    }
    flush();
    apply(batch, false, undefined, batchContents);
  }

  /**
   * A worker's first discovery of the tenants: from the store's stream-group index when it has one (the
   * subscription then starts at the listing's position, every earlier event belonging to a listed tenant that
   * is read, if gained, from its snapshot's position), else from the subscription's read of the whole log.
   * Answers where the subscription starts.
   */
  async function discoverTenants(owner: TenantOwnership, tenantIndex: TenantDiscovery): Promise<bigint | 'start'> {
    let listing: Awaited<ReturnType<TenantDiscovery['list']>>;
    try {
      listing = await tenantIndex.list();
    } catch (error) {
      // Slower, never wrong: the subscription discovers the tenants as before the index.
      logger.warn(`journey worker '${owner.workerId}': listing the store's tenants failed (${(error as Error).message}): reading the whole log once to discover them`);
      return 'start';
    }
    if (listing === undefined) {
      logger.warn(`journey worker '${owner.workerId}': the store has no stream-group index (streamGroups): reading the whole log once to discover its tenants`);
      return 'start';
    }
    for (const tenantId of listing.tenants) owner.discover(tenantId);
    logger.info(`journey worker '${owner.workerId}': ${listing.tenants.length} tenant(s) listed by the store's index up to position ${String(listing.position)}; following the store after it`);
    if (listing.position === undefined) return 'start';
    // Every event of a tenant this worker serves up to there is in its state (read by its catch-up).
    deliveredPosition = listing.position;
    return listing.position;
  }

  /**
   * Loads the snapshots of tenants a worker just gained and holds nothing of (see ./tenant-snapshots); answers
   * the position each loaded one covers. A tenant it held before keeps its events in the engine's id index, so
   * a snapshot cannot replace it: that one is caught up from the whole log, its copies dropped by id.
   */
  async function loadTenantSnapshots(tenantIds: readonly string[]): Promise<Map<string, bigint>> {
    const from = new Map<string, bigint>();
    // What is left of a tenant lost before it was served (lost while loading or catching up) goes first.
    for (const tenantId of tenantIds) forgetTenant(tenantId);
    // Read side by side (each restores synchronously once its document is in).
    const loaded = await Promise.all(tenantIds.map(async (tenantId) => [tenantId, await tenantSnapshots!.load(tenantId)] as const));
    for (const [tenantId, position] of loaded) if (position !== 'start') from.set(tenantId, position);
    return from;
  }

  /**
   * A served tenant's state for its snapshot, and the position it covers: every event of the tenant up to the
   * last one the subscription handed over (before a hole) is in it, those it delivered before the tenant was
   * gained through the catch-up. Own events past it are listed, as in the engine snapshot.
   */
  function captureTenant(tenantId: string): CapturedTenant | undefined {
    flush();
    const tenant = tenants.get(tenantId);
    if (tenant === undefined) return undefined;
    // The tenant's part of the index, in arrival order (erasure events included, which its event list does
    // not hold): one pass over the index, far cheaper than encoding the tenant's state.
    const recorded: CatalogEvent[] = [];
    const contents: number[] = [];
    const all = recordedIndex.recorded;
    for (let i = 0; i < all.length; i++) {
      if (all[i]!.tenantId !== tenantId) continue;
      recorded.push(all[i]!);
      contents.push(recordedIndex.contents[i]!);
    }
    const ofTenant = (id: string) => recordedEvent(recordedIndex, id)?.event.tenantId === tenantId;
    const ownFolded = ownIds.pending().filter(ofTenant);
    for (const { id } of afterHole) if (!holes.has(id) && ofTenant(id)) ownFolded.push(id);
    return { state: { tenants: [savedTenantOf(tenant)], recorded, contents, ownFolded, rejectedStoredCount: 0, storedCopies: 0 }, position: deliveredPosition };
  }

  /**
   * Drops a tenant a worker no longer folds: its state, and its events from the id index (their slots point to
   * a placeholder no id matches, so a later catch-up or snapshot of the tenant brings them back as new). Its
   * own events not handed back yet are no longer ours: the subscription passes them by as another tenant's.
   */
  function forgetTenant(tenantId: string): void {
    const tenant = tenants.get(tenantId);
    if (tenant === undefined) return;
    const { recorded, contents, ids } = recordedIndex;
    const pendingOwn = new Set(ownIds.pending().filter((id) => recordedEvent(recordedIndex, id)?.event.tenantId === tenantId));
    if (pendingOwn.size > 0) ownIds.forget(pendingOwn);
    for (const e of tenant.events) {
      const at = ids.find(e.id);
      if (at === undefined || recorded[at - 1]!.tenantId !== tenantId) continue;
      recorded[at - 1] = FORGOTTEN_EVENT;
      contents[at - 1] = 0;
    }
    tenants.delete(tenantId);
    foldCache.delete(tenantId);
  }

  /** Puts a tenant's loaded snapshot in place; `false` when the engine holds a state of the tenant already. */
  function restoreTenant(tenantId: string, state: SavedEngineState): boolean {
    const { recorded, contents, ids } = recordedIndex;
    if (tenants.has(tenantId)) return false;
    for (let i = 0; i < state.recorded.length; i++) {
      const event = state.recorded[i]!;
      const hash = hashString(event.id);
      // An id still indexed from before (an erasure event of a forgotten tenant): its slot takes the loaded event.
      const at = ids.find(event.id, hash);
      if (at !== undefined) {
        recorded[at - 1] = event;
        contents[at - 1] = state.contents[i]!;
        continue;
      }
      recorded.push(event);
      contents.push(state.contents[i]!);
      ids.add(hash, recorded.length);
    }
    for (const saved of state.tenants) restoreSavedTenant(saved);
    foldCache.delete(tenantId);
    tenantSubjects.get(tenantId)?.subject.next(foldOf(tenantId));
    const tenant = tenants.get(tenantId)!;
    for (const entry of hostSubjects.values()) {
      if (entry.tenantId !== tenantId) continue;
      entry.lastKey = host.canonicalKey(tenant, entry.index, entry.key);
      entry.subject.next(host.state(tenant, entry.index, entry.key));
    }
    return true;
  }

  /** The tenant's fold of the events with `occurredAt ≤ asOf` (the live one when no event is later), its first instant. */
  function foldAt(tenantId: string, asOf: number): { fold: TenantFold; firstAt: number | undefined } {
    const tenant = tenants.get(tenantId);
    const latest = tenant?.events.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
    const fold = latest <= asOf ? foldOf(tenantId) : engine.foldAsOf(tenantId, asOf);
    return { fold: fold ?? foldEventsAsOf(tenantId, [], asOf, config), firstAt: tenant?.firstAt ?? tenant?.events[0]?.at };
  }
  const operations = createJourneyOperations({
    foldAt: (tenantId, asOf) => {
      requireStandard('operations');
      return foldAt(tenantId, asOf);
    },
    tenant$: (tenantId) => engine.tenant$(tenantId),
    clock,
  });

  // The triage queue and the at-risk segment (live/triage.ts), over the fold as of the instant asked.
  const triageQueries = createTriageQueries({
    foldAt(tenantId, asOf, method) {
      requireStandard(method);
      const latest = tenants.get(tenantId)?.events.at(-1)?.at ?? Number.NEGATIVE_INFINITY;
      return latest <= asOf ? foldOf(tenantId) : engine.foldAsOf(tenantId, asOf);
    },
    tenant$: (tenantId) => engine.tenant$(tenantId),
    latestAt: (tenantId) => tenants.get(tenantId)?.events.at(-1)?.at ?? Number.NEGATIVE_INFINITY,
    clock,
  });

  /**
   * Validates and records `input`. An erasure event without the erasure (keys deleted, projections re-folded)
   * would claim what did not happen, so only `engine.erase()` passes `erasure: true` to record one.
   */
  async function recordInput(input: unknown, erasure: boolean): Promise<RecordResult<CatalogEvent>> {
    if (closed) throw new Error('The journey engine is closed: create a new one to record events.');
    const { events, contents } = parseAll(input);
    // The key store's tenant of snapshot keys is no customer's tenant (see SNAPSHOT_KEY_TENANT).
    const reserved = codec === undefined ? -1 : events.findIndex((e) => e.tenantId === SNAPSHOT_KEY_TENANT);
    if (reserved >= 0) {
      throw new ValidationError(null, [{ path: Array.isArray(input) ? `${reserved}.tenantId` : 'tenantId', message: `"${SNAPSHOT_KEY_TENANT}" is reserved for the engine's snapshot keys in an engine with keys; use another tenant id` }]);
    }
    const claimed = erasure ? -1 : events.findIndex((e) => e.type === 'CustomerErased');
    if (claimed >= 0) {
      throw new ValidationError(null, [{ path: Array.isArray(input) ? `${claimed}.type` : 'type', message: 'CustomerErased is recorded by engine.erase(tenantId, customerId), which deletes the keys first; it cannot be recorded directly' }]);
    }
    const generation = ++recordGeneration;
    recordsInFlight++;
    try {
      return await recordParsed(events, contents, generation);
    } finally {
      recordsInFlight--;
    }
  }

  const engine: JourneyEngine<CatalogEvent, unknown> = {
    ...triageQueries,
    record: (input) => engine.recordUnknown(input),
    recordUnknown: (input) => recordInput(input, false),
    async ready() {
      if (!caughtUp && failure === undefined) await new Promise<void>((resolve) => caughtUpWaiters.push(resolve));
      if (ownership !== undefined && failure === undefined && !closed) await ownership.settled();
      await rehydrated();
    },
    report(tenantId, window = {}) {
      requireStandard('report');
      const asOf = window.asOf ?? clock();
      const { fold, firstAt } = foldAt(tenantId, asOf);
      const full: ReportWindow = { asOf, from: window.from ?? firstAt ?? asOf, to: window.to ?? asOf };
      const explicit = window.from !== undefined || window.to !== undefined;
      return tenantReport(fold, full, explicit);
    },
    ...operations,
    getCase(tenantId, caseId) {
      requireStandard('getCase');
      return snapshotOf(foldOf(tenantId), caseId, clock());
    },
    openCases(tenantId) {
      requireStandard('openCases');
      const fold = foldOf(tenantId);
      if (!fold) return [];
      const asOf = clock();
      const out: CaseSnapshot[] = [];
      for (const c of fold.cases.cases.values()) {
        const status = statusAsOf(c, asOf);
        if (isOpenCaseStatus(status)) out.push(caseSnapshot(c, status, fold.canonical));
      }
      return out.sort((a, b) => (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0));
    },
    canonicalCustomerId(tenantId, customerId) {
      return foldOf(tenantId)?.canonical(customerId) ?? customerId;
    },
    customer(tenantId, customer) {
      requireStandard('customer');
      return profileOf(foldOf(tenantId), customer, clock());
    },
    customer$(tenantId, customer) {
      if (!standard) requireStandard('customer$');
      return engine.tenant$(tenantId).pipe(
        map((fold) => profileOf(fold, customer, clock())),
        distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)),
      );
    },
    foldAsOf(tenantId, asOf) {
      requireStandard('foldAsOf');
      return foldAsOfHeld(tenantId, asOf);
    },
    foldAsOfFromStore(tenantId, asOf) {
      requireStandard('foldAsOfFromStore');
      return foldAsOfFromStore(tenantId, asOf);
    },
    async reportFromStore(tenantId, window = {}) {
      requireStandard('reportFromStore');
      const asOf = window.asOf ?? clock();
      const fold = await foldAsOfFromStore(tenantId, asOf);
      const tenant = tenants.get(tenantId);
      const full: ReportWindow = { asOf, from: window.from ?? tenant?.firstAt ?? asOf, to: window.to ?? asOf };
      return tenantReport(fold, full, window.from !== undefined || window.to !== undefined);
    },
    memoryStats() {
      let heldEvents = 0;
      let recordsPacked = 0;
      let recordsUnpacked = 0;
      const states: LiveCustomersState[] = [];
      const caseStates: CasesState[] = [];
      const viewStates: unknown[][] = [];
      for (const tenant of tenants.values()) {
        heldEvents += tenant.events.length;
        recordsPacked += tenant.stats.recordsPacked;
        recordsUnpacked += tenant.stats.recordsUnpacked;
        for (const p of [tenant.head, tenant.base, ...tenant.snapshots]) {
          if (p === undefined) continue;
          states.push(p.customers);
          caseStates.push(p.cases);
          viewStates.push(p.views);
        }
      }
      const packed = packedRecordStats(states);
      const packedCases = packedCaseStats(caseStates);
      const packedChunks = packedChunkStats(viewStates);
      const spill = recordSpill?.stats();
      return Object.freeze({
        horizonMs: memory?.horizonMs ?? null,
        heldEvents,
        evictedEvents: evictedTotal,
        ...memoryCounters,
        packedRecords: packed.records,
        packedRecordBytes: packed.bytes,
        recordsPacked,
        recordsUnpacked,
        spilledRecords: packed.spilled,
        spilledRecordBytes: packed.spilledBytes,
        packedCases: packedCases.cases,
        packedCaseBytes: packedCases.bytes,
        spilledCases: packedCases.spilled,
        spilledCaseBytes: packedCases.spilledBytes,
        packedFactChunks: packedChunks.chunks,
        packedFactChunkBytes: packedChunks.bytes,
        spillFileBytes: spill?.fileBytes ?? 0,
        spillReads: spill?.reads ?? 0,
        spillError: spill?.error ?? null,
      });
    },
    fold(tenantId) {
      requireStandard('fold');
      return foldOf(tenantId);
    },
    tenant$(tenantId) {
      if (!standard) requireStandard('tenant$');
      return new Observable<TenantFold | undefined>((subscriber) => {
        let entry = tenantSubjects.get(tenantId);
        if (!entry) {
          tenantSubjects.set(tenantId, (entry = { subject: new BehaviorSubject<TenantFold | undefined>(foldOf(tenantId)), subscribers: 0 }));
          if (closed) entry.subject.complete();
        }
        const watched = entry;
        watched.subscribers++;
        const inner = watched.subject.subscribe(subscriber);
        return () => {
          inner.unsubscribe();
          if (--watched.subscribers === 0 && tenantSubjects.get(tenantId) === watched) tenantSubjects.delete(tenantId);
        };
      });
    },
    case$(tenantId, caseId) {
      if (!standard) requireStandard('case$');
      // Snapshots are plain data, so comparing their JSON finds every change (a copy that shared the record's
      // mutable channel set used to hide a new channel).
      return engine.tenant$(tenantId).pipe(
        map((fold) => snapshotOf(fold, caseId, clock())),
        distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)),
      );
    },
    changes$: changes.asObservable(),
    rejectedStoredEvents$: rejectedStored.asObservable(),
    rejectedStoredEventCount: () => rejectedStoredCount,
    duplicateStoredEventCount: () => storedCopies,
    storeHealth$: storeHealth.asObservable(),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    projection<S>(definition: JourneyProjection<S, any>): JourneyProjectionHandle<S> {
      const index = host.indexOf(definition as JourneyProjection<unknown>);
      return {
        state: (tenantId, key) => host.state(tenants.get(tenantId), index, key) as S | undefined,
        stateAt: (tenantId, key, asOf) => hostStateAtHeld(tenantId, index, key, asOf) as S | undefined,
        stateAtFromStore: async (tenantId, key, asOf) => (await hostStateAtFromStore(tenantId, index, key, asOf)) as S | undefined,
        keys: (tenantId) => host.keys(tenants.get(tenantId), index),
        state$(tenantId, key) {
          const id = `${index}\u0000${tenantId}\u0000${key}`;
          return new Observable<S | undefined>((subscriber) => {
            let entry = hostSubjects.get(id);
            if (!entry) {
              const tenant = tenants.get(tenantId);
              const subject = new BehaviorSubject<unknown>(host.state(tenant, index, key));
              hostSubjects.set(id, (entry = { index, tenantId, key, lastKey: tenant ? host.canonicalKey(tenant, index, key) : undefined, subject, subscribers: 0 }));
              if (closed) subject.complete();
            }
            const watched = entry;
            watched.subscribers++;
            const inner = (watched.subject as BehaviorSubject<S | undefined>).subscribe(subscriber);
            return () => {
              inner.unsubscribe();
              if (--watched.subscribers === 0 && hostSubjects.get(id) === watched) hostSubjects.delete(id);
            };
          });
        },
        watchedPartitions: () => [...hostSubjects.values()].filter((e) => e.index === index).length,
      };
    },
    stats: (tenantId) => tenants.get(tenantId)?.stats,
    snapshotEvents$: snapshotEvents.asObservable(),
    ownership$: ownership?.ownership$ ?? new Observable<TenantOwnershipChange>((subscriber) => subscriber.complete()),
    ownedTenants: () => (ownership !== undefined ? ownership.served() : [...tenants.keys()].sort()),
    async snapshot() {
      if (snapshotSettings === undefined) {
        throw new Error(
          ownsStore
            ? 'engine.snapshot() needs a store: the engine\'s own private store outlives nothing. Pass one in createJourneyEngine({ store })'
            : options.worker !== undefined
              ? 'engine.snapshot(): a worker snapshots each tenant it serves on its own (periodically, before handing it over, on close: docs/workers.md)'
              : 'engine.snapshot(): this engine was created with snapshots: false',
        );
      }
      if (closed) throw new Error('The journey engine is closed: create a new one to take a snapshot.');
      await engine.ready();
      if (failure) throw failure;
      return writeSnapshot();
    },
    async erase(tenantId, customerId) {
      if (closed) throw new Error('The journey engine is closed: create a new one to erase a customer.');
      if (keyStore === undefined || codec === undefined) throw new Error('engine.erase() needs the keys option: an engine without a key store stores personal fields in clear and cannot erase them');
      if (typeof tenantId !== 'string' || tenantId === '') throw new ValidationError(null, [{ path: 'tenantId', message: 'must be a non-empty string' }]);
      if (typeof customerId !== 'string' || customerId === '') throw new ValidationError(null, [{ path: 'customerId', message: 'must be a non-empty string' }]);
      if (tenantId === SNAPSHOT_KEY_TENANT) throw new ValidationError(null, [{ path: 'tenantId', message: `"${SNAPSHOT_KEY_TENANT}" is reserved for the engine's snapshot keys` }]);
      await engine.ready();
      if (failure) throw failure;
      flush();
      return withWholeHistory([tenantId], () => eraseHeld(tenantId, customerId));
    },
    onErased(hook) {
      erasureHooks.push(hook);
      return () => {
        const at = erasureHooks.indexOf(hook);
        if (at >= 0) erasureHooks.splice(at, 1);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await closeParts();
      } finally {
        // Last, whatever failed before: a snapshot written on close reads the records spilled.
        recordSpill?.close();
      }
    },
  };
  /** What `close()` does before its spill is closed (see there). */
  async function closeParts(): Promise<void> {
    // A worker gives its tenants back first, so the others take them over at once.
    await ownership?.stop();
    await tenantSnapshots?.stop();
    await rehydrated();
    // The last snapshot before the subscription stops, so that it can wait for our own events to come back.
    await snapshotInFlight;
    if (snapshotSettings?.onClose && caughtUp && failure === undefined && (foldedSinceSnapshot > 0 || replaceRejected || rotateSnapshotKey)) await writeSnapshot();
    await subscription?.unsubscribe();
    await pump;
    snapshotEvents.complete();
    changes.complete();
    rejectedStored.complete();
    healthSubscription?.unsubscribe();
    if (storeHealth.value.state !== 'ended' && storeHealth.value.state !== 'none') storeHealth.next({ state: 'ended' });
    storeHealth.complete();
    for (const s of tenantSubjects.values()) s.subject.complete();
    for (const s of hostSubjects.values()) s.subject.complete();
    ownIds.clear();
    caughtUpWaiters.splice(0).forEach((r) => r());
    if (ownsStore) await store.close();
  }
  const tables = () =>
    Object.freeze({
      tenantSubjects: tenantSubjects.size,
      tenantSubscribers: [...tenantSubjects.values()].reduce((n, e) => n + e.subscribers, 0),
      partitionSubjects: hostSubjects.size,
      partitionSubscribers: [...hostSubjects.values()].reduce((n, e) => n + e.subscribers, 0),
      changesObserved: changes.observed,
      ownInFlight: ownIds.size,
      holes: holes.size,
      afterHole: afterHole.length,
      readAhead: prefolded.size,
    });
  // A worker's engine is wrapped (reads of tenants it does not serve throw): the wrapper answers too.
  const returned = ownership === undefined ? engine : guardTenantReads(engine, ownership);
  liveSubjectTables.set(engine, tables);
  liveSubjectTables.set(returned as unknown as JourneyEngine, tables);
  liveSnapshotPauses.set(returned as unknown as JourneyEngine, () => lastSnapshotPause);
  return returned as unknown as JourneyEngine<E, I>;
}

/** Snapshot settings with their defaults, checked. */
function resolveSnapshotSettings(options: JourneyEngineSnapshotOptions | undefined): { key: string; everyEvents: number | undefined; onClose: boolean; everyMs: number; sliceMs: number } {
  const key = options?.key ?? DEFAULT_SNAPSHOT_KEY;
  if (typeof key !== 'string' || !/^[A-Za-z0-9_:@-][A-Za-z0-9._:@-]{0,199}$/.test(key)) {
    throw new TypeError(`createJourneyEngine: snapshots.key must be 1 to 200 characters of A-Z a-z 0-9 . _ : @ - not starting with '.', got ${JSON.stringify(key)}`);
  }
  const everyEvents = options?.everyEvents;
  if (everyEvents !== undefined && (!Number.isInteger(everyEvents) || everyEvents < 0)) throw new TypeError(`createJourneyEngine: snapshots.everyEvents must be an integer >= 0, got ${String(everyEvents)}`);
  const onClose = options?.onClose ?? true;
  if (typeof onClose !== 'boolean') throw new TypeError(`createJourneyEngine: snapshots.onClose must be a boolean, got ${String(onClose)}`);
  const everyMs = options?.everyMs ?? DEFAULT_TENANT_SNAPSHOT_EVERY_MS;
  if (!Number.isSafeInteger(everyMs) || everyMs < 0) throw new TypeError(`createJourneyEngine: snapshots.everyMs must be an integer >= 0 (ms), got ${String(everyMs)}`);
  const sliceMs = options?.sliceMs ?? DEFAULT_SNAPSHOT_SLICE_MS;
  if (typeof sliceMs !== 'number' || !Number.isFinite(sliceMs) || sliceMs < 0) throw new TypeError(`createJourneyEngine: snapshots.sliceMs must be a number >= 0 (ms), got ${String(sliceMs)}`);
  return { key, everyEvents, onClose, everyMs, sliceMs };
}

/** The sizes of an engine's live subscription tables (see {@link engineSubjectTables}). */
export interface EngineSubjectTables {
  /** Tenants with a state subject (tenant$, case$ and customer$ subscribe to it). */
  readonly tenantSubjects: number;
  /** Subscribers of those subjects. */
  readonly tenantSubscribers: number;
  /** Host-projection partitions with a state subject (state$). */
  readonly partitionSubjects: number;
  /** Subscribers of those subjects. */
  readonly partitionSubscribers: number;
  /** Whether anyone listens to changes$. */
  readonly changesObserved: boolean;
  /**
   * The engine's bookkeeping of what the subscription hands back (see `deliveredPosition`): its own events
   * recorded and not handed back yet, those handed back before they were folded (holes), the events handed
   * over after a hole, and the events a re-read of a tenant folded ahead of the subscription. All return to
   * zero once the subscription has handed back everything recorded; one that does not is a leak (and holds
   * the snapshot's covered position back).
   */
  readonly ownInFlight: number;
  readonly holes: number;
  readonly afterHole: number;
  readonly readAhead: number;
}

const liveSubjectTables = new WeakMap<JourneyEngine, () => EngineSubjectTables>();

/**
 * How many subjects and subscribers an engine holds for its streams right now, and the sizes of its delivery
 * bookkeeping: the soak test checks they return to zero once every subscriber left and every recorded event
 * was handed back, whatever the engine recorded meanwhile.
 */
export function engineSubjectTables(engine: JourneyEngine): EngineSubjectTables {
  const tables = liveSubjectTables.get(engine);
  if (tables === undefined) throw new Error('engineSubjectTables: not an engine made by createJourneyEngine');
  return tables();
}

/** How the last snapshot an engine wrote held its event loop (see {@link engineSnapshotPause}). */
export interface SnapshotPause {
  /** The capture (what may leave memory leaving, the state shared and copied), in one go. */
  readonly captureMs: number;
  /** The longest slice of the encoding. */
  readonly longestSliceMs: number;
  readonly slices: number;
  /** The encoding's work, all slices together. */
  readonly busyMs: number;
}

const liveSnapshotPauses = new WeakMap<JourneyEngine, () => SnapshotPause | undefined>();

/** How the last snapshot the engine wrote held its event loop (undefined: none written yet): for benchmarks and tests. */
export function engineSnapshotPause(engine: JourneyEngine): SnapshotPause | undefined {
  const pause = liveSnapshotPauses.get(engine);
  if (pause === undefined) throw new Error('engineSnapshotPause: not an engine made by createJourneyEngine');
  return pause();
}

/** The distinct case ids of events, sorted. */
function caseIdsOf(events: readonly CatalogEvent[]): string[] {
  const ids = new Set<string>();
  for (const e of events) if (e.caseId !== undefined) ids.add(e.caseId);
  return [...ids].sort();
}


/** A case of a fold as a frozen snapshot, its status as of `asOf` (an expired snooze is open again). */
function snapshotOf(fold: TenantFold | undefined, caseId: string, asOf: number): CaseSnapshot | undefined {
  const c = fold?.cases.cases.get(caseId);
  return c === undefined || fold === undefined ? undefined : caseSnapshot(c, statusAsOf(c, asOf), fold.canonical);
}

/** The profile of the customer known by `text` in a live tenant, as of `asOf`, frozen deeply. */
function profileOf(fold: TenantFold | undefined, text: string, asOf: number): CustomerProfile | undefined {
  if (fold === undefined) return undefined;
  const customerId = fold.findCustomer(text);
  if (customerId === undefined) return undefined;
  const profile = customerProfile(fold.customers, customerId, asOf, fold.caseLookup, fold.config);
  if (profile !== undefined) deepFreeze(profile);
  return profile;
}
