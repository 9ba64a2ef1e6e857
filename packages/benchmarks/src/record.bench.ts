// The live journey engine: record() throughput with every standard projection, a late event's re-fold cost
// by distance, and record → tenant$ emission latency. record() with three simple host projections is
// record-simple.bench.ts, in a process of its own (see run.ts).
import { compareEventOrder, parseEventOrThrow } from '@omnitrail/events';
import { createInMemoryEventStore } from '@omnitrail/eventstore';
import { createJourneyEngine, resolveJourneyConfig } from '@omnitrail/journey';
import { foldTenant } from '@omnitrail/journey/internal';
import { compareAlternating, median, percentile, perSecond, report, timeMs } from './harness/index.js';
import { recordWorkload } from './record-workload/index.js';

export async function run(): Promise<void> {
  // record(): validation, identity, append to the in-memory store, every standard projection; against the
  // batch fold of the same (parsed) events in the same run, alternating (issue 15's live/batch ratio).
  const { raws, asOf } = recordWorkload();
  const recordCount = raws.length;
  const parsed = raws.map((r) => parseEventOrThrow(r));
  const config = resolveJourneyConfig();
  const tenants = [...new Set(parsed.map((e) => e.tenantId))];
  let regroups = 0;
  let refolds = 0;
  const rec = await compareAlternating(
    async () => {
      const engine = createJourneyEngine({ clock: () => asOf });
      const ms = await timeMs(async () => {
        for (let i = 0; i < raws.length; i += 1000) await engine.recordUnknown(raws.slice(i, i + 1000));
      });
      const stats = tenants.map((t) => engine.stats(t)!);
      regroups = stats.reduce((sum, s) => sum + s.regroups, 0);
      refolds = stats.reduce((sum, s) => sum + s.refolds, 0);
      await engine.close();
      return perSecond(raws.length, ms);
    },
    async () => perSecond(parsed.length, await timeMs(() => tenants.forEach((t) => foldTenant(t, parsed, asOf, config)))),
  );
  report({
    benchmark: 'record',
    name: `record() batches of 1,000, time-ordered, every standard projection (${recordCount.toLocaleString('en-US')} events, late merges included: ${regroups} regroups, ${refolds} tenant re-folds)`,
    value: rec.subject,
    unit: 'events/s',
    samples: rec.subjectSamples,
    reference: { name: 'batch fold of the same events (foldTenant)', value: rec.reference, ratio: rec.ratio },
    goal: '≥ 0.5 × the batch fold',
  });

  // A late event's re-fold cost against its distance from the end of its partition (the tenant).
  const engine = createJourneyEngine({ clock: () => asOf });
  const base = raws.slice(0, 100_000);
  for (let i = 0; i < base.length; i += 5000) await engine.recordUnknown(base.slice(i, i + 5000));
  const sorted = base.map((r) => parseEventOrThrow(r)).sort(compareEventOrder);
  const tenant = sorted[0]!.tenantId;
  for (const distance of [10, 100, 1_000, 10_000]) {
    const samples: number[] = [];
    const refolded: number[] = [];
    for (let k = 0; k < 5; k++) {
      const anchor = sorted[sorted.length - distance - k]!;
      const late = { id: `late-${distance}-${k}`, type: 'PageViewed', tenantId: tenant, occurredAt: anchor.occurredAt, customerId: 'late-customer', channel: 'web', actor: { kind: 'customer' }, data: { url: '/late' } };
      const before = engine.stats(tenant)!.refoldedEvents;
      samples.push((await timeMs(() => engine.recordUnknown(late))) * 1000);
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
    await engine.recordUnknown(ev);
    sentAt = 0;
  }
  sub.unsubscribe();
  await engine.close();
  report({ benchmark: 'record', name: 'record → tenant$ emission latency p50', value: percentile(latencies, 50), unit: 'µs' });
  report({ benchmark: 'record', name: 'record → tenant$ emission latency p99', value: percentile(latencies, 99), unit: 'µs', goal: '≤ 1,000 µs' });

  await appendToTenantLatency();
}

/**
 * benchmarks.md's latency: from another writer's `appendToStream` resolving to the change reaching an rxjs
 * subscriber of an engine that follows the store (its subscription, the fold, `tenant$`), one event at a time.
 */
async function appendToTenantLatency(): Promise<void> {
  const store = createInMemoryEventStore();
  const engine = createJourneyEngine({ store, clock: () => Date.UTC(2025, 0, 1) });
  await engine.ready();
  const latencies: number[] = [];
  let resolveEmission: (() => void) | undefined;
  let appendedAt = 0;
  const sub = engine.tenant$('acme').subscribe(() => {
    if (resolveEmission === undefined) return;
    latencies.push((performance.now() - appendedAt) * 1000);
    const r = resolveEmission;
    resolveEmission = undefined;
    r();
  });
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < 2_000; i++) {
    const emitted = new Promise<void>((r) => (resolveEmission = r));
    const data = { id: `w-${i}`, type: 'PageViewed', tenantId: 'acme', occurredAt: new Date(t0 + i * 1000).toISOString(), customerId: `c-${i % 20}`, channel: 'web', actor: { kind: 'customer' }, data: { url: '/p' } };
    await store.appendToStream(`journey-acme-c-${i % 20}`, [{ id: data.id, type: data.type, data }]);
    appendedAt = performance.now();
    await emitted;
  }
  sub.unsubscribe();
  await engine.close();
  await store.close();
  const measured = latencies.slice(200); // after JIT warm-up
  report({ benchmark: 'latency', name: 'another writer\'s appendToStream resolved → engine tenant$ emission p50', value: percentile(measured, 50), unit: 'µs' });
  report({ benchmark: 'latency', name: 'another writer\'s appendToStream resolved → engine tenant$ emission p99', value: percentile(measured, 99), unit: 'µs' });
}
