// Tenant isolation (issue 22): one tenant's events never change, and no query reveals, another tenant's
// state. Two tenants get journeys with the same customer ids, case ids and identities; an engine that
// records both (interleaved) must answer every query of one tenant exactly as an engine that only ever saw
// that tenant's events, on every query and stream taking a tenant, and the store keeps each tenant's events
// in streams of its own.
import { createInMemoryEventStore, type EventStore } from '@omnitrail/eventstore';
import { tenantJourneysArbitrary, type RawEvent } from '@omnitrail/testing';
import fc from 'fast-check';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createJourneyEngine, defineJourneyProjection, journeyStreamName, type JourneyChange, type JourneyEngine } from '../src/index.js';
import { parseEventOrThrow } from '@omnitrail/events';

const A = 'acme';
const B = 'acme-eu';
const asOf = Date.UTC(2027, 0, 1);
const perCustomer = defineJourneyProjection<string[]>({ name: 'ids', partitionBy: 'customer', initialState: () => [], evolve: (s, e) => [...s, e.id], clone: false });

/** Two tenants' journeys over the same customer ids, case ids and identities; event ids stay unique. */
const twoTenants = fc
  .tuple(
    tenantJourneysArbitrary({ tenants: [A], customers: { min: 1, max: 4 } }),
    tenantJourneysArbitrary({ tenants: [A], customers: { min: 1, max: 4 } }),
    fc.array(fc.boolean(), { minLength: 300, maxLength: 300 }),
  )
  .map(([a, b, picks]) => {
    const eventsOfB: RawEvent[] = b.events.map((e) => ({ ...e, id: `eu-${e.id}`, tenantId: B }));
    // Interleaved as they might arrive: each step takes the next event of one tenant or the other.
    const mixed: RawEvent[] = [];
    let i = 0;
    let j = 0;
    for (let k = 0; i < a.events.length || j < eventsOfB.length; k++) {
      if (j >= eventsOfB.length || (i < a.events.length && picks[k % picks.length])) mixed.push(a.events[i++]!);
      else mixed.push(eventsOfB[j++]!);
    }
    return { a: a.events, b: eventsOfB, mixed };
  });

async function engineWith(events: readonly RawEvent[], store: EventStore): Promise<{ engine: JourneyEngine; outcomes: Map<string, string>; changes: JourneyChange[] }> {
  const engine = createJourneyEngine({ store, clock: () => asOf, projections: [perCustomer] });
  const changes: JourneyChange[] = [];
  engine.changes$.subscribe((c) => changes.push(c));
  const outcomes = new Map<string, string>();
  // One at a time, so a rejected event (a generated conflict) rejects only itself, in both engines alike.
  for (const e of events) outcomes.set(e.id, await engine.record(e as never).then(() => 'ok', (error: Error) => error.message));
  return { engine, outcomes, changes };
}

/** Every answer the engine gives about one tenant, asked with the ids and identities of both tenants. */
async function answersFor(engine: JourneyEngine, tenant: string, all: readonly RawEvent[]): Promise<unknown> {
  const customers = [...new Set(all.flatMap((e) => [e.customerId, ...(e.identities ?? []).map((i) => i.value)]).filter((c): c is string => c !== undefined))].sort();
  const cases = [...new Set(all.map((e) => e.caseId).filter((c): c is string => c !== undefined))].sort();
  const first = <T>(o: import('rxjs').Observable<T>) => firstValueFrom(o);
  const handle = engine.projection(perCustomer);
  const fold = await first(engine.tenant$(tenant));
  return JSON.parse(
    JSON.stringify({
      report: engine.report(tenant),
      reportAsOf: engine.report(tenant, { asOf: Date.UTC(2024, 6, 1) }),
      openCases: engine.openCases(tenant),
      cases: cases.map((c) => engine.getCase(tenant, c)),
      cases$: await Promise.all(cases.map((c) => first(engine.case$(tenant, c)))),
      canonical: customers.map((c) => engine.canonicalCustomerId(tenant, c)),
      profiles: customers.map((c) => engine.customer(tenant, c)),
      profiles$: await Promise.all(customers.map((c) => first(engine.customer$(tenant, c)))),
      foldReport: fold === undefined ? undefined : engine.report(tenant),
      foldAsOf: engine.foldAsOf(tenant, Date.UTC(2024, 6, 1)).cases.cases.size,
      keys: handle.keys(tenant),
      states: customers.map((c) => handle.state(tenant, c)),
      statesAt: customers.map((c) => handle.stateAt(tenant, c, Date.UTC(2024, 6, 1))),
      states$: await Promise.all(customers.map((c) => first(handle.state$(tenant, c)))),
    }),
  ) as unknown;
}

async function streamsOf(store: EventStore): Promise<Map<string, Set<string>>> {
  const tenantsByStream = new Map<string, Set<string>>();
  for await (const e of store.readAll()) {
    const set = tenantsByStream.get(e.streamName) ?? new Set<string>();
    set.add((e.data as { tenantId: string }).tenantId);
    tenantsByStream.set(e.streamName, set);
  }
  return tenantsByStream;
}

describe('tenant isolation', () => {
  it('one tenant’s events change nothing another tenant sees, through every query and stream (property)', async () => {
    await fc.assert(
      fc.asyncProperty(twoTenants, async ({ a, b, mixed }) => {
        const shared = createInMemoryEventStore();
        const both = await engineWith(mixed, shared);
        for (const [tenant, own] of [
          [A, a],
          [B, b],
        ] as const) {
          const alone = await engineWith(own, createInMemoryEventStore());
          // The same events accepted or rejected, for the same reasons.
          for (const e of own) expect(both.outcomes.get(e.id), e.id).toBe(alone.outcomes.get(e.id));
          expect(await answersFor(both.engine, tenant, mixed)).toEqual(await answersFor(alone.engine, tenant, mixed));
          await alone.engine.close();
        }
        // Every change names one tenant and only that tenant's events.
        const tenantOf = new Map(mixed.map((e) => [e.id, e.tenantId]));
        for (const change of both.changes) for (const id of change.eventIds) expect(tenantOf.get(id)).toBe(change.tenantId);
        // The store: every stream holds one tenant's events; a read by stream shows no other tenant.
        for (const [stream, tenants] of await streamsOf(shared)) expect([...tenants], stream).toHaveLength(1);
        // An engine rebuilt from the shared store answers the same (catch-up folds each tenant apart).
        const rebuilt = createJourneyEngine({ store: shared, clock: () => asOf, projections: [perCustomer] });
        await rebuilt.ready();
        for (const tenant of [A, B]) expect(await answersFor(rebuilt, tenant, mixed)).toEqual(await answersFor(both.engine, tenant, mixed));
        await rebuilt.close();
        await both.engine.close();
      }),
      { numRuns: 8, seed: 22 },
    );
  });

  it('gives a tenant whose id holds a dash streams of its own (tenant acme-eu/customer c1 vs tenant acme/customer eu-c1)', async () => {
    const event = (id: string, tenantId: string, customerId: string) =>
      parseEventOrThrow({ id, type: 'MessageReceived', tenantId, occurredAt: '2024-03-01T10:00:00Z', customerId, channel: 'email', actor: { kind: 'customer' }, data: { text: id } });
    const one = event('x1', 'acme', 'eu-c1');
    const other = event('x2', 'acme-eu', 'c1');
    expect(journeyStreamName(one)).toBe('journey-acme-eu-c1');
    expect(journeyStreamName(other)).toBe('journey-acme%2Deu-c1');
    const store = createInMemoryEventStore();
    const engine = createJourneyEngine({ store });
    await engine.record([one, other] as never);
    const read = async (stream: string) => {
      const ids: string[] = [];
      for await (const e of store.readStream(stream)) ids.push(e.id);
      return ids;
    };
    expect(await read(journeyStreamName(one))).toEqual(['x1']);
    expect(await read(journeyStreamName(other))).toEqual(['x2']);
    await engine.close();
  });
});
