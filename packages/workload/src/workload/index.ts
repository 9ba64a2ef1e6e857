import type { Channel } from '@omnitrail/events';
import {
  createJourneyBuilder,
  DEFAULT_CONVERSATION_CHANNELS,
  resolveRates,
  stepWeights,
  toMs,
  type JourneyContext,
  type JourneyHeader,
  type JourneyStep,
  type StepKind,
} from '../journey/builder.js';
import type { JourneyRates, RawEvent } from '../journey/types.js';
import { createSeededRandom, mixSeed, type SeededRandom } from '../random/index.js';

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
  /** Journey rates (the same as the testing kit's `journeyArbitrary`'s). */
  rates?: Partial<JourneyRates>;
  /** Conversation channels. */
  channels?: readonly Channel[];
  /** Share of customers that end with a late `CustomersMerged` into an earlier customer of their tenant. Default 0.005. */
  lateMergeRate?: number;
}

/** Steps drawn and interpreted at a time: the builder stops mid-batch once the customer's budget is spent. */
const BATCH_STEPS = 16;
const DAY = 86_400_000;

/** A step kind drawn in proportion to its weight: the kinds and their cumulative weights. */
interface KindTable {
  kinds: StepKind[];
  cumulative: number[];
  total: number;
}

function kindTable(rates: JourneyRates): KindTable {
  const weights = stepWeights(rates);
  const kinds = (Object.keys(weights) as StepKind[]).filter((k) => weights[k] > 0);
  const cumulative: number[] = [];
  let total = 0;
  for (const k of kinds) {
    total += weights[k];
    cumulative.push(total);
  }
  return { kinds, cumulative, total };
}

function drawStep(random: SeededRandom, table: KindTable): JourneyStep {
  const r = random.below(table.total);
  let i = 0;
  while ((table.cumulative[i] as number) <= r) i++;
  return { kind: table.kinds[i] as StepKind, gap: random.below(1000), a: random.below(1000), b: random.below(1000), c: random.below(1000) };
}

function drawHeader(random: SeededRandom): JourneyHeader {
  return { home: random.below(1000), anon: random.below(1000), offset: random.below(1_000_000) };
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

function fail(field: string, reason: string, value: unknown): never {
  throw new RangeError(`generateWorkload: ${field} ${reason}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
}

/** The options checked and defaulted: a bad option fails before any event is yielded, naming the field. */
function resolveOptions(options: WorkloadOptions) {
  const { seed } = options;
  if (!Number.isSafeInteger(seed)) fail('seed', 'must be an integer', seed);
  const customers = options.customers ?? 10_000;
  if (!Number.isSafeInteger(customers) || customers < 1) fail('customers', 'must be an integer of at least 1', customers);
  const events = options.events ?? 1_000_000;
  if (!Number.isSafeInteger(events) || events < 0) fail('events', 'must be an integer of at least 0', events);
  let tenants: string[];
  if (options.tenants === undefined || typeof options.tenants === 'number') {
    const n = options.tenants ?? 1;
    if (!Number.isSafeInteger(n) || n < 1) fail('tenants', 'must be an integer of at least 1 or a list of tenant ids', n);
    tenants = Array.from({ length: n }, (_, i) => `tenant-${i + 1}`);
  } else {
    tenants = [...options.tenants];
    if (tenants.length === 0) fail('tenants', 'must name at least one tenant', '[]');
    tenants.forEach((t, i) => {
      if (typeof t !== 'string' || t.length === 0) fail(`tenants[${i}]`, 'must be a non-empty string', t);
    });
  }
  const spread = options.startSpreadMs ?? 60 * DAY;
  if (!Number.isFinite(spread) || spread < 0) fail('startSpreadMs', 'must be a finite number of at least 0', spread);
  const mergeRate = options.lateMergeRate ?? 0.005;
  if (!(mergeRate >= 0 && mergeRate <= 1)) fail('lateMergeRate', 'must be a number from 0 to 1', mergeRate);
  const rates = resolveRates(options.rates);
  for (const [name, value] of Object.entries(rates)) {
    if (!(typeof value === 'number' && value >= 0 && value <= 1)) fail(`rates.${name}`, 'must be a number from 0 to 1', value);
  }
  const channels = options.channels ?? DEFAULT_CONVERSATION_CHANNELS;
  if (channels.length === 0) fail('channels', 'must name at least one channel', '[]');
  let startMs: number;
  try {
    startMs = toMs(options.start);
  } catch {
    fail('start', 'must be an ISO instant, a Date or epoch milliseconds', options.start);
  }
  return { seed, customers, events, tenants, spread, mergeRate, rates, channels, startMs };
}

/**
 * A deterministic stream of raw events for benchmarks and demos: `customers` realistic omnichannel journeys
 * (conversations across channels, bots and handoffs, cases with SLAs, priorities, sentiment, surveys, orders,
 * identity links, anonymous starts, merges, churn), each interpreted from steps drawn by a seeded generator
 * of its own (seeded from `seed` and the customer's index), so the same seed gives the same events byte for
 * byte in any process. Customers are streamed one after the other (replay sorts), so memory stays at one
 * customer's events. Exactly `events` events are yielded. A bad option throws a `RangeError` naming it.
 */
export function* generateWorkload(options: WorkloadOptions): Generator<RawEvent, void, undefined> {
  const { seed, customers, events: total, tenants, spread, mergeRate, rates, channels, startMs } = resolveOptions(options);
  const table = kindTable(rates);
  const pad = String(customers).length;
  const idOf = (i: number) => `c${String(i + 1).padStart(pad, '0')}`;
  for (let i = 0; i < customers; i++) {
    const budget = budgetOf(i, customers, total, seed);
    if (budget <= 0) continue;
    const tenantId = tenants[i % tenants.length] as string;
    const random = createSeededRandom(mixSeed(seed, i));
    const header = drawHeader(random);
    const lateMerge = i >= tenants.length && budget > 1 && (mixSeed(seed, i, 99) >>> 0) / 0x1_0000_0000 < mergeRate;
    const ctx: JourneyContext = {
      tenantId,
      customerId: idOf(i),
      channels,
      rates,
      maxEvents: lateMerge ? budget - 1 : budget,
      startMs: startMs + Math.floor((header.offset / 1_000_000) * spread),
      // Customer ids are unique across the workload's tenants, so they alone keep event ids unique (and short).
      idPrefix: `${idOf(i)}-`,
    };
    const builder = createJourneyBuilder(ctx, header);
    const batch: JourneyStep[] = new Array(BATCH_STEPS);
    let more = true;
    while (more) {
      for (let s = 0; s < BATCH_STEPS; s++) batch[s] = drawStep(random, table);
      more = builder.run(batch);
      yield* builder.events;
      builder.events.length = 0;
    }
    if (lateMerge) {
      // A duplicate profile merged into the customer one tenant-round earlier (same tenant).
      const survivorId = idOf(i - tenants.length);
      yield buildMerge(tenantId, survivorId, ctx.customerId, builder.lastMs + 3_600_000);
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
