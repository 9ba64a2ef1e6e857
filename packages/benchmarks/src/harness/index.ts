import { openFileEventStore } from '@omnitrail/eventstore';
import { jsonContentHash, parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { createJourneyEngine, journeyStreamName, type JourneyMemoryOptions } from '@omnitrail/journey';
import { generateWorkload, type WorkloadOptions } from '@omnitrail/workload';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One printed figure: a value with its unit, optionally divided by a reference measured in the same run. */
export interface Figure {
  benchmark: string;
  name: string;
  value: number;
  unit: string;
  /** The reference's name, value and the ratio value / reference. */
  reference?: { name: string; value: number; ratio: number };
  /** The goal stated by the issue, as text ("≥ 0.4 ×"), for the table only. */
  goal?: string;
  /** The raw samples the median came from. */
  samples?: number[];
}

const figures: Figure[] = [];

/** The median of a list of numbers (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A percentile by nearest rank (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export interface RunOptions {
  /** Measured runs; the figure is their median. At least 5. */
  runs?: number;
  /** Unmeasured runs first, to warm the JIT. */
  warmup?: number;
}

/**
 * Runs `sample` warmup + runs times and returns the median of the measured values. `sample` returns the
 * figure of one run (events/s, bytes, seconds...).
 */
export async function medianOf(sample: () => Promise<number> | number, options: RunOptions = {}): Promise<{ median: number; samples: number[] }> {
  const runs = Math.max(5, options.runs ?? 5);
  for (let i = 0; i < (options.warmup ?? 1); i++) await sample();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await sample());
  return { median: median(samples), samples };
}

/**
 * Measures a subject against a reference in the same run, alternating the two sides run by run so that
 * machine noise hits both alike. Returns both medians and the ratio subject / reference.
 */
export async function compareAlternating(
  subject: () => Promise<number> | number,
  reference: () => Promise<number> | number,
  options: RunOptions = {},
): Promise<{ subject: number; reference: number; ratio: number; subjectSamples: number[]; referenceSamples: number[] }> {
  const runs = Math.max(5, options.runs ?? 5);
  for (let i = 0; i < (options.warmup ?? 1); i++) {
    await subject();
    await reference();
  }
  const s: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which side goes first, so neither always runs on a warmer or colder machine.
    if (i % 2 === 0) {
      s.push(await subject());
      r.push(await reference());
    } else {
      r.push(await reference());
      s.push(await subject());
    }
  }
  const sm = median(s);
  const rm = median(r);
  return { subject: sm, reference: rm, ratio: sm / rm, subjectSamples: s, referenceSamples: r };
}

/** Events per second for `count` events done in `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.POSITIVE_INFINITY;
}

/** Milliseconds elapsed while running `fn`. */
export async function timeMs(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** The figures reported so far in this process (a bench file's child process hands them to the parent). */
export function reportedFigures(): readonly Figure[] {
  return figures;
}

/** Adds figures a child process reported (already printed there). */
export function addFigures(more: readonly Figure[]): void {
  figures.push(...more);
}

/** Records a figure and prints it at once. */
export function report(figure: Figure): void {
  figures.push(figure);
  const ref = figure.reference
    ? `   vs ${figure.reference.name} ${format(figure.reference.value)} → ratio ${figure.reference.ratio.toFixed(3)}`
    : '';
  const goal = figure.goal ? `   (goal ${figure.goal})` : '';
  console.log(`  ${figure.benchmark} · ${figure.name}: ${format(figure.value)} ${figure.unit}${ref}${goal}`);
}

function format(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(4);
}

/** Forces a garbage collection when node runs with --expose-gc; returns whether it could. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
    return true;
  }
  return false;
}

/** Writes every recorded figure as a markdown table and a JSON file under bench-results/. */
export function writeResults(directory: string): { markdown: string; json: string } {
  mkdirSync(directory, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const rows = figures.map(
    (f) =>
      `| ${f.benchmark} | ${f.name} | ${format(f.value)} ${f.unit} | ${f.reference ? `${f.reference.name}: ${format(f.reference.value)}` : ''} | ${f.reference ? f.reference.ratio.toFixed(3) : ''} | ${f.goal ?? ''} |`,
  );
  const markdown = [
    `# Omnitrail benchmarks, ${new Date().toISOString()}`,
    '',
    `Node ${process.version}, ${process.platform}/${process.arch}. Medians of at least 5 runs after a warm-up; ratios measured in the same run.`,
    '',
    '| benchmark | figure | value | reference | ratio | goal |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  const md = join(directory, `bench-${stamp}.md`);
  const js = join(directory, `bench-${stamp}.json`);
  writeFileSync(md, markdown);
  writeFileSync(js, JSON.stringify({ node: process.version, at: new Date().toISOString(), figures }, null, 2) + '\n');
  return { markdown: md, json: js };
}

/**
 * Fills a new file store with the seeded workload, appended as the engine's record() appends it (one stream
 * per customer, the input's content hash in the metadata) but without folding, which is not what the
 * benchmarks using it measure. Answers an instant after the last event.
 */
export async function fillFileStore(directory: string, options: WorkloadOptions): Promise<{ asOf: number }> {
  const store = await openFileEventStore({ directory, fsync: 'none' });
  let asOf = 0;
  let batch: { event: CatalogEvent; hash: number }[] = [];
  const flush = async () => {
    const byStream = new Map<string, { id: string; type: string; data: CatalogEvent; metadata: { contentHash: number } }[]>();
    for (const { event, hash } of batch) {
      const name = journeyStreamName(event);
      const entry = { id: event.id, type: event.type, data: event, metadata: { contentHash: hash } };
      const list = byStream.get(name);
      if (list) list.push(entry);
      else byStream.set(name, [entry]);
    }
    await store.appendToStreams([...byStream].map(([streamName, list]) => ({ streamName, events: list })));
    batch = [];
  };
  for (const raw of generateWorkload(options)) {
    const event = parseEventOrThrow(raw, { uniformShape: true });
    asOf = Math.max(asOf, Date.parse(event.occurredAt));
    batch.push({ event, hash: jsonContentHash(raw) });
    if (batch.length === 1000) await flush();
  }
  if (batch.length > 0) await flush();
  await store.close();
  return { asOf: asOf + 1 };
}

/**
 * A full catch-up of a file store by an engine with snapshots on demand only (with `memory` when given), then
 * one snapshot: the catch-up's and the snapshot write's times, and the snapshot's size. The engine is closed
 * before it returns, so a restart measured next is not slowed by its state.
 */
/**
 * Runs `fn` and measures the event loop's longest stall meanwhile (ms): how long, at most, the process could
 * not answer anything else (the longest gap between two runs of a timer due every millisecond).
 */
export async function longestStall<T>(fn: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const tick = () => {
    const now = performance.now();
    if (now - last > stallMs) stallMs = now - last;
    last = now;
  };
  const timer = setInterval(tick, 1);
  try {
    const result = await fn();
    tick();
    return { result, stallMs };
  } finally {
    clearInterval(timer);
  }
}

export async function catchUpAndSnapshot(directory: string, memory?: JourneyMemoryOptions): Promise<{ catchUpMs: number; writeMs: number; bytes: number; stallMs: number }> {
  const store = await openFileEventStore({ directory, fsync: 'none' });
  const engine = createJourneyEngine({
    store,
    snapshots: { everyEvents: 0, onClose: false },
    logger: { info: () => undefined, warn: () => undefined },
    ...(memory === undefined ? {} : { memory }),
  });
  const catchUpMs = await timeMs(() => engine.ready());
  let written: Awaited<ReturnType<typeof engine.snapshot>>;
  let stallMs = 0;
  const writeMs = await timeMs(async () => {
    ({ result: written, stallMs } = await longestStall(() => engine.snapshot()));
  });
  await engine.close();
  await store.close();
  if (written! === undefined) throw new Error('the snapshot was not written');
  return { catchUpMs, writeMs, bytes: written!.bytes, stallMs };
}
