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

function mixString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ s.length, 0x01000193);
}

function lane(value: unknown, h: number): number {
  if (value === null) return Math.imul(h ^ 0x6e, 0x01000193);
  switch (typeof value) {
    case 'string':
      return mixString(Math.imul(h ^ 0x73, 0x01000193), value);
    case 'number':
      // -0 and 0 are the same JSON value (deep equality uses ===), so they must hash alike.
      f64[0] = value === 0 ? 0 : value;
      h = Math.imul(h ^ 0x64, 0x01000193);
      h = Math.imul(h ^ u32[0]!, 0x01000193);
      return Math.imul(h ^ u32[1]!, 0x01000193);
    case 'boolean':
      return Math.imul(h ^ (value ? 0x74 : 0x66), 0x01000193);
    case 'object': {
      if (Array.isArray(value)) {
        h = Math.imul(h ^ 0x61, 0x01000193);
        for (let i = 0; i < value.length; i++) h = lane(value[i], h);
        return Math.imul(h ^ value.length, 0x01000193);
      }
      // Members are hashed independently and summed, so key order does not matter and no sort is needed.
      let sum = 0;
      let count = 0;
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
        const member = lane((value as Record<string, unknown>)[key], mixString(0x811c9dc5 ^ (h & 0xff), key));
        sum = (sum + Math.imul(member ^ (member >>> 15), 0x2c1b3c6d)) | 0;
        count++;
      }
      h = Math.imul(h ^ 0x6f, 0x01000193);
      h = Math.imul(h ^ sum, 0x01000193);
      return Math.imul(h ^ count, 0x01000193);
    }
    default:
      return Math.imul(h ^ 0x75, 0x01000193);
  }
}

/** A 53-bit hash of a parsed JSON value that is equal for deeply equal values, whatever their key order. */
export function canonicalHash(value: unknown): number {
  const a = lane(value, 0x811c9dc5) >>> 0;
  const b = lane(value, 0x2f9d3a1b) >>> 0;
  return a * 0x200000 + (b & 0x1fffff);
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
