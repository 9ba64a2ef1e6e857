import { deepStrictEqual } from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { compareEventOrder, parseEvent } from '@omnitrail/events';

/** The least of an event a projection needs to order it: `(occurredAt, id)`. */
export interface SpecEvent {
  id: string;
  occurredAt: string;
}

/**
 * A plain projection definition (`{name, partitionBy, initialState, evolve}`, the shape a host projection's
 * fold has when `partitionBy` is a function),
 * typed structurally so host definitions pass without an import cycle.
 */
export interface ProjectionDefinitionLike<E extends SpecEvent, S> {
  name: string;
  /** The partition of an event, or `undefined` when the event is not for this projection. */
  partitionBy(event: E): string | undefined;
  /** A fresh state for a partition. */
  initialState(key: string): S;
  /** Folds one event; may mutate and return `state`. */
  evolve(state: S, event: E): S;
}

/** How spec helpers turn inputs into events: raw JSON inputs are parsed with `parseEvent` by default. */
export interface SpecOptions<E> {
  /** Converts one input into the definition's event type. Default: `parseEvent`, throwing on invalid input; inputs with `schemaVersion` already set are taken as parsed. */
  parse?: (input: unknown) => E;
}

/** The result of folding events into a projection. */
export interface ReplayResult<E, S> {
  /** The state of every partition that received an event. */
  partitions: Map<string, S>;
  /** The events folded, sorted by `(occurredAt, id)` and without duplicates. */
  events: E[];
  /** Inputs ignored because their id was already seen. */
  duplicates: number;
}

function defaultParse<E>(input: unknown): E {
  if (input !== null && typeof input === 'object' && typeof (input as { schemaVersion?: unknown }).schemaVersion === 'number') return input as E;
  const result = parseEvent(input);
  if (!result.success) throw result.error;
  return result.event as E;
}

/** `(occurredAt, id)` order, ids compared as plain strings (domain.md). */
export function compareByTimeAndId(a: SpecEvent, b: SpecEvent): number {
  // Instants compared as numbers, so specs may write them with any offset; then @omnitrail/events' order.
  return compareEventOrder({ id: a.id, occurredAt: a.occurredAt, at: Date.parse(a.occurredAt) }, { id: b.id, occurredAt: b.occurredAt, at: Date.parse(b.occurredAt) });
}

/**
 * Folds events into a projection the way the runtime does: parses inputs, sorts by `(occurredAt, id)`, keeps
 * the first event of each id, and folds each into its partition's state.
 */
export function replayEvents<E extends SpecEvent, S>(
  definition: ProjectionDefinitionLike<E, S>,
  inputs: Iterable<unknown>,
  options: SpecOptions<E> = {},
): ReplayResult<E, S> {
  const parse = options.parse ?? defaultParse<E>;
  const seen = new Set<string>();
  const events: E[] = [];
  let duplicates = 0;
  for (const input of inputs) {
    const event = parse(input);
    if (seen.has(event.id)) {
      duplicates++;
      continue;
    }
    seen.add(event.id);
    events.push(event);
  }
  events.sort(compareByTimeAndId);
  const partitions = new Map<string, S>();
  for (const event of events) {
    const key = definition.partitionBy(event);
    if (key === undefined) continue;
    const state = partitions.has(key) ? (partitions.get(key) as S) : definition.initialState(key);
    partitions.set(key, definition.evolve(state, event));
  }
  return { partitions, events, duplicates };
}

/** A given/when/then spec for one projection. */
export interface ProjectionSpec<E extends SpecEvent, S> {
  /** The history before the event under test. */
  given(...events: Array<unknown | readonly unknown[]>): ProjectionSpec<E, S>;
  /** The event under test (after the history). */
  when(...events: Array<unknown | readonly unknown[]>): ProjectionSpec<E, S>;
  /**
   * Asserts the state of the partition the last `when` event belongs to (or the only partition) deep-equals
   * `expected`, or runs `expected` as a callback on it. Throws an assertion error with a diff otherwise.
   */
  then(expected: S | ((state: S | undefined) => void)): ProjectionSpec<E, S>;
  /** Asserts the state of every partition. */
  thenPartitions(expected: Record<string, S>): ProjectionSpec<E, S>;
  /** The folded result, for custom assertions. */
  result(): ReplayResult<E, S>;
}

const flat = (items: Array<unknown | readonly unknown[]>): unknown[] => items.flatMap((i) => (Array.isArray(i) ? (i as unknown[]) : [i]));

/**
 * Starts a given/when/then spec: `projectionSpec(def).given(history).when(event).then(expectedState)`.
 * Each call returns a new spec, so a `given` can be shared by several `when`s.
 */
export function projectionSpec<E extends SpecEvent, S>(
  definition: ProjectionDefinitionLike<E, S>,
  options: SpecOptions<E> = {},
): ProjectionSpec<E, S> {
  const make = (given: unknown[], when: unknown[]): ProjectionSpec<E, S> => {
    const run = () => replayEvents(definition, [...given, ...when], options);
    const partitionOfWhen = (): string | undefined => {
      const parse = options.parse ?? defaultParse<E>;
      const last = when[when.length - 1];
      return last === undefined ? undefined : definition.partitionBy(parse(last));
    };
    return {
      given: (...events) => make([...given, ...flat(events)], when),
      when: (...events) => make(given, [...when, ...flat(events)]),
      then(expected) {
        const { partitions } = run();
        const key = partitionOfWhen() ?? (partitions.size === 1 ? [...partitions.keys()][0] : undefined);
        const state = key === undefined ? undefined : partitions.get(key);
        if (typeof expected === 'function') (expected as (s: S | undefined) => void)(state);
        else deepStrictEqual(state, expected, `projection ${definition.name}: unexpected state of partition ${String(key)}`);
        return this;
      },
      thenPartitions(expected) {
        deepStrictEqual(Object.fromEntries(run().partitions), expected, `projection ${definition.name}: unexpected partitions`);
        return this;
      },
      result: run,
    };
  };
  return make([], []);
}

/** Options of `expectIdempotent`. */
export interface IdempotenceOptions<E> extends SpecOptions<E> {
  /**
   * Also require `evolve` itself to be idempotent: folding each event twice in a row gives the state of
   * folding it once (for projections meant to run without the runtime's de-duplication). Default false.
   */
  strict?: boolean;
}

/**
 * Asserts that delivering the events twice changes nothing: the states after replaying `events`, after
 * replaying them again from scratch (catches shared mutable initial states), and after replaying them with
 * every event redelivered in reverse order are deep-equal. With `strict`, also `evolve(evolve(s, e), e)`
 * equals `evolve(s, e)` for every event.
 */
export function expectIdempotent<E extends SpecEvent, S>(
  definition: ProjectionDefinitionLike<E, S>,
  events: readonly unknown[],
  options: IdempotenceOptions<E> = {},
): void {
  const snapshot = (r: ReplayResult<E, S>) => structuredClone(Object.fromEntries(r.partitions));
  const once = snapshot(replayEvents(definition, events, options));
  const again = snapshot(replayEvents(definition, events, options));
  deepStrictEqual(again, once, `projection ${definition.name}: a second replay of the same events gave another state (is initialState shared or is evolve impure?)`);
  const twice = snapshot(replayEvents(definition, [...events, ...[...events].reverse()], options));
  deepStrictEqual(twice, once, `projection ${definition.name}: redelivered events changed the state`);
  if (!options.strict) return;
  const { events: ordered } = replayEvents(definition, events, options);
  const states = new Map<string, S>();
  for (const event of ordered) {
    const key = definition.partitionBy(event);
    if (key === undefined) continue;
    const state = states.has(key) ? (states.get(key) as S) : definition.initialState(key);
    const one = definition.evolve(structuredClone(state), event);
    const two = definition.evolve(definition.evolve(structuredClone(state), event), event);
    if (!isDeepStrictEqual(one, two)) {
      deepStrictEqual(two, one, `projection ${definition.name}: folding event ${event.id} twice differs from folding it once`);
    }
    states.set(key, one);
  }
}
