/**
 * The views' full fact chunks packed into bytes (docs/durable-engine.md, "Views' facts packed").
 *
 * The tenant-wide views keep a row per fact (an agent's reply, a resolution, a self-service attempt) in
 * `FactTable`s (core/facts): columns in chunks of 4,096 rows, a full chunk never changed again. They grow
 * with history and are read only by a report's tallies (`factChunks`). At each eviction the engine packs the
 * full chunks of the head's tables, by V8's serializer, spilled with the records when it spills; a packed
 * chunk takes the chunk's place in the head's table and in the base's and fold snapshots' (their tables are
 * copies sharing the chunk objects), except in the states a snapshot's capture reads, which keep theirs
 * until the base moves on. `factChunks` reads a packed chunk whole, once per task. A snapshot writes a
 * packed chunk's columns (its own enumerable properties are getters of them), so its format does not
 * change, and a loaded chunk is packed again at the next eviction.
 */
import { deserialize, serialize } from 'node:v8';
import { isFactTable, UNPACK_CHUNK, type FactColumns } from '../../core/facts/index.js';
import { heldBytes, heldBytesStats, holdBytes, type RecordSpill } from '../record-spill/index.js';
import { taskMemo } from '../task-memo/index.js';

/** A packed full chunk: a getter per column (what the snapshot codec writes), its bytes hidden. */
class PackedChunk {
  declare readonly data: string;
}

function unpackChunk(packed: PackedChunk): FactColumns {
  return deserialize(heldBytes(packed)) as FactColumns;
}

const readPacked = taskMemo(unpackChunk);

Object.defineProperty(PackedChunk.prototype, UNPACK_CHUNK, {
  value(this: PackedChunk): FactColumns {
    return readPacked(this);
  },
});

function packChunk(chunk: FactColumns, spill: RecordSpill | undefined): FactColumns {
  const packed = holdBytes(new PackedChunk(), serialize(chunk), spill, false);
  for (const column of Object.keys(chunk)) {
    Object.defineProperty(packed, column, {
      get(this: PackedChunk) {
        return readPacked(this)[column];
      },
      enumerable: true,
    });
  }
  return packed as unknown as FactColumns;
}

/** Whether a chunk is packed. */
export function isPackedChunk(chunk: object): boolean {
  return chunk instanceof PackedChunk;
}

/** The fact tables of views' states: their own values, and the values of those (a view's state nests one level). */
function factTablesOf(views: readonly unknown[]): FactColumns[][] {
  const out: FactColumns[][] = [];
  const visit = (value: unknown, depth: number) => {
    if (value === null || typeof value !== 'object') return;
    if (isFactTable(value)) {
      out.push(value.full);
      return;
    }
    if (depth === 2 || Array.isArray(value) || value instanceof Map || value instanceof Set) return;
    for (const key of Object.keys(value)) visit((value as Record<string, unknown>)[key], depth + 1);
  };
  for (const state of views) visit(state, 0);
  return out;
}

/**
 * Packs the full chunks of the fact tables in `head` (the head's views) that are not packed yet, and puts
 * the packed ones in place of the same chunks in `others` (the base's and the fold snapshots' views, those a
 * capture does not read), each chunk once. Returns how many chunks it packed.
 */
export function packFullChunks(head: readonly unknown[], others: readonly (readonly unknown[])[], spill: RecordSpill | undefined): number {
  const packed = new Map<FactColumns, FactColumns>();
  for (const full of factTablesOf(head)) {
    for (let i = 0; i < full.length; i++) {
      const chunk = full[i]!;
      if (isPackedChunk(chunk)) continue;
      const p = packChunk(chunk, spill);
      packed.set(chunk, p);
      full[i] = p;
    }
  }
  if (packed.size === 0) return 0;
  for (const views of others) {
    for (const full of factTablesOf(views)) {
      for (let i = 0; i < full.length; i++) {
        const p = packed.get(full[i]!);
        if (p !== undefined) full[i] = p;
      }
    }
  }
  return packed.size;
}

/** How many distinct packed chunks the views hold, their bytes, and of them how many are spilled and their bytes. */
export function packedChunkStats(views: Iterable<readonly unknown[]>): { chunks: number; bytes: number; spilled: number; spilledBytes: number } {
  const seen = new Set<PackedChunk>();
  for (const v of views) for (const full of factTablesOf(v)) for (const chunk of full) if (isPackedChunk(chunk)) seen.add(chunk as unknown as PackedChunk);
  const { count, ...rest } = heldBytesStats(seen);
  return { chunks: count, ...rest };
}
