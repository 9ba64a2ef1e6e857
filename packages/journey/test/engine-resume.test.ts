// The durable engine over the file store: restart equivalence as a property (stops at random points, resumes,
// goes on), the rejection of snapshots it must not load, and what resuming reads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileEventStore, openFileKeyStore, type EventStore } from '@omnitrail/eventstore';
import { assertProperty, fcParameters } from '@omnitrail/testing';
import fc from 'fast-check';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createJourneyEngine, defineJourneyProjection, type EngineSnapshotEvent } from '../src/index.js';
import { ASOF, batchesOf, observed, perCustomer, perTenant, resumeScenarioArbitrary, runResumeScenario } from './helpers/resume-fixture.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'omnitrail-resume-'));
  dirs.push(d);
  return d;
};

describe('journey engine over the file store: resume', () => {
  it('gives the state and reports of an engine that never stopped, whatever the stops (property)', async () => {
    const kinds = new Map<string, number>();
    // Sealed snapshots loaded by the sealed runs.
    let sealedLoads = 0;
    await assertProperty(
      fc.asyncProperty(resumeScenarioArbitrary(), async (scenario) => {
        const directory = tmp();
        const seen = await runResumeScenario(scenario, {
          open: () => openFileEventStore({ directory, fsync: 'none' }),
          crash: (store) => store.close(),
          // Sealed scenarios: personal fields and snapshots sealed with the keys kept in the directory.
          openKeys: () => openFileKeyStore({ directory }),
        });
        for (const e of seen) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
        if (scenario.sealed) sealedLoads += seen.filter((e) => e.kind === 'loaded').length;
        rmSync(directory, { recursive: true, force: true });
      }),
      fcParameters({ numRuns: 25 }),
    );
    // The runs resumed from snapshots, rebuilt after damaged ones, and started with none.
    expect(kinds.get('loaded')).toBeGreaterThan(5);
    expect(kinds.get('rejected')).toBeGreaterThan(0);
    expect(kinds.get('none')).toBeGreaterThan(0);
    expect(sealedLoads).toBeGreaterThan(0);
  }, 120_000);

  it('reads only the events after the snapshot, and says what it loaded', async () => {
    const directory = tmp();
    const [scenario] = fc.sample(resumeScenarioArbitrary(), { seed: 7, numRuns: 1 });
    const events = batchesOf(scenario!).flat();
    let store: EventStore = await openFileEventStore({ directory });
    const first = createJourneyEngine({ store, clock: () => ASOF, projections: [perCustomer, perTenant], snapshots: { everyEvents: 0, onClose: false } });
    await first.recordUnknown(events.slice(0, 20));
    const written = await first.snapshot();
    expect(written).toMatchObject({ key: 'journey-engine.snapshot', events: 20 });
    await first.recordUnknown(events.slice(20));
    const expected = observed(first, String(events[0]!.tenantId));
    // Closed without a snapshot on close: the next engine resumes from the one above and reads the rest.
    await first.close();
    await store.close();
    store = await openFileEventStore({ directory });
    const reads: bigint[] = [];
    const watched: EventStore = { ...store, subscribeToAll: (o) => (reads.push(o?.from as bigint), store.subscribeToAll(o)) };
    const second = createJourneyEngine({ store: watched, clock: () => ASOF, projections: [perCustomer, perTenant], snapshots: { onClose: false } });
    const loaded: EngineSnapshotEvent[] = [];
    second.snapshotEvents$.subscribe((e) => loaded.push(e));
    await second.ready();
    expect(loaded).toEqual([expect.objectContaining({ kind: 'loaded', events: 20, position: written!.position, version: written!.version })]);
    expect(reads).toEqual([written!.position]);
    expect(observed(second, String(events[0]!.tenantId))).toEqual(expected);
    await second.close();
    await store.close();
  });

  it('rebuilds from the log, says why and logs it, for a snapshot of other projection versions, other config, the previous format, or damaged bytes', async () => {
    const directory = tmp();
    const [scenario] = fc.sample(resumeScenarioArbitrary(), { seed: 11, numRuns: 1 });
    const events = batchesOf(scenario!).flat();
    const tenantId = String(events[0]!.tenantId);
    const store = await openFileEventStore({ directory });
    const engine = createJourneyEngine({ store, clock: () => ASOF, projections: [perCustomer, perTenant] });
    await engine.recordUnknown(events);
    await engine.close();
    const bumped = defineJourneyProjection({ ...perCustomer, version: 4 });
    const cases: [string, Parameters<typeof createJourneyEngine>[0], string][] = [
      ['host projection version', { projections: [bumped, perTenant] }, 'fingerprint'],
      ['configuration', { projections: [perCustomer, perTenant], config: { sessionTimeoutMinutes: 45 } as never }, 'fingerprint'],
    ];
    for (const [label, options, reason] of cases) {
      const lines: string[] = [];
      const resumed = createJourneyEngine({ ...options, store, clock: () => ASOF, snapshots: { onClose: false }, logger: { info: () => undefined, warn: (m) => lines.push(m) } });
      const seen: EngineSnapshotEvent[] = [];
      resumed.snapshotEvents$.subscribe((e) => seen.push(e));
      await resumed.ready();
      expect(seen[0], label).toMatchObject({ kind: 'rejected', reason });
      expect(lines[0], label).toMatch(/not loaded .*rebuilding from the whole log/);
      // Rebuilt from the log: the same as a fresh engine's rebuild with those options, and no stale state.
      const fresh = createJourneyEngine({ ...options, store, clock: () => ASOF, snapshots: false });
      await fresh.ready();
      expect(resumed.report(tenantId, { asOf: ASOF }), label).toEqual(fresh.report(tenantId, { asOf: ASOF }));
      await resumed.close();
      await fresh.close();
    }
    // The same projections again: the snapshot is still the original one and loads.
    const document = (await store.documents.read('journey-engine.snapshot'))!;
    const again = createJourneyEngine({ store, clock: () => ASOF, projections: [perCustomer, perTenant], snapshots: { onClose: false } });
    const seen: EngineSnapshotEvent[] = [];
    again.snapshotEvents$.subscribe((e) => seen.push(e));
    await again.ready();
    expect(seen[0]).toMatchObject({ kind: 'loaded', events: events.length });
    const expected = observed(again, tenantId);
    await again.close();
    // A snapshot of the previous format (4: the structured part through V8's serializer), told by its
    // header's format before its payload is read.
    const previousFormat = (b: Uint8Array) => {
      const at = Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf('"format":') + '"format":'.length;
      const format = Number(String.fromCharCode(b[at]!));
      expect(format).toBeGreaterThan(4);
      b[at] = String(format - 1).charCodeAt(0);
    };
    // Damaged: a byte of the payload flipped, then the header cut short.
    for (const [damage, reason] of [[previousFormat, 'format'], [(b: Uint8Array) => (b[b.length - 10] = b[b.length - 10]! ^ 1), 'checksum'], [(b: Uint8Array) => b.fill(0, 8, 12), 'unreadable']] as const) {
      const bytes = new Uint8Array(document.value);
      damage(bytes);
      await store.documents.write('journey-engine.snapshot', bytes, { expectedVersion: 'any' });
      const resumed = createJourneyEngine({ store, clock: () => ASOF, projections: [perCustomer, perTenant], logger: { info: () => undefined, warn: () => undefined } });
      const events$: EngineSnapshotEvent[] = [];
      resumed.snapshotEvents$.subscribe((e) => events$.push(e));
      // The rejected snapshot is replaced once rebuilt.
      const replaced = firstValueFrom(resumed.snapshotEvents$.pipe(filter((e) => e.kind === 'written')));
      await resumed.ready();
      expect(events$[0]).toMatchObject({ kind: 'rejected', reason });
      expect(observed(resumed, tenantId)).toEqual(expected);
      expect(await replaced).toMatchObject({ kind: 'written', events: events.length });
      await resumed.close();
    }
    await store.close();
  });

  it('refuses a snapshot() without a durable store or with snapshots off, and bad settings', async () => {
    const own = createJourneyEngine();
    await expect(own.snapshot()).rejects.toThrow(/needs a store/);
    await own.close();
    const directory = tmp();
    const store = await openFileEventStore({ directory });
    const off = createJourneyEngine({ store, snapshots: false });
    await expect(off.snapshot()).rejects.toThrow(/snapshots: false/);
    await off.close();
    expect(() => createJourneyEngine({ store, snapshots: { everyEvents: -1 } })).toThrow(/snapshots.everyEvents must be an integer >= 0, got -1/);
    expect(() => createJourneyEngine({ store, snapshots: { key: 'a/b' } })).toThrow(/snapshots.key/);
    await store.close();
  });
});
