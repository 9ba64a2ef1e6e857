// Append-only facts in columns, shared between the copies of a tenant-wide view's state: a view keeps a row
// per reply, resolution or self-service attempt, and its state is copied at every fold snapshot, for the
// eviction base and for a snapshot's capture (docs/durable-engine.md, "Views' facts shared between copies").

/** Rows per chunk: a full chunk is never changed again. */
export const FACT_CHUNK_ROWS = 4096;

/** The columns of one chunk: arrays of one length, a row across them. */
export type FactColumns = { [column: string]: unknown[] };

/**
 * Facts as rows in columns, in chunks of {@link FACT_CHUNK_ROWS} rows: the `full` chunks are never changed
 * once full, so a copy ({@link copyFactTable}) shares them and copies only the growing `tail`. Plain data
 * (the snapshot codec writes a chunk shared by several copies once).
 */
export interface FactTable<C extends FactColumns> {
  full: C[];
  tail: C;
  /** Rows in `tail`. */
  tailRows: number;
}

/** An empty table with the columns of `empty` (an object of empty arrays). */
export function createFactTable<C extends FactColumns>(empty: C): FactTable<C> {
  return { full: [], tail: empty, tailRows: 0 };
}

/**
 * The chunk the next row goes to, counting that row: the caller pushes one value to each column. A full tail
 * is set aside first (it is never changed again) and an empty one with the same columns takes its place.
 */
export function appendFactRow<C extends FactColumns>(table: FactTable<C>): C {
  if (table.tailRows === FACT_CHUNK_ROWS) {
    table.full.push(table.tail);
    const empty: FactColumns = {};
    for (const column in table.tail) empty[column] = [];
    table.tail = empty as C;
    table.tailRows = 0;
  }
  table.tailRows++;
  return table.tail;
}

/** A copy that shares the full chunks (a pointer each) and copies the tail. */
export function copyFactTable<C extends FactColumns>(table: FactTable<C>): FactTable<C> {
  const tail: FactColumns = {};
  for (const column in table.tail) tail[column] = table.tail[column]!.slice();
  return { full: table.full.slice(), tail: tail as C, tailRows: table.tailRows };
}

/**
 * A full chunk the live engine packed into bytes (live/packed-facts) answers this with its columns: a full
 * chunk never changes, so it can be held as bytes and read back whole.
 */
export const UNPACK_CHUNK: unique symbol = Symbol('unpackChunk');

/** The chunks in row order (the full ones, then the tail): readers loop over each chunk's columns. */
export function factChunks<C extends FactColumns>(table: FactTable<C>): readonly C[] {
  const { full } = table;
  if (full.length === 0) return [table.tail];
  const out = new Array<C>(full.length + 1);
  for (let i = 0; i < full.length; i++) {
    const chunk = full[i]!;
    out[i] = UNPACK_CHUNK in chunk ? (chunk as unknown as { [UNPACK_CHUNK](): C })[UNPACK_CHUNK]() : chunk;
  }
  out[full.length] = table.tail;
  return out;
}

/** Whether a value is a {@link FactTable} (what the engine looks for in a view's state to pack its full chunks). */
export function isFactTable(value: unknown): value is FactTable<FactColumns> {
  if (value === null || typeof value !== 'object') return false;
  const t = value as Partial<FactTable<FactColumns>>;
  return Array.isArray(t.full) && typeof t.tailRows === 'number' && t.tail !== null && typeof t.tail === 'object';
}
