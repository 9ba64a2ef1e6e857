// The registry of tenant-wide standard projections: a projection registered there is folded by both drivers
// (the live tenant fold and the batch fold) in the same order, reads the cases projection's effects, and
// feeds a report section under `operations`, with tallies that add up across independent parts.
import { parseEventOrThrow, type Channel } from '@omnitrail/events';
import { assertProperty, fcParameters, shuffled, sortRawEvents, tenantJourneysArbitrary } from '@omnitrail/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveJourneyConfig } from '../src/index.js';
import {
  addEvents,
  createLiveTenant,
  createRecordedIndex,
  foldTenant,
  mergeTenantTallies,
  partitionEvents,
  tenantFoldOf,
  tenantReport,
  tenantReportOf,
  tenantTally,
  type TenantProjection,
} from '../src/internal.js';

/** Per channel: events, and cases opened, with the last opening's case id (an order-sensitive part). */
type ChannelState = Map<string, { events: number; opened: number; lastOpened: string | null }>;
type ChannelTally = Record<string, { events: number; opened: number }>;

const channelVolume: TenantProjection<ChannelState, ChannelTally, { channels: ChannelTally }> = {
  name: 'channelVolume',
  create: () => new Map(),
  clone: (s) => new Map([...s].map(([k, v]) => [k, { ...v }])),
  apply(state, je, effects) {
    const channel: Channel | 'none' = je.event.channel ?? 'none';
    let row = state.get(channel);
    if (row === undefined) state.set(channel, (row = { events: 0, opened: 0, lastOpened: null }));
    row.events++;
    if (effects.opened !== undefined) {
      row.opened++;
      row.lastOpened = effects.opened.caseId;
    }
  },
  tally: (state, window) => {
    const out: ChannelTally = {};
    for (const [k, v] of [...state].sort(([a], [b]) => (a < b ? -1 : 1))) if (window.asOf >= 0) out[k] = { events: v.events, opened: v.opened };
    return out;
  },
  mergeTallies: (a, b) => {
    const out: ChannelTally = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = { events: (out[k]?.events ?? 0) + v.events, opened: (out[k]?.opened ?? 0) + v.opened };
    return Object.fromEntries(Object.entries(out).sort(([x], [y]) => (x < y ? -1 : 1)));
  },
  section: (tally) => ({ channels: tally }),
};

const config = resolveJourneyConfig();
const journeys = tenantJourneysArbitrary({ customers: { min: 1, max: 5 }, eventsPerCustomer: { min: 1, max: 25 }, tenants: 1, sharedDeviceRate: 0.3, lateMergeRate: 0.4 });

describe('a tenant-wide projection in the registry', () => {
  it('gets the same state from the live fold, in any arrival order and batching, as from the batch fold (property)', async () => {
    await assertProperty(
      fc.property(journeys, fc.nat(), fc.integer({ min: 1, max: 20 }), (j, seed, batch) => {
        const events = sortRawEvents([...j.events]).map((e) => parseEventOrThrow(e, { uniformShape: true }));
        if (events.length === 0) return;
        const tenantId = events[0]!.tenantId;
        const asOf = Math.max(...events.map((e) => Date.parse(e.occurredAt))) + 1;
        const batchFold = foldTenant(tenantId, events, asOf, config, [channelVolume]);
        const live = createLiveTenant(tenantId, config, true, createRecordedIndex(), [channelVolume]);
        const order = shuffled(events, seed);
        for (let i = 0; i < order.length; i += batch) addEvents(live, order.slice(i, i + batch), config);
        const liveFold = tenantFoldOf(live, config);
        expect([...(liveFold.views[0] as ChannelState)]).toEqual([...(batchFold.views[0] as ChannelState)]);
        // The cases it read the effects of were folded too: the openings it counted are the cases opened.
        const opened = [...(batchFold.views[0] as ChannelState).values()].reduce((n, v) => n + v.opened, 0);
        expect(opened).toBe(batchFold.cases.cases.size);
        const window = { asOf, from: 0, to: asOf };
        expect(tenantReport(liveFold, window, false)).toEqual(tenantReport(batchFold, window, false));
      }),
      fcParameters({ numRuns: 100 }),
    );
  });

  it('feeds a section under operations, and its tallies of two independent parts add up to the whole', () => {
    const at = (m: number) => new Date(Date.UTC(2024, 2, 1, 9, m)).toISOString();
    const event = (id: string, customerId: string, m: number, channel: Channel, caseId: string) =>
      parseEventOrThrow({ id, type: 'MessageReceived', tenantId: 'acme', occurredAt: at(m), customerId, channel, caseId, actor: { kind: 'customer' }, data: { text: 'hello' } }, { uniformShape: true });
    const a = [event('a1', 'ann', 1, 'email', 'k-a'), event('a2', 'ann', 5, 'whatsapp', 'k-a')];
    const b = [event('b1', 'bob', 2, 'email', 'k-b'), event('b2', 'bob', 3, 'email', 'k-b2')];
    const window = { asOf: Date.UTC(2024, 2, 2), from: 0, to: Date.UTC(2024, 2, 2) };
    const whole = foldTenant('acme', [...a, ...b], window.asOf, config, [channelVolume]);
    const report = tenantReport(whole, window, false);
    expect(report.operations).toEqual({ channelVolume: { channels: { email: { events: 3, opened: 3 }, whatsapp: { events: 1, opened: 0 } } } });
    // Without the registry's projections, the report has no operations key at all (report.md's sections only).
    expect('operations' in tenantReport(foldTenant('acme', [...a, ...b], window.asOf, config, []), window, false)).toBe(false);
    const parts = mergeTenantTallies(
      tenantTally(foldTenant('acme', a, window.asOf, config, [channelVolume]), window, false),
      tenantTally(foldTenant('acme', b, window.asOf, config, [channelVolume]), window, false),
      [channelVolume],
    );
    expect(tenantReportOf(parts, window, false, [channelVolume])).toEqual(report);
  });
});

describe('the operational views of the registry (operations.md)', () => {
  // Journeys with calls, callbacks, knowledge views, bot sessions, sentiment, priorities, marketplaces and
  // several agents, customers merged late.
  const many = tenantJourneysArbitrary({ customers: { min: 2, max: 6 }, eventsPerCustomer: { min: 5, max: 40 }, tenants: 1, sharedDeviceRate: 0.3, lateMergeRate: 0.4 });

  it('are the same from the live fold in any arrival order and batching as from the replay, and tallies of independent parts add up (property)', async () => {
    await assertProperty(
      fc.property(many, fc.nat(), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 2, max: 4 }), (j, seed, batch, parts) => {
        const events = sortRawEvents([...j.events]).map((e) => parseEventOrThrow(e, { uniformShape: true }));
        if (events.length === 0) return;
        const tenantId = events[0]!.tenantId;
        const ats = events.map((e) => Date.parse(e.occurredAt));
        const asOf = Math.max(...ats) + 1;
        // A period that cuts the events, so the period rules matter.
        const from = Math.min(...ats) + (asOf - Math.min(...ats)) / 4;
        const window = { asOf, from, to: asOf - (asOf - from) / 5 };
        const whole = tenantReport(foldTenant(tenantId, events, asOf, config), window, true).operations;
        const live = createLiveTenant(tenantId, config, true, createRecordedIndex());
        const order = shuffled(events, seed);
        for (let i = 0; i < order.length; i += batch) addEvents(live, order.slice(i, i + batch), config);
        expect(tenantReport(tenantFoldOf(live, config), window, true).operations).toEqual(whole);
        const tallies = partitionEvents(events, parts)
          .filter((part) => part.length > 0)
          .map((part) => tenantTally(foldTenant(tenantId, part, asOf, config), window, true));
        expect(tenantReportOf(tallies.reduce((a, b) => mergeTenantTallies(a, b)), window, true).operations).toEqual(whole);
      }),
      fcParameters({ numRuns: 60 }),
    );
  });
});
