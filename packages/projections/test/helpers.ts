import fc from 'fast-check';
import { defineProjection, type ProjectionDefinition } from '../src/index.js';

/** A test event: one customer's touch with a value whose order shows in the fold. */
export interface TestEvent {
  id: string;
  occurredAt: string;
  customer: string;
  v: string;
}

const INSTANTS = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2024, 0, 1, 10, i)).toISOString());

/** An order-sensitive projection with immutable state: the concatenation of values. */
export const concat = defineProjection({
  name: 'concat',
  partitionBy: (e: TestEvent) => (e.customer === '' ? undefined : e.customer),
  initialState: (key: string) => `${key}:`,
  evolve: (s: string, e: TestEvent) => `${s}${e.v},`,
  clone: false,
  queries: {
    length: (s: string) => s.length,
    endsWith: (s: string, suffix: string) => s.endsWith(suffix),
  },
});

/** The same fold over mutable state: evolve pushes into the state it was given. */
export const mutating: ProjectionDefinition<TestEvent, { log: string[]; count: number }> = defineProjection({
  name: 'mutating',
  partitionBy: (e: TestEvent) => (e.customer === '' ? undefined : e.customer),
  initialState: () => ({ log: [] as string[], count: 0 }),
  evolve: (s: { log: string[]; count: number }, e: TestEvent) => {
    s.log.push(e.v);
    s.count++;
    return s;
  },
});

/** Distinct events (by id) over a few customers and instants, so ties on occurredAt are common. */
export const eventsArb = (maxLength = 60): fc.Arbitrary<TestEvent[]> =>
  fc.uniqueArray(
    fc.record({
      id: fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', '0', '1'), minLength: 1, maxLength: 4 }),
      occurredAt: fc.constantFrom(...INSTANTS),
      customer: fc.constantFrom('c1', 'c2', 'c3', ''),
      v: fc.string({ maxLength: 3 }),
    }),
    { selector: (e) => e.id, maxLength },
  );

/** Events with a permutation of them (the arrival order). */
export const shuffledArb = (maxLength = 60) =>
  eventsArb(maxLength).chain((events) =>
    fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length })),
  );

/** The instants events use, for as-of queries. */
export const instantArb = fc.constantFrom(...INSTANTS, '2023-12-31T00:00:00.000Z', '2024-01-02T00:00:00.000Z');

/** A state map as a plain sorted object, for equality checks. */
export function asObject<S>(entries: Iterable<[string, S]>): Record<string, S> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Every partition's state of a runtime-like source. */
export function statesOf<S>(rt: { keys(): string[]; state(key: string): S }): Record<string, S> {
  return asObject(rt.keys().map((k) => [k, structuredClone(rt.state(k))] as [string, S]));
}

/** Sequential event ids that sort as strings in creation order. */
export function seqId(i: number): string {
  return `e${String(i).padStart(8, '0')}`;
}

/** The i-th minute after an epoch, as an ISO instant. */
export function minute(i: number): string {
  return new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
}
