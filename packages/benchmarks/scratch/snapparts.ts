// Scratch: which parts of the engine snapshot's structured state take room and decode time (store argv[2] with a snapshot written).
import { openFileEventStore } from '@omnitrail/eventstore';
import { createJourneyEngine } from '@omnitrail/journey';
import { decodeEngineSnapshot, encodeSnapshotValue, decodeSnapshotValue } from '../../journey/src/internal.js';
const store = await openFileEventStore({ directory: process.argv[2]!, fsync: 'none' });
const doc = await store.documents.read('journey-engine.snapshot');
const bytes = new Uint8Array(doc!.value);
// The fingerprint is checked: read it from the header.
const hlen = Buffer.from(bytes).readUInt32LE(8);
const header = JSON.parse(Buffer.from(bytes).toString('utf8', 12, 12 + hlen));
const t = performance.now();
const decoded = decodeEngineSnapshot(bytes, header.fingerprint) as { ok: boolean; state?: any; reason?: string };
console.log('decode all', Math.round(performance.now() - t), 'ms', decoded.ok ?? Object.keys(decoded));
const state = (decoded as any).state ?? (decoded as any);
const tenant = state.tenants[0];
const parts: Record<string, unknown> = {
  headCases: tenant.head.cases, baseCases: tenant.base?.cases, headCustomers: tenant.head.customers, baseCustomers: tenant.base?.customers,
  headIdentity: tenant.head.identity, baseIdentity: tenant.base?.identity, headViews: tenant.head.views, baseViews: tenant.base?.views,
  snapshots: tenant.snapshots, regroup: tenant.regroup, firstByCanonical: tenant.firstByCanonical, events: tenant.events.length, host: tenant.host,
};
for (const [k, v] of Object.entries(parts)) {
  if (typeof v !== 'object' || v === null) { console.log(k, v); continue; }
  const enc = Buffer.concat(encodeSnapshotValue(v));
  const t1 = performance.now();
  decodeSnapshotValue(enc);
  console.log(k.padEnd(16), (enc.length / 1e6).toFixed(1), 'MB', Math.round(performance.now() - t1), 'ms');
}
await store.close();
