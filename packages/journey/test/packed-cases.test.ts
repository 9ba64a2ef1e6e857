// Settled case records packed into bytes (src/live/packed-cases): a packed case reads as the record it stands
// for, field by field; the fold changes one only through writableCase, which puts a new record in its place;
// a snapshot writes it as plain data that a load makes a packed case again, shared where it was shared; and
// what a fold exposes reads whole records. The engine's side (reports and states equal to an engine holding
// every event) is in engine-memory.test.ts.
import { assertProperty, fcParameters, tenantJourneysArbitrary } from '@omnitrail/testing';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCasesState, isPackedCase, writableCase, writableCaseList, type CaseRecord, type CasesState } from '../src/core/cases/index.js';
import { createJourneyEngine } from '../src/index.js';
import { casesStateView, packSettledCase, packedCaseStats, readCase, restoreLoadedCases } from '../src/live/packed-cases/index.js';
import { createRecordSpill } from '../src/live/record-spill/index.js';
import { decodeSnapshotValue, encodeSnapshotValue } from '../src/live/snapshot-codec/index.js';

const ASOF = Date.parse('2031-01-01T00:00:00Z');

/** The case records an engine folds from generated journeys (as a fold exposes them: whole records). */
async function casesOf(events: readonly unknown[], tenants: readonly string[]): Promise<CaseRecord[]> {
  const engine = createJourneyEngine({ clock: () => ASOF });
  await engine.recordUnknown(events);
  const out: CaseRecord[] = [];
  for (const tenantId of tenants) for (const rec of engine.fold(tenantId)?.cases.cases.values() ?? []) out.push(rec);
  await engine.close();
  return out;
}

/** Every field of a record read one by one (through a packed case's getters when it is one). */
function fieldsOf(rec: CaseRecord, like: CaseRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(like)) out[key] = (rec as unknown as Record<string, unknown>)[key];
  return out;
}

const journeysArbitrary = tenantJourneysArbitrary({ tenants: 2, customers: { min: 1, max: 6 }, eventsPerCustomer: { min: 4, max: 30 }, sharedDeviceRate: 0.3, lateMergeRate: 0.3 });

describe('packed case records', () => {
  it('read as the record packed, field by field, spilled or not, open or closed (property)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'packed-cases-'));
    const spill = createRecordSpill({ directory: dir });
    let packed = 0;
    let open = 0;
    await assertProperty(
      fc.asyncProperty(journeysArbitrary, async (journeys) => {
        for (const rec of await casesOf(journeys.events, journeys.tenants)) {
          for (const into of [undefined, spill]) {
            const p = packSettledCase(rec, into);
            if (['bot', 'open', 'pending_customer', 'on_hold', 'snoozed'].includes(rec.status)) open++;
            expect(isPackedCase(p)).toBe(true);
            expect(isPackedCase(rec)).toBe(false);
            expect(p.caseId).toBe(rec.caseId);
            expect(fieldsOf(p, rec)).toStrictEqual(fieldsOf(rec, rec));
            // Read whole: equal, key order included, and a new record each task.
            expect(readCase(p)).toStrictEqual(rec);
            expect(Object.keys(readCase(p))).toEqual(Object.keys(rec));
            expect(readCase(p)).toBe(readCase(p));
            // It has no setters: a change that bypasses writableCase throws rather than being lost.
            expect(() => {
              (p as { status: string }).status = 'open';
            }).toThrow(TypeError);
            packed++;
          }
        }
      }),
      fcParameters({ numRuns: 30 }),
    );
    expect(packed).toBeGreaterThan(40);
    expect(open).toBeGreaterThan(5);
    spill.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is unpacked into a new record by writableCase, in the map and its customer list, the shared state keeping the packed one', async () => {
    const [journeys] = fc.sample(journeysArbitrary, { seed: 3, numRuns: 1 });
    const rec = (await casesOf(journeys!.events, journeys!.tenants))[0]!;
    const p = packSettledCase(rec, undefined);
    const state: CasesState = createCasesState();
    state.cases.set(p.caseId, p);
    writableCaseList(state, p.customerId).push(p);
    const base = { ...state, cases: new Map(state.cases), byCustomer: new Map([...state.byCustomer].map(([k, l]) => [k, l.slice()])) };
    const w = writableCase(state, p);
    expect(isPackedCase(w)).toBe(false);
    expect(w).toStrictEqual(rec);
    expect(state.cases.get(p.caseId)).toBe(w);
    expect(state.byCustomer.get(p.customerId)).toEqual([w]);
    expect(writableCase(state, w)).toBe(w);
    w.reopenCount += 1;
    expect(base.cases.get(p.caseId)).toBe(p);
    expect(readCase(p).reopenCount).toBe(rec.reopenCount);
  });

  it('is written by a snapshot as plain data that a load makes a packed case again, once however many states share it', async () => {
    const [journeys] = fc.sample(journeysArbitrary, { seed: 5, numRuns: 1 });
    const records = await casesOf(journeys!.events, journeys!.tenants);
    expect(records.length).toBeGreaterThan(1);
    const dir = mkdtempSync(join(tmpdir(), 'packed-cases-'));
    const spill = createRecordSpill({ directory: dir });
    const head = createCasesState();
    for (const r of records) {
      const p = packSettledCase(r, spill);
      head.cases.set(r.caseId, p);
      writableCaseList(head, `${r.customerId}`).push(p);
    }
    const base = { ...head, cases: new Map(head.cases), byCustomer: new Map(head.byCustomer) };
    const decoded = decodeSnapshotValue(Buffer.concat(encodeSnapshotValue({ head, base }))) as { head: CasesState; base: CasesState };
    // Plain data in the snapshot: its own two fields and its bytes.
    const first = decoded.head.cases.values().next().value as unknown as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(['caseId', 'customerId', 'data']);
    restoreLoadedCases([decoded.head, decoded.base], spill);
    const stats = packedCaseStats([decoded.head, decoded.base]);
    expect(stats.cases).toBe(records.length);
    expect(stats.spilled).toBe(records.length);
    for (const r of records) {
      const p = decoded.head.cases.get(r.caseId)!;
      expect(isPackedCase(p)).toBe(true);
      expect(decoded.base.cases.get(r.caseId)).toBe(p);
      expect(decoded.head.byCustomer.get(r.customerId)).toContain(p);
      expect(readCase(p)).toStrictEqual(r);
    }
    // What a fold exposes: whole records, read-only.
    const view = casesStateView(decoded.head);
    expect([...view.cases.values()]).toStrictEqual(records);
    expect(view.byCustomer.get(records[0]!.customerId)!.every((c) => !isPackedCase(c))).toBe(true);
    expect(() => view.cases.delete(records[0]!.caseId)).toThrow(/case records are read-only/);
    spill.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
