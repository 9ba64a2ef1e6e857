// Scratch: a report of the tenant after a bounded catch-up over argv[2] (asOf argv[3]).
import { openFileEventStore } from '@omnitrail/eventstore';
import { createJourneyEngine } from '@omnitrail/journey';
const store = await openFileEventStore({ directory: process.argv[2]!, fsync: 'none' });
const engine = createJourneyEngine({ store, snapshots: false, logger: { info: () => undefined, warn: () => undefined }, memory: { horizonMs: 30 * 24 * 3_600_000 } });
await engine.ready();
const asOf = Number(process.argv[3]);
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  engine.report('tenant-1', { asOf });
  console.log('report', Math.round(performance.now() - t), 'ms');
}
await engine.close();
await store.close();
