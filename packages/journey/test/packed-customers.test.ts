// Settled customer records packed into bytes (src/live/packed-customers): unpacking gives the record packed,
// to its key order and `undefined` fields, and the read-only view a fold exposes reads packed and unpacked
// records alike. The engine's side (records packed at eviction, unpacked when a customer comes back, reports
// equal to an engine holding every event) is in engine-memory.test.ts.
import { assertProperty, fcParameters, tenantJourneysArbitrary } from '@omnitrail/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCustomerRecord, type CustomerRecord } from '../src/core/customers/index.js';
import { createJourneyEngine } from '../src/index.js';
import {
  customerRecordsView,
  firstEventOf,
  isPackedRecord,
  packCustomerRecord,
  isSpilledRecord,
  packedRecordStats,
  readCustomerRecord,
  spillPackedRecord,
  unpackCustomerRecord,
  type HeldCustomerRecord,
  type PackedCustomerRecord,
} from '../src/live/packed-customers/index.js';
import { createRecordSpill } from '../src/live/record-spill/index.js';
import { decodeSnapshotValue, encodeSnapshotValue } from '../src/live/snapshot-codec/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ASOF = Date.parse('2031-01-01T00:00:00Z');

/** A value's structure with every object's keys in order (toStrictEqual ignores the order of keys). */
function keyOrder(value: unknown): unknown {
  if (value instanceof Map) return [...value].map(([k, v]) => [k, keyOrder(v)]);
  if (value instanceof Set) return [...value].map(keyOrder);
  if (Array.isArray(value)) return value.map(keyOrder);
  if (value !== null && typeof value === 'object') return Object.keys(value).map((k) => [k, keyOrder((value as Record<string, unknown>)[k])]);
  return value;
}

/** The customer records an engine folds from generated journeys (every kind of step, merges). */
async function recordsOf(events: readonly unknown[], tenants: readonly string[]): Promise<CustomerRecord[]> {
  const engine = createJourneyEngine({ clock: () => ASOF });
  await engine.recordUnknown(events);
  const records: CustomerRecord[] = [];
  for (const tenantId of tenants) for (const rec of engine.fold(tenantId)?.customers.customers.values() ?? []) records.push(rec);
  await engine.close();
  return records;
}

const journeysArbitrary = tenantJourneysArbitrary({ tenants: 2, customers: { min: 1, max: 6 }, eventsPerCustomer: { min: 0, max: 30 }, sharedDeviceRate: 0.3, lateMergeRate: 0.3 });

describe('packed customer records', () => {
  it('unpack to a record equal to the one packed, key order and undefined fields included, spilled or not (property)', async () => {
    let packed = 0;
    const dir = mkdtempSync(join(tmpdir(), 'packed-spill-'));
    const spill = createRecordSpill({ directory: dir });
    await assertProperty(
      fc.asyncProperty(journeysArbitrary, async (journeys) => {
        for (const rec of await recordsOf(journeys.events, journeys.tenants)) {
          const before = keyOrder(rec);
          const p = packCustomerRecord(rec);
          // Packing reads the record, never changes it.
          expect(keyOrder(rec)).toEqual(before);
          expect(isPackedRecord(p)).toBe(true);
          expect(p.customerId).toBe(rec.customerId);
          expect(firstEventOf(p)).toEqual(firstEventOf(rec));
          // One byte a character, so that it is held and snapshotted as bytes.
          expect(/[^\u0000-\u00ff]/.test(p.data)).toBe(false);
          const unpacked = unpackCustomerRecord(p);
          expect(unpacked).toStrictEqual(rec);
          expect(keyOrder(unpacked)).toEqual(before);
          // Each unpacking is a new record: changing one changes neither the packed bytes nor the next one.
          unpacked.ats.push(0);
          unpacked.journey.contextLost.push({ kind: 'identity_gap', at: 0, caseId: 'x', evidence: [] } as never);
          expect(unpackCustomerRecord(p)).toStrictEqual(rec);
          // Spilled to a file: the same bytes, read back through `data` (what a snapshot writes) and unpacked alike.
          const s = packCustomerRecord(rec, spill);
          expect(isPackedRecord(s)).toBe(true);
          expect(isSpilledRecord(s)).toBe(true);
          expect(isSpilledRecord(p)).toBe(false);
          expect(firstEventOf(s)).toEqual(firstEventOf(rec));
          // Its bytes, not those of `p`: V8's serializer writes a number as it is held (an integer field that
          // another record of the same shape made a double is written as a double), so two packings of one
          // record may differ in bytes, never in what they unpack to.
          expect(unpackCustomerRecord({ ...p, data: s.data })).toStrictEqual(rec);
          expect(keyOrder(unpackCustomerRecord(s))).toEqual(before);
          expect(unpackCustomerRecord(s)).toStrictEqual(rec);
          // A snapshot holds it as a string, loaded and spilled again.
          const decoded = decodeSnapshotValue(Buffer.concat(encodeSnapshotValue(s))) as PackedCustomerRecord;
          expect(isSpilledRecord(decoded)).toBe(false);
          expect(decoded).toEqual({ customerId: p.customerId, firstAt: p.firstAt, firstId: p.firstId, data: s.data });
          const respilled = spillPackedRecord(decoded, spill);
          expect(isSpilledRecord(respilled)).toBe(true);
          expect(spillPackedRecord(respilled, spill)).toBe(respilled);
          expect(unpackCustomerRecord(respilled)).toStrictEqual(rec);
          packed++;
        }
      }),
      fcParameters({ numRuns: 40 }),
    );
    expect(packed).toBeGreaterThan(40);
    expect(spill.stats().entries).toBeGreaterThan(0);
    spill.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are read through a read-only Map view that follows the live state', () => {
    const rec = (id: string, at: number): CustomerRecord => ({ ...unpackCustomerRecord(packCustomerRecord(createCustomerRecord(id))), ids: [`e-${id}`], ats: [at], codes: [0] });
    const a = rec('a', 10);
    const b = rec('b', 5);
    const held = new Map<string, HeldCustomerRecord>([
      ['a', a],
      ['b', packCustomerRecord(b)],
    ]);
    const view = customerRecordsView({ customers: held }).customers;
    expect(view).toBeInstanceOf(Map);
    expect(view.size).toBe(2);
    expect([...view.keys()]).toEqual(['a', 'b']);
    expect(view.get('a')).toBe(a);
    expect(view.get('b')).toStrictEqual(b);
    expect(view.has('b')).toBe(true);
    expect(view.get('c')).toBeUndefined();
    // Within one task every reader of a packed record gets the same unpacked object (unpacked once).
    expect(view.get('b')).toBe(view.get('b'));
    expect([...view.values()]).toStrictEqual([a, b]);
    expect([...view].map(([k]) => k)).toEqual(['a', 'b']);
    const seen: string[] = [];
    view.forEach((r, k, m) => {
      seen.push(`${k}:${r.ats[0]}`);
      expect(m).toBe(view);
    });
    expect(seen).toEqual(['a:10', 'b:5']);
    // It follows the live map (the fold unpacked b and changed it; a new customer came).
    const changed = { ...b, ats: [5, 7] };
    held.set('b', changed);
    held.set('c', rec('c', 1));
    expect(view.get('b')).toBe(changed);
    expect(view.size).toBe(3);
    expect(() => view.set('d', a)).toThrow(/read-only/);
    expect(() => view.delete('a')).toThrow(/read-only/);
    expect(() => view.clear()).toThrow(/read-only/);
    expect(held.size).toBe(3);
  });

  it('unpacks a packed record anew in the next task (nothing kept once the reads are done)', async () => {
    const p = packCustomerRecord({ ...createCustomerRecord('q'), ids: ['e1'], ats: [1], codes: [0] });
    const first = readCustomerRecord(p);
    expect(readCustomerRecord(p)).toBe(first);
    await Promise.resolve();
    const next = readCustomerRecord(p);
    expect(next).not.toBe(first);
    expect(next).toStrictEqual(first);
  });

  it('counts the distinct packed records of several states and their bytes', () => {
    const p = packCustomerRecord({ ...createCustomerRecord('q'), ids: ['e1'], ats: [1], codes: [0] });
    const q = packCustomerRecord(createCustomerRecord('r'));
    const live = createCustomerRecord('s');
    const dir = mkdtempSync(join(tmpdir(), 'packed-spill-'));
    const spill = createRecordSpill({ directory: dir });
    const t = packCustomerRecord({ ...createCustomerRecord('t'), ids: ['e2'], ats: [2], codes: [0] }, spill);
    const stats = packedRecordStats([
      { customers: new Map<string, HeldCustomerRecord>([['q', p], ['s', live], ['t', t]]) },
      { customers: new Map<string, HeldCustomerRecord>([['q', p], ['r', q], ['t', t]]) },
    ]);
    expect(stats).toEqual({ records: 3, bytes: p.data.length + q.data.length + t.data.length, spilled: 1, spilledBytes: t.data.length });
    spill.close();
    rmSync(dir, { recursive: true, force: true });
    expect(firstEventOf(q)).toBeUndefined();
  });
});
