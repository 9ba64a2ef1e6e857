/**
 * The EventStoreDB adapter at scale (`pnpm bench -- esdb`), against the fake server in a child process
 * (./esdb-server) holding 0, 100,000 and 1,000,000 journey-like events (OMNITRAIL_BENCH_ESDB_SIZES, comma-
 * separated, overrides the sizes): a new adapter's first append (the latency a writer process sees at
 * start-up) and the heap the adapter holds after it, with the empty store as the reference. Before issue 18
 * the adapter read all of `$all` into an id map before its first append (9.7 s at 100k events, 80 s at 1M).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEventStoreDbEventStore } from '@omnitrail/eventstore-esdb';
import { collectGarbage, median, report } from './harness/index.js';

const BENCH = 'esdb';
const SIZES = (process.env.OMNITRAIL_BENCH_ESDB_SIZES ?? '0,100000,1000000').split(',').map(Number);
const SAMPLES = 7;
const here = dirname(fileURLToPath(import.meta.url));

/** Starts the fake server child with `events` events in its log; resolves with its port once it listens. */
async function startServer(events: number): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => a !== '--expose-gc'), join(here, 'esdb-server', 'index.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, OMNITRAIL_BENCH_ESDB_EVENTS: String(events) },
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  for await (const text of child.stdout!) {
    out += text as string;
    const m = /listening (\d+)/.exec(out);
    if (m) return { port: Number(m[1]), child };
  }
  throw new Error(`the fake server child exited before listening (exit ${child.exitCode})`);
}

/** One sample: a new adapter, its first append; the heap it holds after it (live objects, after a GC). */
async function firstAppend(connectionString: string, sample: number): Promise<{ ms: number; heap: number }> {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const store = createEventStoreDbEventStore({ connectionString });
  const started = performance.now();
  await store.appendToStream(`bench-first-${sample}`, [{ id: `bench-first-${process.pid}-${sample}`, type: 'SessionStarted', data: { n: sample } }]);
  const ms = performance.now() - started;
  collectGarbage();
  const heap = process.memoryUsage().heapUsed - before;
  await store.close();
  return { ms, heap };
}

export async function run(): Promise<void> {
  let reference: { ms: number; heap: number } | undefined;
  for (const size of SIZES) {
    const loading = performance.now();
    const { port, child } = await startServer(size);
    console.log(`  (fake server with ${size.toLocaleString('en-US')} events ready in ${((performance.now() - loading) / 1000).toFixed(1)} s)`);
    try {
      const connectionString = `esdb://127.0.0.1:${port}?tls=false`;
      const samples: { ms: number; heap: number }[] = [];
      for (let i = 0; i < SAMPLES; i++) samples.push(await firstAppend(connectionString, i));
      const ms = median(samples.map((s) => s.ms));
      const heap = median(samples.map((s) => s.heap));
      reference ??= { ms, heap };
      const events = `${size.toLocaleString('en-US')} events in the store`;
      report({ benchmark: BENCH, name: `a new adapter's first append, ${events}`, value: ms, unit: 'ms', reference: { name: 'the same on an empty store', value: reference.ms, ratio: ms / reference.ms }, goal: '≈ 1 ×', samples: samples.map((s) => s.ms) });
      report({ benchmark: BENCH, name: `heap a new adapter holds after its first append, ${events}`, value: heap, unit: 'bytes', samples: samples.map((s) => s.heap) });
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  }
}
