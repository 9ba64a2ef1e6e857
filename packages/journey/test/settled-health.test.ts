// A settled customer's health from a summary (core/churn/facts.ts): once no event of a customer can come,
// a few values and its sentiments judge its health at any later instant exactly as its record does, score
// to the bit, evidence and details included (docs/quiet-customers.md, "HS"). The groundwork for customers
// whose records leave memory (docs/durable-engine.md, "Where the heap is at 1M events").
import { assertProperty, fcParameters, tenantJourneysArbitrary } from '@omnitrail/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { healthOf, settledHealthFacts } from '../src/core/churn/index.js';
import { createJourneyEngine } from '../src/index.js';

const DAY = 86_400_000;
const ASOF = Date.parse('2031-01-01T00:00:00Z');

/** Journeys with every kind of step, and a configuration of the signals read from a summary. */
const scenarioArbitrary = fc.record({
  journeys: tenantJourneysArbitrary({ tenants: 1, customers: { min: 2, max: 10 }, eventsPerCustomer: { min: 2, max: 40 }, startSpreadMs: 120 * DAY, sharedDeviceRate: 0.2, lateMergeRate: 0.2 }),
  windowDays: fc.integer({ min: 1, max: 60 }),
  minPrevious: fc.integer({ min: 0, max: 4 }),
  halfLifeDays: fc.integer({ min: 1, max: 90 }),
  offsets: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 * DAY }), fc.integer({ min: 0, max: 500 * DAY })), { minLength: 1, maxLength: 6 }),
});

describe('health of a settled customer from its summary', () => {
  it('equals the health its record gives at every instant from its last event on (property)', async () => {
    let judged = 0;
    await assertProperty(
      fc.asyncProperty(scenarioArbitrary, async ({ journeys, windowDays, minPrevious, halfLifeDays, offsets }) => {
        const engine = createJourneyEngine({
          clock: () => ASOF,
          config: {
            sentimentHalfLifeMs: halfLifeDays * DAY,
            churnSignals: {
              declining_engagement: { weight: 2, windowDays, minPrevious },
              negative_sentiment: { weight: 2, halfLifeDays, threshold: 0 },
            },
          },
        });
        await engine.recordUnknown(journeys.events);
        for (const tenantId of journeys.tenants) {
          const fold = engine.fold(tenantId);
          if (fold === undefined) continue;
          for (const rec of fold.customers.customers.values()) {
            if (rec.ats.length === 0) continue;
            const settled = settledHealthFacts(rec, fold.config);
            for (const offset of offsets) {
              const asOf = settled.settledAt + offset;
              expect(healthOf(settled, asOf, fold.caseLookup, fold.config)).toEqual(healthOf(rec, asOf, fold.caseLookup, fold.config));
              judged++;
            }
            // Before its instant the summary does not answer: it says so rather than answer wrong.
            if (rec.ats.length >= 2) expect(() => healthOf(settled, settled.settledAt - 1, fold.caseLookup, fold.config)).toThrow(/before its summary's instant/);
          }
        }
        await engine.close();
      }),
      fcParameters({ numRuns: 60 }),
    );
    expect(judged).toBeGreaterThan(100);
  });

  it('is a summary: a few values whatever the history, but every sentiment', async () => {
    const engine = createJourneyEngine({ clock: () => ASOF });
    const journeys = fc.sample(tenantJourneysArbitrary({ tenants: 1, customers: { min: 3, max: 3 }, eventsPerCustomer: { min: 60, max: 60 }, startSpreadMs: 30 * DAY }), { seed: 7, numRuns: 1 })[0]!;
    await engine.recordUnknown(journeys.events);
    const fold = engine.fold(journeys.tenants[0]!)!;
    for (const rec of fold.customers.customers.values()) {
      const settled = settledHealthFacts(rec, fold.config);
      expect(settled.settledAt).toBe(rec.ats[rec.ats.length - 1]);
      expect(settled.sentiments).toEqual(rec.sentiments);
      for (const list of [settled.hops, settled.returnsCancels, settled.negativeMentions, settled.cancelIntents]) expect(list.length).toBeLessThanOrEqual(1);
      // Activity within two declining-engagement windows (30 days) of the last event, not the whole timeline.
      for (const at of settled.recentActivity.at) expect(at).toBeGreaterThan(settled.settledAt - 60 * DAY);
    }
    await engine.close();
  });
});
