// record() as the engine issue states its goal: validation, identity resolution, the in-memory store and
// three simple host projections (by customer, case and tenant; the standard projections off). In a process
// of its own, apart from record.bench.ts: an engine serves either set of projections, and the standard
// projections' runs would leave type feedback in the code both share (see run.ts).
import { createJourneyEngine, defineJourneyProjection } from '@omnitrail/journey';
import { medianOf, perSecond, report, timeMs } from './harness/index.js';
import { recordWorkload } from './record-workload/index.js';

export async function run(): Promise<void> {
  const { raws, asOf } = recordWorkload();
  const simple = [
    defineJourneyProjection({ name: 'touchpoints', partitionBy: 'customer', initialState: () => ({ count: 0, lastAt: 0 }), evolve: (s, e) => ({ count: s.count + 1, lastAt: e.at }), clone: false }),
    defineJourneyProjection({ name: 'case-messages', partitionBy: 'case', initialState: () => ({ messages: 0, lastType: '' }), evolve: (s, e) => ({ messages: s.messages + (e.event.type.startsWith('Message') ? 1 : 0), lastType: e.event.type }), clone: false }),
    defineJourneyProjection({ name: 'volume', partitionBy: 'tenant', initialState: () => ({ events: 0 }), evolve: (s) => ({ events: s.events + 1 }), clone: false }),
  ];
  // Two warm-up runs and seven measured: after one warm-up the first measured run still grows the heap
  // and finishes compiling (it came out 20-30% below the rest in every run of this file), and a
  // long-running engine is measured in its steady state.
  const recSimple = await medianOf(async () => {
    const engine = createJourneyEngine({ clock: () => asOf, projections: simple, standardProjections: false });
    const ms = await timeMs(async () => {
      for (let i = 0; i < raws.length; i += 1000) await engine.recordUnknown(raws.slice(i, i + 1000));
    });
    await engine.close();
    return perSecond(raws.length, ms);
  }, { warmup: 2, runs: 7 });
  report({ benchmark: 'record', name: `record() batches of 1,000, time-ordered, three simple host projections (${raws.length.toLocaleString('en-US')} events, late merges included)`, value: recSimple.median, unit: 'events/s', goal: '≥ 300,000 events/s', samples: recSimple.samples });
}
