// Bounded memory (issue 19, docs/durable-engine.md): an engine with `memory.horizonMs` over a file store
// holding a workload where customers come and go (each starts an hour after the previous one, so the
// customers active at any time stay as many however long the log): the heap once it is ready over a log 5
// times as long, against the same engine over the shorter log and an engine that holds every event; the
// most heap the catch-up used on the way (before a collection), against holding every event; a
// restart from its snapshot against a full catch-up, the snapshot load within it, and the snapshot write.
// Sizes: OMNITRAIL_BENCH_MEMORY_EVENTS (the shorter log, default 200,000 events; the longer one 5 times as many).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GCProfiler } from 'node:v8';
import { openFileEventStore } from '@omnitrail/eventstore';
import { createJourneyEngine, type JourneyMemoryOptions } from '@omnitrail/journey';
import { catchUpAndSnapshot, collectGarbage, fillFileStore, longestStall, report, timeMs } from './harness/index.js';

const SMALL = Number(process.env.OMNITRAIL_BENCH_MEMORY_EVENTS ?? 200_000);
const HOUR = 3_600_000;
const HORIZON: JourneyMemoryOptions = { horizonMs: 30 * 24 * HOUR };
const quiet = { info: () => undefined, warn: () => undefined };

/** A file store of `events` events, 50 a customer, one customer starting every hour; the instant after its last event. */
async function storeOf(events: number): Promise<{ directory: string; customers: number; asOf: number }> {
  const directory = mkdtempSync(join(tmpdir(), 'omnitrail-bench-memory-'));
  const customers = Math.round(events / 50);
  const { asOf } = await fillFileStore(directory, { seed: 7, events, customers, tenants: 1, startSpreadMs: customers * HOUR });
  return { directory, customers, asOf };
}

/**
 * Heap used (MB) by an engine caught up over the store, after a full collection (its packed customer records
 * included when they are held as strings on the heap, not when they are spilled to disk: their count and the
 * spill file's size are reported beside it); the most it used on the way (the heap before each collection, as V8's GC
 * profiler reports it: the heap peaks just before one); what it holds; the fastest of three reports of its tenant.
 */
async function heapWhenReady(
  directory: string,
  memory: JourneyMemoryOptions | undefined,
  asOf: number,
): Promise<{ heapMb: number; peakMb: number; held: number; evicted: number; readyMs: number; packed: number; packedMb: number; spilled: number; spilledCases: number; spillFileMb: number; reportMs: number }> {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const store = await openFileEventStore({ directory, fsync: 'none' });
  const engine = createJourneyEngine({ store, snapshots: false, logger: quiet, ...(memory === undefined ? {} : { memory }) });
  const profiler = new GCProfiler();
  profiler.start();
  const readyMs = await timeMs(() => engine.ready());
  const gcs = profiler.stop()?.statistics ?? [];
  collectGarbage();
  const stats = engine.memoryStats();
  const heapMb = (process.memoryUsage().heapUsed - before) / 1e6;
  let peak = process.memoryUsage().heapUsed;
  for (const gc of gcs) peak = Math.max(peak, gc.beforeGC.heapStatistics.usedHeapSize);
  const peakMb = (peak - before) / 1e6;
  let reportMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) reportMs = Math.min(reportMs, await timeMs(async () => void engine.report('tenant-1', { asOf })));
  await engine.close();
  await store.close();
  return {
    heapMb,
    peakMb,
    held: stats.heldEvents,
    evicted: stats.evictedEvents,
    readyMs,
    packed: stats.packedRecords,
    packedMb: stats.packedRecordBytes / 1e6,
    spilled: stats.spilledRecords,
    spilledCases: stats.spilledCases,
    spillFileMb: stats.spillFileBytes / 1e6,
    reportMs,
  };
}

/**
 * Time until ready() of an engine with bounded memory resuming from its snapshot, and of a full catch-up;
 * of the restart, opening the store, and the snapshot load (from the engine's creation over the opened store
 * to its `loaded` event: the document read, decoded and put in place); the snapshot write (`engine.snapshot()`).
 */
async function restartFigures(
  directory: string,
): Promise<{ resumedMs: number; openMs: number; loadMs: number; catchUpMs: number; writeMs: number; bytes: number; stallMs: number; oneGoStallMs: number }> {
  const { catchUpMs, writeMs, bytes, stallMs } = await catchUpAndSnapshot(directory, HORIZON);
  // The engine that wrote the snapshot is out of scope here: a restart is a new process, whose collector
  // does not also walk the previous engine's state.
  collectGarbage();
  let loadMs = 0;
  let openMs = 0;
  const opening = performance.now();
  const again = await openFileEventStore({ directory, fsync: 'none' });
  const created = performance.now();
  openMs = created - opening;
  // Its snapshot is encoded in one slice: the stall a snapshot cost before slicing, for comparison.
  const resumed = createJourneyEngine({ store: again, memory: HORIZON, snapshots: { everyEvents: 0, onClose: false, sliceMs: 1e9 }, logger: quiet });
  const kinds: string[] = [];
  resumed.snapshotEvents$.subscribe((e) => {
    kinds.push(e.kind);
    if (e.kind === 'loaded') loadMs = performance.now() - created;
  });
  await resumed.ready();
  const resumedMs = performance.now() - opening;
  if (kinds[0] !== 'loaded') throw new Error(`the restart did not load the snapshot: ${kinds.join(', ')}`);
  const { stallMs: oneGoStallMs } = await longestStall(() => resumed.snapshot());
  await resumed.close();
  await again.close();
  return { resumedMs, openMs, loadMs, catchUpMs, writeMs, bytes, stallMs, oneGoStallMs };
}

export async function run(): Promise<void> {
  const small = await storeOf(SMALL);
  const large = await storeOf(SMALL * 5);
  try {
    const name = (n: number, customers: number) => `${n.toLocaleString('en-US')} events, ${customers.toLocaleString('en-US')} customers coming and going`;
    const boundedSmall = await heapWhenReady(small.directory, HORIZON, small.asOf);
    const boundedLarge = await heapWhenReady(large.directory, HORIZON, large.asOf);
    const wholeSmall = await heapWhenReady(small.directory, undefined, small.asOf);
    const wholeLarge = await heapWhenReady(large.directory, undefined, large.asOf);
    const unspilledLarge = await heapWhenReady(large.directory, { ...HORIZON, spill: false }, large.asOf);
    report({
      benchmark: 'memory',
      name: `heap once ready (settled records spilled to disk: ${boundedLarge.spilled.toLocaleString('en-US')} customers and ${boundedLarge.spilledCases.toLocaleString('en-US')} cases, a ${boundedLarge.spillFileMb.toFixed(1)} MB file), 30-day horizon, ${name(SMALL * 5, large.customers)} (${boundedLarge.held.toLocaleString('en-US')} events held, ${boundedLarge.evicted.toLocaleString('en-US')} evicted)`,
      value: boundedLarge.heapMb,
      unit: 'MB',
      reference: { name: `the same over ${name(SMALL, small.customers)} (${boundedSmall.held.toLocaleString('en-US')} held)`, value: boundedSmall.heapMb, ratio: boundedLarge.heapMb / boundedSmall.heapMb },
      goal: '≤ 1.2 ×',
    });
    report({
      benchmark: 'memory',
      name: `heap once ready with the horizon, settled records packed in memory (spill: false; ${unspilledLarge.packed.toLocaleString('en-US')} customers, ${unspilledLarge.packedMb.toFixed(1)} MB, and the cases), ${name(SMALL * 5, large.customers)}`,
      value: unspilledLarge.heapMb,
      unit: 'MB',
      reference: { name: 'spilled to disk', value: boundedLarge.heapMb, ratio: unspilledLarge.heapMb / boundedLarge.heapMb },
    });
    report({
      benchmark: 'memory',
      name: `heap once ready, every event held, ${name(SMALL * 5, large.customers)}`,
      value: wholeLarge.heapMb,
      unit: 'MB',
      reference: { name: `the same over ${name(SMALL, small.customers)}`, value: wholeSmall.heapMb, ratio: wholeLarge.heapMb / wholeSmall.heapMb },
    });
    report({
      benchmark: 'memory',
      name: `peak heap during the catch-up with the horizon (before a collection), ${name(SMALL * 5, large.customers)}`,
      value: boundedLarge.peakMb,
      unit: 'MB',
      reference: { name: 'holding every event', value: wholeLarge.peakMb, ratio: boundedLarge.peakMb / wholeLarge.peakMb },
    });
    report({
      benchmark: 'memory',
      name: `a report of the tenant (fastest of 3) with the horizon, its spilled records read back and unpacked, ${name(SMALL * 5, large.customers)}`,
      value: boundedLarge.reportMs,
      unit: 'ms',
      reference: { name: 'holding every event', value: wholeLarge.reportMs, ratio: boundedLarge.reportMs / wholeLarge.reportMs },
    });
    report({
      benchmark: 'memory',
      name: `the same report, settled records packed in memory (spill: false), ${name(SMALL * 5, large.customers)}`,
      value: unspilledLarge.reportMs,
      unit: 'ms',
      reference: { name: 'spilled to disk', value: boundedLarge.reportMs, ratio: unspilledLarge.reportMs / boundedLarge.reportMs },
    });
    report({
      benchmark: 'memory',
      name: `catch-up until ready() with the horizon, ${name(SMALL * 5, large.customers)}`,
      value: boundedLarge.readyMs,
      unit: 'ms',
      reference: { name: 'holding every event', value: wholeLarge.readyMs, ratio: boundedLarge.readyMs / wholeLarge.readyMs },
    });
    const restart = await restartFigures(large.directory);
    report({
      benchmark: 'memory',
      name: `restart from a snapshot with the horizon (${(restart.bytes / 1e6).toFixed(1)} MB), until ready(), ${name(SMALL * 5, large.customers)}`,
      value: restart.resumedMs,
      unit: 'ms',
      reference: { name: 'full catch-up of the same events', value: restart.catchUpMs, ratio: restart.resumedMs / restart.catchUpMs },
      goal: '≤ 0.05 ×',
    });
    report({
      benchmark: 'memory',
      name: `of that restart, the snapshot load (document read, decoded, put in place), ${name(SMALL * 5, large.customers)}`,
      value: restart.loadMs,
      unit: 'ms',
      reference: { name: 'the restart until ready()', value: restart.resumedMs, ratio: restart.loadMs / restart.resumedMs },
      goal: '≤ 500 ms',
    });
    report({
      benchmark: 'memory',
      name: `of that restart, opening the file store, ${name(SMALL * 5, large.customers)}`,
      value: restart.openMs,
      unit: 'ms',
      reference: { name: 'the restart until ready()', value: restart.resumedMs, ratio: restart.openMs / restart.resumedMs },
    });
    report({
      benchmark: 'memory',
      name: `snapshot write with the horizon (encode + document write, ${(restart.bytes / 1e6).toFixed(1)} MB), ${name(SMALL * 5, large.customers)}`,
      value: restart.writeMs,
      unit: 'ms',
    });
    report({
      benchmark: 'memory',
      name: `longest event-loop stall while that snapshot is written (captured at once, encoded in 10 ms slices), ${name(SMALL * 5, large.customers)}`,
      value: restart.stallMs,
      unit: 'ms',
      reference: { name: 'the same state encoded in one slice', value: restart.oneGoStallMs, ratio: restart.stallMs / restart.oneGoStallMs },
    });
  } finally {
    rmSync(small.directory, { recursive: true, force: true });
    rmSync(large.directory, { recursive: true, force: true });
  }
}
