// Scratch: encode cost alone, records from an engine over argv[2].
import { openFileEventStore } from '@omnitrail/eventstore';
import { createJourneyEngine } from '@omnitrail/journey';
import { packCustomerRecord } from '../../journey/src/live/packed-customers/index.js';
const store = await openFileEventStore({ directory: process.argv[2]!, fsync: 'none' });
const engine = createJourneyEngine({ store, snapshots: false, logger: { info: () => undefined, warn: () => undefined } });
await engine.ready();
const recs = [...engine.fold('tenant-1')!.customers.customers.values()].map((r) => structuredClone(r));
await engine.close();
await store.close();
(globalThis as { gc?: () => void }).gc?.();
for (let round = 0; round < 6; round++) {
  const t = performance.now();
  let n = 0;
  for (const r of recs) n += packCustomerRecord(r).bytes.length;
  console.log('encode', (((performance.now() - t) * 1000) / recs.length).toFixed(1), 'µs', n / recs.length);
}
