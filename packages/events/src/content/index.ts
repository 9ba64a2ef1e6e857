/**
 * The one redelivery rule (domain.md): the same id twice with deeply equal content (the parsed JSON values)
 * is a duplicate; with other content it is a conflict. Equality ignores object key order, takes -0 for 0
 * (JSON has one zero) and a key whose value is `undefined` for an absent key (JSON has no `undefined`: a host
 * app's object with such a key serialises without it). The replay (on each input line's value) and the live
 * engine (on each `record()` input) both decide with these two functions.
 *
 * A 53-bit hash per id stands for the content, so memory grows with the events, not with their text. Two
 * 32-bit lanes with different seeds make an accidental match between different contents about 2^-53 likely.
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
      if (--budget < 0) throw new RangeError('not JSON content: more than 16,777,216 objects (an object that shares its parts, or refers to itself)');
      enter();
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
        depth--;
        return;
      }
      // Members are hashed independently and summed, so key order does not matter and no sort is needed.
      let sumA = 0;
      let sumB = 0;
      let count = 0;
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
        if ((value as Record<string, unknown>)[key] === undefined) continue; // absent, as in JSON
        mixStrings(0x811c9dc5 ^ (a & 0xff), 0x811c9dc5 ^ (b & 0xff), key);
        lanes((value as Record<string, unknown>)[key], outA, outB);
        sumA = (sumA + Math.imul(outA ^ (outA >>> 15), 0x2c1b3c6d)) | 0;
        sumB = (sumB + Math.imul(outB ^ (outB >>> 15), 0x2c1b3c6d)) | 0;
        count++;
      }
      outA = Math.imul(Math.imul(Math.imul(a ^ 0x6f, P) ^ sumA, P) ^ count, P);
      outB = Math.imul(Math.imul(Math.imul(b ^ 0x6f, P) ^ sumB, P) ^ count, P);
      depth--;
      return;
    }
    default:
      outA = Math.imul(a ^ 0x75, P);
      outB = Math.imul(b ^ 0x75, P);
  }
}

/**
 * A 53-bit hash of a JSON value, equal for values {@link sameJsonContent} finds equal. A value nested deeper
 * than {@link MAX_JSON_DEPTH} levels, or of more than 2^24 objects (a host's object that refers to itself,
 * or shares parts so often that its JSON would be huge), is not hashed: a RangeError says why.
 */
export function jsonContentHash(value: unknown): number {
  depth = 0;
  budget = MAX_HASHED_VALUES;
  lanes(value, 0x811c9dc5, 0x2f9d3a1b);
  return (outA >>> 0) * 0x200000 + ((outB >>> 0) & 0x1fffff);
}

/** How deep a JSON value may nest in an event (JSON.parse allows more; nothing in an event needs it). */
export const MAX_JSON_DEPTH = 256;
const MAX_HASHED_VALUES = 1 << 24;
let depth = 0;
let budget = 0;

function enter(): void {
  if (++depth > MAX_JSON_DEPTH) throw new RangeError(`not JSON content: nested deeper than ${MAX_JSON_DEPTH} levels, or refers to itself`);
}

/**
 * Why a value is not JSON data, or `undefined` when it is: strings, finite numbers, booleans, `null`, and
 * plain objects and arrays of them, at most {@link MAX_JSON_DEPTH} levels deep, no object reachable from
 * itself. The schemas ask it of free-form records (traits, consent), which would otherwise keep whatever a
 * host hands over (a bigint, a Map, a cycle) in an event that must be stored as JSON.
 */
export function jsonDataProblem(value: unknown): string | undefined {
  // Most values are strings or numbers: no walk, nothing allocated.
  return value !== null && typeof value === 'object' ? jsonDataProblemIn(value, 0, new Set(), new Set()) : scalarProblem(value);
}

function scalarProblem(value: unknown): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${value} is not a JSON number`;
  return `a ${typeof value} is not JSON data`;
}

function jsonDataProblemIn(value: unknown, level: number, path: Set<object>, checked: Set<object>): string | undefined {
  if (value === null || typeof value !== 'object') return scalarProblem(value);
  if (path.has(value)) return 'refers to itself, which JSON cannot hold';
  // An object reachable twice without a cycle is valid JSON (written twice): checked once.
  if (checked.has(value)) return undefined;
  if (level >= MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels`;
  const proto = Object.getPrototypeOf(value) as unknown;
  const isArray = Array.isArray(value);
  if (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) {
    return `a ${(value as { constructor?: { name?: string } }).constructor?.name ?? 'non-plain object'} is not JSON data (use plain objects, arrays, strings, numbers, booleans)`;
  }
  path.add(value);
  let problem: string | undefined;
  if (isArray) {
    for (let i = 0; i < value.length && problem === undefined; i++) {
      const p = jsonDataProblemIn(value[i], level + 1, path, checked);
      if (p !== undefined) problem = `[${i}]: ${p}`;
    }
  } else {
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue; // absent, as in JSON
      const p = jsonDataProblemIn(v, level + 1, path, checked);
      if (p !== undefined) {
        problem = `${key}: ${p}`;
        break;
      }
    }
  }
  path.delete(value);
  checked.add(value);
  return problem;
}

/** Deep equality of two JSON values: key order ignored, -0 is 0, an `undefined`-valued key is absent. */
export function sameJsonContent(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || a === b;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJsonContent(a[i], bb[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  if (ka.length !== Object.keys(rb).filter((k) => rb[k] !== undefined).length) return false;
  for (const key of ka) {
    if (!Object.prototype.hasOwnProperty.call(rb, key)) return false;
    if (!sameJsonContent(ra[key], rb[key])) return false;
  }
  return true;
}
