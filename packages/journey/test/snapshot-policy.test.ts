import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SNAPSHOT_EVERY_EVENTS, periodicSnapshotDue, SNAPSHOT_COST_FACTOR } from '../src/live/snapshot-policy/index.js';

describe('periodic snapshots: when one is due', () => {
  const base = { folded: 0, everyEvents: undefined, held: 0, sinceLastMs: 0, lastCostMs: 0 };

  it('by default: after 100,000 events or as many as the state holds, and no sooner than 20 times the last write cost after it', () => {
    expect(periodicSnapshotDue({ ...base, folded: DEFAULT_SNAPSHOT_EVERY_EVENTS - 1, sinceLastMs: 1e9 })).toBe(false);
    expect(periodicSnapshotDue({ ...base, folded: DEFAULT_SNAPSHOT_EVERY_EVENTS, sinceLastMs: 1e9 })).toBe(true);
    // A state holding 300,000 events: as many between snapshots.
    expect(periodicSnapshotDue({ ...base, folded: 200_000, held: 300_000, sinceLastMs: 1e9 })).toBe(false);
    expect(periodicSnapshotDue({ ...base, folded: 300_000, held: 300_000, sinceLastMs: 1e9 })).toBe(true);
    // The last write paused the engine 5 s: 100,000 events folded within 60 s wait until 100 s have passed.
    expect(periodicSnapshotDue({ ...base, folded: 100_000, sinceLastMs: 60_000, lastCostMs: 5_000 })).toBe(false);
    expect(periodicSnapshotDue({ ...base, folded: 100_000, sinceLastMs: 100_000, lastCostMs: 5_000 })).toBe(true);
    // None written yet since the start: events alone decide.
    expect(periodicSnapshotDue({ ...base, folded: 100_000, sinceLastMs: 0, lastCostMs: 0 })).toBe(true);
  });

  it('everyEvents given: exactly that many events, whatever the time (0: never)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), fc.nat({ max: 1e6 }), fc.nat({ max: 1e6 }), fc.nat({ max: 1e6 }), (every, folded, held, since, cost) => {
        const due = periodicSnapshotDue({ folded, everyEvents: every, held, sinceLastMs: since, lastCostMs: cost });
        expect(due).toBe(every > 0 && folded >= every);
      }),
    );
  });

  it('by default: never before 100,000 events, and once due, more events or more time keep it due', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 1e6 }),
        fc.nat({ max: 1e6 }),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        fc.nat({ max: 1e6 }),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        (folded, held, since, cost, moreEvents, moreTime) => {
          const input = { folded, everyEvents: undefined, held, sinceLastMs: since, lastCostMs: cost };
          const due = periodicSnapshotDue(input);
          if (folded < DEFAULT_SNAPSHOT_EVERY_EVENTS || folded < held) expect(due).toBe(false);
          if (due) expect(periodicSnapshotDue({ ...input, folded: folded + moreEvents, sinceLastMs: since + moreTime })).toBe(true);
          // Twenty times the cost after the last one, enough events are enough.
          if (folded >= Math.max(DEFAULT_SNAPSHOT_EVERY_EVENTS, held)) expect(periodicSnapshotDue({ ...input, sinceLastMs: SNAPSHOT_COST_FACTOR * cost })).toBe(true);
        },
      ),
    );
  });
});
