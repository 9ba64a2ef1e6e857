/** Keys that could pollute a prototype; they are dropped from input wherever they appear. */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Whether plain JSON input holds a `null` object member or an unsafe key at `depth` or below (an optional
 * field given as `null` is the same as absent). Deeper than 64 levels nothing is looked at, or cleaned.
 */
export function needsCleaning(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object' || depth > 64) return false;
  if (Array.isArray(value)) {
    for (const v of value) if (needsCleaning(v, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const v = (value as Record<string, unknown>)[key];
    if (v === null || UNSAFE_KEYS.has(key) || needsCleaning(v, depth + 1)) return true;
  }
  // `for in` skips an own "__proto__" made by JSON.parse? No: it is an ordinary own key there; but check explicitly.
  return Object.prototype.hasOwnProperty.call(value, '__proto__');
}

/**
 * The input itself when it holds no `null` member and no unsafe key (the common case: no copy), else a
 * copy where `null` object members and prototype-polluting keys are removed. Arrays keep their nulls, so a
 * null element is still reported.
 */
export function cleanInput(value: unknown): unknown {
  return needsCleaning(value, 0) ? withoutNulls(value) : value;
}

function withoutNulls(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => withoutNulls(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v === null || UNSAFE_KEYS.has(key)) continue;
    out[key] = withoutNulls(v, depth + 1);
  }
  return out;
}
