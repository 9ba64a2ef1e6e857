/**
 * The set of event ids a replay has accepted, mapping each to the index of its event. A `Map<string, …>` of a
 * million ids costs several cache misses per lookup (its table, then the stored key string to compare); this
 * open-addressing table keeps two 32-bit hashes of the id next to the index, so a lookup reads one slot and
 * compares the id strings only when both hashes match (a real duplicate, or a 2^-64 accident).
 */
export interface IdIndex {
  /** The index stored for `id`, or -1 after storing `index` for it. */
  findOrAdd(id: string, index: number): number;
  readonly size: number;
}

const STRIDE = 3; // hash A, hash B, index + 1 (0: empty slot)

function hashA(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function hashB(s: string): number {
  let h = 0x9e3779b9 ^ s.length;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x85ebca6b) ^ (h >>> 13);
  return h >>> 0;
}

// FNV's low bits cluster for ids that differ only in their last characters (sequential ids), which would make
// linear probing crawl: murmur3's finaliser spreads them before the hash picks a slot.
function spread(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Creates an empty id index; `idAt(index)` gives back the id stored for an index (to confirm a match). */
export function createIdIndex(idAt: (index: number) => string, initialCapacity = 1 << 16): IdIndex {
  let capacity = 1 << Math.max(4, Math.ceil(Math.log2(Math.max(16, initialCapacity))));
  let table = new Int32Array(capacity * STRIDE);
  let size = 0;

  const grow = () => {
    const old = table;
    capacity *= 2;
    table = new Int32Array(capacity * STRIDE);
    const mask = capacity - 1;
    for (let o = 0; o < old.length; o += STRIDE) {
      if (old[o + 2] === 0) continue;
      let slot = spread(old[o]!) & mask;
      while (table[slot * STRIDE + 2] !== 0) slot = (slot + 1) & mask;
      const t = slot * STRIDE;
      table[t] = old[o]!;
      table[t + 1] = old[o + 1]!;
      table[t + 2] = old[o + 2]!;
    }
  };

  return {
    get size() {
      return size;
    },
    findOrAdd(id, index) {
      const a = hashA(id) | 0;
      const b = hashB(id) | 0;
      const mask = capacity - 1;
      let slot = spread(a) & mask;
      for (;;) {
        const t = slot * STRIDE;
        const stored = table[t + 2]!;
        if (stored === 0) break;
        if (table[t] === a && table[t + 1] === b && idAt(stored - 1) === id) return stored - 1;
        slot = (slot + 1) & mask;
      }
      const t = slot * STRIDE;
      table[t] = a;
      table[t + 1] = b;
      table[t + 2] = index + 1;
      // Kept at most half full, so probe runs stay short.
      if (++size * 2 > capacity) grow();
      return -1;
    },
  };
}
