import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareEventOrder as compareEvents } from '@omnitrail/events';
import { createCounters, createPartition, evictPartitionPrefix, insertEvent, partitionStateAt, rewritePartition, type PartitionFold } from '../src/live/partition/index.js';

interface E {
  id: string;
  occurredAt: string;
  tag: string;
}
const at = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 60_000).toISOString();
// A state that shows order and content: the list of `id:tag`.
const fold: PartitionFold<E, string[]> = { initialState: () => [], evolve: (s, e) => [...s, `${e.id}:${e.tag}`], clone: (s) => s, snapshotEvery: 3 };
const scratch = (events: E[]) => [...events].sort(compareEvents).map((e) => `${e.id}:${e.tag}`);

describe('rewritePartition', () => {
  it('removes, inserts and re-folds changed events in one pass, from the snapshot before the first change', () => {
    const counters = createCounters();
    const p = createPartition<E, string[]>('k', fold);
    const events = Array.from({ length: 20 }, (_, i): E => ({ id: `e${String(i).padStart(2, '0')}`, occurredAt: at(i), tag: 'a' }));
    for (const e of events) insertEvent(p, e, fold, counters);
    const before = counters.eventsRefolded;
    events[15]!.tag = 'b';
    rewritePartition(p, { remove: [events[16]!, events[18]!], insert: [{ id: 'x', occurredAt: at(17), tag: 'new' }], changed: [events[15]!] }, fold, counters);
    const expected = scratch([...events.filter((_, i) => i !== 16 && i !== 18), { id: 'x', occurredAt: at(17), tag: 'new' }]);
    expect(p.state).toEqual(expected);
    // From the snapshot at 15, not from the start.
    expect(counters.eventsRefolded - before).toBeLessThanOrEqual(expected.length - 15);
    rewritePartition(p, {}, fold, counters);
    expect(p.state).toEqual(expected);
  });

  it('equals a fold from scratch for any batch of changes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.array(fc.tuple(fc.nat(29), fc.constantFrom('remove', 'changed')), { maxLength: 10 }), fc.array(fc.integer({ min: -5, max: 40 }), { maxLength: 6 }), (n, edits, inserts) => {
        const counters = createCounters();
        const p = createPartition<E, string[]>('k', fold);
        const events = Array.from({ length: n }, (_, i): E => ({ id: `e${String(i).padStart(2, '0')}`, occurredAt: at(i), tag: 'a' }));
        for (const e of events) insertEvent(p, e, fold, counters);
        const remove = new Set<E>();
        const changed = new Set<E>();
        for (const [i, kind] of edits) {
          const e = events[i];
          if (!e || remove.has(e)) continue;
          if (kind === 'remove') remove.add(e);
          else {
            e.tag += '*';
            changed.add(e);
          }
        }
        const added = inserts.map((m, i): E => ({ id: `n${i}`, occurredAt: at(m), tag: 'n' }));
        rewritePartition(p, { remove: [...remove], changed: [...changed], insert: added }, fold, counters);
        expect(p.state).toEqual(scratch([...events.filter((e) => !remove.has(e)), ...added]));
        expect(p.events.map((e) => e.id)).toEqual([...events.filter((e) => !remove.has(e)), ...added].sort(compareEvents).map((e) => e.id));
      }),
    );
  });
});

describe('evictPartitionPrefix', () => {
  it('keeps what the evicted events contributed: later appends, late events after them and rewrites equal a fold from scratch (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.nat(30),
        fc.array(fc.integer({ min: 0, max: 45 }), { maxLength: 8 }),
        fc.array(fc.nat(29), { maxLength: 5 }),
        (n, cutAt, later, removals) => {
          const counters = createCounters();
          const p = createPartition<E, string[]>('k', fold);
          const events = Array.from({ length: n }, (_, i): E => ({ id: `e${String(i).padStart(2, '0')}`, occurredAt: at(i), tag: 'a' }));
          for (const e of events) insertEvent(p, e, fold, counters);
          const cut = Math.min(cutAt, n);
          evictPartitionPrefix(p, cut, fold, counters);
          expect(p.events).toEqual(events.slice(cut));
          expect(p.base).toEqual(cut === 0 ? undefined : scratch(events.slice(0, cut)));
          // Snapshots stay ascending, within the held events.
          expect([...p.snapshotAt].sort((a, b) => a - b)).toEqual(p.snapshotAt);
          for (const k of p.snapshotAt) expect(k).toBeGreaterThan(0);
          for (const k of p.snapshotAt) expect(k).toBeLessThanOrEqual(p.events.length);
          expect(p.state).toEqual(scratch(events));
          // New events only after the evicted ones (what bounded memory guarantees): appended or late among the held.
          const added = later.map((m, i): E => ({ id: `n${i}`, occurredAt: at(Math.max(m, cut)), tag: 'n' }));
          for (const e of added) insertEvent(p, e, fold, counters);
          const remove = new Set(removals.map((i) => events[i]).filter((e): e is E => e !== undefined && events.indexOf(e) >= cut));
          rewritePartition(p, { remove: [...remove] }, fold, counters);
          const all = [...events.filter((e) => !remove.has(e)), ...added];
          expect(p.state).toEqual(scratch(all));
          // As of an instant among the held events: the base and the held events up to it.
          const asOf = at(Math.max(cut, n - 1));
          expect(partitionStateAt(p, asOf, fold, counters)).toEqual(scratch(all.filter((e) => e.occurredAt <= asOf)));
        },
      ),
    );
  });
});
