// The engine snapshot's encoding on its own: a live tenant state encoded and decoded (events split over
// several JSON chunks) gives a state whose fold, report and further folding (in order and late events)
// equal the original's; and what the decoder refuses.
import { hashString as hashOf } from '@omnitrail/eventstore/adapter';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { assertProperty, fcParameters } from '@omnitrail/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveJourneyConfig } from '../src/index.js';
import {
  addEvents,
  createLiveTenant,
  createRecordedIndex,
  decodeEngineSnapshot,
  encodeEngineSnapshot,
  encodeEngineSnapshotInSlices,
  tenantFoldOf,
  tenantReport,
  TENANT_PROJECTIONS,
  type LiveTenant,
  type SavedEngineState,
} from '../src/internal.js';
import { ASOF, foldState, resumeScenarioArbitrary } from './helpers/resume-fixture.js';

const config = resolveJourneyConfig();
const window = { asOf: ASOF, from: 0, to: ASOF };

/** Live tenants over a shared index, folded from `events` in batches of `size`. */
function foldLive(events: readonly CatalogEvent[], size: number) {
  const index = createRecordedIndex();
  const tenants = new Map<string, LiveTenant>();
  for (let i = 0; i < events.length; i += size) {
    const batch = events.slice(i, i + size);
    for (const tenantId of new Set(batch.map((e) => e.tenantId))) {
      let tenant = tenants.get(tenantId);
      if (!tenant) tenants.set(tenantId, (tenant = createLiveTenant(tenantId, config, true, index)));
      addEvents(tenant, batch.filter((e) => e.tenantId === tenantId), config);
    }
  }
  return { index, tenants };
}

function saved(index: ReturnType<typeof createRecordedIndex>, tenants: Map<string, LiveTenant>): SavedEngineState {
  return {
    tenants: [...tenants.values()].map(({ index: _i, projections: _p, ...rest }) => ({ ...rest, host: undefined })),
    recorded: index.recorded,
    contents: index.contents,
    ownFolded: ['x-1'],
    rejectedStoredCount: 3,
    storedCopies: 4,
  };
}

/** The decoded state as live tenants again (what the engine's restore does). */
function restored(state: SavedEngineState) {
  const index = createRecordedIndex();
  for (let i = 0; i < state.recorded.length; i++) {
    index.recorded.push(state.recorded[i]!);
    index.contents.push(state.contents[i]!);
    index.ids.add(hashOf(state.recorded[i]!.id), i + 1);
  }
  const tenants = new Map<string, LiveTenant>();
  for (const { host: _h, ...rest } of state.tenants) tenants.set(rest.tenantId, { ...rest, index, projections: TENANT_PROJECTIONS });
  return { index, tenants };
}

describe('engine snapshot encoding', () => {
  it('decodes to a state whose fold, report and further folding equal the original (property)', async () => {
    await assertProperty(
      fc.asyncProperty(resumeScenarioArbitrary(), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 20 }), fc.nat(), async (scenario, chunk, size, cut) => {
        const events = scenario.events.map((e) => parseEventOrThrow(e, { uniformShape: true }));
        const split = events.length === 0 ? 0 : cut % events.length;
        const original = foldLive(events.slice(0, split), size);
        const { bytes, header } = encodeEngineSnapshot(saved(original.index, original.tenants), { fingerprint: 'f', position: 12n, createdAt: 1, eventsPerChunk: chunk });
        expect(header.events).toBe(split);
        const decoded = decodeEngineSnapshot(bytes, 'f');
        if (!decoded.ok) throw new Error(decoded.message);
        expect(decoded.position).toBe(12n);
        expect(decoded.state).toMatchObject({ ownFolded: ['x-1'], rejectedStoredCount: 3, storedCopies: 4 });
        const copy = restored(decoded.state);
        // The rest of the events (shuffled: late ones among them) go into both.
        for (const tenants of [original.tenants, copy.tenants]) {
          for (const [tenantId, tenant] of tenants) addEvents(tenant, events.slice(split).filter((e) => e.tenantId === tenantId), config);
        }
        for (const [tenantId, tenant] of original.tenants) {
          const other = copy.tenants.get(tenantId)!;
          expect(foldState(tenantFoldOf(other, config))).toEqual(foldState(tenantFoldOf(tenant, config)));
          expect(tenantReport(tenantFoldOf(other, config), window, false)).toEqual(tenantReport(tenantFoldOf(tenant, config), window, false));
          expect(other.events.map((e) => [e.id, e.attributed, e.foldedAs])).toEqual(tenant.events.map((e) => [e.id, e.attributed, e.foldedAs]));
        }
      }),
      fcParameters({ numRuns: 40 }),
    );
  });

  it('refuses another fingerprint, a damaged payload, another format and what is not a snapshot', () => {
    const events = fc.sample(resumeScenarioArbitrary(), { seed: 5, numRuns: 1 })[0]!.events.map((e) => parseEventOrThrow(e, { uniformShape: true }));
    const { index, tenants } = foldLive(events, 5);
    const { bytes } = encodeEngineSnapshot(saved(index, tenants), { fingerprint: 'f', position: undefined, createdAt: 1 });
    expect(decodeEngineSnapshot(bytes, 'g')).toMatchObject({ ok: false, reason: 'fingerprint' });
    const damaged = new Uint8Array(bytes);
    damaged[damaged.length - 5] = damaged[damaged.length - 5]! ^ 1;
    expect(decodeEngineSnapshot(damaged, 'f')).toMatchObject({ ok: false, reason: 'checksum' });
    const buf = Buffer.from(bytes);
    const headerLength = buf.readUInt32LE(8);
    const header = JSON.parse(buf.toString('utf8', 12, 12 + headerLength)) as { format: number };
    const otherFormat = Buffer.from(JSON.stringify({ ...header, format: header.format + 1 }));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(otherFormat.length);
    expect(decodeEngineSnapshot(Buffer.concat([buf.subarray(0, 8), length, otherFormat, buf.subarray(12 + headerLength)]), 'f')).toMatchObject({ ok: false, reason: 'format' });
    expect(decodeEngineSnapshot(new TextEncoder().encode('{"not":"a snapshot"}'), 'f')).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(decodeEngineSnapshot(bytes, 'f')).toMatchObject({ ok: true, position: undefined });
  });

  it('in slices, writes the events as they were when it started, whatever changes them between slices', async () => {
    const events = fc.sample(resumeScenarioArbitrary(), { seed: 5, numRuns: 1 })[0]!.events.map((e) => parseEventOrThrow(e, { uniformShape: true }));
    const { index, tenants } = foldLive(events, 5);
    const state = saved(index, tenants);
    const event = state.tenants[0]!.events[0]!;
    // An event that noted moments of two cases: a re-fold may note a third one in place.
    event.noted = ['case-a', 'case-b'];
    const quiet = encodeEngineSnapshot(state, { fingerprint: 'f', position: 3n, createdAt: 1 });
    let pauses = 0;
    const sliced = await encodeEngineSnapshotInSlices(state, { fingerprint: 'f', position: 3n, createdAt: 1 }, {
      sliceMs: 0,
      pause: async () => {
        if (pauses++ === 0) {
          (event.noted as string[]).push('case-c');
          event.attributed = 'someone-else';
        }
      },
    });
    expect(pauses).toBeGreaterThan(1);
    expect(Buffer.from(sliced.bytes).equals(Buffer.from(quiet.bytes))).toBe(true);
  });
});
