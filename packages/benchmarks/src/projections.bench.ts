import { createInMemoryEventStore } from '@omnitrail/eventstore';
import { connectProjection, createProjectionRuntime, defineProjection } from '@omnitrail/projections';
import { compareAlternating, medianOf, percentile, perSecond, report } from './harness/index.js';

interface BenchEvent {
  id: string;
  occurredAt: string;
  customer: string;
  amount: number;
}

const BENCH = 'projections';
const T0 = Date.UTC(2024, 0, 1);
const idOf = (i: number) => `e${String(i).padStart(9, '0')}`;
const at = (i: number) => new Date(T0 + i * 1000).toISOString();

// A per-customer counter with an order-sensitive part (the last amount), mutated in place as real projections do.
const totals = defineProjection({
  name: 'bench-totals',
  partitionBy: (e: BenchEvent) => e.customer,
  initialState: () => ({ count: 0, sum: 0, last: 0 }),
  evolve: (s: { count: number; sum: number; last: number }, e: BenchEvent) => {
    s.count++;
    s.sum += e.amount;
    s.last = e.amount;
    return s;
  },
  clone: (s) => ({ ...s }),
});

function inOrderEvents(count: number, customers: number): BenchEvent[] {
  return Array.from({ length: count }, (_, i) => ({ id: idOf(i), occurredAt: at(i), customer: `c${i % customers}`, amount: i % 97 }));
}

async function inOrderThroughput(): Promise<void> {
  const events = inOrderEvents(200_000, 1_000);
  const result = await compareAlternating(
    () => {
      const rt = createProjectionRuntime(totals);
      const start = performance.now();
      for (const e of events) rt.apply(e);
      return perSecond(events.length, performance.now() - start);
    },
    () => {
      // The plain fold: a Map of states and evolve, no ordering, dedupe or snapshots.
      const states = new Map<string, { count: number; sum: number; last: number }>();
      const start = performance.now();
      for (const e of events) {
        const key = totals.partitionBy(e)!;
        let s = states.get(key);
        if (!s) states.set(key, (s = totals.initialState(key)));
        states.set(key, totals.evolve(s, e));
      }
      return perSecond(events.length, performance.now() - start);
    },
    { runs: 7 },
  );
  report({
    benchmark: BENCH,
    name: 'in-order apply, 200k events over 1k partitions',
    value: result.subject,
    unit: 'events/s',
    reference: { name: 'plain fold', value: result.reference, ratio: result.ratio },
    samples: result.subjectSamples,
  });
}

async function lateEventCost(): Promise<void> {
  const size = 20_000;
  const base = inOrderEvents(size, 1).map((e, i) => ({ ...e, id: idOf(2 * i + 1), occurredAt: at(2 * i + 1) }));
  for (const distance of [10, 100, 1000, 10_000]) {
    const rt = createProjectionRuntime(totals);
    for (const e of base) rt.apply(e);
    let n = 0;
    let refolded = 0;
    const { median, samples } = await medianOf(
      () => {
        // A fresh late event each run, `distance` events before the partition's end.
        const place = size - distance;
        const late: BenchEvent = { id: `${idOf(2 * place)}-${n++}`, occurredAt: at(2 * place), customer: 'c0', amount: 1 };
        const before = rt.counters.eventsRefolded;
        const start = performance.now();
        rt.apply(late);
        const us = (performance.now() - start) * 1000;
        refolded = rt.counters.eventsRefolded - before;
        return us;
      },
      { runs: 9, warmup: 2 },
    );
    report({ benchmark: BENCH, name: `late event at distance ${distance}: re-fold time`, value: median, unit: 'µs', samples });
    report({ benchmark: BENCH, name: `late event at distance ${distance}: events re-folded`, value: refolded, unit: 'events' });
  }
}

async function appendToStateLatency(): Promise<void> {
  const store = createInMemoryEventStore();
  const rt = createProjectionRuntime(totals);
  const connection = connectProjection(rt, store, { saveCheckpoints: false });
  await connection.caughtUp;
  const latencies: number[] = [];
  let resolveEmission: (() => void) | undefined;
  let appendedAt = 0;
  const sub = rt.state$('c0').subscribe(() => {
    if (resolveEmission) {
      latencies.push((performance.now() - appendedAt) * 1000);
      const r = resolveEmission;
      resolveEmission = undefined;
      r();
    }
  });
  const total = 2_000;
  for (let i = 0; i < total; i++) {
    const emitted = new Promise<void>((r) => (resolveEmission = r));
    const event: BenchEvent = { id: idOf(i), occurredAt: at(i), customer: 'c0', amount: i };
    await store.appendToStream('customer-c0', [{ id: event.id, type: 'Bench', data: event }]);
    appendedAt = performance.now();
    await emitted;
  }
  sub.unsubscribe();
  await connection.stop();
  await store.close();
  const measured = latencies.slice(200); // after JIT warm-up
  report({ benchmark: BENCH, name: 'appendToStream resolved → state$ emission p50', value: percentile(measured, 50), unit: 'µs' });
  report({ benchmark: BENCH, name: 'appendToStream resolved → state$ emission p99', value: percentile(measured, 99), unit: 'µs' });
}

/** In-order throughput vs a plain fold, late-event re-fold cost by distance, and append→state$ latency. */
export async function run(): Promise<void> {
  await inOrderThroughput();
  await lateEventCost();
  await appendToStateLatency();
}
