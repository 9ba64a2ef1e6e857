// The views' full fact chunks packed into bytes (src/live/packed-facts): read back whole by factChunks, shared
// by the copies of a table, written by a snapshot as their columns, spilled or not. The engine's side
// (reports equal to an engine holding every event, before and after a resume) is in engine-memory.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendFactRow, copyFactTable, createFactTable, FACT_CHUNK_ROWS, factChunks, type FactTable } from '../src/core/facts/index.js';
import { isPackedChunk, packedChunkStats, packFullChunks } from '../src/live/packed-facts/index.js';
import { createRecordSpill } from '../src/live/record-spill/index.js';
import { decodeSnapshotValue, encodeSnapshotValue } from '../src/live/snapshot-codec/index.js';

type Columns = { at: number[]; agentId: string[]; value: (number | undefined)[] };

function tableOf(rows: number): FactTable<Columns> {
  const table = createFactTable<Columns>({ at: [], agentId: [], value: [] });
  for (let i = 0; i < rows; i++) {
    const chunk = appendFactRow(table);
    chunk.at.push(1_700_000_000_000 + i * 1000);
    chunk.agentId.push(`agent-${i % 37}`);
    chunk.value.push(i % 5 === 0 ? undefined : i / 3);
  }
  return table;
}

/** The rows of a table, read as the views read them. */
function rowsOf(table: FactTable<Columns>): unknown[] {
  const out: unknown[] = [];
  for (const { at, agentId, value } of factChunks(table)) for (let i = 0; i < at.length; i++) out.push([at[i], agentId[i], value[i]]);
  return out;
}

describe('packed fact chunks', () => {
  for (const spilled of [false, true]) {
    it(`are read back whole, shared by the copies of a table and written by a snapshot as their columns (${spilled ? 'spilled' : 'in memory'})`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'packed-facts-'));
      const spill = spilled ? createRecordSpill({ directory: dir }) : undefined;
      const rows = 2 * FACT_CHUNK_ROWS + 100;
      const head = tableOf(rows);
      const expected = rowsOf(head);
      const base = copyFactTable(head);
      const captured = copyFactTable(head);
      // A view's state holds its tables one level down (the agents view: { replies, firstResponses, ... }).
      expect(packFullChunks([{ replies: head }, 'not a table'], [[{ replies: base }]], spill)).toBe(2);
      expect(head.full.every(isPackedChunk)).toBe(true);
      // The base's table shares the packed chunks; a state left out (a capture) keeps its own.
      expect(base.full).toEqual(head.full);
      expect(base.full[0]).toBe(head.full[0]);
      expect(captured.full.some(isPackedChunk)).toBe(false);
      expect(rowsOf(head)).toEqual(expected);
      expect(rowsOf(base)).toEqual(expected);
      // Packed again: nothing new.
      expect(packFullChunks([{ replies: head }], [], spill)).toBe(0);
      // The tail goes on growing, and the next full chunk is packed at the next call.
      for (let i = 0; i < FACT_CHUNK_ROWS; i++) {
        const chunk = appendFactRow(head);
        chunk.at.push(i);
        chunk.agentId.push('late');
        chunk.value.push(i);
      }
      expect(packFullChunks([{ replies: head }], [], spill)).toBe(1);
      expect(rowsOf(head).slice(0, rows)).toEqual(expected);
      const stats = packedChunkStats([[{ replies: head }], [{ replies: base }]]);
      expect(stats.chunks).toBe(3);
      expect(stats.spilled).toBe(spilled ? 3 : 0);
      // A snapshot writes the columns: a loaded table is plain data, read the same.
      const decoded = decodeSnapshotValue(Buffer.concat(encodeSnapshotValue(base))) as FactTable<Columns>;
      expect(decoded.full.some(isPackedChunk)).toBe(false);
      expect(Object.keys(decoded.full[0]!)).toEqual(['at', 'agentId', 'value']);
      expect(rowsOf(decoded)).toEqual(expected);
      spill?.close();
      rmSync(dir, { recursive: true, force: true });
    });
  }
});
