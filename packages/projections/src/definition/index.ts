/** The least an event needs for a projection to order it: a unique id and an ISO UTC instant. */
export interface OrderedEvent {
  /** Unique across the log; the same id twice is a redelivery. */
  id: string;
  /** `YYYY-MM-DDTHH:mm:ss.sssZ` (as `parseEvent` normalises it), so string order is time order. */
  occurredAt: string;
  /**
   * `occurredAt` in epoch milliseconds, when the caller has it at hand: compared as a number instead of the
   * string (a few nanoseconds instead of a scan of the instants' common prefix). It must be that instant.
   */
  readonly at?: number;
}

/** Named query functions over a partition's state: `(state, ...args) => result`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type QueryFunctions<S> = Record<string, (state: S, ...args: any[]) => unknown>;

/**
 * A projection as plain data: how events are partitioned, the fold, and optional hooks.
 * `E` is the event type, `S` the state of one partition, `Q` its named queries.
 */
export interface ProjectionDefinition<E extends OrderedEvent = OrderedEvent, S = unknown, Q = {}> {
  /** Stable name; with `version` it names the checkpoint subscriber (`name@vN`). */
  name: string;
  /** Bump it when `evolve` changes meaning, to rebuild into a new version. Default 1. */
  version?: number;
  /** The partition an event belongs to (e.g. `${tenantId}/${customerId}`), or `undefined` when it is not for this projection. */
  partitionBy(event: E): string | undefined;
  /** The state of a partition before any event. Called afresh every time: it must return a new value. */
  initialState(key: string): S;
  /**
   * Folds one event into the state. May mutate `state` and return it, but must depend only on
   * `(state, event)`: never the wall clock, never other partitions.
   */
  evolve(state: S, event: E): S;
  /**
   * Copies a state for snapshots when `evolve` mutates. Default `structuredClone`. `false` declares that
   * `evolve` never mutates its input, so snapshots can share the state object.
   */
  clone?: ((state: S) => S) | false;
  /** Turns a state into JSON-friendly data for `snapshot()`; default: the state itself. */
  serializeState?(state: S): unknown;
  /** The inverse of `serializeState`, used by `restore()`. */
  deserializeState?(data: unknown): S;
  /** Named queries over the state of one partition. */
  queries?: Q;
}

/** The event type of a definition. */
export type EventOfProjection<D> = D extends ProjectionDefinition<infer E, unknown, unknown> ? E : never;
/** The state type of a definition. */
export type StateOfProjection<D> = D extends ProjectionDefinition<OrderedEvent, infer S, unknown> ? S : never;

/**
 * Declares a projection. An identity function: it exists so TypeScript infers `E`, `S` and `Q` from the
 * object literal, and to check the definition's name and version early.
 */
export function defineProjection<E extends OrderedEvent, S, Q extends QueryFunctions<S> = {}>(
  definition: ProjectionDefinition<E, S, Q>,
): ProjectionDefinition<E, S, Q> {
  if (typeof definition.name !== 'string' || definition.name.length === 0) {
    throw new TypeError('defineProjection: name must be a non-empty string');
  }
  const version = definition.version ?? 1;
  if (!Number.isInteger(version) || version < 1) {
    throw new TypeError(`defineProjection(${definition.name}): version must be an integer ≥ 1`);
  }
  return definition;
}

/** The version of a definition (1 when absent). */
export function projectionVersion(definition: Pick<ProjectionDefinition, 'version'>): number {
  return definition.version ?? 1;
}

/** The checkpoint subscriber id of a definition: `name@vN`, so a rebuilt version keeps its own progress. */
export function subscriberIdOf(definition: Pick<ProjectionDefinition, 'name' | 'version'>): string {
  return `${definition.name}@v${projectionVersion(definition)}`;
}

/** The state copier of a definition: its `clone`, `structuredClone` by default, identity for `clone: false`. */
export function clonerOf<S>(definition: { clone?: ((state: S) => S) | false }): (state: S) => S {
  if (definition.clone === false) return (s) => s;
  return definition.clone ?? ((s) => structuredClone(s));
}
