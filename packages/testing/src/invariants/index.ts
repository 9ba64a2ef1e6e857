import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEventOrThrow, type CatalogEvent } from '@omnitrail/events';
import { createInMemoryEventStore } from '@omnitrail/eventstore';
import { createJourneyEngine, replayReport, type JourneyConfig, type ReplayOptions, type ReplayResult, type TenantReport } from '@omnitrail/journey';
import { journeyArbitrary } from '../arbitraries/journey.js';
import { sortRawEvents, tenantJourneysArbitrary, type TenantJourneysOptions } from '../arbitraries/tenant.js';
import type { RawEvent } from '@omnitrail/workload';

import { assertProperty, expectSameJson, fcParameters, parseAll, shuffled, type JourneyInvariantOptions, type ReplayReportFn } from './properties.js';

export type { JourneyInvariantOptions, ReplayReportFn } from './properties.js';

/** An agent's `CustomersMerged` of cust-b into cust-a, an hour after the last event of the pair. */
function lateMerge(last: number): RawEvent {
  return {
    id: 'tenant-m-merge-b-into-a',
    type: 'CustomersMerged',
    tenantId: 'tenant-m',
    occurredAt: new Date(last + 3_600_000).toISOString(),
    customerId: 'cust-a',
    actor: { kind: 'agent', id: 'agent-1' },
    data: { survivorId: 'cust-a', mergedId: 'cust-b' },
  };
}

/** The explicit window of a set of events: asOf = latest + 1 ms, from = earliest, to = asOf. */
function windowOf(events: readonly { occurredAt: string }[]): { asOf: number; from: number; to: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const e of events) {
    const at = Date.parse(e.occurredAt);
    if (at < min) min = at;
    if (at > max) max = at;
  }
  return { asOf: max + 1, from: min, to: max + 1 };
}

/** The report sections merge equivalence promises (domain.md); `customers.merged` differs by design. */
const MERGE_SECTIONS = ['cases', 'metrics', 'journeys', 'health'] as const;

const pick = (t: TenantReport | undefined) => (t === undefined ? undefined : Object.fromEntries(MERGE_SECTIONS.map((k) => [k, t[k]])));

/** Two customers of one tenant, identified from the start (no anonymous phase, so no automatic merge). */
function pairArbitrary(options: TenantJourneysOptions) {
  const base = { ...options, rates: { ...options.rates, anonymous: 0 }, tenantId: 'tenant-m' };
  return fc.record({ a: journeyArbitrary({ ...base, customerId: 'cust-a' }), b: journeyArbitrary({ ...base, customerId: 'cust-b' }) });
}

/** A neutral event of `customerId` standing in for an identity event at the same instant and id. */
function standIn(event: RawEvent, customerId: string): RawEvent {
  return { id: event.id, type: 'CustomerProfileUpdated', tenantId: event.tenantId, occurredAt: event.occurredAt, customerId, actor: { kind: 'system' }, data: {} };
}

/**
 * Defines a vitest `describe` block of fast-check properties every journey report must satisfy: determinism,
 * order independence, batching and redelivery independence, restart equivalence, merge and unmerge
 * equivalence, tenant isolation, and as-of equals the prefix. Call it at the top level of a test file.
 */
export function journeyInvariants(options: JourneyInvariantOptions = {}): void {
  const replay: ReplayReportFn = options.replay ?? replayReport;
  const params = fcParameters({ ...(options.numRuns !== undefined ? { numRuns: options.numRuns } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  const journeyOptions: TenantJourneysOptions = {
    customers: { min: 1, max: 4 },
    eventsPerCustomer: { min: 1, max: 30 },
    tenants: 2,
    sharedDeviceRate: 0.2,
    lateMergeRate: 0.2,
    ...options.journeys,
  };
  const journeys = tenantJourneysArbitrary(journeyOptions);
  const config = options.config;
  const run = (events: readonly CatalogEvent[], extra: { asOf?: number; from?: number; to?: number; tenant?: string } = {}) =>
    replay({ events, ...extra, ...(config ? { config } : {}) });
  const json = (x: unknown) => JSON.stringify(x);

  describe(options.name ?? 'journey invariants', () => {
    it('is deterministic: the same events give a byte-identical report', async () => {
      await assertProperty(
        fc.property(journeys, (j) => {
          const first = json(run(parseAll(j.events)));
          const second = json(run(parseAll(structuredClone(j.events))));
          expectSameJson(JSON.parse(second), JSON.parse(first), 'second report');
          expect(second).toBe(first);
        }),
        params,
      );
    });

    it('does not depend on input order', async () => {
      await assertProperty(
        fc.property(journeys, fc.nat(), (j, seed) => {
          const events = parseAll(j.events);
          expectSameJson(run(shuffled(events, seed)), run(events), 'report of shuffled events');
        }),
        params,
      );
    });

    it('restricts to the prefix: the report as of t equals the report of the events ≤ t', async () => {
      await assertProperty(
        fc.property(journeys, fc.nat(), (j, k) => {
          const events = parseAll(j.events);
          const t = Date.parse((events[k % events.length] as CatalogEvent).occurredAt);
          const { from } = windowOf(events);
          const window = { asOf: t, from, to: t };
          const full = run(events, window);
          const prefix = run(events.filter((e) => Date.parse(e.occurredAt) <= t), window);
          // Tenants whose events all come after t have no section in the prefix report.
          for (const [tenantId, section] of Object.entries(prefix.tenants)) expectSameJson(full.tenants[tenantId], section, `tenant ${tenantId} as of t`);
          expect([prefix.asOf, prefix.from, prefix.to]).toEqual([full.asOf, full.from, full.to]);
        }),
        params,
      );
    });

    it('isolates tenants: another tenant\'s events do not change a tenant\'s section', async () => {
      await assertProperty(
        fc.property(journeys, (j) => {
          const events = parseAll(j.events);
          const window = windowOf(events);
          const all = run(events, window);
          for (const tenantId of Object.keys(all.tenants)) {
            const alone = run(events.filter((e) => e.tenantId === tenantId), window);
            expectSameJson(all.tenants[tenantId], alone.tenants[tenantId], `tenant ${tenantId} with other tenants`);
          }
        }),
        params,
      );
    });

    it('merge equivalence: a late CustomersMerged gives the sections of events that carried the survivor from the start', async () => {
      await assertProperty(
        fc.property(pairArbitrary(journeyOptions), ({ a, b }) => {
          const last = Math.max(...[...a.events, ...b.events].map((e) => Date.parse(e.occurredAt)));
          const merge = lateMerge(last);
          const merged = parseAll([...a.events, ...b.events, merge]);
          const rewritten = parseAll([...a.events, ...b.events.map((e) => ({ ...e, customerId: 'cust-a' })), standIn(merge, 'cust-a')]);
          const window = windowOf(merged);
          expectSameJson(pick(run(merged, window).tenants['tenant-m']), pick(run(rewritten, window).tenants['tenant-m']), 'merged tenant');
        }),
        params,
      );
    });

    it('unmerge restores the state as if the merge never happened', async () => {
      await assertProperty(
        fc.property(pairArbitrary(journeyOptions), ({ a, b }) => {
          const last = Math.max(...[...a.events, ...b.events].map((e) => Date.parse(e.occurredAt)));
          const merge = lateMerge(last);
          const unmerge: RawEvent = {
            id: 'tenant-m-unmerge-b',
            type: 'CustomersUnmerged',
            tenantId: 'tenant-m',
            occurredAt: new Date(last + 7_200_000).toISOString(),
            customerId: 'cust-b',
            actor: { kind: 'agent', id: 'agent-1' },
            data: { customerId: 'cust-b', identities: [] },
          };
          const undone = parseAll([...a.events, ...b.events, merge, unmerge]);
          const never = parseAll([...a.events, ...b.events, standIn(merge, 'cust-a'), standIn(unmerge, 'cust-b')]);
          const window = windowOf(undone);
          expectSameJson(run(undone, window).tenants['tenant-m'], run(never, window).tenants['tenant-m'], 'unmerged tenant');
        }),
        params,
      );
    });

    const engineIt = options.engine === false ? it.skip : it;

    engineIt('live engine: batching and redelivery give the replay report', async () => {
      await assertProperty(
        fc.asyncProperty(journeys, fc.integer({ min: 1, max: 10 }), fc.nat(), async (j, batch, seed) => {
          const events = parseAll(j.events);
          const window = windowOf(events);
          const engine = createJourneyEngine(config ? { config } : {});
          try {
            const order = shuffled(events, seed);
            for (let i = 0; i < order.length; i += batch) await engine.record(order.slice(i, i + batch));
            // Redeliver a shuffled copy of everything: nothing may change.
            await engine.record(shuffled(events, seed + 1));
            const expected = run(events, window);
            for (const tenantId of Object.keys(expected.tenants)) expectSameJson(engine.report(tenantId, window), expected.tenants[tenantId], `live tenant ${tenantId}`);
          } finally {
            await engine.close();
          }
        }),
        params,
      );
    });

    engineIt('live engine: restarting from the store and continuing equals folding everything', async () => {
      await assertProperty(
        fc.asyncProperty(journeys, fc.nat(), async (j, k) => {
          const events = sortRawEvents([...j.events]).map((e) => parseEventOrThrow(e));
          const split = k % (events.length + 1);
          const window = windowOf(events);
          const store = createInMemoryEventStore();
          const before = createJourneyEngine({ store, ...(config ? { config } : {}) });
          if (split > 0) await before.record(events.slice(0, split));
          await before.close();
          const after = createJourneyEngine({ store, ...(config ? { config } : {}) });
          try {
            await after.ready();
            if (split < events.length) await after.record(events.slice(split));
            const expected = run(events, window);
            for (const tenantId of Object.keys(expected.tenants)) expectSameJson(after.report(tenantId, window), expected.tenants[tenantId], `restarted tenant ${tenantId}`);
          } finally {
            await after.close();
          }
        }),
        params,
      );
    });
  });
}
