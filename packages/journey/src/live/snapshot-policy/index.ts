// When a periodic snapshot is due: one rule for an engine's snapshots and a worker's tenant snapshots
// (docs/durable-engine.md, "Settings").

/** Events folded between periodic snapshots by default, at least (the state's held events, when more). */
export const DEFAULT_SNAPSHOT_EVERY_EVENTS = 100_000;

/**
 * By default a snapshot comes no sooner than this many times what writing the last one cost after it, so
 * that snapshots take at most a twentieth of the engine's time however fast events arrive. Encoding one
 * costs time proportional to the state (about 4-6 s of work at 1M events of history, bounded memory), so at
 * a fast rate 100,000 events alone would make snapshots a third of the work.
 */
export const SNAPSHOT_COST_FACTOR = 20;

/**
 * Milliseconds of work per slice of a snapshot's encoding by default: the engine folds and answers between
 * slices, so a snapshot holds the event loop for its capture and one slice at a time rather than for the
 * whole encoding.
 */
export const DEFAULT_SNAPSHOT_SLICE_MS = 10;

/** What decides whether a periodic snapshot is due (see {@link periodicSnapshotDue}). */
export interface PeriodicSnapshotInput {
  /** Events folded since the last snapshot was written or loaded. */
  readonly folded: number;
  /** `snapshots.everyEvents` as given: exactly that many events (0: never); `undefined`: the default rule. */
  readonly everyEvents: number | undefined;
  /** Events the state holds now (the default interval is at least as many). */
  readonly held: number;
  /** Milliseconds (monotonic clock) since the last snapshot was written or loaded. */
  readonly sinceLastMs: number;
  /** What writing the last snapshot cost (ms); 0 when none was written since the engine started. */
  readonly lastCostMs: number;
}

/**
 * Whether a periodic snapshot is due: after `everyEvents` events when given; by default after
 * {@link DEFAULT_SNAPSHOT_EVERY_EVENTS} events or as many as the state holds, whichever is more, and no
 * sooner than {@link SNAPSHOT_COST_FACTOR} times the last snapshot's cost after it.
 */
export function periodicSnapshotDue(input: PeriodicSnapshotInput): boolean {
  if (input.everyEvents !== undefined) return input.everyEvents > 0 && input.folded >= input.everyEvents;
  return input.folded >= Math.max(DEFAULT_SNAPSHOT_EVERY_EVENTS, input.held) && input.sinceLastMs >= SNAPSHOT_COST_FACTOR * input.lastCostMs;
}
