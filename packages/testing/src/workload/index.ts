import fc from 'fast-check';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import {
  createJourneyBuilder,
  headerArbitrary,
  resolveRates,
  stepArbitrary,
  toMs,
  type JourneyContext,
  type JourneyHeader,
  type JourneyStep,
} from '../arbitraries/journey.js';
import type { JourneyRates, RawEvent } from '../arbitraries/types.js';
import type { Channel } from '@omnitrail/events';

/** Options of the benchmark and demo workload. */
export interface WorkloadOptions {
  /** The same seed gives the same events, byte for byte. */
  seed: number;
  /** Customers (default 10,000). */
  customers?: number;
  /** Events in total, exactly (default 1,000,000). */
  events?: number;
  /** Tenant ids or how many (`tenant-1` …); customers are spread round-robin. Default 1. */
  tenants?: number | readonly string[];
  /** The earliest instant (default `2024-01-01T00:00:00Z`). */
  start?: string | number | Date;
  /** Customers start within this many ms after `start` (default 60 days). */
  startSpreadMs?: number;
  /** Journey rates (the same as `journeyArbitrary`'s). */
  rates?: Partial<JourneyRates>;
  /** Conversation channels. */
  channels?: readonly Channel[];
  /** Share of customers that end with a late `CustomersMerged` into an earlier customer of their tenant. Default 0.005. */
  lateMergeRate?: number;
}

const SEGMENT_STEPS = 16;
const DAY = 86_400_000;

/** A 32-bit integer hash of a few integers: independent, reproducible seeds per customer and segment. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h | 0;
}

interface Segment {
  header: JourneyHeader;
  steps: JourneyStep[];
}

/** One unbiased sample of `arb` for `seed`: the way fc.assert would draw it, without small-value bias. */
function sampleOne<T>(arb: fc.Arbitrary<T>, seed: number): T {
  return fc.sample(arb, { seed, numRuns: 1, unbiased: true })[0] as T;
}

/**
 * The events per customer: the average, varied ±80% between pairs of customers so some are much more
 * active than others while the total stays exactly `events`.
 */
function budgetOf(i: number, customers: number, events: number, seed: number): number {
  const base = Math.floor(events / customers) + (i < events % customers ? 1 : 0);
  const pair = i ^ 1;
  if (pair >= customers) return base;
  const lo = Math.min(i, pair);
  const basePair = Math.floor(events / customers) + (pair < events % customers ? 1 : 0);
  const d = Math.floor(Math.min(base, basePair) * 0.8 * ((mixSeed(seed, lo, 7) >>> 0) / 0x1_0000_0000));
  return i === lo ? base + d : base - d;
}

/**
 * A deterministic stream of raw events for benchmarks and demos: `customers` journeys built by the same
 * step arbitraries as `journeyArbitrary`, each drawn with `fc.sample` and a seed derived from `seed`, the
 * customer and the segment. Customers are streamed one after the other (replay sorts), so memory stays at
 * one customer's events. Exactly `events` events are yielded.
 */
export function* generateWorkload(options: WorkloadOptions): Generator<RawEvent, void, undefined> {
  const customers = Math.max(1, Math.floor(options.customers ?? 10_000));
  const total = Math.max(0, Math.floor(options.events ?? 1_000_000));
  const tenants = typeof options.tenants === 'number' || options.tenants === undefined
    ? Array.from({ length: Math.max(1, options.tenants ?? 1) }, (_, i) => `tenant-${i + 1}`)
    : [...options.tenants];
  const rates = resolveRates(options.rates);
  const startMs = toMs(options.start);
  const spread = options.startSpreadMs ?? 60 * DAY;
  const mergeRate = options.lateMergeRate ?? 0.005;
  const segmentArb = fc.record({ header: headerArbitrary, steps: fc.array(stepArbitrary(rates), { minLength: SEGMENT_STEPS, maxLength: SEGMENT_STEPS }) });
  const pad = String(customers).length;
  const idOf = (i: number) => `c${String(i + 1).padStart(pad, '0')}`;
  for (let i = 0; i < customers; i++) {
    const budget = budgetOf(i, customers, total, options.seed);
    if (budget <= 0) continue;
    const tenantId = tenants[i % tenants.length] as string;
    const first: Segment = sampleOne(segmentArb, mixSeed(options.seed, i, 0));
    const lateMerge = i >= tenants.length && budget > 1 && (mixSeed(options.seed, i, 99) >>> 0) / 0x1_0000_0000 < mergeRate;
    const ctx: JourneyContext = {
      tenantId,
      customerId: idOf(i),
      channels: options.channels ?? ['email', 'web_chat', 'whatsapp', 'sms', 'messenger', 'in_app_chat', 'voice', 'instagram_dm'],
      rates,
      maxEvents: lateMerge ? budget - 1 : budget,
      startMs: startMs + Math.floor((first.header.offset / 1_000_000) * spread),
      // Customer ids are unique across the workload's tenants, so they alone keep event ids unique (and short).
      idPrefix: `${idOf(i)}-`,
    };
    const builder = createJourneyBuilder(ctx, first.header);
    let more = builder.run(first.steps);
    for (let seg = 1; more; seg++) {
      yield* builder.events;
      builder.events.length = 0;
      more = builder.run(sampleOne(segmentArb, mixSeed(options.seed, i, seg)).steps);
    }
    yield* builder.events;
    builder.events.length = 0;
    if (lateMerge) {
      // A duplicate profile merged into the customer one tenant-round earlier (same tenant).
      const survivorId = idOf(i - tenants.length);
      const merged = buildMerge(tenantId, survivorId, ctx.customerId, builder.lastMs + 3_600_000);
      yield merged;
    }
  }
}

function buildMerge(tenantId: string, survivorId: string, mergedId: string, ms: number): RawEvent {
  return {
    id: `${tenantId}-${survivorId}-merge-${mergedId}`,
    type: 'CustomersMerged',
    tenantId,
    occurredAt: new Date(ms).toISOString(),
    customerId: survivorId,
    actor: { kind: 'agent', id: 'agent-1' },
    data: { survivorId, mergedId, reason: 'duplicate profile' },
  };
}

/**
 * Serialises events as NDJSON, yielding chunks of about `chunkBytes` characters (one `JSON.stringify` per
 * line, newline-terminated), so a million events stream without building one big string.
 */
export function* toNdjson(events: Iterable<RawEvent>, chunkBytes = 1 << 16): Generator<string, void, undefined> {
  let chunk = '';
  for (const e of events) {
    chunk += JSON.stringify(e) + '\n';
    if (chunk.length >= chunkBytes) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Writes a workload (or any events) to an NDJSON file, honouring back-pressure. Resolves to the counts written. */
export async function writeNdjsonFile(path: string, events: Iterable<RawEvent>): Promise<{ events: number; bytes: number }> {
  const out = createWriteStream(path);
  let count = 0;
  let bytes = 0;
  const counted = (function* () {
    for (const e of events) {
      count++;
      yield e;
    }
  })();
  try {
    for (const chunk of toNdjson(counted)) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'finish');
  }
  return { events: count, bytes };
}
