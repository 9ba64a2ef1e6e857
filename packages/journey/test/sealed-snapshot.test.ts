// Sealed engine snapshots (issue 22, docs/privacy.md): an engine with keys seals its snapshot document with a
// snapshot key of its key store; it resumes from it; an erasure writes it again under a new key and deletes the
// old one, so no earlier copy of a snapshot can be read; a snapshot whose key is gone or that does not
// authenticate is rejected (reason `key`) and the engine rebuilds from the log.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInMemoryEventStore, createInMemoryKeyStore, openFileEventStore, openFileKeyStore, type EventStore, type KeyStore } from '@omnitrail/eventstore';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createJourneyEngine, type EngineSnapshotEvent, type JourneyEngine, type JourneyEngineOptions } from '../src/index.js';
import { isSealedEngineSnapshot, readSealedSnapshotHeader } from '../src/internal.js';
import { storeHoldingErasures } from './helpers/holding-erasures.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const clock = () => T0 + 10 * 24 * 3600_000;
const SNAPSHOT = 'journey-engine.snapshot';
const quiet = { info: () => undefined, warn: () => undefined };

// Personal values of Carla (erased) and Omar (kept); each is grepped for in the store's bytes.
const CARLA = { email: 'carla.ruiz@example.org', text: 'Carla: the parcel code is 8812', comment: 'Carla hates the new app', trait: 'Ruiz-Sevilla', subject: 'Carla cannot log in' };
const OMAR = { email: 'omar.haddad@example.net', text: 'Omar: thanks for the quick answer' };

function workload() {
  return [
    { type: 'CustomerIdentified', tenantId: 't1', customerId: 'carla', occurredAt: at(0), channel: 'web', identities: [{ type: 'email', value: CARLA.email }], data: { identities: [], traits: { surname: CARLA.trait } } },
    { type: 'CaseOpened', tenantId: 't1', customerId: 'carla', caseId: 'c-1', occurredAt: at(1), channel: 'email', data: { subject: CARLA.subject, topic: 'login', priority: 'high' } },
    { type: 'MessageReceived', tenantId: 't1', caseId: 'c-1', occurredAt: at(2), channel: 'email', identities: [{ type: 'email', value: CARLA.email }], data: { text: CARLA.text } },
    { type: 'CaseResolved', tenantId: 't1', customerId: 'carla', caseId: 'c-1', occurredAt: at(60), channel: 'email', data: {} },
    { type: 'SurveyAnswered', tenantId: 't1', customerId: 'carla', occurredAt: at(70), channel: 'email', data: { kind: 'csat', score: 1, comment: CARLA.comment } },
    { type: 'CustomerIdentified', tenantId: 't1', customerId: 'omar', occurredAt: at(5), channel: 'web', identities: [{ type: 'email', value: OMAR.email }], data: { identities: [] } },
    { type: 'MessageReceived', tenantId: 't1', customerId: 'omar', caseId: 'c-2', occurredAt: at(7), channel: 'web_chat', data: { text: OMAR.text } },
  ];
}

/** Every file of a directory (segments, documents, keys.json), concatenated. */
function rawBytes(directory: string): string {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name)).toString('latin1'))
    .join('\n');
}

const directories: string[] = [];
afterEach(() => {
  for (const d of directories.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const directory = mkdtempSync(join(tmpdir(), 'omnitrail-sealed-snapshot-'));
  directories.push(directory);
  return directory;
}

/** An engine over the file store of a directory and its key file, and what it did with snapshots. */
async function open(directory: string, options: Omit<JourneyEngineOptions, 'store' | 'keys'> = {}): Promise<{ engine: JourneyEngine; store: EventStore; keys: KeyStore; seen: EngineSnapshotEvent[]; done: () => Promise<void> }> {
  const store = await openFileEventStore({ directory, fsync: 'none' });
  const keys = openFileKeyStore({ directory });
  const engine = createJourneyEngine({ store, keys, clock, logger: quiet, ...options });
  const seen: EngineSnapshotEvent[] = [];
  engine.snapshotEvents$.subscribe((e) => seen.push(e));
  await engine.ready();
  return {
    engine,
    store,
    keys,
    seen,
    done: async () => {
      await engine.close();
      await keys.close();
      await store.close();
    },
  };
}

/** The report of an engine that rebuilt from the log alone (no snapshot). */
async function rebuiltFromLog(directory: string): Promise<unknown> {
  const { engine, done } = await open(directory, { snapshots: false });
  const report = engine.report('t1');
  await done();
  return report;
}

describe('sealed snapshots over the file store', () => {
  it('seals the snapshot (no personal value in any file), resumes from it, and agrees with a rebuild from the log', async () => {
    const directory = tempDir();
    const first = await open(directory, { snapshots: { onClose: false } });
    await first.engine.record(workload() as never);
    const written = await first.engine.snapshot();
    expect(written).toMatchObject({ key: SNAPSHOT, events: workload().length });
    await first.done();
    const raw = rawBytes(directory);
    for (const value of [...Object.values(CARLA), ...Object.values(OMAR)]) expect(raw).not.toContain(value);
    // The document is sealed: its clear header names its key and what it covers, nothing personal.
    const document = (await readDocument(directory))!;
    expect(isSealedEngineSnapshot(document)).toBe(true);
    const header = readSealedSnapshotHeader(document);
    expect(header).toMatchObject({ ok: true, header: { cipher: 'aes-256-gcm', snapshot: { events: workload().length, position: written!.position!.toString() } } });
    const second = await open(directory, { snapshots: { onClose: false } });
    expect(second.seen[0]).toMatchObject({ kind: 'loaded', events: workload().length, position: written!.position });
    // Opened values are back in the loaded state.
    expect(second.engine.customer('t1', 'carla')?.traits).toEqual({ surname: CARLA.trait });
    const report = second.engine.report('t1');
    await second.done();
    expect(report).toEqual(await rebuiltFromLog(directory));
  });

  it('after an erasure: a snapshot under a new key, the old key deleted, an old copy rejected (key), and the same report as a rebuild', async () => {
    const directory = tempDir();
    const first = await open(directory, { snapshots: { onClose: false } });
    await first.engine.record(workload() as never);
    const firstWritten = (await first.engine.snapshot())!;
    const before = (await readDocument(directory))!;
    const oldKeyId = (readSealedSnapshotHeader(before) as { header: { keyId: string } }).header.keyId;
    expect(await first.keys.customerIds('$snapshots')).toEqual([oldKeyId]);
    const written = firstValueFrom(first.engine.snapshotEvents$.pipe(filter((e) => e.kind === 'written' && e.version > firstWritten.version)));
    await first.engine.erase('t1', 'carla');
    // erase() resolved after the snapshot was written again, from the erased state, under a new key.
    expect(await written).toMatchObject({ kind: 'written', events: workload().length + 1 });
    const after = (await readDocument(directory))!;
    const newKeyId = (readSealedSnapshotHeader(after) as { header: { keyId: string } }).header.keyId;
    expect(newKeyId).not.toBe(oldKeyId);
    expect(await first.keys.customerIds('$snapshots')).toEqual([newKeyId]);
    await first.done();
    const raw = rawBytes(directory);
    for (const value of Object.values(CARLA)) expect(raw).not.toContain(value);
    expect(raw).not.toContain(Buffer.from(before).toString('latin1').slice(-64));

    // The resumed engine loads the new snapshot and reads what a rebuild from the log reads.
    const resumed = await open(directory, { snapshots: { onClose: false } });
    expect(resumed.seen[0]).toMatchObject({ kind: 'loaded', events: workload().length + 1 });
    expect(resumed.engine.customer('t1', 'omar')).toBeDefined();
    const resumedReport = resumed.engine.report('t1');
    expect(JSON.stringify(resumedReport)).not.toContain(CARLA.text);
    await resumed.done();
    expect(resumedReport).toEqual(await rebuiltFromLog(directory));

    // A backup of the snapshot from before the erasure, put back: its key is gone, so it is rejected and the
    // engine rebuilds from the log (then replaces it with a snapshot it can read).
    await writeDocument(directory, before);
    const restored = await open(directory);
    expect(restored.seen[0]).toMatchObject({ kind: 'rejected', key: SNAPSHOT, reason: 'key' });
    expect((restored.seen[0] as { message: string }).message).toMatch(/is gone from the key store/);
    expect(restored.engine.report('t1')).toEqual(resumedReport);
    expect(restored.engine.customer('t1', 'carla')?.traits).toEqual({ surname: '[erased]' });
    await firstValueFrom(restored.engine.snapshotEvents$.pipe(filter((e) => e.kind === 'written')));
    await restored.done();
  });

  it('rejects a snapshot whose bytes or clear header were changed (authentication), and a snapshot of the other kind', async () => {
    const directory = tempDir();
    const first = await open(directory, { snapshots: { onClose: false } });
    await first.engine.record(workload() as never);
    await first.engine.snapshot();
    const expected = first.engine.report('t1');
    await first.done();
    const sealed = (await readDocument(directory))!;
    const text = Buffer.from(sealed).toString('latin1');
    const flippedPayload = new Uint8Array(sealed);
    flippedPayload[flippedPayload.length - 5]! ^= 1;
    // The header stays valid JSON with the same format and fingerprint, but claims another creation time.
    const createdAt = /"createdAt":(\d)/.exec(text)!;
    const changedHeader = new Uint8Array(sealed);
    changedHeader[createdAt.index + createdAt[0].length - 1] = createdAt[1] === '1' ? 0x32 : 0x31;
    for (const bytes of [flippedPayload, changedHeader]) {
      await writeDocument(directory, bytes);
      const resumed = await open(directory, { snapshots: { onClose: false } });
      expect(resumed.seen[0]).toMatchObject({ kind: 'rejected', reason: 'key' });
      expect((resumed.seen[0] as { message: string }).message).toMatch(/does not authenticate/);
      expect(resumed.engine.report('t1')).toEqual(expected);
      await resumed.done();
    }
    // An engine without keys cannot open a sealed snapshot: rejected, rebuilt from the log (erased forms).
    await writeDocument(directory, sealed);
    const store = await openFileEventStore({ directory, fsync: 'none' });
    const plain = createJourneyEngine({ store, clock, logger: quiet, snapshots: { onClose: true } });
    const seen: EngineSnapshotEvent[] = [];
    plain.snapshotEvents$.subscribe((e) => seen.push(e));
    await plain.ready();
    expect(seen[0]).toMatchObject({ kind: 'rejected', reason: 'key' });
    expect(plain.report('t1').metrics).toEqual(expected.metrics);
    await plain.close();
    await store.close();
    // It replaced it with a snapshot in clear; an engine with keys loads no snapshot in clear (it may hold
    // values erased since), and replaces it with a sealed one.
    expect(isSealedEngineSnapshot((await readDocument(directory))!)).toBe(false);
    const keyed = await open(directory);
    expect(keyed.seen[0]).toMatchObject({ kind: 'rejected', reason: 'key' });
    expect((keyed.seen[0] as { message: string }).message).toMatch(/not sealed/);
    expect(keyed.engine.report('t1')).toEqual(expected);
    await firstValueFrom(keyed.engine.snapshotEvents$.pipe(filter((e) => e.kind === 'written')));
    await keyed.done();
    expect(isSealedEngineSnapshot((await readDocument(directory))!)).toBe(true);
  });
});

describe('snapshot keys beside customers', () => {
  it('an engine following the store reseals its snapshot when another erases; an erasure deletes the snapshot keys of engines not running', async () => {
    const store = createInMemoryEventStore();
    const keys = createInMemoryKeyStore();
    const writer = createJourneyEngine({ store, keys, clock, logger: quiet, snapshots: { key: 'writer', onClose: false } });
    await writer.record(workload() as never);
    await writer.snapshot();
    await writer.close();
    // The writer, and an engine with other projections (another document key), are not running at the erasure.
    const idle = createJourneyEngine({ store, keys, clock, logger: quiet, standardProjections: false, snapshots: { key: 'idle', onClose: false } });
    await idle.ready();
    await idle.snapshot();
    await idle.close();
    const follower = createJourneyEngine({ store, keys, clock, logger: quiet, snapshots: { key: 'follower', onClose: false } });
    await follower.ready();
    const followerWritten = (await follower.snapshot())!;
    const idsBefore = await keys.customerIds('$snapshots');
    expect(idsBefore).toHaveLength(3);
    const resealed = firstValueFrom(follower.snapshotEvents$.pipe(filter((e) => e.kind === 'written' && e.version > followerWritten.version)));
    // Erased by an engine that takes no snapshots (as `omnitrail erase` does): every snapshot key goes.
    const eraser = createJourneyEngine({ store, keys, clock, logger: quiet, snapshots: false });
    await eraser.erase('t1', 'carla');
    await eraser.close();
    // The follower sees the CustomerErased event and writes its snapshot again under a new key.
    await resealed;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const idsAfter = await keys.customerIds('$snapshots');
    expect(idsAfter).toHaveLength(1);
    expect(idsAfter[0]).toMatch(/^follower:[0-9a-f]{32}$/);
    expect(idsBefore).not.toContain(idsAfter[0]);
    // The writer's and the idle engine's snapshots can no longer be opened.
    for (const key of ['writer', 'idle']) {
      const resumed = createJourneyEngine({ store, keys, clock, logger: quiet, standardProjections: key !== 'idle', snapshots: { key, onClose: false } });
      const seen: EngineSnapshotEvent[] = [];
      resumed.snapshotEvents$.subscribe((e) => seen.push(e));
      await resumed.ready();
      expect(seen[0], key).toMatchObject({ kind: 'rejected', reason: 'key' });
      await resumed.close();
    }
    await follower.close();
    // No customer's key was taken for a snapshot key, nor deleted with them.
    expect(await keys.customerIds('t1')).toEqual(expect.arrayContaining(['omar']));
  });

  it('an engine whose snapshot key another erasure deleted writes no snapshot before its state holds that erasure', async () => {
    const store = createInMemoryEventStore();
    const keys = createInMemoryKeyStore();
    const writer = createJourneyEngine({ store, keys, clock, logger: quiet, snapshots: false });
    await writer.record(workload() as never);
    await writer.close();
    // The follower's subscription holds back CustomerErased events until the gate opens: the moment between
    // another engine's erasure and the follower seeing it, made as long as the test needs.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const gated = storeHoldingErasures(store, gate);
    const follower = createJourneyEngine({ store: gated, keys, clock, logger: quiet, snapshots: { key: 'follower', onClose: false } });
    await follower.ready();
    await follower.snapshot();
    const eraser = createJourneyEngine({ store, keys, clock, logger: quiet, snapshots: false });
    const erasure = await eraser.erase('t1', 'carla');
    await eraser.close();
    let erasedAt: bigint | undefined;
    for await (const e of store.readAll({ filter: { eventTypePrefix: 'CustomerErased' } })) if (e.id === erasure.eventId) erasedAt = e.position;
    // Its key is gone: the follower's snapshot waits for the erasure instead of sealing Carla's values anew.
    let written = false;
    const writing = follower.snapshot().then((info) => ((written = true), info));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(written).toBe(false);
    openGate();
    const info = (await writing)!;
    expect(info.position! >= erasedAt!).toBe(true);
    const header = readSealedSnapshotHeader((await store.documents.read('follower'))!.value);
    expect(header.ok && BigInt(header.header.snapshot.position!) >= erasedAt!).toBe(true);
    expect(JSON.stringify(follower.customer('t1', 'carla'))).not.toContain(CARLA.email);
    await follower.close();
  });

  it('reports a snapshot it cannot seal because the key store closed as write-failed, and keeps the previous one', async () => {
    const store = createInMemoryEventStore();
    const keys = createInMemoryKeyStore();
    const engine = createJourneyEngine({ store, keys, clock, logger: quiet, snapshots: { key: 'closing', onClose: false } });
    const seen: EngineSnapshotEvent[] = [];
    engine.snapshotEvents$.subscribe((e) => seen.push(e));
    await engine.record(workload() as never);
    const first = (await engine.snapshot())!;
    await keys.close();
    await engine.record({ type: 'MessageReceived', tenantId: 't1', customerId: 'omar', caseId: 'c-2', occurredAt: at(9), channel: 'web_chat', data: { text: 'still there?' } } as never);
    expect(await engine.snapshot()).toBeUndefined();
    expect(seen.at(-1)).toMatchObject({ kind: 'write-failed', key: 'closing' });
    expect((await store.documents.read('closing'))!.version).toBe(first.version);
    await engine.close();
  });

  it('refuses the reserved tenant of snapshot keys as an event tenant and in erase', async () => {
    const engine = createJourneyEngine({ keys: createInMemoryKeyStore(), clock });
    const event = { type: 'PageViewed', tenantId: '$snapshots', customerId: 'x', occurredAt: at(0), channel: 'web', data: { url: '/' } };
    await expect(engine.recordUnknown(event)).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'tenantId' }] });
    await expect(engine.recordUnknown([{ ...event, tenantId: 't1' }, event])).rejects.toMatchObject({ issues: [{ path: '1.tenantId', message: expect.stringMatching(/reserved for the engine's snapshot keys/) }] });
    await expect(engine.erase('$snapshots', 'x')).rejects.toMatchObject({ issues: [{ path: 'tenantId' }] });
    // Without keys there are no snapshot keys: the tenant is an ordinary one.
    const plain = createJourneyEngine({ clock });
    await expect(plain.recordUnknown(event)).resolves.toMatchObject({ events: [expect.objectContaining({ tenantId: '$snapshots' })] });
    await engine.close();
    await plain.close();
  });
});

async function readDocument(directory: string): Promise<Uint8Array | undefined> {
  const store = await openFileEventStore({ directory, readOnly: true });
  try {
    return (await store.documents.read(SNAPSHOT))?.value;
  } finally {
    await store.close();
  }
}

async function writeDocument(directory: string, bytes: Uint8Array): Promise<void> {
  const store = await openFileEventStore({ directory, fsync: 'none' });
  try {
    await store.documents.write(SNAPSHOT, bytes, { expectedVersion: 'any' });
  } finally {
    await store.close();
  }
}
