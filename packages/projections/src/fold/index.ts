import type { OrderedEvent, ProjectionDefinition } from '../definition/index.js';
import { compareEvents } from '../order/index.js';

/**
 * The reference semantics of every projection: keeps the first event of each id, sorts by
 * (occurredAt, id), groups by `partitionBy` and folds each partition from its initial state. Pure: the
 * runtime must always agree with it, whatever the arrival order, batching, redeliveries or restarts.
 */
export function foldEvents<E extends OrderedEvent, S>(
  definition: Pick<ProjectionDefinition<E, S, unknown>, 'partitionBy' | 'initialState' | 'evolve'>,
  events: Iterable<E>,
): Map<string, S> {
  const byId = new Map<string, E>();
  for (const event of events) if (!byId.has(event.id)) byId.set(event.id, event);
  const sorted = [...byId.values()].sort(compareEvents);
  const states = new Map<string, S>();
  for (const event of sorted) {
    const key = definition.partitionBy(event);
    if (key === undefined) continue;
    const state = states.has(key) ? (states.get(key) as S) : definition.initialState(key);
    states.set(key, definition.evolve(state, event));
  }
  return states;
}
