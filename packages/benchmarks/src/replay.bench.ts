// `omnitrail replay` throughput against the parse-only limit (JSON.parse of every line of the same file),
// and its scaling from 100k to 1M and 5M events (benchmarks.md; the 5M file takes ~1.2 GB of the temp
// directory and its runs several minutes). OMNITRAIL_BENCH_EVENTS, OMNITRAIL_BENCH_RUNS and
// OMNITRAIL_BENCH_SCALING (comma-separated sizes) shrink it for a quick look.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateWorkload, writeNdjsonFile } from '@omnitrail/workload';
import { forEachLine, readLineBlocks } from '@omnitrail/cli/internal';
import { compareAlternating, median, medianOf, perSecond, report, timeMs } from './harness/index.js';

const EVENTS = Number(process.env.OMNITRAIL_BENCH_EVENTS ?? 1_000_000);
const CUSTOMERS = Number(process.env.OMNITRAIL_BENCH_CUSTOMERS ?? 10_000);
const RUNS = Number(process.env.OMNITRAIL_BENCH_RUNS ?? 5);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// OMNITRAIL_CLI_BIN points at another build of the bin (e.g. a bundle) to measure.
const builtBin = process.env.OMNITRAIL_CLI_BIN ?? join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');
const sourceBin = join(repoRoot, 'packages', 'cli', 'src', 'bin.ts');

/** Writes the seeded NDJSON file once per size into a temp directory, and reuses it afterwards. */
async function workloadFile(events: number): Promise<string> {
  const dir = join(tmpdir(), 'omnitrail-bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `replay-workload-s42-c${CUSTOMERS}-e${events}.ndjson`);
  if (existsSync(path) && statSync(path).size > 0) return path;
  const partial = `${path}.partial`;
  await writeNdjsonFile(partial, generateWorkload({ seed: 42, customers: CUSTOMERS, events }));
  renameSync(partial, path);
  return path;
}

/**
 * One `omnitrail replay` of the file in a fresh process (the built bin when there is one, else the
 * sources through tsx), report written to /dev/null; resolves with events/s over the wall time.
 */
function replayOnce(path: string, events: number): number {
  return replayMeasured(path, events).rate;
}

/** One replay as {@link replayOnce} does it, with extra arguments; also gives the child's peak RSS in MB. */
function replayMeasured(path: string, events: number, extra: readonly string[] = []): { rate: number; peakRssMb: number } {
  const args = existsSync(builtBin) ? [builtBin] : ['--import', 'tsx', sourceBin];
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', ...args, 'replay', path, '--json', '/dev/null', '--no-progress', ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: repoRoot,
    env: { ...process.env, OMNITRAIL_TIMING: '1' },
  });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`omnitrail replay failed (${r.status}): ${r.stderr?.toString()}`);
  const rss = /peak RSS (\d+) MB/.exec(r.stderr.toString());
  return { rate: perSecond(events, ms), peakRssMb: rss ? Number(rss[1]) : Number.NaN };
}

/** The parse-only limit: the same file read with the same splitter, JSON.parse of every line, nothing else. */
async function parseOnly(path: string): Promise<number> {
  let count = 0;
  const ms = await timeMs(async () => {
    for await (const block of readLineBlocks({ path })) {
      forEachLine(block.bytes.toString('utf8'), block.firstLine, (line) => {
        JSON.parse(line);
        count++;
      });
    }
  });
  return perSecond(count, ms);
}

export async function run(): Promise<void> {
  const how = existsSync(builtBin) ? 'built bin' : 'sources via tsx';
  const path = await workloadFile(EVENTS);
  const main = await compareAlternating(
    () => replayOnce(path, EVENTS),
    () => parseOnly(path),
    { runs: RUNS },
  );
  report({
    benchmark: 'replay',
    name: `omnitrail replay, ${EVENTS.toLocaleString('en-US')} events (${how}, generateWorkload seed 42)`,
    value: main.subject,
    unit: 'events/s',
    reference: { name: 'JSON.parse of every line', value: main.reference, ratio: main.ratio },
    goal: '≥ 0.75 ×',
    samples: main.subjectSamples,
  });

  // Sharded: the same file folded in two shard worker threads (--shards 2), alternating with the default.
  const shardedRuns: { rate: number; peakRssMb: number }[] = [];
  const defaultRuns: { rate: number; peakRssMb: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    shardedRuns.push(replayMeasured(path, EVENTS, ['--shards', '2']));
    defaultRuns.push(replayMeasured(path, EVENTS));
  }
  const shardedRate = median(shardedRuns.map((r) => r.rate));
  report({
    benchmark: 'replay',
    name: `omnitrail replay --shards 2, ${EVENTS.toLocaleString('en-US')} events`,
    value: shardedRate,
    unit: 'events/s',
    reference: { name: 'JSON.parse of every line (first comparison)', value: main.reference, ratio: shardedRate / main.reference },
    goal: '≥ 0.75 ×',
    samples: shardedRuns.map((r) => r.rate),
  });
  report({
    benchmark: 'replay',
    name: `omnitrail replay --shards 2 against the default, ${EVENTS.toLocaleString('en-US')} events (alternating)`,
    value: shardedRate,
    unit: 'events/s',
    reference: { name: 'default (parse worker, fold on the main thread)', value: median(defaultRuns.map((r) => r.rate)), ratio: shardedRate / median(defaultRuns.map((r) => r.rate)) },
  });
  report({
    benchmark: 'replay',
    name: `peak RSS of omnitrail replay --shards 2, ${EVENTS.toLocaleString('en-US')} events`,
    value: median(shardedRuns.map((r) => r.peakRssMb)),
    unit: 'MB',
    reference: { name: 'default', value: median(defaultRuns.map((r) => r.peakRssMb)), ratio: median(shardedRuns.map((r) => r.peakRssMb)) / median(defaultRuns.map((r) => r.peakRssMb)) },
  });

  // Memory: the same file held in memory (the default up to 1M events) and spilled from the first event
  // (--max-events-in-memory 0), alternating; peak RSS as the child process reports it.
  const held: { rate: number; peakRssMb: number }[] = [];
  const spilled: { rate: number; peakRssMb: number }[] = [];
  for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
    held.push(replayMeasured(path, EVENTS, ['--max-events-in-memory', String(EVENTS)]));
    spilled.push(replayMeasured(path, EVENTS, ['--max-events-in-memory', '0']));
  }
  const heldRss = median(held.map((h) => h.peakRssMb));
  const spilledRss = median(spilled.map((h) => h.peakRssMb));
  const heldRate = median(held.map((h) => h.rate));
  const spilledRate = median(spilled.map((h) => h.rate));
  report({
    benchmark: 'replay',
    name: `peak RSS of a replay of ${EVENTS.toLocaleString('en-US')} events, spilled (--max-events-in-memory 0)`,
    value: spilledRss,
    unit: 'MB',
    reference: { name: 'events held in memory', value: heldRss, ratio: spilledRss / heldRss },
    goal: 'memory grows with the state, not with the file',
  });
  report({
    benchmark: 'replay',
    name: `replay of ${EVENTS.toLocaleString('en-US')} events, spilled (--max-events-in-memory 0)`,
    value: spilledRate,
    unit: 'events/s',
    reference: { name: 'events held in memory', value: heldRate, ratio: spilledRate / heldRate },
  });

  // Scaling: events/s at 100k, 1M (and 5M when asked) as ratios to the 100k figure; a flat line is the goal.
  const sizes = process.env.OMNITRAIL_BENCH_SCALING
    ? process.env.OMNITRAIL_BENCH_SCALING.split(',').map(Number)
    : [100_000, 1_000_000, 5_000_000];
  let base: number | undefined;
  const baseName = `replay at ${sizes[0]!.toLocaleString('en-US')} events`;
  for (const size of sizes) {
    const rate = size === EVENTS ? main.subject : (await medianOf(async () => replayOnce(await workloadFile(size), size), { runs: RUNS })).median;
    base ??= rate;
    report({
      benchmark: 'replay',
      name: `scaling: replay at ${size.toLocaleString('en-US')} events`,
      value: rate,
      unit: 'events/s',
      reference: { name: baseName, value: base, ratio: rate / base },
      goal: 'flat (1.0 ×)',
    });
  }
}
