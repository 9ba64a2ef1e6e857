// The durable engine (docs/durable-engine.md): over a file store holding the seeded workload, the time until
// ready() of an engine that resumes from a snapshot against one that catches up from the whole log, and the
// fresh catch-up's rate against a replay of the same store (read, parse, replayReport). Size:
// OMNITRAIL_BENCH_RESTART_EVENTS (default 200,000 events; everything scales linearly with it, see the docs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileEventStore, type FileEventStore } from '@omnitrail/eventstore';
import { parseEvent, type CatalogEvent } from '@omnitrail/events';
import { createJourneyEngine, replayReport, type EngineSnapshotEvent } from '@omnitrail/journey';
import { catchUpAndSnapshot, collectGarbage, fillFileStore, median, perSecond, report, timeMs } from './harness/index.js';

const EVENTS = Number(process.env.OMNITRAIL_BENCH_RESTART_EVENTS ?? 200_000);
const CUSTOMERS = Math.max(100, Math.round(EVENTS / 100));
const RUNS = 3;
const quiet = { info: () => undefined, warn: () => undefined };

/** Fills a new file store with the workload, appended as the engine's record() appends it (see the harness). */
function fill(directory: string): Promise<{ asOf: number }> {
  return fillFileStore(directory, { seed: 42, customers: CUSTOMERS, events: EVENTS, tenants: 2 });
}

/** Opens the store, starts an engine and waits until it is ready; answers the time (ms) and what it did. */
async function timeToReady(directory: string, snapshots: boolean): Promise<{ ms: number; kinds: string[] }> {
  collectGarbage();
  const kinds: string[] = [];
  const started = performance.now();
  const store: FileEventStore = await openFileEventStore({ directory, fsync: 'none' });
  const engine = createJourneyEngine({ store, snapshots: snapshots ? { everyEvents: 0, onClose: false } : false, logger: quiet });
  engine.snapshotEvents$.subscribe((e: EngineSnapshotEvent) => kinds.push(e.kind));
  await engine.ready();
  const ms = performance.now() - started;
  await engine.close();
  await store.close();
  return { ms, kinds };
}

/** A replay of the same store: read every event, parse it, replayReport. */
async function replayFromStore(directory: string, asOf: number): Promise<number> {
  collectGarbage();
  return timeMs(async () => {
    const store = await openFileEventStore({ directory, readOnly: true });
    const events: CatalogEvent[] = [];
    for await (const e of store.readAll()) {
      const parsed = parseEvent(e.data, { uniformShape: true });
      if (parsed.success) events.push(parsed.event);
    }
    await store.close();
    replayReport({ events, asOf });
  });
}

export async function run(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'omnitrail-bench-restart-'));
  try {
    const { asOf } = await fill(directory);
    const size = `${EVENTS.toLocaleString('en-US')} events, ${CUSTOMERS.toLocaleString('en-US')} customers, file store`;

    // Fresh catch-up (no snapshot) against a replay of the store, alternating.
    const fresh: number[] = [];
    const replay: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      fresh.push((await timeToReady(directory, false)).ms);
      replay.push(await replayFromStore(directory, asOf));
    }
    const freshRate = perSecond(EVENTS, median(fresh));
    const replayRate = perSecond(EVENTS, median(replay));
    report({ benchmark: 'restart', name: `fresh catch-up, no snapshot, until ready() (${size})`, value: freshRate, unit: 'events/s', reference: { name: 'replay of the store (read + parse + replayReport)', value: replayRate, ratio: freshRate / replayRate }, goal: '≥ 0.7 ×', samples: fresh });

    // One snapshot, then restarts from it against full catch-ups.
    const { writeMs, bytes } = await catchUpAndSnapshot(directory);
    report({ benchmark: 'restart', name: `snapshot write (serialize + document write), ${(bytes / 1e6).toFixed(1)} MB`, value: writeMs, unit: 'ms' });

    const resumed: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await timeToReady(directory, true);
      if (r.kinds[0] !== 'loaded') throw new Error(`the restart did not load the snapshot: ${r.kinds.join(', ')}`);
      resumed.push(r.ms);
    }
    report({
      benchmark: 'restart',
      name: `restart with a snapshot, until ready() (${size})`,
      value: median(resumed),
      unit: 'ms',
      reference: { name: 'full catch-up of the same events', value: median(fresh), ratio: median(resumed) / median(fresh) },
      goal: '≤ 0.05 ×',
      samples: resumed,
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
