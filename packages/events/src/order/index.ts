/**
 * The order every fold uses (domain.md): by `occurredAt`, then by `id` compared as plain strings. An event
 * that carries its instant in milliseconds (`at`) is compared by it, which is the same order for the
 * normalised instants `parseEvent` gives and saves parsing; otherwise the normalised strings are compared.
 */
export interface OrderedEventKey {
  readonly id: string;
  readonly occurredAt: string;
  /** `occurredAt` in ms, when the caller has it. */
  readonly at?: number;
}

/**
 * Compares two events by `(occurredAt, id)`: negative when `a` comes first, 0 for the same position (the same
 * id at the same instant), positive when `b` does. The one comparator of the project: the folds, the
 * projection runtime, the test kit and the benchmarks all order events with it.
 */
export function compareEventOrder(a: OrderedEventKey, b: OrderedEventKey): number {
  const am = a.at;
  const bm = b.at;
  if (am !== undefined && bm !== undefined) {
    if (am !== bm) return am < bm ? -1 : 1;
  } else if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}
