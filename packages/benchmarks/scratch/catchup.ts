// Scratch: time a catch-up over an existing memory-bench store (argv[2]), with the 30-day horizon or not (argv[3] = 'whole').
import { openFileEventStore } from '@omnitrail/eventstore';
import { createJourneyEngine } from '@omnitrail/journey';
const dir = process.argv[2]!;
const whole = process.argv[3] === 'whole';
const store = await openFileEventStore({ directory: dir, fsync: 'none' });
const t0 = performance.now();
const engine = createJourneyEngine({ store, snapshots: false, logger: { info: () => undefined, warn: () => undefined }, ...(whole ? {} : { memory: { horizonMs: 30 * 24 * 3_600_000 } }) });
await engine.ready();
const ms = performance.now() - t0;
const s = engine.memoryStats();
console.log(JSON.stringify({ whole, ms: Math.round(ms), packed: s.recordsPacked, unpacked: s.recordsUnpacked, held: s.packedRecords, evicted: s.evictedEvents }));
await engine.close();
await store.close();
