import type { DurationStats } from '../report/types.js';

/**
 * Count, mean, median and p90 of duration samples in milliseconds (domain.md, Metrics): the median is the
 * mean of the two middle values for an even count, p90 is the nearest rank (the sample at position
 * ⌈0.9 n⌉ of the sorted samples). Nothing is rounded; every figure but `count` is `null` without samples.
 * The input array is not modified.
 */
export function durationStats(samples: readonly number[]): DurationStats {
  const n = samples.length;
  if (n === 0) return { count: 0, mean: null, median: null, p90: null };
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const mid = n >> 1;
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  // 9n/10 in integers: 0.9 * n is inexact (0.9 * 70 = 63.00000000000001).
  const p90 = sorted[Math.ceil((9 * n) / 10) - 1]!;
  return { count: n, mean: sum / n, median, p90 };
}
