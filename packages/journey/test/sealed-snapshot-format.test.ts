// The sealed snapshot document (live/sealed-snapshot): sealed and opened, it decodes to the plain snapshot's
// state; any change to any byte (magic, length, clear header, tag, ciphertext) is rejected, never loaded; a
// snapshot of another fingerprint is turned down without asking for its key; a wrong key is `key`.
import { randomBytes } from 'node:crypto';
import { createInMemoryEventStore } from '@omnitrail/eventstore';
import { assertProperty, fcParameters } from '@omnitrail/testing';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createJourneyEngine } from '../src/index.js';
import { decodeEngineSnapshot, openSealedEngineSnapshot, readSealedSnapshotHeader, sealEngineSnapshot } from '../src/internal.js';

let plain: Uint8Array;
let fingerprint: string;
const key = { id: 'journey-engine.snapshot:00112233445566778899aabbccddeeff', key: new Uint8Array(randomBytes(32)) };

beforeAll(async () => {
  // A real plain snapshot: an engine without keys over an in-memory store.
  const store = createInMemoryEventStore();
  const engine = createJourneyEngine({ store, clock: () => Date.parse('2024-04-01T00:00:00Z'), snapshots: { onClose: false } });
  await engine.record([
    { type: 'MessageReceived', tenantId: 't1', customerId: 'ann', caseId: 'k1', occurredAt: '2024-03-01T10:00:00Z', channel: 'email', data: { text: 'Ann: hello' } },
    { type: 'MessageSent', tenantId: 't1', customerId: 'ann', caseId: 'k1', occurredAt: '2024-03-01T10:05:00Z', channel: 'email', data: { senderKind: 'agent', text: 'Hi Ann' } },
  ] as never);
  await engine.snapshot();
  await engine.close();
  plain = (await store.documents.read('journey-engine.snapshot'))!.value;
  const header = JSON.parse(Buffer.from(plain).toString('utf8', 12, 12 + Buffer.from(plain).readUInt32LE(8))) as { fingerprint: string };
  fingerprint = header.fingerprint;
});

const sealed = () => {
  const decoded = decodeEngineSnapshot(plain, fingerprint);
  if (!decoded.ok) throw new Error(decoded.message);
  return sealEngineSnapshot({ bytes: plain, header: decoded.header }, key);
};

describe('sealed snapshot document', () => {
  it('opens to the plain snapshot, with its header in clear and no plaintext in the sealed bytes', async () => {
    const bytes = sealed();
    expect(Buffer.from(bytes).toString('latin1')).not.toContain('Ann: hello');
    expect(readSealedSnapshotHeader(bytes)).toMatchObject({ ok: true, header: { keyId: key.id, snapshot: { fingerprint, events: 2 } } });
    const opened = await openSealedEngineSnapshot(bytes, fingerprint, async (id) => (id === key.id ? key.key : undefined));
    const direct = decodeEngineSnapshot(plain, fingerprint);
    expect(opened.ok && direct.ok && JSON.stringify(opened.state.recorded) === JSON.stringify(direct.state.recorded)).toBe(true);
    expect(opened).toMatchObject({ ok: true, position: direct.ok ? direct.position : undefined });
    // Two seals of the same snapshot differ (a random IV each).
    expect(Buffer.from(sealed()).equals(Buffer.from(bytes))).toBe(false);
  });

  it('turns down another fingerprint without asking for the key, and says `key` for a missing or wrong key', async () => {
    const bytes = sealed();
    let asked = 0;
    const other = await openSealedEngineSnapshot(bytes, 'another', async () => (asked++, key.key));
    expect(other).toMatchObject({ ok: false, reason: 'fingerprint' });
    expect(asked).toBe(0);
    expect(await openSealedEngineSnapshot(bytes, fingerprint, async () => undefined)).toMatchObject({ ok: false, reason: 'key', message: expect.stringMatching(/is gone from the key store/) });
    expect(await openSealedEngineSnapshot(bytes, fingerprint, async () => new Uint8Array(randomBytes(32)))).toMatchObject({ ok: false, reason: 'key', message: expect.stringMatching(/does not authenticate/) });
    expect(await openSealedEngineSnapshot(plain, fingerprint, async () => key.key)).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(await openSealedEngineSnapshot(bytes.subarray(0, 40), fingerprint, async () => key.key)).toMatchObject({ ok: false, reason: 'unreadable' });
  });

  it('rejects any change of any byte (property)', async () => {
    const bytes = sealed();
    await assertProperty(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const changed = new Uint8Array(bytes);
        changed[at] = changed[at]! ^ xor;
        const opened = await openSealedEngineSnapshot(changed, fingerprint, async (id) => (id === key.id ? key.key : undefined));
        expect(opened.ok).toBe(false);
      }),
      fcParameters({ numRuns: 300 }),
    );
    // And every byte of the clear part (magic, length, header, tag) once.
    const headerEnd = 12 + Buffer.from(bytes).readUInt32LE(8) + 16;
    for (let at = 0; at < headerEnd; at++) {
      const changed = new Uint8Array(bytes);
      changed[at] = changed[at]! ^ 0x01;
      const opened = await openSealedEngineSnapshot(changed, fingerprint, async (id) => (id === key.id ? key.key : undefined));
      expect(opened.ok, `byte ${at}`).toBe(false);
    }
  });
});
