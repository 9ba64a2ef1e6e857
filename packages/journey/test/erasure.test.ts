import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInMemoryEventStore, createInMemoryKeyStore, openFileEventStore, openFileKeyStore, type EventStore, type KeyStore } from '@omnitrail/eventstore';
import { ERASED_IDENTITY_PREFIX, ERASED_VALUE } from '@omnitrail/events';
import { createJourneyEngine, type Erasure } from '@omnitrail/journey';
import { afterEach, describe, expect, it } from 'vitest';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const clock = () => T0 + 10 * 24 * 3600_000;

// Personal values of Alice (erased in the tests) and Bob (kept); each is grepped for in the store's bytes.
const ALICE = { email: 'alice.martin@example.org', phone: '+33612345678', note: 'Alice says her dog Rex ate the invoice', comment: 'Terrible hold music, Alice', subject: 'Refund for Alice Martin', trait: 'Martin-Lyon', summary: 'Alice wants a refund' };
const BOB = { email: 'bob.stone@example.net', note: 'Bob asked about the parcel', comment: 'Bob is happy' };

function workload() {
  return [
    { type: 'CustomerIdentified', tenantId: 't1', customerId: 'alice', occurredAt: at(0), channel: 'web', identities: [{ type: 'email', value: ALICE.email }], data: { identities: [{ type: 'phone', value: ALICE.phone }], traits: { surname: ALICE.trait, plan: 'pro' } } },
    { type: 'CaseOpened', tenantId: 't1', customerId: 'alice', caseId: 'case-a', occurredAt: at(1), channel: 'email', data: { subject: ALICE.subject, topic: 'billing', priority: 'high' } },
    { type: 'MessageReceived', tenantId: 't1', caseId: 'case-a', occurredAt: at(2), channel: 'email', identities: [{ type: 'email', value: ALICE.email }], data: { text: ALICE.note } },
    { type: 'MessageSent', tenantId: 't1', customerId: 'alice', caseId: 'case-a', occurredAt: at(30), channel: 'email', data: { senderKind: 'agent', text: 'Hello Alice, we are on it' } },
    { type: 'CaseSummaryGenerated', tenantId: 't1', customerId: 'alice', caseId: 'case-a', occurredAt: at(40), channel: 'email', data: { summary: ALICE.summary, model: 'm1' } },
    { type: 'CaseResolved', tenantId: 't1', customerId: 'alice', caseId: 'case-a', occurredAt: at(60), channel: 'email', data: {} },
    { type: 'SurveyAnswered', tenantId: 't1', customerId: 'alice', occurredAt: at(70), channel: 'email', data: { kind: 'csat', score: 2, comment: ALICE.comment } },
    { type: 'CallbackRequested', tenantId: 't1', identities: [{ type: 'email', value: ALICE.email }], occurredAt: at(80), channel: 'voice', data: { window: { from: at(90), to: at(120), timeZone: 'Europe/Paris' }, phone: ALICE.phone } },
    { type: 'OrderPlaced', tenantId: 't1', customerId: 'alice', occurredAt: at(100), channel: 'web', data: { orderId: 'o1', salesChannel: 'web', amount: 120, currency: 'eur' } },
    { type: 'CustomerIdentified', tenantId: 't1', customerId: 'bob', occurredAt: at(5), channel: 'web', identities: [{ type: 'email', value: BOB.email }], data: { identities: [] } },
    { type: 'CaseOpened', tenantId: 't1', customerId: 'bob', caseId: 'case-b', occurredAt: at(6), channel: 'web_chat', data: { subject: 'Parcel', topic: 'delivery' } },
    { type: 'MessageReceived', tenantId: 't1', customerId: 'bob', caseId: 'case-b', occurredAt: at(7), channel: 'web_chat', data: { text: BOB.note } },
    { type: 'SurveyAnswered', tenantId: 't1', customerId: 'bob', occurredAt: at(50), channel: 'web_chat', data: { kind: 'csat', score: 5, comment: BOB.comment } },
  ];
}

/** Every file of a directory, concatenated (the raw bytes a thief of the disk would get). */
function rawBytes(directory: string): string {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name)).toString('latin1'))
    .join('\n');
}

/** A report with its personal values blanked out: what must not change when a customer is erased. */
function withoutPersonal(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (_key, v) => (typeof v === 'string' && (v === ERASED_VALUE || v.startsWith(ERASED_IDENTITY_PREFIX) || Object.values(ALICE).includes(v) || v.includes('Alice')) ? '<personal>' : v));
}

const directories: string[] = [];
afterEach(() => {
  for (const d of directories.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function fileSetup(): Promise<{ directory: string; store: EventStore; keys: KeyStore }> {
  const directory = mkdtempSync(join(tmpdir(), 'omnitrail-erasure-'));
  directories.push(directory);
  return { directory, store: await openFileEventStore({ directory, fsync: 'none' }), keys: openFileKeyStore({ directory }) };
}

describe('sealed personal fields', () => {
  it('stores no personal value in clear, and reads every one back through the keys', async () => {
    const { directory, store, keys } = await fileSetup();
    const engine = createJourneyEngine({ store, keys, clock });
    await engine.record(workload() as never);
    const before = engine.customer('t1', ALICE.email)!;
    expect(Object.values(before.identities).flat().map((i) => i.value)).toContain(ALICE.email);
    await engine.close();
    await store.close();
    const raw = rawBytes(directory);
    for (const value of [...Object.values(ALICE), ...Object.values(BOB)]) expect(raw).not.toContain(value);
    // A new engine over the same files reads the values back.
    const store2 = await openFileEventStore({ directory, fsync: 'none' });
    const engine2 = createJourneyEngine({ store: store2, keys: openFileKeyStore({ directory }), clock });
    await engine2.ready();
    expect(engine2.customer('t1', ALICE.email)?.traits).toEqual({ surname: ALICE.trait, plan: 'pro' });
    expect(engine2.report('t1')).toEqual(engine2.report('t1'));
    await engine2.close();
    await store2.close();
  });
});

describe('a reader without keys', () => {
  it('reads every sealed event in its erased form, none rejected, with the same counts', async () => {
    const store = createInMemoryEventStore();
    const writer = createJourneyEngine({ store, keys: createInMemoryKeyStore(), clock });
    await writer.record(workload() as never);
    const reader = createJourneyEngine({ store, clock });
    await reader.ready();
    expect(reader.rejectedStoredEventCount()).toBe(0);
    expect(JSON.stringify(reader.fold('t1')!.events.map((e) => e.event))).not.toContain(ALICE.note);
    expect(reader.customer('t1', 'bob')?.traits).toEqual({});
    expect(reader.report('t1').metrics).toEqual(writer.report('t1').metrics);
    await reader.close();
    await writer.close();
  });
});

describe('engine.erase', () => {
  it('leaves no readable personal value of the customer, keeps every count, and reads the same after a replay', async () => {
    const { directory, store, keys } = await fileSetup();
    const erasures: Erasure[] = [];
    const engine = createJourneyEngine({ store, keys, clock, onErased: [(e) => void erasures.push(e)] });
    await engine.record(workload() as never);
    const before = engine.report('t1');
    const bobBefore = engine.customer('t1', 'bob');
    const erasure = await engine.erase('t1', 'alice');
    expect(erasure).toMatchObject({ tenantId: 't1', customerId: 'alice', customerIds: ['alice'] });
    expect(erasure.keysDeleted).toBeGreaterThanOrEqual(2); // alice's own, and her anonymous events' identity
    expect(erasures).toEqual([erasure]);
    const after = engine.report('t1');
    expect(withoutPersonal(after)).toEqual(withoutPersonal(before));
    expect(engine.customer('t1', 'bob')).toEqual(bobBefore);
    const alice = engine.customer('t1', 'alice')!;
    expect(alice.traits).toEqual({ surname: ERASED_VALUE, plan: ERASED_VALUE });
    expect(Object.values(alice.identities).flat().length > 0 && Object.values(alice.identities).flat().every((i) => i.value.startsWith(ERASED_IDENTITY_PREFIX))).toBe(true);
    expect(JSON.stringify(engine.fold('t1')!.events.map((e) => e.event))).not.toContain(ALICE.note);
    // The identity graph no longer knows her by her email: a new event with it is someone new.
    expect(engine.customer('t1', ALICE.email)).toBeUndefined();
    await engine.record({ type: 'MessageReceived', tenantId: 't1', occurredAt: at(200), channel: 'email', identities: [{ type: 'email', value: ALICE.email }], data: { text: 'hi again' } } as never);
    expect(engine.canonicalCustomerId('t1', 'alice')).toBe('alice');
    expect(engine.customer('t1', ALICE.email)?.customerId).not.toBe('alice');
    const afterReturn = engine.report('t1');
    await engine.close();
    await store.close();
    const raw = rawBytes(directory);
    for (const value of Object.values(ALICE)) expect(raw).not.toContain(value);
    // A new engine replaying the log from the start reads the same report.
    const store2 = await openFileEventStore({ directory, fsync: 'none' });
    const engine2 = createJourneyEngine({ store: store2, keys: openFileKeyStore({ directory }), clock });
    await engine2.ready();
    expect(engine2.report('t1')).toEqual(afterReturn);
    expect(engine2.customer('t1', 'bob')).toEqual(bobBefore);
    await engine2.close();
    await store2.close();
  });

  it('follows merges: a merged customer is erased with its survivor, and was readable through its own key until then', async () => {
    const keys = createInMemoryKeyStore();
    const { store } = await fileSetup();
    const engine = createJourneyEngine({ store, keys, clock });
    await engine.record(workload() as never);
    await engine.record([
      { type: 'CustomerIdentified', tenantId: 't1', customerId: 'alice-2', occurredAt: at(150), channel: 'mobile_app', identities: [{ type: 'user_id', value: 'u-77' }], data: { identities: [], traits: { nickname: 'Ally' } } },
      { type: 'MessageReceived', tenantId: 't1', customerId: 'alice-2', occurredAt: at(151), channel: 'web_chat', data: { text: 'second account of Alice' } },
      { type: 'CustomersMerged', tenantId: 't1', customerId: 'alice', occurredAt: at(160), channel: 'web', data: { survivorId: 'alice', mergedId: 'alice-2', reason: 'same person' } },
    ] as never);
    expect(await keys.customerIds('t1')).toEqual(expect.arrayContaining(['alice', 'alice-2', 'bob']));
    const reader = createJourneyEngine({ store, keys, clock });
    await reader.ready();
    expect(reader.customer('t1', 'alice-2')?.traits).toMatchObject({ nickname: 'Ally' });
    const erasure = await engine.erase('t1', 'alice-2');
    expect(erasure.customerId).toBe('alice');
    expect(erasure.customerIds).toEqual(['alice', 'alice-2']);
    expect(await keys.customerIds('t1')).not.toContain('alice-2');
    expect(await keys.customerIds('t1')).toContain('bob');
    // The engine following the same store sees the erasure event and forgets its copies too.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await reader.ready();
    expect(reader.customer('t1', 'alice')?.traits).toEqual({ surname: ERASED_VALUE, plan: ERASED_VALUE, nickname: ERASED_VALUE });
    expect(reader.report('t1')).toEqual(engine.report('t1'));
    await reader.close();
    await engine.close();
    await store.close();
  });

  it('needs a key store, and names a bad argument', async () => {
    const plain = createJourneyEngine({ clock });
    await expect(plain.erase('t1', 'alice')).rejects.toThrow(/needs the keys option/);
    const engine = createJourneyEngine({ clock, keys: createInMemoryKeyStore() });
    await expect(engine.erase('t1', '')).rejects.toThrow(/customerId/);
  });
});

describe('erasure events', () => {
  it('refuses a CustomerErased recorded directly: only erase() records one, after deleting the keys', async () => {
    const store = createInMemoryEventStore();
    const engine = createJourneyEngine({ store, keys: createInMemoryKeyStore(), clock });
    const erased = { type: 'CustomerErased', tenantId: 't1', customerId: 'ann', occurredAt: '2024-03-01T10:00:00.000Z', data: { keysDeleted: 1 } };
    await expect(engine.recordUnknown(erased)).rejects.toThrow(/CustomerErased is recorded by engine.erase/);
    await expect(engine.recordUnknown([{ ...erased, type: 'PageViewed', channel: 'web', data: { url: '/' } }, erased])).rejects.toMatchObject({ issues: [{ path: '1.type' }] });
    let stored = 0;
    for await (const _ of store.readAll()) stored++;
    expect(stored).toBe(0);
    await engine.close();
  });
});
