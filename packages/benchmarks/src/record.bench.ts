// The live journey engine: record() throughput (every standard projection; three simple host projections),
// a late event's re-fold cost by distance, and record → tenant$ emission latency.
import { instantMs, parseEventOrThrow } from '@omnitrail/events';
import { createJourneyEngine, defineJourneyProjection } from '@omnitrail/journey';
import { generateWorkload } from '@omnitrail/testing';
import { median, medianOf, percentile, perSecond, report, timeMs } from './harness/index.js';

const EVENTS = Number(process.env.OMNITRAIL_BENCH_EVENTS ?? 1_000_000);
const CUSTOMERS = Number(process.env.OMNITRAIL_BENCH_CUSTOMERS ?? 10_000);

export async function run(): Promise<void> {
  // record(): validation, identity, append to the in-memory store, every standard projection.
  // A live system sees events roughly in time order, so the workload is sorted by occurredAt before recording.
  const recordCount = Math.min(EVENTS, 100_000);
  const raws = [...generateWorkload({ seed: 7, customers: Math.max(1, Math.round(CUSTOMERS * (recordCount / EVENTS))), events: recordCount })].sort(
    (a, b) => instantMs(a.occurredAt) - instantMs(b.occurredAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  // The engines' clock (generated ids only): just after the last event.
  const asOf = instantMs(raws.at(-1)!.occurredAt) + 1;
  const rec = await medianOf(async () => {
    const engine = createJourneyEngine({ clock: () => asOf });
    const ms = await timeMs(async () => {
      for (let i = 0; i < raws.length; i += 1000) await engine.record(raws.slice(i, i + 1000));
    });
    await engine.close();
    return perSecond(raws.length, ms);
  });
  report({ benchmark: 'record', name: `record() batches of 1,000, time-ordered, every standard projection (${recordCount.toLocaleString('en-US')} events, late merges included)`, value: rec.median, unit: 'events/s', samples: rec.samples });

  // The goal as stated: validation, identity resolution and three simple projections (host
  // projections by customer, case and tenant; the standard projections off).
  const simple = [
    defineJourneyProjection({ name: 'touchpoints', partitionBy: 'customer', initialState: () => ({ count: 0, lastAt: 0 }), evolve: (s, e) => ({ count: s.count + 1, lastAt: e.at }), clone: false }),
    defineJourneyProjection({ name: 'case-messages', partitionBy: 'case', initialState: () => ({ messages: 0, lastType: '' }), evolve: (s, e) => ({ messages: s.messages + (e.event.type.startsWith('Message') ? 1 : 0), lastType: e.event.type }), clone: false }),
    defineJourneyProjection({ name: 'volume', partitionBy: 'tenant', initialState: () => ({ events: 0 }), evolve: (s) => ({ events: s.events + 1 }), clone: false }),
  ];
  const recSimple = await medianOf(async () => {
    const engine = createJourneyEngine({ clock: () => asOf, projections: simple, standardProjections: false });
    const ms = await timeMs(async () => {
      for (let i = 0; i < raws.length; i += 1000) await engine.record(raws.slice(i, i + 1000));
    });
    await engine.close();
    return perSecond(raws.length, ms);
  });
  report({ benchmark: 'record', name: `record() batches of 1,000, time-ordered, three simple host projections (${recordCount.toLocaleString('en-US')} events, late merges included)`, value: recSimple.median, unit: 'events/s', goal: '≥ 300,000 events/s', samples: recSimple.samples });

  // A late event's re-fold cost against its distance from the end of its partition (the tenant).
  const engine = createJourneyEngine({ clock: () => asOf });
  const base = raws.slice(0, 100_000);
  for (let i = 0; i < base.length; i += 5000) await engine.record(base.slice(i, i + 5000));
  const sorted = base.map((r) => parseEventOrThrow(r)).sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.id < b.id ? -1 : 1));
  const tenant = sorted[0]!.tenantId;
  for (const distance of [10, 100, 1_000, 10_000]) {
    const samples: number[] = [];
    const refolded: number[] = [];
    for (let k = 0; k < 5; k++) {
      const anchor = sorted[sorted.length - distance - k]!;
      const late = { id: `late-${distance}-${k}`, type: 'PageViewed', tenantId: tenant, occurredAt: anchor.occurredAt, customerId: 'late-customer', channel: 'web', actor: { kind: 'customer' }, data: { url: '/late' } };
      const before = engine.stats(tenant)!.refoldedEvents;
      samples.push((await timeMs(() => engine.record(late))) * 1000);
      refolded.push(engine.stats(tenant)!.refoldedEvents - before);
    }
    report({ benchmark: 'record', name: `late event at distance ${distance.toLocaleString('en-US')} from the end: re-fold time`, value: median(samples), unit: 'µs', reference: { name: 'events re-folded', value: median(refolded), ratio: median(refolded) / distance } });
  }

  // Append → tenant$ emission latency, one event at a time.
  const latencies: number[] = [];
  let sentAt = 0;
  const sub = engine.tenant$(tenant).subscribe(() => {
    if (sentAt > 0) latencies.push((performance.now() - sentAt) * 1000);
  });
  const lastAt = Date.parse(sorted.at(-1)!.occurredAt);
  for (let i = 0; i < 2000; i++) {
    const ev = { id: `lat-${i}`, type: 'PageViewed', tenantId: tenant, occurredAt: new Date(lastAt + 1000 + i).toISOString(), customerId: `lat-${i % 20}`, channel: 'web', actor: { kind: 'customer' }, data: { url: '/l' } };
    sentAt = performance.now();
    await engine.record(ev);
    sentAt = 0;
  }
  sub.unsubscribe();
  await engine.close();
  report({ benchmark: 'record', name: 'record → tenant$ emission latency p50', value: percentile(latencies, 50), unit: 'µs' });
  report({ benchmark: 'record', name: 'record → tenant$ emission latency p99', value: percentile(latencies, 99), unit: 'µs', goal: '≤ 1,000 µs' });
}
