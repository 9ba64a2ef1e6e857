/**
 * Storage benchmarks (issue #2): in-memory append vs a naive array-plus-index store, file-store appends vs
 * raw writeSync + fsyncSync of the same bytes, heap bytes per stored event vs the same events as plain
 * parsed objects, and the time to open a 1,000,000-event file store with its persisted index vs a full scan,
 * and the full scan vs reading its files once.
 */
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInMemoryEventStore, openFileEventStore, type EventStore, type EventToAppend } from '@omnitrail/eventstore';
import { collectGarbage, compareAlternating, perSecond, report } from './harness/index.js';
import { generateLines, parseOps, STREAMS, type Op } from './store-workload/index.js';

const BENCH = 'eventstore';

// ---- the naive reference store: array + Map<stream, indexes>, expected-revision check, no validation --
function createNaiveStore() {
  const log: unknown[] = [];
  const streams = new Map<string, number[]>();
  return {
    async appendToStream(stream: string, events: readonly EventToAppend[], options: { expectedRevision: bigint | 'no_stream' }) {
      let index = streams.get(stream);
      const current = index === undefined ? -1 : index.length - 1;
      const expected = options.expectedRevision;
      if (expected === 'no_stream' ? current !== -1 : BigInt(current) !== expected) throw new Error('wrong expected revision');
      if (index === undefined) streams.set(stream, (index = []));
      for (const e of events) {
        index.push(log.length);
        log.push({ id: e.id, type: e.type, data: e.data, metadata: e.metadata, streamName: stream, revision: index.length - 1, position: log.length });
      }
      return { nextExpectedRevision: BigInt(index.length - 1), position: BigInt(log.length) };
    },
  };
}
type Appender = Pick<EventStore, 'appendToStream'> | ReturnType<typeof createNaiveStore>;

/** Appends `ops` in batches of `batch` consecutive events to one stream, with exact expected revisions. */
async function appendAll(store: Appender, ops: Op[], batch: number): Promise<number> {
  const revisions = new Map<string, bigint>();
  const start = performance.now();
  for (let i = 0; i < ops.length; i += batch) {
    const stream = ops[i]!.stream;
    const events = batch === 1 ? [ops[i]!.event] : ops.slice(i, i + batch).map((o) => o.event);
    const expected = revisions.get(stream) ?? 'no_stream';
    const r = await (store as Pick<EventStore, 'appendToStream'>).appendToStream(stream, events, { expectedRevision: expected });
    revisions.set(stream, r.nextExpectedRevision);
  }
  return perSecond(ops.length, performance.now() - start);
}

// Heap plus ArrayBuffer backing stores: the stores keep typed-array indexes off the JS heap, and those count too.
function usedMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Runs the eventstore benchmarks and reports their figures. */
export async function run(): Promise<void> {
  const t0 = performance.now();
  const sample = generateLines(2000, 7, 'S');
  const avg = sample.lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) / sample.lines.length;
  console.log(`  workload: ${avg.toFixed(0)} bytes per event as NDJSON, ${STREAMS.toLocaleString('en-US')} streams`);

  // ---- in-memory append ---------------------------------------------------------------------------
  const N = 200_000;
  const workload = generateLines(N, 42, 'E');
  for (const batch of [1, 100]) {
    let ops: Op[] = parseOps(workload);
    const fresh = () => (ops = parseOps(workload));
    const r = await compareAlternating(
      async () => {
        const v = await appendAll(createInMemoryEventStore(), ops, batch);
        fresh();
        return v;
      },
      async () => {
        const v = await appendAll(createNaiveStore(), ops, batch);
        fresh();
        return v;
      },
    );
    report({
      benchmark: BENCH,
      name: `in-memory append, batches of ${batch}`,
      value: r.subject,
      unit: 'events/s',
      reference: { name: 'naive array+Map store', value: r.reference, ratio: r.ratio },
      goal: batch === 1 ? '≥ 0.4 ×' : undefined,
      samples: r.subjectSamples,
    });
  }

  // ---- heap per stored event ----------------------------------------------------------------------
  const H = 200_000;
  const heapWork = generateLines(H, 99, 'H');
  let keep: unknown;
  const heap = await compareAlternating(
    async () => {
      keep = undefined;
      collectGarbage();
      const before = usedMemory();
      const store = createInMemoryEventStore();
      for (let i = 0; i < H; i++) await store.appendToStream(heapWork.streams[i]!, [JSON.parse(heapWork.lines[i]!) as EventToAppend]);
      keep = store;
      collectGarbage();
      return (usedMemory() - before) / H;
    },
    async () => {
      keep = undefined;
      collectGarbage();
      const before = usedMemory();
      // The same recorded events as plain parsed objects (what JSON.parse of an NDJSON export holds).
      const at = new Date().toISOString();
      const revisions = new Map<string, number>();
      const plain: unknown[] = new Array(H);
      for (let i = 0; i < H; i++) {
        const e = JSON.parse(heapWork.lines[i]!) as EventToAppend;
        const stream = heapWork.streams[i]!;
        const rev = revisions.get(stream) ?? 0;
        revisions.set(stream, rev + 1);
        plain[i] = JSON.parse(JSON.stringify({ ...e, metadata: null, streamName: stream, revision: String(rev), position: String(i + 1), recordedAt: at }));
      }
      keep = plain;
      collectGarbage();
      return (usedMemory() - before) / H;
    },
  );
  void keep;
  report({
    benchmark: BENCH,
    name: 'heap (+ array buffers) per stored event, in-memory store',
    value: heap.subject,
    unit: 'bytes',
    reference: { name: 'plain parsed recorded events', value: heap.reference, ratio: heap.ratio },
    goal: '≤ 1.1 ×',
    samples: heap.subjectSamples,
  });
  keep = undefined;

  // ---- file store appends -------------------------------------------------------------------------
  const root = mkdtempSync(join(tmpdir(), 'omnitrail-bench-'));
  try {
    const durable = async (fsync: 'always' | 'batch', writers: number, count: number) => {
      const w = generateLines(count, 5, 'D');
      let runNo = 0;
      const r = await compareAlternating(
        async () => {
          const directory = join(root, `${fsync}-${runNo++}`);
          const store = await openFileEventStore({ directory, fsync });
          const ops = parseOps(w);
          const start = performance.now();
          let next = 0;
          await Promise.all(
            Array.from({ length: writers }, async () => {
              for (let i = next++; i < count; i = next++) await store.appendToStream(ops[i]!.stream, [ops[i]!.event]);
            }),
          );
          const v = perSecond(count, performance.now() - start);
          await store.close();
          rmSync(directory, { recursive: true, force: true });
          return v;
        },
        () => {
          // The same bytes in the same pattern: one write per append, one fsync per group of `writers`.
          const path = join(root, `raw-${runNo++}.log`);
          const fd = openSync(path, 'w');
          const bytes = w.lines.map((l) => Buffer.from(`${l}\n`));
          const start = performance.now();
          for (let i = 0; i < count; i += writers) {
            for (let k = i; k < Math.min(count, i + writers); k++) writeSync(fd, bytes[k]!);
            fsyncSync(fd);
          }
          const v = perSecond(count, performance.now() - start);
          closeSync(fd);
          rmSync(path, { force: true });
          return v;
        },
      );
      report({
        benchmark: BENCH,
        name: `file store append, fsync ${fsync}, ${writers} writer${writers > 1 ? 's' : ''}`,
        value: r.subject,
        unit: 'events/s',
        reference: { name: `writeSync+fsyncSync, fsync per ${writers} event${writers > 1 ? 's' : ''}`, value: r.reference, ratio: r.ratio },
        goal: fsync === 'batch' ? '≥ 100,000 events/s' : undefined,
        samples: r.subjectSamples,
      });
    };
    await durable('always', 1, 2_000);
    await durable('batch', 64, 64 * 400);

    // ---- open a 1,000,000-event store ---------------------------------------------------------------
    const M = 1_000_000;
    const directory = join(root, 'million');
    const build = await openFileEventStore({ directory, fsync: 'none' });
    const chunk = 100_000;
    for (let c = 0; c < M; c += chunk) {
      const w = generateLines(chunk, 1000 + c, `M${c}-`);
      for (let i = 0; i < chunk; i += 10) {
        const events = [];
        for (let k = i; k < i + 10; k++) events.push(JSON.parse(w.lines[k]!) as EventToAppend);
        await build.appendToStream(w.streams[i]!, events);
      }
    }
    await build.close();
    const files = readdirSync(directory).filter((f) => f.startsWith('segment-'));
    if (!existsSync(join(directory, 'index.bin'))) throw new Error('the closed store wrote no index.bin');
    const openStore = async (ignoreIndex: boolean) => {
      const start = performance.now();
      const store = await openFileEventStore({ directory, ignoreIndex });
      const seconds = (performance.now() - start) / 1000;
      if (store.recovery.events !== M) throw new Error(`expected ${M} events, opened ${store.recovery.events}`);
      if (store.recovery.index !== (ignoreIndex ? 'ignored' : 'used')) throw new Error(`index ${store.recovery.index}`);
      await store.close();
      collectGarbage();
      return seconds;
    };
    // What a restart pays: the open with the persisted index against the full scan it replaces.
    const indexed = await compareAlternating(
      () => openStore(false),
      () => openStore(true),
    );
    report({
      benchmark: BENCH,
      name: `open a ${M.toLocaleString('en-US')}-event file store with its index (${(statSync(join(directory, 'index.bin')).size / 1e6).toFixed(0)} MB index.bin)`,
      value: indexed.subject,
      unit: 's',
      reference: { name: 'the full scan (ignoreIndex)', value: indexed.reference, ratio: indexed.ratio },
      goal: '≤ 0.15 s',
      samples: indexed.subjectSamples,
    });
    const open = await compareAlternating(
      () => openStore(true),
      () => {
        const start = performance.now();
        let bytes = 0;
        for (const f of files) bytes += readFileSync(join(directory, f)).length;
        if (bytes === 0) throw new Error('empty store');
        return (performance.now() - start) / 1000;
      },
    );
    report({
      benchmark: BENCH,
      name: `open a ${M.toLocaleString('en-US')}-event file store by a full scan (${files.length} segments)`,
      value: open.subject,
      unit: 's',
      reference: { name: 'reading the same files once', value: open.reference, ratio: open.ratio },
      goal: '≤ 3 s',
      samples: open.subjectSamples,
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`  (eventstore bench took ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
