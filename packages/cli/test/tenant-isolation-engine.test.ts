// Tenants, as a property (issue 22): one tenant's events never change, and queries never reveal, another
// tenant's state: through the engine API, a file store read back (with sealed personal fields) and the CLI's
// --tenant. Tenant B reuses A's customer ids and identity values on purpose, with other content.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { openFileEventStore, openFileKeyStore } from '@omnitrail/eventstore';
import { createJourneyEngine } from '@omnitrail/journey';
import { tenantJourneysArbitrary, type RawEvent } from '@omnitrail/testing';
import { describe, expect, it } from 'vitest';
import { ndjson, run, tempDir } from './helpers.js';

const journeys = (tenant: string) => tenantJourneysArbitrary({ tenants: [tenant], customers: { min: 1, max: 4 }, eventsPerCustomer: { min: 1, max: 10 }, sharedDeviceRate: 0.3, lateMergeRate: 0.3 });

/** A's events copied into B: same customers and identities, new ids, and B's own texts. */
function twinOf(events: readonly RawEvent[]): RawEvent[] {
  return events.map((e) => {
    const data = { ...(e.data as Record<string, unknown>) };
    if (typeof data['text'] === 'string') data['text'] = `B-only ${data['text'] as string}`;
    return { ...e, id: `twin-${e.id}`, tenantId: 'B', data } as RawEvent;
  });
}

const AS_OF = '2031-01-01T00:00:00.000Z';
const window = { asOf: Date.parse(AS_OF), from: Date.parse('2000-01-01T00:00:00Z'), to: Date.parse(AS_OF) };

describe('tenant isolation (property)', () => {
  it("B's events never change A's report, profiles, cases or customer lookups, live, from a store or in the CLI", async () => {
    await fc.assert(
      fc.asyncProperty(journeys('A'), journeys('B'), async (a, b) => {
        const aEvents = a.events;
        const bEvents = [...twinOf(aEvents), ...b.events.map((e) => ({ ...e, id: `b-${e.id}` }))];
        const clock = () => window.asOf;
        const alone = createJourneyEngine({ clock });
        await alone.record(aEvents as never);
        const directory = tempDir();
        try {
          const store = await openFileEventStore({ directory, fsync: 'none' });
          const keys = openFileKeyStore({ directory });
          const both = createJourneyEngine({ store, keys, clock });
          // Interleaved, so B's events land between A's.
          const mixed = [...aEvents, ...bEvents].sort((x, y) => (x.occurredAt < y.occurredAt ? -1 : x.occurredAt > y.occurredAt ? 1 : 0));
          await both.record(mixed as never);
          const customers = [...new Set(aEvents.map((e) => e.customerId).filter((id): id is string => id !== undefined))];
          const view = (engine: typeof alone) => ({
            report: engine.report('A', window),
            profiles: customers.map((id) => engine.customer('A', id)),
            open: engine.openCases('A'),
            canonical: customers.map((id) => engine.canonicalCustomerId('A', id)),
          });
          const expected = view(alone);
          expect(view(both)).toEqual(expected);
          // A customer of B alone is nobody in A.
          for (const e of b.events) if (e.customerId !== undefined && !customers.includes(e.customerId)) expect(both.customer('A', e.customerId)).toBeUndefined();
          expect(JSON.stringify(view(both))).not.toContain('B-only');
          await both.close();
          await store.close();
          // Read back from the store, sealed fields opened with the keys.
          const store2 = await openFileEventStore({ directory, fsync: 'none' });
          const reader = createJourneyEngine({ store: store2, keys, clock });
          await reader.ready();
          expect(view(reader)).toEqual(expected);
          await reader.close();
          await store2.close();
          await keys.close();
          // The CLI: --tenant A over both tenants' events is A's report alone.
          const aFile = join(directory, 'a.ndjson');
          const mixedFile = join(directory, 'mixed.ndjson');
          writeFileSync(aFile, ndjson(aEvents as never));
          writeFileSync(mixedFile, ndjson(mixed as never));
          const args = ['--tenant', 'A', '--as-of', AS_OF, '--from', '2000-01-01T00:00:00Z', '--to', AS_OF];
          const onlyA = await run(['replay', aFile, ...args]);
          const fromMixed = await run(['replay', mixedFile, ...args]);
          expect(onlyA.code).toBe(0);
          // Everything but the input counts (the mixed file has more lines): the tenant's section, the window.
          const { input: _readA, ...reportA } = JSON.parse(onlyA.stdout) as { input: unknown };
          const { input: _readMixed, ...reportMixed } = JSON.parse(fromMixed.stdout) as { input: unknown };
          expect(reportMixed).toEqual(reportA);
          expect(fromMixed.stdout).not.toContain('B-only');
        } finally {
          await alone.close();
          rmSync(directory, { recursive: true, force: true });
        }
      }),
      { numRuns: 12 },
    );
  });
});
