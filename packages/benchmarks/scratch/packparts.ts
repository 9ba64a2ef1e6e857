// Scratch: what a packed record's bytes are made of.
import { openFileEventStore } from '@omnitrail/eventstore';
import { createJourneyEngine } from '@omnitrail/journey';
import { encodeSnapshotValue } from '../../journey/src/live/snapshot-codec/index.js';
const store = await openFileEventStore({ directory: process.argv[2]!, fsync: 'none' });
const engine = createJourneyEngine({ store, snapshots: false, logger: { info: () => undefined, warn: () => undefined } });
await engine.ready();
const recs = [...engine.fold('tenant-1')!.customers.customers.values()];
await engine.close();
await store.close();
const r = recs[100]!;
const parts = encodeSnapshotValue(r, 4096);
console.log(parts.map((p) => p.length));
console.log(parts.map((p) => p.toString('latin1').slice(0, 300).replace(/[^\x20-\x7e]/g, '.')).join('\n---\n'));
console.log(JSON.stringify(r).length, r.ids.length, Object.keys(r), JSON.stringify(r).slice(0, 3000));
