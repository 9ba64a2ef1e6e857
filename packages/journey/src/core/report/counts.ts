/**
 * The key-by-key sum of two records of counts (a key missing on one side counts 0): how the count parts of
 * two tallies of disjoint events add up.
 */
export function addCounts<T extends { [K in keyof T]: number }>(a: T, b: T): T {
  const out: Record<string, number> = { ...(a as Record<string, number>) };
  for (const [key, n] of Object.entries(b as Record<string, number>)) out[key] = (out[key] ?? 0) + n;
  return out as T;
}
