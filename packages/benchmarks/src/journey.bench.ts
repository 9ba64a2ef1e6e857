// The journey fold: every standard projection over the seeded workload, replayReport, heap per customer.
// record() and the live engine are measured in record.bench.ts (each bench file runs in its own process).
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { replayReport, resolveJourneyConfig } from '@omnitrail/journey';
import { foldTenant, healthSection, HEALTH_SERIES_BUCKETS, seriesTally, tenantFoldReader } from '@omnitrail/journey/internal';
import { generateWorkload } from '@omnitrail/workload';
import { collectGarbage, compareAlternating, medianOf, perSecond, report, timeMs } from './harness/index.js';

const EVENTS = Number(process.env.OMNITRAIL_BENCH_EVENTS ?? 1_000_000);
const CUSTOMERS = Number(process.env.OMNITRAIL_BENCH_CUSTOMERS ?? 10_000);

function workload(events: number, customers: number): CatalogEvent[] {
  const out: CatalogEvent[] = [];
  for (const raw of generateWorkload({ seed: 42, customers, events })) out.push(parseEventOrThrow(raw));
  return out;
}

/** The reference: a plain fold that counts events per customer (the cheapest useful fold). */
function plainFold(events: readonly CatalogEvent[]): number {
  const counts = new Map<string, number>();
  for (const e of events) {
    const key = e.customerId ?? e.identities?.[0]?.value ?? '';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts.size;
}

export async function run(): Promise<void> {
  const events = workload(EVENTS, CUSTOMERS);
  const tenants = [...new Set(events.map((e) => e.tenantId))];
  const config = resolveJourneyConfig();
  const asOf = events.reduce((m, e) => Math.max(m, Date.parse(e.occurredAt)), 0) + 1;

  const fold = await compareAlternating(
    async () => perSecond(events.length, await timeMs(() => tenants.forEach((t) => foldTenant(t, events, asOf, config)))),
    async () => perSecond(events.length, await timeMs(() => plainFold(events))),
  );
  report({ benchmark: 'journey', name: `fold, every standard projection (${events.length.toLocaleString('en-US')} events, ${CUSTOMERS.toLocaleString('en-US')} customers)`, value: fold.subject, unit: 'events/s', reference: { name: 'plain count-per-customer fold', value: fold.reference, ratio: fold.ratio }, goal: '≥ 400,000 events/s', samples: fold.subjectSamples });

  // The operational views (operations.md) are tenant-wide projections of the registry: what they cost the fold,
  // against the same fold with no tenant-wide projection, and what their report tallies cost.
  const views = await compareAlternating(
    async () => perSecond(events.length, await timeMs(() => tenants.forEach((t) => foldTenant(t, events, asOf, config)))),
    async () => perSecond(events.length, await timeMs(() => tenants.forEach((t) => foldTenant(t, events, asOf, config, [])))),
  );
  report({ benchmark: 'journey', name: 'fold with the operational views', value: views.subject, unit: 'events/s', reference: { name: 'the same fold without tenant-wide projections', value: views.reference, ratio: views.ratio }, samples: views.subjectSamples });
  const folds = tenants.map((t) => foldTenant(t, events, asOf, config));
  const wholeLog = { asOf, from: 0, to: asOf };
  const tallies = await medianOf(async () => timeMs(() => folds.forEach((f) => f.projections.forEach((p, i) => p.tally(f.views[i], wholeLog, f.canonical, tenantFoldReader(f))))));
  report({ benchmark: 'journey', name: 'the operational views\' tallies of a whole report', value: tallies.median, unit: 'ms', samples: tallies.samples });

  const report$ = await medianOf(async () => perSecond(events.length, await timeMs(() => replayReport({ events, asOf }))));
  report({ benchmark: 'journey', name: 'replayReport (sort + fold + every report section)', value: report$.median, unit: 'events/s', samples: report$.samples });

  // The report's time series against one judgement of every customer's health (the health section): judging
  // health at the end of up to HEALTH_SERIES_BUCKETS buckets is most of the series' cost (docs/cli.md).
  const from = events.reduce((m, e) => Math.min(m, Date.parse(e.occurredAt)), Infinity);
  const window = { asOf, from, to: asOf };
  const folded = tenants.map((t) => foldTenant(t, events, asOf, config));
  const sample = seriesTally(folded[0]!.cases, folded[0]!.customers, folded[0]!.caseLookup, window, config);
  const series = await compareAlternating(
    async () => perSecond(events.length, await timeMs(() => folded.forEach((f) => seriesTally(f.cases, f.customers, f.caseLookup, window, f.config)))),
    async () => perSecond(events.length, await timeMs(() => folded.forEach((f) => healthSection(f.customers, asOf, f.caseLookup, f.config)))),
  );
  report({
    benchmark: 'journey',
    name: `report time series (${sample.starts.length} ${sample.interval} buckets, health judged at ${Math.min(HEALTH_SERIES_BUCKETS, sample.starts.length)})`,
    value: series.subject,
    unit: 'events/s',
    reference: { name: 'the health section (every customer judged once)', value: series.reference, ratio: series.ratio },
    samples: series.subjectSamples,
  });

  // Heap per customer: the projections' state plus the fold's sorted index of the events (one small wrapper
  // per event); the events themselves are the input's and are not counted. The reference (benchmarks.md):
  // the same events as plain parsed objects, per customer.
  const lines = events.map((e) => JSON.stringify(e));
  const customerCount = tenants.map((t) => foldTenant(t, events, asOf, config)).reduce((n, f) => n + f.customerCount, 0);
  let kept: unknown;
  const heap = await compareAlternating(
    () => {
      kept = undefined;
      collectGarbage();
      const before = process.memoryUsage().heapUsed;
      const folds = tenants.map((t) => foldTenant(t, events, asOf, config));
      kept = folds;
      collectGarbage();
      return (process.memoryUsage().heapUsed - before) / customerCount;
    },
    () => {
      kept = undefined;
      collectGarbage();
      const before = process.memoryUsage().heapUsed;
      kept = lines.map((l) => JSON.parse(l) as unknown);
      collectGarbage();
      return (process.memoryUsage().heapUsed - before) / customerCount;
    },
  );
  void kept;
  report({
    benchmark: 'journey',
    name: 'heap per customer, every standard projection (state + sorted event index)',
    value: heap.subject,
    unit: 'bytes',
    reference: { name: "the customer's events as plain parsed objects", value: heap.reference, ratio: heap.ratio },
    samples: heap.subjectSamples,
  });
}
