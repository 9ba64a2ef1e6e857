// An engine snapshot is captured at once and encoded in slices, between which the engine goes on folding
// (issue 19, docs/durable-engine.md "Snapshots without a pause"): what it writes is exactly the state it
// captured, whatever the engine folds meanwhile (in-order and late events, merges, evictions, host
// projections whose states change in place), and a resume from it equals an engine that never stopped.
import { createInMemoryEventStore, type EventStore } from '@omnitrail/eventstore';
import { assertProperty, fcParameters } from '@omnitrail/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine, type JourneyEngine } from '../src/index.js';
import { engineSnapshotPause, engineSubjectTables } from '../src/internal.js';
import { ASOF, batchesOf, observed, perCustomer, perTenant, resumeScenarioArbitrary } from './helpers/resume-fixture.js';

const DAY = 86_400_000;
const quiet = { info: () => undefined, warn: () => undefined };
const KEY = 'journey-engine.snapshot';

/** An engine over its own in-memory store that snapshots only when asked, in slices of 0 ms (a pause at every look at the clock). */
async function engineOver(store: EventStore, bounded: boolean): Promise<JourneyEngine> {
  const engine = createJourneyEngine({
    store,
    clock: () => ASOF,
    projections: [perCustomer, perTenant],
    snapshots: { everyEvents: 0, onClose: false, sliceMs: 0 },
    logger: quiet,
    ...(bounded ? { memory: { horizonMs: 2 * DAY, minEvictEvents: 3 } } : {}),
  });
  await engine.ready();
  return engine;
}

/** Until the subscription handed back every event the engine recorded (a snapshot waits for that before its capture). */
async function handedBack(engine: JourneyEngine): Promise<void> {
  for (;;) {
    const tables = engineSubjectTables(engine);
    if (tables.ownInFlight === 0 && tables.holes === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** The header of the snapshot document in a store (its payload's SHA-256 says whether two payloads are equal). */
async function headerOf(store: EventStore): Promise<{ sha256: string; events: number; position: string | null; payloadBytes: number }> {
  const document = await store.documents.read(KEY);
  if (document === undefined) throw new Error('no snapshot written');
  const bytes = Buffer.from(document.value);
  return JSON.parse(bytes.toString('utf8', 12, 12 + bytes.readUInt32LE(8))) as { sha256: string; events: number; position: string | null; payloadBytes: number };
}

/** The property: two engines record the same first batches; one snapshots quietly, the other while the rest comes. */
function snapshotWhileFolding(counts: { interleaved: number }) {
  return fc.asyncProperty(resumeScenarioArbitrary(), fc.nat(), fc.boolean(), async (scenario, cut, bounded) => {
    const batches = batchesOf(scenario);
    const split = 1 + (cut % batches.length);
    const quietStore = createInMemoryEventStore();
    const busyStore = createInMemoryEventStore();
    const still = await engineOver(quietStore, bounded);
    const busy = await engineOver(busyStore, bounded);
    const reference = createJourneyEngine({ clock: () => ASOF, projections: [perCustomer, perTenant] });
    for (const batch of batches.slice(0, split)) {
      await still.recordUnknown(batch);
      await busy.recordUnknown(batch);
      await reference.recordUnknown(batch);
    }
    await handedBack(still);
    await handedBack(busy);
    await still.snapshot();
    // The capture happens before the first pause (a turn of the event loop): the next batches come after it.
    const writing = busy.snapshot();
    await new Promise((resolve) => setImmediate(resolve));
    let during = 0;
    let written = false;
    void writing.then(() => (written = true));
    for (const batch of batches.slice(split)) {
      await busy.recordUnknown(batch);
      await reference.recordUnknown(batch);
      if (!written) during++;
    }
    await writing;
    if (during > 0) counts.interleaved++;
    expect(engineSnapshotPause(busy)!.slices).toBeGreaterThan(1);
    // Same captured state, same bytes: the payloads' checksums agree.
    const [a, b] = [await headerOf(quietStore), await headerOf(busyStore)];
    expect(b).toEqual(a);
    // And the busy engine's resume from it equals the engine that never stopped.
    await busy.close();
    const resumed = await engineOver(busyStore, bounded);
    const tenants = [...new Set(scenario.events.map((e) => String((e as { tenantId?: unknown }).tenantId)))].sort();
    for (const tenantId of tenants) expect(observed(resumed, tenantId)).toEqual(observed(reference, tenantId));
    await resumed.close();
    await still.close();
    await reference.close();
  });
}

describe('a snapshot encoded while the engine folds', () => {
  it('writes exactly the state captured, and a resume from it equals an engine that never stopped (property)', async () => {
    const counts = { interleaved: 0 };
    await assertProperty(snapshotWhileFolding(counts), fcParameters({ numRuns: 40 }));
    // The runs did fold batches while a snapshot was being encoded.
    expect(counts.interleaved).toBeGreaterThan(5);
  });

  it('never sees the states it reads changed by an eviction meanwhile (a seed whose runs evict, compacting settled records, during an encoding)', async () => {
    // Found by the property above when the compaction of settled records (docs/durable-engine.md) changed
    // the base's maps in place: kept as a fixed run, since the property meets that case about once in six.
    await assertProperty(snapshotWhileFolding({ interleaved: 0 }), { ...fcParameters({ numRuns: 12 }), seed: -1090451440 });
  });
});
