// Scratch: argv[3] = 'write' catches up over argv[2] with the 30-day horizon and writes a snapshot; 'load' resumes from it.
import { openFileEventStore } from '@omnitrail/eventstore';
import { createJourneyEngine } from '../../journey/src/index.js';
import { engineSnapshotPause } from '../../journey/src/internal.js';
const quiet = { info: () => undefined, warn: () => undefined };
const memory = { horizonMs: 30 * 24 * 3_600_000 };
const t0 = performance.now();
const store = await openFileEventStore({ directory: process.argv[2]!, fsync: 'none' });
const t1 = performance.now();
if (process.argv[3] === 'write') {
  const engine = createJourneyEngine({ store, memory, snapshots: { everyEvents: 0, onClose: false }, logger: quiet });
  await engine.ready();
  await engine.snapshot();
  console.log(JSON.stringify(engineSnapshotPause(engine as never)));
  await engine.snapshot();
  console.log(JSON.stringify(engineSnapshotPause(engine as never)));
  await engine.close();
} else {
  const engine = createJourneyEngine({ store, memory, snapshots: { everyEvents: 0, onClose: false }, logger: quiet });
  let loaded = 0;
  engine.snapshotEvents$.subscribe((e) => { if (e.kind === 'loaded') loaded = performance.now() - t1; else console.log(e.kind); });
  await engine.ready();
  console.log(JSON.stringify({ open: Math.round(t1 - t0), loaded: Math.round(loaded), ready: Math.round(performance.now() - t0) }));
  await engine.close();
}
await store.close();
