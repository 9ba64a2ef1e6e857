/**
 * Canonical equality of parsed JSON values, for duplicate detection (domain.md: the same id with deeply
 * equal content is a duplicate). Object key order never matters.
 *
 * The replay keeps only a 53-bit canonical hash per accepted id rather than the first line's text, so
 * memory grows with the events, not with the raw input. Two 32-bit lanes with different seeds make an
 * accidental match between different contents about 2^-53 likely.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const P = 0x01000193;

// Both lanes are computed in one walk of the value (the walk, not the multiplies, is most of the cost):
// `lanes` takes the two running hashes and leaves the results in `outA` and `outB`.
let outA = 0;
let outB = 0;

function mixStrings(a: number, b: number, s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, P);
    b = Math.imul(b ^ c, P);
  }
  outA = Math.imul(a ^ s.length, P);
  outB = Math.imul(b ^ s.length, P);
}

function lanes(value: unknown, a: number, b: number): void {
  if (value === null) {
    outA = Math.imul(a ^ 0x6e, P);
    outB = Math.imul(b ^ 0x6e, P);
    return;
  }
  switch (typeof value) {
    case 'string':
      mixStrings(Math.imul(a ^ 0x73, P), Math.imul(b ^ 0x73, P), value);
      return;
    case 'number': {
      // -0 and 0 are the same JSON value (deep equality uses ===), so they must hash alike.
      f64[0] = value === 0 ? 0 : value;
      const lo = u32[0]!;
      const hi = u32[1]!;
      outA = Math.imul(Math.imul(Math.imul(a ^ 0x64, P) ^ lo, P) ^ hi, P);
      outB = Math.imul(Math.imul(Math.imul(b ^ 0x64, P) ^ lo, P) ^ hi, P);
      return;
    }
    case 'boolean':
      outA = Math.imul(a ^ (value ? 0x74 : 0x66), P);
      outB = Math.imul(b ^ (value ? 0x74 : 0x66), P);
      return;
    case 'object': {
      if (Array.isArray(value)) {
        a = Math.imul(a ^ 0x61, P);
        b = Math.imul(b ^ 0x61, P);
        for (let i = 0; i < value.length; i++) {
          lanes(value[i], a, b);
          a = outA;
          b = outB;
        }
        outA = Math.imul(a ^ value.length, P);
        outB = Math.imul(b ^ value.length, P);
        return;
      }
      // Members are hashed independently and summed, so key order does not matter and no sort is needed.
      let sumA = 0;
      let sumB = 0;
      let count = 0;
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
        mixStrings(0x811c9dc5 ^ (a & 0xff), 0x811c9dc5 ^ (b & 0xff), key);
        lanes((value as Record<string, unknown>)[key], outA, outB);
        sumA = (sumA + Math.imul(outA ^ (outA >>> 15), 0x2c1b3c6d)) | 0;
        sumB = (sumB + Math.imul(outB ^ (outB >>> 15), 0x2c1b3c6d)) | 0;
        count++;
      }
      outA = Math.imul(Math.imul(Math.imul(a ^ 0x6f, P) ^ sumA, P) ^ count, P);
      outB = Math.imul(Math.imul(Math.imul(b ^ 0x6f, P) ^ sumB, P) ^ count, P);
      return;
    }
    default:
      outA = Math.imul(a ^ 0x75, P);
      outB = Math.imul(b ^ 0x75, P);
  }
}

/** A 53-bit hash of a parsed JSON value that is equal for deeply equal values, whatever their key order. */
export function canonicalHash(value: unknown): number {
  lanes(value, 0x811c9dc5, 0x2f9d3a1b);
  return (outA >>> 0) * 0x200000 + ((outB >>> 0) & 0x1fffff);
}

/** Deep equality of two parsed JSON values; object key order does not matter. */
export function jsonDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || a === b;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonDeepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const key of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (!jsonDeepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}
