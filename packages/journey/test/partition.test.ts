import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareEventOrder as compareEvents } from '@omnitrail/events';
import { createCounters, createPartition, insertEvent, rewritePartition, type PartitionFold } from '../src/live/partition/index.js';

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
