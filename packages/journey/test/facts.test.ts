// Facts in shared chunks (core/facts): a copy holds the rows the table had when it was copied, whatever is
// appended to either afterwards, across chunk boundaries; copies share the full chunks.
import { assertProperty, fcParameters } from '@omnitrail/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendFactRow, copyFactTable, createFactTable, FACT_CHUNK_ROWS, factChunks, type FactTable } from '../src/core/facts/index.js';

type Rows = FactTable<{ n: number[]; tag: string[] }>;

function rowsOf(table: Rows): [number, string][] {
  const out: [number, string][] = [];
  for (const { n, tag } of factChunks(table)) for (let i = 0; i < n.length; i++) out.push([n[i]!, tag[i]!]);
  return out;
}

function append(table: Rows, n: number): void {
  const row = appendFactRow(table);
  row.n.push(n);
  row.tag.push(`t${n % 7}`);
}

describe('facts in shared chunks', () => {
  it('a copy keeps the rows it was made with while both grow past chunk boundaries (property)', async () => {
    await assertProperty(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 * FACT_CHUNK_ROWS }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (runs, picks) => {
        // A family of tables: each step appends a run to one of them, then copies one.
        const tables: { table: Rows; expected: [number, string][] }[] = [{ table: createFactTable({ n: [], tag: [] }), expected: [] }];
        let next = 0;
        runs.forEach((count, step) => {
          const target = tables[picks[step % picks.length]! % tables.length]!;
          for (let k = 0; k < count; k++) {
            append(target.table, next);
            target.expected.push([next, `t${next % 7}`]);
            next++;
          }
          const source = tables[(picks[step % picks.length]! + step) % tables.length]!;
          tables.push({ table: copyFactTable(source.table), expected: source.expected.slice() });
        });
        for (const { table, expected } of tables) {
          expect(rowsOf(table)).toEqual(expected);
          // Full chunks are full, and a copy points to them rather than to copies.
          for (const chunk of table.full) expect(chunk.n.length).toBe(FACT_CHUNK_ROWS);
          expect(table.tailRows).toBe(table.tail.n.length);
        }
      }),
      fcParameters({ numRuns: 40 }),
    );
  });

  it('copies share the full chunks and copy the tail', () => {
    const table: Rows = createFactTable({ n: [], tag: [] });
    for (let i = 0; i < FACT_CHUNK_ROWS + 3; i++) append(table, i);
    const copy = copyFactTable(table);
    expect(copy.full[0]).toBe(table.full[0]);
    expect(copy.tail).not.toBe(table.tail);
    expect(copy.tail.n).not.toBe(table.tail.n);
  });
});
