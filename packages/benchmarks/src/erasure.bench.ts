// What sealing personal fields costs (docs/privacy.md): record() with a key store (every personal field
// encrypted with its customer's key, identity values hashed) against record() without, alternating, on the
// same events; the catch-up of a second engine over the sealed store (every field opened) against one over a
// clear store, both from the log (no snapshot); a sealed engine snapshot (AES-256-GCM over the whole document)
// written and loaded against a clear one; and erase() of one customer in the sealed engine (keys deleted,
// tenant re-folded, snapshot written again under a new key).
import { createInMemoryEventStore, createInMemoryKeyStore } from '@omnitrail/eventstore';
import { createJourneyEngine } from '@omnitrail/journey';
import { collectGarbage, compareAlternating, perSecond, report, timeMs } from './harness/index.js';
import { recordWorkload } from './record-workload/index.js';

const EVENTS = Number(process.env.OMNITRAIL_BENCH_ERASURE_EVENTS ?? 20_000);

export async function run(): Promise<void> {
  const workload = recordWorkload();
  const raws = workload.raws.slice(0, EVENTS);
  const clock = () => workload.asOf;
  const recordAll = async (keyed: boolean) => {
    const store = createInMemoryEventStore();
    const engine = createJourneyEngine({ store, clock, ...(keyed ? { keys: createInMemoryKeyStore() } : {}) });
    const ms = await timeMs(async () => {
      for (let i = 0; i < raws.length; i += 1000) await engine.recordUnknown(raws.slice(i, i + 1000));
    });
    await engine.close();
    return perSecond(raws.length, ms);
  };
  const rec = await compareAlternating(() => recordAll(true), () => recordAll(false), { warmup: 1, runs: 5 });
  const n = raws.length.toLocaleString('en-US');
  report({ benchmark: 'erasure', name: `record() with sealed personal fields, batches of 1,000 (${n} events, store given)`, value: rec.subject, unit: 'events/s', reference: { name: 'record() in clear', value: rec.reference, ratio: rec.ratio }, samples: rec.subjectSamples });

  // Catch-up of a second engine over each store, and one erasure in the sealed one.
  const keys = createInMemoryKeyStore();
  const sealedStore = createInMemoryEventStore();
  const clearStore = createInMemoryEventStore();
  const writer = createJourneyEngine({ store: sealedStore, keys, clock, snapshots: { onClose: false } });
  const clearWriter = createJourneyEngine({ store: clearStore, clock, snapshots: { onClose: false } });
  for (let i = 0; i < raws.length; i += 1000) {
    await writer.recordUnknown(raws.slice(i, i + 1000));
    await clearWriter.recordUnknown(raws.slice(i, i + 1000));
  }
  const catchUp = async (keyed: boolean) => {
    const ms = await timeMs(async () => {
      // From the log: a snapshot would make this a snapshot load (measured below).
      const reader = keyed ? createJourneyEngine({ store: sealedStore, keys, clock, snapshots: false }) : createJourneyEngine({ store: clearStore, clock, snapshots: false });
      await reader.ready();
      await reader.close();
    });
    return perSecond(raws.length, ms);
  };
  const cu = await compareAlternating(() => catchUp(true), () => catchUp(false), { warmup: 1, runs: 5 });
  report({ benchmark: 'erasure', name: `catch-up of a new engine over the sealed store (${n} events, every field opened)`, value: cu.subject, unit: 'events/s', reference: { name: 'over a clear store', value: cu.reference, ratio: cu.ratio }, samples: cu.subjectSamples });

  // Snapshots: written by the writers (state of every event), then loaded by a new engine.
  let sealedBytes = 0;
  let clearBytes = 0;
  const write = async (keyed: boolean) => {
    collectGarbage();
    let bytes = 0;
    const ms = await timeMs(async () => {
      bytes = (await (keyed ? writer : clearWriter).snapshot())!.bytes;
    });
    if (keyed) sealedBytes = bytes;
    else clearBytes = bytes;
    return ms;
  };
  const sw = await compareAlternating(() => write(true), () => write(false), { warmup: 1, runs: 5 });
  report({ benchmark: 'erasure', name: `engine snapshot written, sealed (${n} events, ${(sealedBytes / 1e6).toFixed(1)} MB)`, value: sw.subject, unit: 'ms', reference: { name: `in clear (${(clearBytes / 1e6).toFixed(1)} MB)`, value: sw.reference, ratio: sw.ratio }, samples: sw.subjectSamples });
  // A full collection before each load: the two sides otherwise pay for each other's garbage.
  const load = async (keyed: boolean) => {
    collectGarbage();
    return timeMs(async () => {
      const reader = keyed ? createJourneyEngine({ store: sealedStore, keys, clock, snapshots: { onClose: false } }) : createJourneyEngine({ store: clearStore, clock, snapshots: { onClose: false } });
      let loaded = false;
      reader.snapshotEvents$.subscribe((e) => (loaded ||= e.kind === 'loaded'));
      await reader.ready();
      await reader.close();
      if (!loaded) throw new Error(`the ${keyed ? 'sealed' : 'clear'} snapshot was not loaded`);
    });
  };
  const sl = await compareAlternating(() => load(true), () => load(false), { warmup: 1, runs: 5 });
  report({ benchmark: 'erasure', name: `resume of a new engine from the sealed snapshot (${n} events)`, value: sl.subject, unit: 'ms', reference: { name: 'from the clear snapshot', value: sl.reference, ratio: sl.ratio }, samples: sl.subjectSamples });
  await clearWriter.close();

  const tenant = raws[0]!.tenantId;
  const customer = raws.find((r) => r.tenantId === tenant && r.customerId !== undefined)!.customerId!;
  const eraseMs = await timeMs(() => writer.erase(tenant, customer));
  report({ benchmark: 'erasure', name: `erase() of one customer (tenant of ${raws.filter((r) => r.tenantId === tenant).length.toLocaleString('en-US')} events re-folded, snapshot of ${n} events resealed)`, value: eraseMs, unit: 'ms' });
  await writer.close();
}
