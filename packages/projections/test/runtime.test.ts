import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createProjectionRuntime, foldEvents, ProjectionSnapshotError, type ProjectionDefinition } from '../src/index.js';
import { asObject, concat, eventsArb, instantArb, minute, mutating, seqId, shuffledArb, statesOf, type TestEvent } from './helpers.js';

// Widened to one type so both run through the same properties.
const definitions = [concat, mutating] as unknown as ProjectionDefinition<TestEvent, unknown>[];
const snapshotEveryArb = fc.integer({ min: 1, max: 6 });

describe('foldEvents (reference semantics)', () => {
  it('sorts by (occurredAt, id), dedupes by id, and skips unpartitioned events', () => {
    const t = '2024-01-01T10:00:00.000Z';
    const events: TestEvent[] = [
      { id: 'b', occurredAt: t, customer: 'x', v: 'B' },
      { id: 'a', occurredAt: t, customer: 'x', v: 'A' },
      { id: 'a', occurredAt: t, customer: 'x', v: 'dup' },
      { id: '0', occurredAt: '2024-01-01T09:00:00.000Z', customer: 'x', v: 'first' },
      { id: 'z', occurredAt: t, customer: '', v: 'skipped' },
    ];
    expect(asObject(foldEvents(concat, events))).toEqual({ x: 'x:first,A,B,' });
  });
});

describe.each(definitions.map((d) => [d.name, d] as const))('runtime with the %s projection', (_name, definition) => {
  const reference = (events: TestEvent[]) => asObject([...foldEvents(definition, structuredClone(events))].map(([k, s]) => [k, structuredClone(s)]));

  it('state does not depend on arrival order (late events are folded in their place)', () => {
    fc.assert(
      fc.property(shuffledArb(), snapshotEveryArb, ([events, arrival], snapshotEvery) => {
        const rt = createProjectionRuntime(definition, { snapshotEvery });
        for (const e of arrival) rt.apply(e);
        expect(statesOf(rt)).toEqual(reference(events));
        for (const key of rt.keys()) {
          const sorted = rt.events(key).map((e) => `${e.occurredAt}|${e.id}`);
          expect(sorted).toEqual([...sorted].sort());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('state does not depend on batching', () => {
    fc.assert(
      fc.property(
        shuffledArb(),
        fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 20 }),
        snapshotEveryArb,
        ([events, arrival], sizes, snapshotEvery) => {
          const rt = createProjectionRuntime(definition, { snapshotEvery });
          let i = 0;
          for (let k = 0; i < arrival.length; k++) {
            const size = sizes[k % sizes.length]!;
            rt.applyMany(arrival.slice(i, i + size));
            i += size;
          }
          expect(statesOf(rt)).toEqual(reference(events));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('redelivered events (same id) change nothing and emit nothing', () => {
    fc.assert(
      fc.property(
        shuffledArb(),
        fc.array(fc.nat(), { maxLength: 30 }),
        snapshotEveryArb,
        ([events, arrival], redeliveries, snapshotEvery) => {
          const rt = createProjectionRuntime(definition, { snapshotEvery });
          let emitted = 0;
          const sub = rt.changes$.subscribe(() => emitted++);
          const withDuplicates = [...arrival];
          for (const r of redeliveries) {
            if (arrival.length === 0) break;
            // A redelivery comes after the first delivery, at any later moment.
            const original = arrival[r % arrival.length]!;
            const at = withDuplicates.indexOf(original) + 1 + (r % (withDuplicates.length - withDuplicates.indexOf(original)));
            withDuplicates.splice(at, 0, { ...original });
          }
          for (const e of withDuplicates) rt.apply(e);
          sub.unsubscribe();
          expect(statesOf(rt)).toEqual(reference(events));
          const applied = events.filter((e) => e.customer !== '').length;
          expect(emitted).toBe(applied);
          expect(rt.counters.eventsApplied).toBe(applied);
          expect(rt.counters.duplicates).toBe(withDuplicates.length - arrival.length - (withDuplicates.filter((e) => e.customer === '').length - arrival.filter((e) => e.customer === '').length));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('snapshot → JSON → restore, then the rest, equals never stopping', () => {
    fc.assert(
      fc.property(shuffledArb(), fc.nat(), fc.boolean(), snapshotEveryArb, ([events, arrival], cut, includeState, snapshotEvery) => {
        const at = arrival.length === 0 ? 0 : cut % (arrival.length + 1);
        const first = createProjectionRuntime(definition, { snapshotEvery });
        arrival.slice(0, at).forEach((e, i) => first.apply(e, BigInt(i * 2)));
        const persisted = JSON.parse(JSON.stringify(first.snapshot({ includeState }))) as unknown;
        const second = createProjectionRuntime(definition, { snapshotEvery });
        second.restore(persisted);
        expect(second.position).toBe(first.position);
        // Redeliveries of the prefix (an at-least-once resume) plus the rest, late events included.
        for (const e of arrival) second.apply(e);
        expect(statesOf(second)).toEqual(reference(events));
      }),
      { numRuns: 200 },
    );
  });

  it('stateAt(key, asOf) equals the fold of the events with occurredAt ≤ asOf', () => {
    fc.assert(
      fc.property(shuffledArb(), fc.array(instantArb, { minLength: 1, maxLength: 5 }), snapshotEveryArb, fc.boolean(), ([events, arrival], instants, snapshotEvery, restored) => {
        let rt = createProjectionRuntime(definition, { snapshotEvery });
        for (const e of arrival) rt.apply(e);
        if (restored) {
          // After a restore the snapshots are rebuilt lazily on the first as-of query.
          const again = createProjectionRuntime(definition, { snapshotEvery });
          again.restore(rt.snapshot());
          rt = again;
        }
        for (const asOf of instants) {
          const expected = reference(events.filter((e) => e.occurredAt <= asOf));
          for (const key of ['c1', 'c2', 'c3']) {
            expect(structuredClone(rt.stateAt(key, asOf))).toEqual(expected[key] ?? definition.initialState(key));
          }
        }
        expect(statesOf(rt)).toEqual(reference(events));
      }),
      { numRuns: 200 },
    );
  });
});

describe('late-event cost', () => {
  it('re-folds at most the events after the late one plus one snapshot interval (counter-based)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.nat(), fc.integer({ min: 1, max: 50 }), (size, d, snapshotEvery) => {
        const rt = createProjectionRuntime(mutating, { snapshotEvery });
        for (let i = 0; i < size; i++) rt.apply({ id: seqId(2 * i + 1), occurredAt: minute(2 * i + 1), customer: 'c', v: String(i) });
        expect(rt.counters.refolds).toBe(0);
        const distance = d % (size + 1); // events already applied that sort after the late one
        const place = size - distance;
        rt.apply({ id: seqId(2 * place), occurredAt: minute(2 * place), customer: 'c', v: 'late' });
        expect(rt.counters.lateEvents).toBe(distance === 0 ? 0 : 1);
        if (distance > 0) {
          expect(rt.counters.refolds).toBe(1);
          expect(rt.counters.eventsRefolded).toBeLessThanOrEqual(distance + 1 + snapshotEvery);
          expect(rt.counters.eventsRefolded).toBeGreaterThanOrEqual(distance + 1);
        }
        expect(rt.state('c').log.indexOf('late')).toBe(place);
        // As-of work is bounded by the snapshot interval too.
        const before = rt.counters.asOfEventsFolded;
        rt.stateAt('c', minute(2 * place));
        expect(rt.counters.asOfEventsFolded - before).toBeLessThanOrEqual(snapshotEvery);
      }),
      { numRuns: 200 },
    );
  });

  it('in-order events never re-fold, and cost one evolve each', () => {
    let evolves = 0;
    const rt = createProjectionRuntime({ ...concat, evolve: (s: string, e: TestEvent) => (evolves++, s + e.v) }, { snapshotEvery: 10 });
    for (let i = 0; i < 1000; i++) rt.apply({ id: seqId(i), occurredAt: minute(i), customer: 'c', v: 'x' });
    expect(evolves).toBe(1000);
    expect(rt.counters).toMatchObject({ eventsApplied: 1000, refolds: 0, eventsRefolded: 0, snapshotsTaken: 100 });
  });
});

describe('runtime surface', () => {
  it('answers named queries and unknown keys with the initial state', () => {
    const rt = createProjectionRuntime(concat);
    rt.apply({ id: 'a', occurredAt: minute(1), customer: 'c1', v: 'hi' });
    expect(rt.query('c1', 'length')).toBe('c1:hi,'.length);
    expect(rt.query('c1', 'endsWith', 'hi,')).toBe(true);
    expect(rt.state('nobody')).toBe('nobody:');
    expect(rt.has('nobody')).toBe(false);
    expect(() => rt.query('c1', 'nope' as 'length')).toThrow(/no query "nope"/);
  });

  it('uses the injected clock, never the wall clock, for stateAt without asOf', () => {
    let now = Date.parse(minute(5));
    const rt = createProjectionRuntime(concat, { clock: () => now });
    rt.applyMany([3, 7].map((i) => ({ id: seqId(i), occurredAt: minute(i), customer: 'c', v: String(i) })));
    expect(rt.stateAt('c')).toBe('c:3,');
    now = Date.parse(minute(8));
    expect(rt.stateAt('c')).toBe('c:3,7,');
    expect(rt.now()).toBe(minute(8));
    expect(rt.stateAt('c', new Date(minute(3)))).toBe('c:3,');
    expect(rt.stateAt('c', '2024-01-01T01:00:00+01:00')).toBe('c:');
    expect(() => rt.stateAt('c', 'not a date')).toThrow(RangeError);
  });

  it('rejects a snapshot of another projection or version, naming it', () => {
    const rt = createProjectionRuntime(concat);
    const other = createProjectionRuntime({ ...concat, version: 2 });
    expect(() => other.restore(rt.snapshot())).toThrow(ProjectionSnapshotError);
    expect(() => other.restore(rt.snapshot())).toThrow(/concat@v1, not concat@v2/);
    expect(() => rt.restore({ format: 'nope' })).toThrow(/format/);
    expect(() => rt.restore(null)).toThrow(ProjectionSnapshotError);
  });

  it('restore uses serializeState/deserializeState hooks for non-JSON state', () => {
    const sets = {
      name: 'sets',
      partitionBy: (e: TestEvent) => e.customer,
      initialState: () => new Set<string>(),
      evolve: (s: Set<string>, e: TestEvent) => s.add(e.v),
      serializeState: (s: Set<string>) => [...s],
      deserializeState: (d: unknown) => new Set(d as string[]),
    };
    const rt = createProjectionRuntime(sets);
    rt.applyMany(eventsFor(['a', 'b']));
    const json = JSON.parse(JSON.stringify(rt.snapshot())) as unknown;
    const back = createProjectionRuntime(sets);
    back.restore(json);
    expect([...back.state('c')]).toEqual(['a', 'b']);
    expect(back.counters.refolds).toBe(0);
  });

  it('rejects bad options', () => {
    expect(() => createProjectionRuntime(concat, { snapshotEvery: 0 })).toThrow(RangeError);
  });

  it('keeps arbitrary events sorted (a quick smoke of eventsArb)', () => {
    fc.assert(fc.property(eventsArb(10), (events) => new Set(events.map((e) => e.id)).size === events.length));
  });
});

function eventsFor(values: string[]): TestEvent[] {
  return values.map((v, i) => ({ id: seqId(i), occurredAt: minute(i), customer: 'c', v }));
}
