/**
 * A seeded source of 32-bit integers: the same seed gives the same sequence on every platform and in every
 * process (integer arithmetic only, no `Math.random`).
 */
export interface SeededRandom {
  /** The next integer in [0, 2^32). */
  nextUint32(): number;
  /** An integer in [0, n), for 1 ≤ n ≤ 2^21 (exact: the product stays below 2^53). */
  below(n: number): number;
  /** A number in [0, 1) with 32 random bits. */
  fraction(): number;
}

const TWO_POW_32 = 0x1_0000_0000;
const MAX_BELOW = 1 << 21;

/** A 32-bit integer hash of a few integers: independent, reproducible seeds per customer and segment. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h | 0;
}

/**
 * A seeded generator: SFC32 (the "small fast counting" generator: four 32-bit words, one of them a counter,
 * so no seed falls into a short cycle), its state filled from the seed by a SplitMix32-style sequence and
 * warmed up by discarding a few outputs so close seeds give unrelated sequences. Fast enough that drawing a
 * million events' steps costs far less than building the events.
 */
export function createSeededRandom(seed: number): SeededRandom {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${String(seed)}`);
  let z = seed | 0;
  const expand = (): number => {
    z = (z + 0x9e3779b9) | 0;
    let x = z;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return (x ^ (x >>> 16)) | 0;
  };
  let a = expand();
  let b = expand();
  let c = expand();
  let d = 1;
  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) nextUint32();
  return {
    nextUint32,
    below(n) {
      if (!Number.isInteger(n) || n < 1 || n > MAX_BELOW) throw new RangeError(`below(n): n must be an integer from 1 to ${MAX_BELOW}, got ${String(n)}`);
      return Math.floor((nextUint32() * n) / TWO_POW_32);
    },
    fraction() {
      return nextUint32() / TWO_POW_32;
    },
  };
}
