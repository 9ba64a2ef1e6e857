import type { EventStore } from '@omnitrail/eventstore';
import { BehaviorSubject, switchMap, type Observable } from 'rxjs';
import { projectionVersion, type OrderedEvent, type ProjectionDefinition } from '../definition/index.js';
import { ProjectionStateError } from '../errors/index.js';
import { connectProjection, type ConnectOptions, type ProjectionConnection } from '../connect/index.js';
import type { Instant } from '../order/index.js';
import {
  createProjectionRuntime,
  type ProjectionChange,
  type ProjectionRuntime,
  type ProjectionRuntimeOptions,
  type QueryArgs,
  type QueryResult,
} from '../runtime/index.js';
import type { ProjectionSnapshot } from '../snapshot/index.js';

export interface ProjectionHostOptions<E extends OrderedEvent> extends ProjectionRuntimeOptions, Omit<ConnectOptions<E>, 'subscriberId'> {
  /** A snapshot persisted earlier (`runtime.snapshot()`): restored first, so reading resumes at its position. */
  snapshot?: ProjectionSnapshot<E> | unknown;
}

/** A rebuild in progress: a new version folding the store from the start while the old one keeps serving. */
export interface ProjectionRebuild<E extends OrderedEvent, S, Q> {
  readonly runtime: ProjectionRuntime<E, S, Q>;
  readonly connection: ProjectionConnection;
  /** Resolves when the new version has caught up with the store. */
  readonly caughtUp: Promise<void>;
  /** Waits for the catch-up, then makes the new version the one the host serves and stops the old one. */
  swap(): Promise<void>;
  /** Abandons the rebuild; the old version keeps serving. */
  cancel(): Promise<void>;
}

/**
 * A projection served to a host app from a store: queries and rxjs streams that keep working across
 * catch-up, live updates and a rebuild-and-swap into a new version.
 */
export interface ProjectionHost<E extends OrderedEvent, S, Q> {
  /** The runtime being served now. */
  readonly runtime: ProjectionRuntime<E, S, Q>;
  readonly connection: ProjectionConnection;
  /** Resolves when the served runtime has caught up with the store. */
  readonly caughtUp: Promise<void>;
  state(key: string): S;
  stateAt(key: string, asOf?: Instant): S;
  query<K extends keyof Q & string>(key: string, name: K, ...args: QueryArgs<Q[K]>): QueryResult<Q[K]>;
  /** The current state of a key, then its changes; after a swap, the new version's state and changes. */
  state$(key: string): Observable<S>;
  /** Every change of the served version. */
  readonly changes$: Observable<ProjectionChange<E, S>>;
  /** Starts folding `definition` (a new version) from the start of the store beside the served one. */
  rebuild(definition: ProjectionDefinition<E, S, Q>): ProjectionRebuild<E, S, Q>;
  /** Stops reading (saving the checkpoint). */
  stop(): Promise<void>;
}

/**
 * Starts serving a projection from a store: restores `options.snapshot` if given, then subscribes after
 * its position (or from the start) and follows live appends, saving checkpoints as `name@vN`.
 */
export function createProjectionHost<E extends OrderedEvent, S, Q = {}>(
  definition: ProjectionDefinition<E, S, Q>,
  store: EventStore,
  options: ProjectionHostOptions<E> = {},
): ProjectionHost<E, S, Q> {
  const start = (def: ProjectionDefinition<E, S, Q>, snapshot?: unknown) => {
    const runtime = createProjectionRuntime(def, options);
    if (snapshot !== undefined) runtime.restore(snapshot);
    const connection = connectProjection(runtime, store, options);
    return { runtime, connection };
  };
  const first = start(definition, options.snapshot);
  const current$ = new BehaviorSubject(first);
  let pending: ProjectionRebuild<E, S, Q> | undefined;

  const host: ProjectionHost<E, S, Q> = {
    get runtime() {
      return current$.getValue().runtime;
    },
    get connection() {
      return current$.getValue().connection;
    },
    get caughtUp() {
      return current$.getValue().connection.caughtUp;
    },
    state: (key) => current$.getValue().runtime.state(key),
    stateAt: (key, asOf) => current$.getValue().runtime.stateAt(key, asOf),
    query: (key, name, ...args) => current$.getValue().runtime.query(key, name, ...args),
    // switchMap: on a swap, drop the old version's stream and replay the new version's current state.
    state$: (key) => current$.pipe(switchMap(({ runtime }) => runtime.state$(key))),
    changes$: current$.pipe(switchMap(({ runtime }) => runtime.changes$)),
    rebuild(next) {
      const served = current$.getValue().runtime.definition;
      if (next.name !== served.name) throw new ProjectionStateError(`rebuild: ${next.name} is not a version of ${served.name}`);
      if (projectionVersion(next) === projectionVersion(served)) {
        throw new ProjectionStateError(`rebuild: ${next.name}@v${projectionVersion(next)} is the version being served; bump version so the rebuild keeps its own checkpoint`);
      }
      if (pending) throw new ProjectionStateError(`rebuild: a rebuild of ${served.name} is already running; swap or cancel it first`);
      const built = start(next);
      let settled = false;
      const handle: ProjectionRebuild<E, S, Q> = {
        runtime: built.runtime,
        connection: built.connection,
        caughtUp: built.connection.caughtUp,
        async swap() {
          if (settled) throw new ProjectionStateError('swap: this rebuild was already swapped or cancelled');
          await built.connection.caughtUp;
          settled = true;
          pending = undefined;
          const old = current$.getValue();
          current$.next(built);
          await old.connection.stop();
        },
        async cancel() {
          if (settled) return;
          settled = true;
          pending = undefined;
          await built.connection.stop();
        },
      };
      pending = handle;
      return handle;
    },
    async stop() {
      await pending?.cancel();
      await current$.getValue().connection.stop();
    },
  };
  return host;
}
