import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIdTable, hashString } from '../src/adapter.js';

/** What the replay, the store and the engine do with the table: the index stored for an id, or -1 after storing `index` for it. */
function idSet(records: readonly { id: string }[], capacity?: number, asColumn = false) {
  const size = capacity === undefined ? undefined : 1 << Math.max(2, Math.ceil(Math.log2(capacity)));
  // The column form reads ids through a function of the index, as the replay does with its id column.
  const table = asColumn ? createIdTable((i) => records[i]!.id, size) : createIdTable(records, size);
  return {
    findOrAdd(id: string, index: number): number {
      const h = hashString(id);
      const found = table.find(id, h);
      if (found !== undefined) return found - 1;
      table.add(h, index + 1);
      return -1;
    },
    get size() {
      return table.size;
    },
  };
}

describe('createIdTable (ids → first index over records that carry their id)', () => {
  it('answers like a Map from id to first index, through growth, over records or an id column (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a', 'b', 'evt-1', 'evt-2', '')), { maxLength: 400 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), (ids, capacity, asColumn) => {
        const stored: { id: string }[] = [];
        const index = idSet(stored, capacity, asColumn);
        const reference = new Map<string, number>();
        for (const id of ids) {
          const expected = reference.get(id);
          const got = index.findOrAdd(id, stored.length);
          if (expected === undefined) {
            expect(got).toBe(-1);
            reference.set(id, stored.length);
            stored.push({ id });
          } else {
            expect(got).toBe(expected);
          }
        }
        expect(index.size).toBe(reference.size);
      }),
    );
  });

  it('holds a million ids', () => {
    const stored: { id: string }[] = [];
    const index = idSet(stored);
    let misplaced = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const id = `c${i % 10_000}-${Math.floor(i / 10_000)}`;
      if (index.findOrAdd(id, stored.length) !== -1) misplaced++;
      stored.push({ id });
    }
    expect(misplaced).toBe(0);
    expect(index.findOrAdd('c42-7', -5)).toBe(stored.findIndex((r) => r.id === 'c42-7'));
    expect(index.size).toBe(1_000_000);
  });
});
