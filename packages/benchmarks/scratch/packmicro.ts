// Scratch: cost of packing and unpacking the records of an engine caught up over argv[2] (no horizon).
import { openFileEventStore } from '@omnitrail/eventstore';
import { createJourneyEngine } from '@omnitrail/journey';
import { packCustomerRecord, unpackCustomerRecord } from '../../journey/src/live/packed-customers/index.js';
import { serialize, deserialize } from 'node:v8';
import { deflateRawSync, inflateRawSync, constants } from 'node:zlib';
const level = Number(process.argv[4] ?? 1);
const store = await openFileEventStore({ directory: process.argv[2]!, fsync: 'none' });
const engine = createJourneyEngine({ store, snapshots: false, logger: { info: () => undefined, warn: () => undefined } });
await engine.ready();
const recs = [...engine.fold('tenant-1')!.customers.customers.values()];
await engine.close();
await store.close();
const mode = process.argv[3] ?? 'codec';
for (let round = 0; round < 3; round++) {
  let t = performance.now();
  let bytes = 0;
  const packed = recs.map((r) => { const p = mode === 'v8' ? serialize(r) : mode === 'v8z' ? deflateRawSync(serialize(r), { level }) : mode === 'codecz' ? deflateRawSync(packCustomerRecord(r).bytes, { level }) : packCustomerRecord(r).bytes; bytes += p.byteLength; return p; });
  const enc = performance.now() - t;
  t = performance.now();
  for (const p of packed) mode === 'v8' ? deserialize(p) : mode === 'v8z' ? deserialize(inflateRawSync(p)) : mode === 'codecz' ? unpackCustomerRecord({ customerId: '', firstAt: 0, firstId: '', bytes: inflateRawSync(p) }) : unpackCustomerRecord({ customerId: '', firstAt: 0, firstId: '', bytes: p as Uint8Array });
  const dec = performance.now() - t;
  console.log(mode, recs.length, 'records', (bytes / recs.length).toFixed(0), 'B each; encode', ((enc * 1000) / recs.length).toFixed(1), 'µs, decode', ((dec * 1000) / recs.length).toFixed(1), 'µs');
}
