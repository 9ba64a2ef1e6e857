// The batch fold's sort: a permutation by (instant, id) without a wrapper object per event.

const DIGIT_BITS = 11;
const RADIX = 1 << DIGIT_BITS;
const MASK = RADIX - 1;
const TWO_32 = 4_294_967_296;

/**
 * The order of `ats.length` events by `(ats[i], ids(i))`, ids as plain strings, equal pairs in index order
 * (what a stable sort with `compareTimed` gives). Integer instants (what `instantMs` returns) take an LSD
 * radix sort on the instant, several times faster than a comparison sort on a million events; only runs
 * of equal instants are then compared by id. Other instants take the comparison sort.
 */
export function timeOrder(ats: Float64Array, idOf: (i: number) => string): Int32Array {
  const n = ats.length;
  let order: Int32Array = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < 2) return order;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sorted = true;
  let integers = true;
  for (let i = 0; i < n; i++) {
    const a = ats[i]!;
    if (a < min) min = a;
    if (a > max) max = a;
    if (i > 0 && a < ats[i - 1]!) sorted = false;
    if (a !== Math.floor(a)) integers = false;
  }
  const span = max - min;
  if (!integers || !(span <= Number.MAX_SAFE_INTEGER)) {
    const byTime = Array.from(order).sort((x, y) => ats[x]! - ats[y]! || compareIds(idOf(x), idOf(y)) || x - y);
    return Int32Array.from(byTime);
  }
  if (!sorted) order = radixSort(ats, min, span);
  sortTies(order, ats, idOf);
  return order;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Stable LSD radix sort of the indexes by `ats[i] - min` (integers in [0, span]), DIGIT_BITS per pass. */
function radixSort(ats: Float64Array, min: number, span: number): Int32Array {
  const n = ats.length;
  // The key split in two 32-bit halves, carried along with the indexes so every pass reads sequentially.
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const k = ats[i]! - min;
    lo[i] = k >>> 0;
    hi[i] = Math.floor(k / TWO_32);
  }
  let idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let lo2 = new Uint32Array(n);
  let hi2 = new Uint32Array(n);
  let idx2 = new Int32Array(n);
  let bits = 0;
  while (bits < 53 && 2 ** bits <= span) bits++;
  const count = new Int32Array(RADIX);
  for (let shift = 0; shift < bits; shift += DIGIT_BITS) {
    count.fill(0);
    for (let i = 0; i < n; i++) {
      const d = digit(lo[i]!, hi[i]!, shift);
      count[d] = count[d]! + 1;
    }
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const l = lo[i]!;
      const h = hi[i]!;
      const d = digit(l, h, shift);
      const at = count[d]!;
      count[d] = at + 1;
      lo2[at] = l;
      hi2[at] = h;
      idx2[at] = idx[i]!;
    }
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
    [idx, idx2] = [idx2, idx];
  }
  return idx;
}

/** Bits [shift, shift + DIGIT_BITS) of the key `hi · 2³² + lo`. */
function digit(lo: number, hi: number, shift: number): number {
  if (shift >= 32) return (hi >>> (shift - 32)) & MASK;
  if (shift + DIGIT_BITS <= 32) return (lo >>> shift) & MASK;
  return ((lo >>> shift) | (hi << (32 - shift))) & MASK;
}

/** Sorts every run of equal instants by id, equal ids in index order (insertion sort for the usual short runs). */
function sortTies(order: Int32Array, ats: Float64Array, idOf: (i: number) => string): void {
  const n = order.length;
  let start = 0;
  while (start < n) {
    const at = ats[order[start]!]!;
    let end = start + 1;
    while (end < n && ats[order[end]!] === at) end++;
    if (end - start > 32) {
      const run = Array.from(order.subarray(start, end)).sort((x, y) => compareIds(idOf(x), idOf(y)) || x - y);
      order.set(run, start);
    } else if (end - start > 1) {
      for (let i = start + 1; i < end; i++) {
        const x = order[i]!;
        const idX = idOf(x);
        let j = i - 1;
        while (j >= start) {
          const y = order[j]!;
          const c = compareIds(idOf(y), idX);
          if (c < 0 || (c === 0 && y < x)) break;
          order[j + 1] = y;
          j--;
        }
        order[j + 1] = x;
      }
    }
    start = end;
  }
}
