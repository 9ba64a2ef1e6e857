/** Keys that could pollute a prototype; they are dropped from input wherever they appear. */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Whether plain JSON input holds a `null` object member or an unsafe key at `depth` or below (an optional
 * field given as `null` is the same as absent). Deeper than 64 levels nothing is looked at, or cleaned.
 */
export function needsCleaning(value: unknown, depth: number): boolean {
  return value !== null && typeof value === 'object' && needsCleaningIn(value, depth, new Set());
}

function needsCleaningIn(value: unknown, depth: number, seen: Set<object>): boolean {
  if (value === null || typeof value !== 'object' || depth > 64) return false;
  // JSON.parse never makes an object reachable twice: a host's object that is (shared, or a cycle) is
  // copied, which walks each object once. Walking it again on every path could take forever.
  if (seen.has(value)) return true;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const v of value) if (needsCleaningIn(v, depth + 1, seen)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const v = (value as Record<string, unknown>)[key];
    if (v === null || UNSAFE_KEYS.has(key) || needsCleaningIn(v, depth + 1, seen)) return true;
  }
  // `for in` skips an own "__proto__" made by JSON.parse? No: it is an ordinary own key there; but check explicitly.
  return Object.prototype.hasOwnProperty.call(value, '__proto__');
}

/**
 * The input itself when it holds no `null` member and no unsafe key (the common case: no copy), else a
 * copy where `null` object members and prototype-polluting keys are removed. Arrays keep their nulls, so a
 * null element is still reported. An object reachable twice is copied once (a cycle stays a cycle, for the
 * schemas to report where it matters).
 */
export function cleanInput(value: unknown): unknown {
  return needsCleaning(value, 0) ? withoutNulls(value, 0, new Map()) : value;
}

function withoutNulls(value: unknown, depth: number, copies: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  const known = copies.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length);
    copies.set(value, copy);
    value.forEach((v, i) => (copy[i] = withoutNulls(v, depth + 1, copies)));
    return copy;
  }
  const out: Record<string, unknown> = {};
  copies.set(value, out);
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v === null || UNSAFE_KEYS.has(key)) continue;
    out[key] = withoutNulls(v, depth + 1, copies);
  }
  return out;
}
