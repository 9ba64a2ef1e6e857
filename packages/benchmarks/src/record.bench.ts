// The live journey engine: record() throughput with every standard projection, a late event's re-fold cost
// by distance, and record → tenant$ emission latency. record() with three simple host projections is
// record-simple.bench.ts, in a process of its own (see run.ts).
import { instantMs, parseEventOrThrow } from '@omnitrail/events';
import { createJourneyEngine } from '@omnitrail/journey';
import { median, medianOf, percentile, perSecond, report, timeMs } from './harness/index.js';
import { recordWorkload } from './record-workload/index.js';

export async function run(): Promise<void> {
  // record(): validation, identity, append to the in-memory store, every standard projection.
  const { raws, asOf } = recordWorkload();
  const recordCount = raws.length;
  const rec = await medianOf(async () => {
    const engine = createJourneyEngine({ clock: () => asOf });
    const ms = await timeMs(async () => {
      for (let i = 0; i < raws.length; i += 1000) await engine.record(raws.slice(i, i + 1000));
    });
    await engine.close();
    return perSecond(raws.length, ms);
  });
  report({ benchmark: 'record', name: `record() batches of 1,000, time-ordered, every standard projection (${recordCount.toLocaleString('en-US')} events, late merges included)`, value: rec.median, unit: 'events/s', samples: rec.samples });

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
