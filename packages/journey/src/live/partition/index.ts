// A host projection's partition: its events in `(occurredAt, id)` order, its state, and snapshots every
// `snapshotEvery` events, so a late event re-folds from the snapshot before it. The tenant fold of the
// standard projections keeps its snapshots and inserts late events the same way (see ../snapshots).
import { compareEventOrder as compareEvents, type OrderedEventKey as OrderedEvent } from '@omnitrail/events';
import { insertionIndex, lastSnapshotAtOrBefore } from '../snapshots/index.js';

/** Work counters of the runtime, for benchmarks and tests (never for semantics). */
export interface ProjectionCounters {
  /** Distinct events accepted (in order or late). */
  eventsApplied: number;
  /** Events that arrived after a later event of their partition. */
  lateEvents: number;
  /** Redeliveries ignored (an id already seen in the partition). */
  duplicates: number;
  /** Events no partition wanted (`partitionBy` returned `undefined`) or that could not be decoded. */
  skipped: number;
  /** Re-folds from a snapshot (one per late event or partition rewrite). */
  refolds: number;
  /** Events folded again by re-folds. */
  eventsRefolded: number;
  /** Events folded to answer as-of queries. */
  asOfEventsFolded: number;
  /** State copies kept as snapshots. */
  snapshotsTaken: number;
}

/** Fresh zeroed counters. */
export function createCounters(): ProjectionCounters {
  return { eventsApplied: 0, lateEvents: 0, duplicates: 0, skipped: 0, refolds: 0, eventsRefolded: 0, asOfEventsFolded: 0, snapshotsTaken: 0 };
}

/** The fold operations a partition needs from its definition. */
export interface PartitionFold<E, S> {
  initialState(key: string): S;
  evolve(state: S, event: E): S;
  clone(state: S): S;
  /** A snapshot every `snapshotEvery` events (indices are multiples of it). */
  snapshotEvery: number;
}

/**
 * One partition: its distinct events sorted by (occurredAt, id), the current state, and state snapshots every
 * `snapshotEvery` events. A snapshot at index i is the state after `base` and events[0..i).
 */
export interface Partition<E extends OrderedEvent, S> {
  readonly key: string;
  readonly events: E[];
  state: S;
  snapshotAt: number[];
  snapshotState: S[];
  /**
   * The state after the events evicted from memory (see {@link evictPartitionPrefix}), which all sort before
   * `events`: what a re-fold from index 0 starts from. `undefined` while the partition holds every event.
   */
  base: S | undefined;
}

/** What inserting an event did. */
export type InsertOutcome = 'appended' | 'late' | 'duplicate';

/** An empty partition. */
export function createPartition<E extends OrderedEvent, S>(key: string, fold: PartitionFold<E, S>): Partition<E, S> {
  return { key, events: [], state: fold.initialState(key), snapshotAt: [], snapshotState: [], base: undefined };
}

/**
 * Inserts one event at its place. In order (the common case) it is an append plus one `evolve`; a late
 * event re-folds from the last snapshot at or before its place, so the cost is the number of events after
 * that place plus at most `snapshotEvery`, whatever the size of the log.
 */
export function insertEvent<E extends OrderedEvent, S>(
  p: Partition<E, S>,
  event: E,
  fold: PartitionFold<E, S>,
  counters: ProjectionCounters,
): InsertOutcome {
  const events = p.events;
  const last = events[events.length - 1];
  const order = last === undefined ? -1 : compareEvents(last, event);
  if (order < 0) {
    counters.eventsApplied++;
    events.push(event);
    p.state = fold.evolve(p.state, event);
    // The next snapshot is one step past the last (an eviction shifts them all, so they need not sit at multiples).
    if (events.length - (p.snapshotAt[p.snapshotAt.length - 1] ?? 0) === fold.snapshotEvery) takeSnapshot(p, fold, counters);
    return 'appended';
  }
  // A redelivery has the same (occurredAt, id) as an event we hold, so the sorted array finds it: no id set
  // to maintain (it cost more than the fold itself). The same id with another occurredAt is a conflict
  // that validation and the store reject before events reach a projection.
  const at = order === 0 ? -1 : insertionIndex(events, event);
  if (order === 0 || (at > 0 && events[at - 1]!.id === event.id)) {
    counters.duplicates++;
    return 'duplicate';
  }
  counters.eventsApplied++;
  counters.lateEvents++;
  events.splice(at, 0, event);
  refoldFrom(p, dropSnapshotsAfter(p, at), fold, counters);
  return 'late';
}

/** A batch of changes to one partition: events to add, held events to take out, held events whose content changed. */
export interface PartitionRewrite<E> {
  insert?: readonly E[];
  remove?: readonly E[];
  changed?: readonly E[];
}

/** Index of a held event in sorted `events` (found by its `(occurredAt, id)`), or -1. */
function indexOfHeld(events: readonly OrderedEvent[], event: OrderedEvent): number {
  const at = insertionIndex(events, event) - 1;
  return at >= 0 && events[at]!.id === event.id ? at : -1;
}

/**
 * Applies a batch of changes to a partition and re-folds once, from the last snapshot before the first
 * place that changed: moving a customer's events between partitions (a merge) costs the events after that
 * place, not the partition's whole history. Held events are found by binary search on `(occurredAt, id)`;
 * inserted events must not already be held (no redelivery check).
 */
export function rewritePartition<E extends OrderedEvent, S>(
  p: Partition<E, S>,
  change: PartitionRewrite<E>,
  fold: PartitionFold<E, S>,
  counters: ProjectionCounters,
): void {
  const events = p.events;
  let first = Number.POSITIVE_INFINITY;
  for (const e of change.changed ?? []) {
    const at = indexOfHeld(events, e);
    if (at >= 0 && at < first) first = at;
  }
  const remove = change.remove ?? [];
  if (remove.length > 0) {
    const gone: number[] = [];
    for (const e of remove) {
      const at = indexOfHeld(events, e);
      if (at >= 0) gone.push(at);
    }
    gone.sort((a, b) => a - b);
    if (gone.length > 0) {
      if (gone[0]! < first) first = gone[0]!;
      // One compaction pass from the first removed place.
      let write = gone[0]!;
      let g = 0;
      for (let read = gone[0]!; read < events.length; read++) {
        if (g < gone.length && gone[g] === read) {
          while (g < gone.length && gone[g] === read) g++;
          continue;
        }
        events[write++] = events[read]!;
      }
      events.length = write;
    }
  }
  for (const e of change.insert ?? []) {
    const at = insertionIndex(events, e);
    if (at === events.length) events.push(e);
    else events.splice(at, 0, e);
    if (at < first) first = at;
    counters.eventsApplied++;
  }
  if (first === Number.POSITIVE_INFINITY) return; // nothing held changed
  refoldFrom(p, dropSnapshotsAfter(p, first), fold, counters);
}

function takeSnapshot<E extends OrderedEvent, S>(p: Partition<E, S>, fold: PartitionFold<E, S>, counters: ProjectionCounters): void {
  p.snapshotAt.push(p.events.length);
  p.snapshotState.push(fold.clone(p.state));
  counters.snapshotsTaken++;
}

/** Drops snapshots past index `at` (they miss the inserted event) and returns the index of the last one kept (0 if none). */
function dropSnapshotsAfter<E extends OrderedEvent, S>(p: Partition<E, S>, at: number): number {
  const i = lastSnapshotAtOrBefore(p.snapshotAt, at);
  p.snapshotAt.length = i + 1;
  p.snapshotState.length = i + 1;
  return i < 0 ? 0 : p.snapshotAt[i]!;
}

/** The state before events[from] (a snapshot, the base or the initial state), as a copy `evolve` may mutate. */
function baseState<E extends OrderedEvent, S>(p: Partition<E, S>, from: number, fold: PartitionFold<E, S>): S {
  if (from === 0) return p.base === undefined ? fold.initialState(p.key) : fold.clone(p.base);
  const i = lastSnapshotAtOrBefore(p.snapshotAt, from);
  return fold.clone(p.snapshotState[i]!);
}

/** Re-folds events[from..] from the snapshot at `from` (0 = the base or the initial state), re-taking snapshots as it goes. */
function refoldFrom<E extends OrderedEvent, S>(p: Partition<E, S>, from: number, fold: PartitionFold<E, S>, counters: ProjectionCounters): void {
  if (from === 0) {
    p.snapshotAt.length = 0;
    p.snapshotState.length = 0;
  }
  let state = baseState(p, from, fold);
  const events = p.events;
  const every = fold.snapshotEvery;
  for (let i = from; i < events.length; i++) {
    state = fold.evolve(state, events[i]!);
    if ((i + 1 - from) % every === 0) {
      p.snapshotAt.push(i + 1);
      p.snapshotState.push(fold.clone(state));
      counters.snapshotsTaken++;
    }
  }
  counters.refolds++;
  counters.eventsRefolded += events.length - from;
  p.state = state;
}

/**
 * The state of a partition as of an instant: the fold of its events with `occurredAt <= asOf`, started from
 * the nearest snapshot, so it folds at most `snapshotEvery` events (after a restore, once, all of them).
 */
export function partitionStateAt<E extends OrderedEvent, S>(
  p: Partition<E, S>,
  asOf: string,
  fold: PartitionFold<E, S>,
  counters: ProjectionCounters,
): S {
  const upTo = countAtOrBefore(p.events, asOf);
  if (upTo === p.events.length) return p.state;
  if (upTo === 0) return p.base ?? fold.initialState(p.key);
  const i = lastSnapshotAtOrBefore(p.snapshotAt, upTo);
  const from = i < 0 ? 0 : p.snapshotAt[i]!;
  let state = baseState(p, from, fold);
  for (let k = from; k < upTo; k++) state = fold.evolve(state, p.events[k]!);
  counters.asOfEventsFolded += upTo - from;
  return state;
}

/** How many events of sorted `events` occurred at or before `asOf` (an ISO UTC instant). */
function countAtOrBefore(events: readonly OrderedEvent[], asOf: string): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.occurredAt <= asOf) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Drops the partition's first `count` events from memory, keeping what they contributed: the state after
 * them becomes the partition's `base` (from the snapshot at or before them, folded forward at most
 * `snapshotEvery` events), and the snapshots after them move down with the events. Every later re-fold (a
 * late event, a rewrite) starts from the base or a snapshot after it, so it must never need the dropped
 * events again: the caller drops only events that sort before any it may still be given.
 */
export function evictPartitionPrefix<E extends OrderedEvent, S>(p: Partition<E, S>, count: number, fold: PartitionFold<E, S>, counters: ProjectionCounters): void {
  if (count <= 0) return;
  const events = p.events;
  if (count > events.length) throw new RangeError(`evictPartitionPrefix: ${count} events asked of partition "${p.key}", which holds ${events.length}`);
  let base: S;
  if (count === events.length) base = fold.clone(p.state);
  else {
    const i = lastSnapshotAtOrBefore(p.snapshotAt, count);
    const from = i < 0 ? 0 : p.snapshotAt[i]!;
    base = baseState(p, from, fold);
    for (let k = from; k < count; k++) base = fold.evolve(base, events[k]!);
    counters.eventsRefolded += count - from;
  }
  p.base = base;
  events.splice(0, count);
  let kept = 0;
  for (let k = 0; k < p.snapshotAt.length; k++) {
    if (p.snapshotAt[k]! <= count) continue;
    p.snapshotAt[kept] = p.snapshotAt[k]! - count;
    p.snapshotState[kept] = p.snapshotState[k]!;
    kept++;
  }
  p.snapshotAt.length = kept;
  p.snapshotState.length = kept;
}
