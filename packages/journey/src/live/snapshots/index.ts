// The one mechanism both live folds use for late events: events kept in `(occurredAt, id)` order, a late
// one inserted at its place, and snapshots of the state after the first N events, so a change at index i
// re-folds from the last snapshot at or before i. The tenant fold of the standard projections (tenant-state)
// and each host projection's partition (partition/) keep their events and snapshots with these helpers.
import { compareEventOrder, type OrderedEventKey } from '@omnitrail/events';

/** The first index in sorted `events` whose event sorts after `event`: where `event` belongs. */
export function insertionIndex(events: readonly OrderedEventKey[], event: OrderedEventKey): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEventOrder(events[mid]!, event) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Inserts `item` into sorted `events` at its place and returns that index: an append (the common case, no
 * search) when it sorts after the last event.
 */
export function insertInOrder<T extends OrderedEventKey>(events: T[], item: T): number {
  const last = events[events.length - 1];
  if (last === undefined || compareEventOrder(last, item) < 0) {
    events.push(item);
    return events.length - 1;
  }
  const at = insertionIndex(events, item);
  events.splice(at, 0, item);
  return at;
}

/**
 * In ascending snapshot indices (`count` of them, the k-th read by `indexAt(k)`), the position of the last
 * snapshot taken at or before event index `at`, or -1 when there is none.
 */
export function lastSnapshotAtOrBefore(indices: readonly number[] | { length: number }, at: number, indexAt?: (k: number) => number): number {
  const read = indexAt ?? ((k: number) => (indices as readonly number[])[k]!);
  let lo = 0;
  let hi = indices.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (read(mid) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
