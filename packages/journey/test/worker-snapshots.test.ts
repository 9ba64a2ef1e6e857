// Per-tenant snapshots of engine workers (docs/workers.md) over the in-memory store: a tenant handed from
// worker A to worker B (A closing, A stopping without a last snapshot as a killed worker leaves things, or A
// handing it over when B joins) gives B exactly the state of an engine that folded every stored event, B
// loads A's snapshots and folds only what came after them, and a damaged snapshot is reported and replaced.
// The multi-process kill over PostgreSQL is in packages/eventstore-postgres/test/workers.test.ts. A snapshot
// encoded in slices while its worker folds on is checked here too (the engine-wide one: snapshot-while-folding).
import { createInMemoryEventStore, createInMemoryKeyStore, type EventStore } from '@omnitrail/eventstore';
import { parseEventOrThrow } from '@omnitrail/events';
import { assertProperty, fcParameters } from '@omnitrail/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { preferredWorker } from '../src/live/workers/index.js';
import { createTenantSnapshots, tenantSnapshotKey, type TenantSnapshotEvent } from '../src/live/tenant-snapshots/index.js';
import { decodeEngineSnapshot, DEFAULT_SNAPSHOT_KEY, snapshotFingerprint } from '../src/live/engine-snapshot/index.js';
import { createSnapshotKeys, isSealedEngineSnapshot, openSealedEngineSnapshot, readSealedSnapshotHeader } from '../src/live/sealed-snapshot/index.js';
import { createJourneyEngine, resolveJourneyConfig, type EngineSnapshotEvent, type JourneyEngine, type JourneyProjection } from '../src/index.js';
import { ASOF, batchesOf, foldState, perCustomer, perTenant, resumeScenarioArbitrary } from './helpers/resume-fixture.js';
import { storeHoldingErasures } from './helpers/holding-erasures.js';

const quiet = { info: () => undefined, warn: () => undefined };
const engines: JourneyEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
});

function worker(store: EventStore, id: string, snapshots: { everyEvents: number; onClose: boolean }): { engine: JourneyEngine; seen: EngineSnapshotEvent[]; folded: string[] } {
  const engine = createJourneyEngine({ store, clock: () => ASOF, projections: [perCustomer, perTenant], worker: { id, leaseMs: 5000, renewEveryMs: 20 }, snapshots, logger: quiet });
  engines.push(engine);
  const seen: EngineSnapshotEvent[] = [];
  engine.snapshotEvents$.subscribe((e) => seen.push(e));
  const folded: string[] = [];
  engine.changes$.subscribe((change) => folded.push(...change.eventIds));
  return { engine, seen, folded };
}

async function closeEngine(engine: JourneyEngine): Promise<void> {
  engines.splice(engines.indexOf(engine), 1);
  await engine.close();
}

async function until(condition: () => boolean, what: string): Promise<void> {
  // Bounded by a number of turns; the checks are on behaviour, not on how long it took.
  for (let i = 0; !condition(); i++) {
    if (i > 3000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** What a tenant looks like from the outside: its report, fold and host partitions (not the engine-wide counters). */
function tenantView(engine: JourneyEngine, tenantId: string): unknown {
  const customers = engine.projection(perCustomer);
  const tenant = engine.projection(perTenant);
  const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v].sort() : typeof v === 'bigint' ? `${v}n` : v)));
  return {
    report: engine.report(tenantId, { asOf: ASOF }),
    fold: foldState(engine.fold(tenantId)),
    perCustomer: customers.keys(tenantId).map((k) => [k, plain(customers.state(tenantId, k))]),
    perTenant: tenant.keys(tenantId).map((k) => [k, tenant.state(tenantId, k)]),
  };
}

async function storedIds(store: EventStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const stored of store.readAll({ filter: { streamNamePrefix: 'journey-' } })) ids.push(parseEventOrThrow(stored.data).id);
  return ids;
}

type Mode = 'close' | 'stop-without-snapshot' | 'hand-over';

describe('engine workers: per-tenant snapshots', () => {
  it('a tenant handed from worker A to worker B gives B the state of an engine that folded everything, each event in it once (property)', async () => {
    const kinds = new Map<string, number>();
    await assertProperty(
      fc.asyncProperty(resumeScenarioArbitrary(), fc.constantFrom<Mode>('close', 'stop-without-snapshot', 'hand-over'), fc.nat(), fc.nat(), async (scenario, mode, cut1, cut2) => {
        const store = createInMemoryEventStore();
        const batches = batchesOf(scenario);
        const first = cut1 % (batches.length + 1);
        const second = first + (cut2 % (batches.length - first + 1));
        const tenants = [...new Set(scenario.events.map((e) => String((e as { tenantId?: unknown }).tenantId)))].sort();
        // A killed worker never writes a last snapshot: stopping without one (onClose false) leaves the store as
        // a kill does, its periodic snapshots only (the lease lapse is what the PostgreSQL test adds).
        const a = worker(store, 'worker-a', { everyEvents: scenario.everyEvents, onClose: mode !== 'stop-without-snapshot' });
        const recorder = createJourneyEngine({ store, standardProjections: false, snapshots: false });
        for (const batch of batches.slice(0, first)) await a.engine.recordUnknown(batch);
        await a.engine.ready();
        // Some events through another writer: A folds them from its subscription.
        for (const batch of batches.slice(first, second)) await recorder.recordUnknown(batch);
        const before = new Set(batches.slice(0, second).flat().map((e) => String((e as { tenantId?: unknown }).tenantId)));
        await until(() => a.engine.ownedTenants().length === before.size, 'worker-a serving its tenants');

        let b: ReturnType<typeof worker>;
        if (mode === 'hand-over') {
          // B joins: A hands over the tenants B prefers (snapshot first), then stops without a last snapshot.
          b = worker(store, 'worker-b', { everyEvents: scenario.everyEvents, onClose: true });
          await b.engine.ready();
          await closeEngine(a.engine);
        } else {
          await closeEngine(a.engine);
          b = worker(store, 'worker-b', { everyEvents: scenario.everyEvents, onClose: true });
          await b.engine.ready();
        }
        await until(() => b.engine.ownedTenants().length === before.size, 'worker-b serving every tenant');
        // B goes on: the rest recorded through it.
        for (const batch of batches.slice(second)) await b.engine.recordUnknown(batch);
        await until(() => b.engine.ownedTenants().length === tenants.length, 'worker-b serving the new tenants');

        const reference = createJourneyEngine({ store, clock: () => ASOF, projections: [perCustomer, perTenant], snapshots: false });
        await reference.ready();
        for (const tenantId of tenants) expect(tenantView(b.engine, tenantId)).toEqual(tenantView(reference, tenantId));
        // Each stored event is in B's state once: in a snapshot it loaded, or folded by B, never both.
        const ids = await storedIds(store);
        const loaded = b.seen.filter((e): e is Extract<EngineSnapshotEvent, { kind: 'loaded' }> => e.kind === 'loaded');
        expect(new Set(b.folded).size).toBe(b.folded.length);
        expect(loaded.reduce((n, e) => n + e.events, 0) + b.folded.length).toBe(ids.length);
        // On close and on a hand-over A wrote every tenant it gave back: B loaded each of them.
        if (mode === 'close') expect(loaded.map((e) => e.tenantId).sort()).toEqual([...before].sort());
        for (const e of b.seen) kinds.set(`${mode}:${e.kind}`, (kinds.get(`${mode}:${e.kind}`) ?? 0) + 1);
        await reference.close();
        await recorder.close();
        await closeEngine(b.engine);
      }),
      fcParameters({ numRuns: 25 }),
    );
    // The runs loaded the snapshots written on close and on hand-over (those of a worker stopped without a
    // last one, when it took periodic ones: the next test, deterministically).
    expect(kinds.get('close:loaded')).toBeGreaterThan(0);
    expect(kinds.get('hand-over:loaded')).toBeGreaterThan(0);
  }, 120_000);

  it('writes the state it captured while the worker goes on folding, and a worker that loads it equals an engine that folded everything (property)', async () => {
    // A worker's tenant snapshot is captured at once and encoded in slices (sliceMs 0: a pause at every look
    // at the clock) while the worker folds what comes: a snapshot is due once more than half of the tenant's
    // events are folded, and the rest is recorded while it is encoded. A worker B then loads that snapshot (put
    // back in place of any later one) and folds only what came after its position: an event of the rest in it
    // would be folded twice, an event before it missing would be missed. With a memory horizon some customer
    // records are packed in it.
    let interleaved = 0;
    await assertProperty(
      fc.asyncProperty(resumeScenarioArbitrary(), fc.boolean(), async (scenario, bounded) => {
        const tenantId = String((scenario.events[0] as { tenantId?: unknown }).tenantId);
        const batches = batchesOf(scenario)
          .map((batch) => batch.filter((e) => String((e as { tenantId?: unknown }).tenantId) === tenantId))
          .filter((batch) => batch.length > 0);
        const total = batches.reduce((n, b) => n + b.length, 0);
        let everyEvents = 0;
        let split = 0;
        while (everyEvents * 2 <= total) everyEvents += batches[split++]!.length;
        // Due on a batch after the first: the first is folded once the worker holds the tenant's lease.
        if (split < 2 || split === batches.length) return;
        const store = createInMemoryEventStore();
        // Every version of the tenant's snapshot document written, to put the first back.
        const key = tenantSnapshotKey(DEFAULT_SNAPSHOT_KEY, tenantId);
        const writes: Uint8Array[] = [];
        const documents = store.documents;
        const recording: EventStore = {
          ...store,
          documents: { ...documents, write: (k, value, opts) => (k === key && writes.push(value.slice()), documents.write(k, value, opts)) },
        };
        const options = (id: string, over: EventStore) =>
          ({
            store: over,
            clock: () => ASOF,
            projections: [perCustomer, perTenant],
            worker: { id, leaseMs: 5000, renewEveryMs: 20 },
            snapshots: { everyEvents, everyMs: 0, onClose: false, sliceMs: 0 },
            logger: quiet,
            ...(bounded ? { memory: { horizonMs: 2 * 86_400_000, minEvictEvents: 3 } } : {}),
          }) as const;
        const a = createJourneyEngine(options('worker-a', recording));
        engines.push(a);
        const foldedByA = new Set<string>();
        const written: { position: bigint | undefined; foldedThen: string[] }[] = [];
        a.changes$.subscribe((change) => change.eventIds.forEach((id) => foldedByA.add(id)));
        a.snapshotEvents$.subscribe((e) => {
          if (e.kind === 'written') written.push({ position: e.position, foldedThen: [...foldedByA] });
        });
        await a.recordUnknown(batches[0]!);
        await until(() => a.ownedTenants().includes(tenantId) && foldedByA.size === batches[0]!.length, 'worker-a serving the tenant');
        for (const batch of batches.slice(1, split)) await a.recordUnknown(batch);
        // The snapshot is due now: scheduled for the next turn of the event loop, where it is captured and its
        // encoding begins; the rest comes while it is encoded.
        await new Promise((resolve) => setImmediate(resolve));
        for (const batch of batches.slice(split)) await a.recordUnknown(batch);
        await until(() => written.length > 0 && foldedByA.size === total, 'a snapshot written and every event folded');
        await closeEngine(a);
        const positions = new Map<string, bigint>();
        for await (const stored of store.readAll({ filter: { streamNamePrefix: 'journey-' } })) positions.set(parseEventOrThrow(stored.data).id, stored.position);
        const first = written[0]!;
        expect(first.position).toBeDefined();
        // Folded while it was encoded: events after its position were folded before it was written.
        if (first.foldedThen.some((id) => positions.get(id)! > first.position!)) interleaved++;
        await store.documents.write(key, writes[0]!, { expectedVersion: (await store.documents.read(key))!.version });
        const after = [...positions].filter(([, position]) => position > first.position!).map(([id]) => id);

        const b = createJourneyEngine(options('worker-b', store));
        engines.push(b);
        const loaded: Extract<EngineSnapshotEvent, { kind: 'loaded' }>[] = [];
        const foldedByB = new Set<string>();
        b.snapshotEvents$.subscribe((e) => {
          if (e.kind === 'loaded') loaded.push(e);
        });
        b.changes$.subscribe((change) => change.eventIds.forEach((id) => foldedByB.add(id)));
        await b.ready();
        await until(() => b.ownedTenants().includes(tenantId) && loaded.length === 1 && after.every((id) => foldedByB.has(id)), 'worker-b serving the tenant from the snapshot');
        expect(loaded[0]!.position).toBe(first.position);
        // Without a horizon nothing is re-read: exactly the events after the snapshot are folded.
        if (!bounded) expect([...foldedByB].sort()).toEqual(after.sort());
        const reference = createJourneyEngine({ store, clock: () => ASOF, projections: [perCustomer, perTenant], snapshots: false });
        await reference.ready();
        expect(tenantView(b, tenantId)).toEqual(tenantView(reference, tenantId));
        await reference.close();
        await closeEngine(b);
      }),
      fcParameters({ numRuns: 25 }),
    );
    // The runs folded events while the snapshot was being encoded.
    expect(interleaved).toBeGreaterThan(5);
  }, 120_000);

  it('loads a dead worker\'s periodic snapshot and reads only what came after; a damaged one is reported, rebuilt from the log and replaced', async () => {
    const [scenario] = fc.sample(resumeScenarioArbitrary(), { seed: 23, numRuns: 1 });
    const events = batchesOf(scenario!).flat();
    const tenants = [...new Set(events.map((e) => String((e as { tenantId?: unknown }).tenantId)))].sort();
    expect(tenants).toHaveLength(2);
    const store = createInMemoryEventStore();
    const a = worker(store, 'worker-a', { everyEvents: 1, onClose: false });
    await a.engine.recordUnknown(events);
    await a.engine.ready();
    await until(() => tenants.every((t) => a.seen.some((e) => e.kind === 'written' && e.tenantId === t)), 'periodic snapshots of both tenants');
    await a.engine.recordUnknown(events.slice(0, 3).map((e, i) => ({ ...e, id: `late-${i}` })));
    await closeEngine(a.engine);
    // The first tenant's snapshot is damaged; the second's is intact.
    const [damagedTenant, intactTenant] = tenants as [string, string];
    const key = tenantSnapshotKey('journey-engine.snapshot', damagedTenant);
    const document = (await store.documents.read(key))!;
    const bytes = new Uint8Array(document.value);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x5a;
    await store.documents.write(key, bytes, { expectedVersion: document.version });

    const b = worker(store, 'worker-b', { everyEvents: 1000, onClose: false });
    await b.engine.ready();
    await until(() => b.engine.ownedTenants().length === 2, 'worker-b serving both');
    expect(b.seen).toContainEqual(expect.objectContaining({ kind: 'rejected', tenantId: damagedTenant, reason: 'checksum' }));
    const loaded = b.seen.find((e) => e.kind === 'loaded' && e.tenantId === intactTenant);
    expect(loaded).toMatchObject({ key: tenantSnapshotKey('journey-engine.snapshot', intactTenant), tenants: 1 });
    // The damaged one is replaced by the rebuilt state once served.
    await until(() => b.seen.some((e) => e.kind === 'written' && e.tenantId === damagedTenant), 'the damaged snapshot replaced');
    const reference = createJourneyEngine({ store, clock: () => ASOF, projections: [perCustomer, perTenant], snapshots: false });
    await reference.ready();
    for (const tenantId of tenants) expect(tenantView(b.engine, tenantId)).toEqual(tenantView(reference, tenantId));
    // Of the intact tenant B folded only what A's snapshot did not hold.
    const intactIds = (await storedIds(store)).filter((id) => reference.fold(intactTenant)!.events.some((e) => e.event.id === id));
    const foldedIntact = b.folded.filter((id) => intactIds.includes(id));
    expect(foldedIntact.length + (loaded as { events: number }).events).toBe(intactIds.length);
    await reference.close();
  });

  it('forgets a tenant it handed over, and loads it from its snapshot when it comes back (no stale copy, no full read)', async () => {
    const [scenario] = fc.sample(resumeScenarioArbitrary(), { seed: 31, numRuns: 1 });
    const batches = batchesOf(scenario!);
    const tenants = [...new Set(scenario!.events.map((e) => String((e as { tenantId?: unknown }).tenantId)))].sort();
    const store = createInMemoryEventStore();
    const a = worker(store, 'worker-a', { everyEvents: 1000, onClose: true });
    const half = Math.ceil(batches.length / 2);
    for (const batch of batches.slice(0, half)) await a.engine.recordUnknown(batch);
    await a.engine.ready();
    await until(() => a.engine.ownedTenants().length === tenants.length, 'worker-a serving every tenant');
    // B joins and takes its share from A (A snapshots them first and forgets them): a worker id that
    // prefers some tenants but not all (rendezvous hashing).
    const bId = Array.from({ length: 40 }, (_, i) => `worker-b${i}`).find((id) => {
      const share = tenants.filter((t) => preferredWorker(t, ['worker-a', id]) === id).length;
      return share > 0 && share < tenants.length;
    })!;
    const b = worker(store, bId, { everyEvents: 1000, onClose: true });
    await b.engine.ready();
    await until(() => b.engine.ownedTenants().length > 0 && a.engine.ownedTenants().length + b.engine.ownedTenants().length === tenants.length, 'the split');
    const movedTwice = b.engine.ownedTenants();
    // More events while B holds them, then B leaves: A takes them back from B's snapshots.
    for (const batch of batches.slice(half)) await b.engine.recordUnknown(batch);
    const seenBefore = a.seen.length;
    await closeEngine(b.engine);
    await until(() => a.engine.ownedTenants().length === tenants.length, 'worker-a serving every tenant again');
    const loadedAgain = a.seen.slice(seenBefore).filter((e) => e.kind === 'loaded').map((e) => e.tenantId);
    expect(loadedAgain.sort()).toEqual([...movedTwice].sort());
    const reference = createJourneyEngine({ store, clock: () => ASOF, projections: [perCustomer, perTenant], snapshots: false });
    await reference.ready();
    for (const tenantId of tenants) expect(tenantView(a.engine, tenantId)).toEqual(tenantView(reference, tenantId));
    // Each event folded by A once, apart from the copies it forgot and took back in a snapshot.
    expect(new Set(a.folded).size).toBe(a.folded.length);
    await reference.close();
  });

  it('never lets a worker that lost a tenant overwrite the snapshot its new owner wrote', async () => {
    const [scenario] = fc.sample(resumeScenarioArbitrary(), { seed: 5, numRuns: 1 });
    const events = batchesOf(scenario!).flat();
    const tenantId = String((events[0] as { tenantId?: unknown }).tenantId);
    const store = createInMemoryEventStore();
    // A real tenant state, as a worker writes it on close.
    const w = worker(store, 'worker-w', { everyEvents: 0, onClose: true });
    await w.engine.recordUnknown(events.filter((e) => (e as { tenantId?: unknown }).tenantId === tenantId));
    await until(() => w.engine.ownedTenants().includes(tenantId), 'the tenant served');
    await closeEngine(w.engine);
    const key = tenantSnapshotKey('journey-engine.snapshot', tenantId);
    const fingerprint = snapshotFingerprint(resolveJourneyConfig(), true, [perCustomer, perTenant] as unknown as JourneyProjection<unknown>[]);
    const decoded = decodeEngineSnapshot((await store.documents.read(key))!.value, fingerprint);
    if (!decoded.ok) throw new Error(decoded.message);
    // Two snapshot writers of the tenant: what serves() answers is scripted (a queue, then `serving`).
    const writer = (position: bigint, script: { queue: boolean[]; serving: boolean }, seen: TenantSnapshotEvent[]) =>
      createTenantSnapshots({
        documents: store.documents,
        baseKey: 'journey-engine.snapshot',
        everyEvents: 0,
        fingerprint,
        clock: () => ASOF,
        logger: quiet,
        emit: (e) => seen.push(e),
        serves: () => script.queue.shift() ?? script.serving,
        folds: () => false,
        capture: () => ({ state: decoded.state, position }),
        restore: () => true,
        eventsHeld: () => 0,
      });
    const seenOld: TenantSnapshotEvent[] = [];
    const seenNew: TenantSnapshotEvent[] = [];
    const oldScript = { queue: [] as boolean[], serving: true };
    const old = writer(10n, oldScript, seenOld);
    expect(await old.load(tenantId)).toBe(decoded.position ?? 'start');
    old.folded(tenantId, 1);
    await old.write([tenantId]);
    expect(seenOld.at(-1)).toMatchObject({ kind: 'written', tenantId, position: 10n, version: 2n });
    // The tenant moves: the new owner loads the old one's snapshot and writes its own.
    oldScript.serving = false;
    const next = writer(20n, { queue: [], serving: true }, seenNew);
    expect(await next.load(tenantId)).toBe(10n);
    next.folded(tenantId, 1);
    await next.write([tenantId]);
    expect(seenNew.at(-1)).toMatchObject({ kind: 'written', position: 20n, version: 3n });
    // The old owner captured while it still served, and its write (expecting version 2) lands after it lost
    // the tenant: it fails and is not retried.
    old.folded(tenantId, 1);
    oldScript.queue.push(true);
    await old.write([tenantId]);
    expect(seenOld.at(-1)).toMatchObject({ kind: 'write-failed', tenantId, error: expect.objectContaining({ code: 'DOCUMENT_VERSION_CONFLICT' }) });
    const stored = (await store.documents.read(key))!;
    expect(stored.version).toBe(3n);
    expect(decodeEngineSnapshot(stored.value, fingerprint)).toMatchObject({ ok: true, position: 20n });
    // The owner serving it replaces a snapshot a late writer landed meanwhile (its own is newer).
    await store.documents.write(key, (await store.documents.read(key))!.value, { expectedVersion: 3n });
    next.folded(tenantId, 1);
    await next.write([tenantId]);
    expect(seenNew.at(-1)).toMatchObject({ kind: 'written', position: 20n, version: 5n });
  });

  it('derives a valid document key per tenant, distinct for distinct tenants (property)', () => {
    const key = /^[A-Za-z0-9_:@-][A-Za-z0-9._:@-]{0,199}$/;
    assertProperty(
      fc.property(fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }), fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }), (x, y) => {
        const kx = tenantSnapshotKey('journey-engine.snapshot', x);
        expect(kx).toMatch(key);
        if (x !== y) expect(kx).not.toBe(tenantSnapshotKey('journey-engine.snapshot', y));
      }),
      fcParameters({ numRuns: 300 }),
    );
    expect(tenantSnapshotKey('snap', 'acme.eu')).toBe('snap:tenant:acme.2eeu');
    const longBase = 'k'.repeat(200);
    expect(tenantSnapshotKey(longBase, 'acme')).toMatch(key);
    expect(tenantSnapshotKey(longBase, 'acme')).not.toBe(tenantSnapshotKey(longBase, 'acme2'));
    expect(tenantSnapshotKey(longBase, 'acme')).not.toBe(tenantSnapshotKey(`${longBase.slice(0, 199)}j`, 'acme'));
    expect(tenantSnapshotKey('snap', 'acme:eu')).not.toBe(tenantSnapshotKey('snap', 'acme.eu'));
  });
});

describe('engine workers with keys: sealed per-tenant snapshots', () => {
  it('seals each tenant snapshot, opens it on takeover, and writes it again under a new key after an erasure', async () => {
    const store = createInMemoryEventStore();
    const keys = createInMemoryKeyStore();
    const key = tenantSnapshotKey(DEFAULT_SNAPSHOT_KEY, 't1');
    const sealedWorker = (id: string) => {
      const engine = createJourneyEngine({ store, keys, clock: () => ASOF, worker: { id, leaseMs: 5000, renewEveryMs: 20 }, snapshots: { everyEvents: 1, onClose: true }, logger: quiet });
      engines.push(engine);
      const seen: EngineSnapshotEvent[] = [];
      engine.snapshotEvents$.subscribe((e) => seen.push(e));
      return { engine, seen };
    };
    const a = sealedWorker('worker-a');
    await a.engine.ready();
    await a.engine.recordUnknown([
      { type: 'CustomerIdentified', tenantId: 't1', customerId: 'alice', occurredAt: '2026-03-02T09:00:00Z', channel: 'web', identities: [{ type: 'email', value: 'alice.secret@example.org' }], data: { identities: [] } },
      { type: 'MessageReceived', tenantId: 't1', customerId: 'alice', caseId: 'k1', occurredAt: '2026-03-02T09:05:00Z', channel: 'email', data: { text: 'Alice whispers her secret' } },
      { type: 'MessageReceived', tenantId: 't1', customerId: 'bob', caseId: 'k2', occurredAt: '2026-03-02T09:06:00Z', channel: 'email', data: { text: 'Bob says hi' } },
    ]);
    await until(() => a.seen.some((e) => e.kind === 'written' && e.tenantId === 't1'), "worker A's snapshot of t1");
    await closeEngine(a.engine);
    const before = await store.documents.read(key);
    const raw = Buffer.from(before!.value).toString('latin1');
    expect(isSealedEngineSnapshot(before!.value)).toBe(true);
    expect(raw).not.toContain('alice.secret@example.org');
    expect(raw).not.toContain('whispers her secret');

    const b = sealedWorker('worker-b');
    await b.engine.ready();
    await until(() => b.engine.ownedTenants().includes('t1'), 'worker B serving t1');
    expect(b.seen).toContainEqual(expect.objectContaining({ kind: 'loaded', tenantId: 't1' }));
    const reference = createJourneyEngine({ store, keys, clock: () => ASOF, snapshots: false, logger: quiet });
    engines.push(reference);
    await reference.ready();
    expect(b.engine.report('t1', { asOf: ASOF })).toEqual(reference.report('t1', { asOf: ASOF }));

    await b.engine.erase('t1', 'alice');
    const after = await store.documents.read(key);
    const oldKey = readSealedSnapshotHeader(before!.value);
    const newKey = readSealedSnapshotHeader(after!.value);
    expect(oldKey.ok && newKey.ok && oldKey.header.keyId !== newKey.header.keyId).toBe(true);
    // The key that sealed the pre-erasure snapshot is gone: its bytes can never be opened again.
    const opened = await openSealedEngineSnapshot(before!.value, oldKey.ok ? oldKey.header.snapshot.fingerprint : '', () => Promise.resolve(undefined));
    expect(opened).toMatchObject({ ok: false, reason: 'key' });
    expect(await createSnapshotKeys(keys, `${DEFAULT_SNAPSHOT_KEY}:tenants`).find(oldKey.ok ? oldKey.header.keyId : '')).toBeUndefined();
  });
  it("waits, before sealing a tenant snapshot, for the erasure that deleted its key (another engine's) to be folded", async () => {
    const store = createInMemoryEventStore();
    const keys = createInMemoryKeyStore();
    const key = tenantSnapshotKey(DEFAULT_SNAPSHOT_KEY, 't1');
    // Worker A's subscription holds back CustomerErased events until the gate opens.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const a = createJourneyEngine({ store: storeHoldingErasures(store, gate), keys, clock: () => ASOF, worker: { id: 'worker-a', leaseMs: 5000, renewEveryMs: 20 }, snapshots: { everyEvents: 1, onClose: false }, logger: quiet });
    engines.push(a);
    const seen: EngineSnapshotEvent[] = [];
    a.snapshotEvents$.subscribe((e) => seen.push(e));
    await a.ready();
    await a.recordUnknown([
      { type: 'CustomerIdentified', tenantId: 't1', customerId: 'alice', occurredAt: '2026-03-02T09:00:00Z', channel: 'web', identities: [{ type: 'email', value: 'alice.secret@example.org' }], data: { identities: [] } },
      { type: 'MessageReceived', tenantId: 't1', customerId: 'bob', caseId: 'k2', occurredAt: '2026-03-02T09:06:00Z', channel: 'email', data: { text: 'Bob says hi' } },
    ]);
    await until(() => seen.some((e) => e.kind === 'written' && e.tenantId === 't1'), "worker A's first snapshot of t1");
    // Another engine erases Alice: the snapshot keys go, worker A has not seen the event yet.
    const eraser = createJourneyEngine({ store, keys, clock: () => ASOF, snapshots: false, logger: quiet });
    engines.push(eraser);
    const erasure = await eraser.erase('t1', 'alice');
    let erasedAt: bigint | undefined;
    for await (const e of store.readAll({ filter: { eventTypePrefix: 'CustomerErased' } })) if (e.id === erasure.eventId) erasedAt = e.position;
    const writtenBefore = seen.filter((e) => e.kind === 'written').length;
    // An event of worker A's own makes the next snapshot of t1 due: it waits for the erasure instead of sealing Alice's email anew.
    await a.recordUnknown({ type: 'MessageReceived', tenantId: 't1', customerId: 'bob', caseId: 'k2', occurredAt: '2026-03-02T09:10:00Z', channel: 'email', data: { text: 'Bob again' } });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(seen.filter((e) => e.kind === 'written').length).toBe(writtenBefore);
    openGate();
    await until(() => seen.filter((e) => e.kind === 'written').length > writtenBefore, "worker A's snapshot after the erasure");
    const header = readSealedSnapshotHeader((await store.documents.read(key))!.value);
    expect(header.ok && BigInt(header.header.snapshot.position!) >= erasedAt!).toBe(true);
    expect(JSON.stringify(a.customer('t1', 'alice'))).not.toContain('alice.secret@example.org');
  });
});
