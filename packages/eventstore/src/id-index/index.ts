/**
 * A compact id → position index: an open-addressing table of 32-bit FNV-1a hashes of the ids' UTF-8 bytes
 * and positions, 8 bytes per slot at a load of at most one half, in typed arrays (nothing for the garbage
 * collector to trace). The table does not hold the ids: a hash hit is confirmed by the caller, who has the
 * event (in memory) or reads its id back (file store). Building it on open needs no string per id, which is
 * most of what makes opening a large file store fast.
 */

/** FNV-1a over a byte range. */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h | 0;
}

/** FNV-1a over the UTF-8 bytes of a string (the same value {@link hashBytes} gives for its encoding). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      const bytes = Buffer.from(s, 'utf8');
      return hashBytes(bytes, 0, bytes.length);
    }
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h | 0;
}

// FNV-1a's low bits cluster for ids that differ only in their last characters (sequential ids), which
// makes linear probing crawl; murmur3's finaliser spreads them before the hash picks a slot.
function slot(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The table. Positions are 1 to 2^32 - 1 (0 marks an empty slot). */
export interface IdIndex {
  add(hash: number, position: number): void;
  /** The first position whose hash matches and that `confirm` accepts, or `undefined`. */
  find(hash: number, confirm: (position: number) => boolean): number | undefined;
  /**
   * A copy of the table without the positions above `last`, as if they had never been added (to persist
   * the table as of a position: re-adding a million ids costs more than reading their table back).
   */
  snapshot(last: number): IdIndexSnapshot;
  readonly size: number;
}

/** An id index's table as plain data: `table` holds hash and position of slot i at 2i and 2i + 1. */
export interface IdIndexSnapshot {
  table: Int32Array;
  size: number;
}

/** Creates an empty id index with room for at least `initialCapacity` slots (rounded up to a power of two: probes mask by it). */
export function createIdIndex(initialCapacity = 1 << 12): IdIndex {
  let capacity = 16;
  while (capacity < initialCapacity) capacity *= 2;
  // Hash and position interleaved in one array (slot i at 2i, 2i + 1): a probe touches one cache line,
  // not one in each of two arrays. Positions are stored as int32 bit patterns (`>>> 0` reads them back).
  return tableIndex(new Int32Array(capacity * 2), 0);
}

/**
 * An id index over a table of {@link IdIndex.snapshot} (taken over, not copied). Returns why it cannot be
 * one instead when its shape is wrong or its count does not fit (the entries are not counted: a million
 * ids take 4 million slots to count, and the caller checksums what it restores).
 */
export function restoreIdIndex(snapshot: IdIndexSnapshot): IdIndex | string {
  const { table, size } = snapshot;
  const capacity = table.length / 2;
  if (capacity < 16 || (capacity & (capacity - 1)) !== 0) return `id table of ${table.length} values is not 2 × a power of two`;
  if (size * 2 > capacity) return `id table holds ${size} ids in ${capacity} slots`;
  return tableIndex(table, size);
}

function tableIndex(initialTable: Int32Array, initialSize: number): IdIndex {
  let table = initialTable;
  let capacity = table.length / 2;
  let size = initialSize;
  const insert = (h: number, p: number) => {
    const mask = capacity - 1;
    let i = slot(h) & mask;
    while (table[2 * i + 1] !== 0) i = (i + 1) & mask;
    table[2 * i] = h;
    table[2 * i + 1] = p | 0;
  };
  return {
    add(hash, position) {
      if ((size + 1) * 2 > capacity) {
        const old = table;
        capacity *= 2;
        table = new Int32Array(capacity * 2);
        for (let i = 1; i < old.length; i += 2) if (old[i] !== 0) insert(old[i - 1]!, old[i]!);
      }
      insert(hash, position);
      size++;
    },
    find(hash, confirm) {
      const mask = capacity - 1;
      for (let i = slot(hash) & mask; table[2 * i + 1] !== 0; i = (i + 1) & mask) {
        if (table[2 * i] === hash) {
          const p = table[2 * i + 1]! >>> 0;
          if (confirm(p)) return p;
        }
      }
      return undefined;
    },
    snapshot(last) {
      const copy = table.slice();
      const mask = capacity - 1;
      let kept = size;
      const above: number[] = [];
      for (let i = 1; i < copy.length; i += 2) if (copy[i] !== 0 && copy[i]! >>> 0 > last) above.push(copy[i - 1]!, copy[i]!);
      for (let k = 0; k < above.length; k += 2) {
        let hole = slot(above[k]!) & mask;
        while (copy[2 * hole] !== above[k] || copy[2 * hole + 1] !== above[k + 1]) hole = (hole + 1) & mask;
        // Backward-shift deletion: later entries of the probe run move up so no lookup stops at the hole early.
        for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
          copy[2 * hole] = 0;
          copy[2 * hole + 1] = 0;
          if (copy[2 * j + 1] === 0) break;
          const home = slot(copy[2 * j]!) & mask;
          const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
          if (!between) {
            copy[2 * hole] = copy[2 * j]!;
            copy[2 * hole + 1] = copy[2 * j + 1]!;
            hole = j;
          }
        }
        kept--;
      }
      return { table: copy, size: kept };
    },
    get size() {
      return size;
    },
  };
}

/**
 * An id index over a list of records that carry their own id, 1-based positions into `records` (which is
 * held by reference and only ever appended to). It confirms a hash hit by comparing the record's id, with
 * one long-lived confirm function, so a lookup allocates nothing. The in-memory store (over its log), the
 * journey engine (over a tenant's events) and the replay (over accepted events) share it.
 */
export interface IdTable {
  /** The position of the record with this id, or `undefined`; pass `hash` (of {@link hashString}) when known. */
  find(id: string, hash?: number): number | undefined;
  /** Indexes the record at `position` (1-based) under its id's hash. */
  add(hash: number, position: number): void;
  readonly size: number;
}

/**
 * Creates an id table over `records` (position p is `records[p - 1]`), or over ids given by a function of
 * the record's index (`p - 1`), for a caller that keeps its ids in a column rather than in records.
 */
export function createIdTable(records: readonly { readonly id: string }[] | ((index: number) => string), initialCapacity?: number): IdTable {
  const index = createIdIndex(initialCapacity);
  let probeId = '';
  const confirm = typeof records === 'function' ? (p: number) => records(p - 1) === probeId : (p: number) => records[p - 1]!.id === probeId;
  return {
    find(id, hash = hashString(id)) {
      probeId = id;
      return index.find(hash, confirm);
    },
    add: (hash, position) => index.add(hash, position),
    get size() {
      return index.size;
    },
  };
}
