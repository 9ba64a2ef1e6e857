import type { Observable } from 'rxjs';
import { clonerOf, projectionVersion, type OrderedEvent, type ProjectionDefinition } from '../definition/index.js';
import { compareEvents, toIsoInstant, type Instant } from '../order/index.js';
import {
  createCounters,
  createPartition,
  insertEvent,
  loadPartition,
  partitionStateAt,
  type Partition,
  type PartitionFold,
  type ProjectionCounters,
} from '../partition/index.js';
import { assertSnapshot, PROJECTION_SNAPSHOT_FORMAT, type ProjectionSnapshot } from '../snapshot/index.js';
import { createChangeStream, createKeyedStreams } from '../streams/index.js';

/** One state change of one partition, caused by `event` (in order, or late and re-folded). */
export interface ProjectionChange<E, S> {
  key: string;
  state: S;
  event: E;
  /** Whether the event was folded in its place behind later events (a re-fold). */
  late: boolean;
}

/** What `apply` did with an event. */
export type ApplyOutcome = 'appended' | 'late' | 'duplicate' | 'skipped';

export interface ProjectionRuntimeOptions {
  /** Snapshot the state every this many events of a partition (default 128): the bound on re-fold and as-of work beyond the late event's distance. */
  snapshotEvery?: number;
  /** The clock for time-dependent answers asked without an `asOf` (milliseconds since the epoch). Never used inside a fold. Default `Date.now`. */
  clock?: () => number;
}

/** The arguments of a query function after its state. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type QueryArgs<F> = F extends (state: any, ...args: infer A) => unknown ? A : never;
/** The result of a query function. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type QueryResult<F> = F extends (...args: any[]) => infer R ? R : never;

/**
 * A running projection held in memory: it folds events of any order into per-partition state, answers
 * current and as-of queries, streams changes, and snapshots/restores itself.
 */
export interface ProjectionRuntime<E extends OrderedEvent, S, Q = {}> {
  readonly definition: ProjectionDefinition<E, S, Q>;
  /** Folds one event at its place; `position` (a store position) marks it processed. */
  apply(event: E, position?: bigint): ApplyOutcome;
  /** Folds many events; sorted first, so a batch of late events re-folds less. */
  applyMany(events: Iterable<E>): void;
  /** Marks a store position processed without an event for this projection. */
  advance(position: bigint): void;
  /** The last store position processed (`undefined` before any). */
  readonly position: bigint | undefined;
  /** The current state of a partition (its initial state when it has no event). Treat as read-only. */
  state(key: string): S;
  /** The fold of the partition's events with `occurredAt <= asOf` (default: the clock's now). */
  stateAt(key: string, asOf?: Instant): S;
  /** Runs a named query on a partition's current state. */
  query<K extends keyof Q & string>(key: string, name: K, ...args: QueryArgs<Q[K]>): QueryResult<Q[K]>;
  /** Whether a partition has events. */
  has(key: string): boolean;
  /** Keys of the partitions that have events. */
  keys(): string[];
  /** A partition's distinct events in (occurredAt, id) order. */
  events(key: string): readonly E[];
  /** The current state of a key, then every change of it. */
  state$(key: string): Observable<S>;
  /** Every change of every partition. */
  readonly changes$: Observable<ProjectionChange<E, S>>;
  /** Work counters (events applied, late events, re-folds, events re-folded...). */
  readonly counters: Readonly<ProjectionCounters>;
  /** The clock's now as an ISO UTC instant. */
  now(): string;
  /** Per-partition events and state plus the position they cover, for a host to persist. */
  snapshot(options?: { includeState?: boolean }): ProjectionSnapshot<E>;
  /** Replaces all partitions with a snapshot's (taken from the same name and version). */
  restore(snapshot: ProjectionSnapshot<E> | unknown): void;
}

/**
 * Creates an in-memory runtime for a projection. State depends only on the set of distinct events by id
 * ordered by (occurredAt, id) within each partition: arrival order, batching and redeliveries change nothing.
 */
export function createProjectionRuntime<E extends OrderedEvent, S, Q = {}>(
  definition: ProjectionDefinition<E, S, Q>,
  options: ProjectionRuntimeOptions = {},
): ProjectionRuntime<E, S, Q> {
  const snapshotEvery = options.snapshotEvery ?? 128;
  if (!Number.isInteger(snapshotEvery) || snapshotEvery < 1) throw new RangeError('snapshotEvery must be an integer ≥ 1');
  const clock = options.clock ?? Date.now;
  const fold: PartitionFold<E, S> = {
    initialState: (key) => definition.initialState(key),
    evolve: (s, e) => definition.evolve(s, e),
    clone: clonerOf(definition),
    snapshotEvery,
  };
  const counters = createCounters();
  const partitions = new Map<string, Partition<E, S>>();
  const streams = createKeyedStreams<S>();
  const changes = createChangeStream<ProjectionChange<E, S>>();
  let position: bigint | undefined;

  const advance = (p: bigint | undefined): void => {
    if (p !== undefined && (position === undefined || p > position)) position = p;
  };

  const apply = (event: E, at?: bigint): ApplyOutcome => {
    advance(at);
    const key = definition.partitionBy(event);
    if (key === undefined) {
      counters.skipped++;
      return 'skipped';
    }
    let partition = partitions.get(key);
    if (!partition) partitions.set(key, (partition = createPartition(key, fold)));
    const outcome = insertEvent(partition, event, fold, counters);
    if (outcome !== 'duplicate') {
      const state = partition.state;
      streams.publish(key, state);
      if (changes.observed()) changes.emit({ key, state, event, late: outcome === 'late' });
    }
    return outcome;
  };

  const state = (key: string): S => {
    const p = partitions.get(key);
    return p ? p.state : definition.initialState(key);
  };

  const runtime: ProjectionRuntime<E, S, Q> = {
    definition,
    apply,
    applyMany(events) {
      const batch = [...events].sort(compareEvents);
      for (const e of batch) apply(e);
    },
    advance,
    get position() {
      return position;
    },
    state,
    stateAt(key, asOf) {
      const p = partitions.get(key);
      if (!p) return definition.initialState(key);
      return partitionStateAt(p, toIsoInstant(asOf ?? clock()), fold, counters);
    },
    query(key, name, ...args) {
      const fn = (definition.queries as Record<string, (s: S, ...a: unknown[]) => unknown> | undefined)?.[name];
      if (typeof fn !== 'function') throw new TypeError(`projection ${definition.name} has no query "${name}"`);
      return fn(state(key), ...args) as never;
    },
    has: (key) => partitions.has(key),
    keys: () => [...partitions.keys()],
    events: (key) => partitions.get(key)?.events ?? [],
    state$: (key) => streams.stateOf(key, () => state(key)),
    changes$: changes.observable,
    counters,
    now: () => toIsoInstant(clock()),
    snapshot(opts = {}) {
      const includeState = opts.includeState ?? true;
      const serialize = definition.serializeState ?? ((s: S) => fold.clone(s));
      return {
        format: PROJECTION_SNAPSHOT_FORMAT,
        projection: definition.name,
        version: projectionVersion(definition),
        position: position === undefined ? null : position.toString(),
        partitions: [...partitions.values()].map((p) =>
          includeState ? { key: p.key, events: [...p.events], state: serialize(p.state) } : { key: p.key, events: [...p.events] },
        ),
      };
    },
    restore(snapshot) {
      assertSnapshot(snapshot, definition.name, projectionVersion(definition));
      const deserialize = definition.deserializeState ?? ((d: unknown) => fold.clone(d as S));
      partitions.clear();
      for (const p of snapshot.partitions) {
        // Sort and dedupe anyway: a hand-edited or merged snapshot must not break the ordering invariant.
        const seen = new Set<string>();
        const events = (p.events as E[]).filter((e) => !seen.has(e.id) && (seen.add(e.id), true)).sort(compareEvents);
        const restored = 'state' in p && p.state !== undefined ? { value: deserialize(p.state) } : undefined;
        partitions.set(p.key, loadPartition(p.key, events, fold, counters, restored));
      }
      position = snapshot.position === null ? undefined : BigInt(snapshot.position);
      for (const key of [...streams.watchedKeys()]) streams.publish(key, state(key));
    },
  };
  return runtime;
}
